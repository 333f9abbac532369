"""Factories for activities tests: volunteers and events through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from lianjian.activities import services
from lianjian.activities.models import Event, Volunteer

_seq = itertools.count(1)


def make_volunteer(region: Any, user: Any = None, member: Any = None, name: str = "") -> Volunteer:
    n = next(_seq)
    if user is None:
        from lianjian.accounts.models import User

        user = User.objects.create(
            username=f"vol{n}", display_name=f"志愿者{n}", must_change_password=False
        )
    return services.volunteer_join(
        user=user, region=region, name=name or f"志愿者{n}", member=member, consent=True
    )


def make_event(
    region: Any,
    *,
    organizer_org: Any = None,
    capacity: int | None = None,
    starts_in: dt.timedelta = dt.timedelta(days=2),
    hours: float = 2,
    kind: str = "service",
    **extra: Any,
) -> Event:
    starts_at = timezone.now().replace(microsecond=0) + starts_in
    if (
        organizer_org is None
        and "organizer_team" not in extra
        and "organizer_alliance" not in extra
    ):
        from lianjian.orgs.models import PartyOrg

        organizer_org = PartyOrg.objects.filter(region=region).first()
    return services.event_create(
        actor=None,
        kind=kind,
        title=extra.pop("title", f"活动{next(_seq)}"),
        region=region,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        organizer_org=organizer_org,
        capacity=capacity,
        publish=extra.pop("publish", True),
        **extra,
    )
