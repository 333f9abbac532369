"""The activities app's figure for rating schemes (`"ratings.indicators"`, ADR 0018):
activities an organization held in the year, read from this app's own tables.

An activity counts for its organizing Party organization and for every organization
sharing it (联组, `EventOrganizer`), once each; it is held when it was published (or
closed with its summary) and has ended; drafts and cancelled ones do not count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.utils import timezone

from lianjian.activities.models import Event, EventOrganizer
from lianjian.core.indicators import Indicator

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


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "activities.held",
        "开展活动次数",
        "次",
        activities_held,
        "本组织当年牵头或联合开展、已结束的活动（草稿和已取消的不计）",
    ),
)
