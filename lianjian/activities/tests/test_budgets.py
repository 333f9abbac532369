"""Query budgets of the list pages: the count stays flat however many rows there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from lianjian.activities import services
from lianjian.activities.tests.factories import make_event, make_volunteer

pytestmark = pytest.mark.django_db


def test_list_pages_query_budgets(
    tree: Any, personas: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    me = services.volunteer_join(
        user=personas.member, region=tree.community_a1, name="陈一", consent=True
    )
    team = services.team_create(actor=None, region=tree.community_a1, name="助老队")
    for _ in range(8):
        event = make_event(tree.community_a1, capacity=3)
        services.signup_create(event, me)
        v = make_volunteer(tree.community_a1)
        services.team_member_add(team, v)
        services.hours_log(v, on=timezone.localdate(), hours=1, description="助老")
    member, staff = client_for(personas.member), client_for(personas.secretary_a1)
    pages = [
        (member, "/activities/m/", 16),
        (member, "/activities/me/hours/", 14),
        (staff, "/activities/events/", 16),
        (staff, "/activities/teams/", 16),
        (staff, f"/activities/teams/{team.pk}/", 18),
        (staff, "/activities/hours/", 16),
        (staff, "/activities/report/", 16),
    ]
    for client, url, budget in pages:
        client.get(url)  # warm per-session caches
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url
