"""The alliances app's figure for rating schemes (`"ratings.indicators"`, ADR 0018): joint
meetings attended by the units an organization covers, read from this app's own tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from lianjian.alliances.models import Attendance
from lianjian.core.indicators import Indicator
from lianjian.orgs.indicators import covered_units


def meetings_attended(org_ids: Sequence[int], year: int) -> dict[int, float]:
    """Held meetings of `year` that a covered unit attended, each meeting counted once."""
    units = covered_units(org_ids, year)
    seen: dict[int, set[int]] = defaultdict(set)
    rows = (
        Attendance.objects.filter(unit_id__in=list(units), meeting__held_on__year=year)
        .values_list("unit_id", "meeting_id")
        .distinct()
    )
    for unit_id, meeting_id in rows:
        for org_id in units[unit_id]:
            seen[org_id].add(meeting_id)
    return {org_id: float(len(m)) for org_id, m in seen.items()}


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "alliances.meetings_attended",
        "参加联席会议次数",
        "次",
        meetings_attended,
        "本组织覆盖单位当年出席的已召开联席会议（按会议计，不重复）",
    ),
)
