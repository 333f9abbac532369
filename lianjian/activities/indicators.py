"""The activities app's figures for rating schemes (`"ratings.indicators"`, ADR 0018):
activities an organization held in the year, and its members' Party-school attendance,
read from this app's own tables.

An activity counts for its organizing Party organization and for every organization
sharing it (联组, `EventOrganizer`), once each; it is held when it was published (or
closed with its summary) and has ended; drafts and cancelled ones do not count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count
from django.utils import timezone

from lianjian.activities.models import Event, EventOrganizer
from lianjian.activities.models_school import Completion
from lianjian.core.indicators import Indicator
from lianjian.core.rates import percent
from lianjian.orgs.models import Member

HELD = (Event.Status.PUBLISHED, Event.Status.DONE)


def activities_held(org_ids: Sequence[int], year: int) -> dict[int, float]:
    ids = list(org_ids)
    held = Event.objects.filter(status__in=HELD, starts_at__year=year, ends_at__lte=timezone.now())
    seen: dict[int, set[int]] = defaultdict(set)
    for org_id, event_id in held.filter(organizer_org_id__in=ids).values_list(
        "organizer_org_id", "pk"
    ):
        seen[org_id].add(event_id)
    shared = EventOrganizer.objects.filter(party_org_id__in=ids, event__in=held.values("pk"))
    for org_id, event_id in shared.values_list("party_org_id", "event_id"):
        seen[org_id].add(event_id)
    return {org_id: float(len(events)) for org_id, events in seen.items()}


def course_attendance(org_ids: Sequence[int], year: int) -> dict[int, float]:
    """Percent of an organization's active members who attended or finished at least one
    Party-school lesson in the year (a lecture by check-in, an e-lesson by finishing it)."""
    ids = list(org_ids)
    members = dict(
        Member.objects.filter(party_org_id__in=ids, is_active=True)
        .order_by()
        .values_list("party_org_id")
        .annotate(n=Count("pk"))
    )
    studied = dict(
        Completion.objects.filter(
            at__year=year,
            volunteer__member__party_org_id__in=ids,
            volunteer__member__is_active=True,
        )
        .order_by()
        .values_list("volunteer__member__party_org_id")
        .annotate(n=Count("volunteer__member_id", distinct=True))
    )
    out: dict[int, float] = {}
    for org_id, n in members.items():
        rate = percent(studied.get(org_id, 0), n)
        if rate is not None:
            out[org_id] = rate
    return out


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "activities.held",
        "开展活动次数",
        "次",
        activities_held,
        "本组织当年牵头或联合开展、已结束的活动（草稿和已取消的不计）",
    ),
    Indicator(
        "activities.course_attendance",
        "党员参学率",
        "%",
        course_attendance,
        "本组织有效党员中，当年到场听过党校课程或学完一节电子党课的比例",
    ),
)
