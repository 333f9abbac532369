"""Per-need summary: the event history folded into one row per need.

Statistics for the present read `NeedSummary` (one narrow row per need, kept
in the same transaction as each event); statistics as of a past date fold the
events up to that date with the very same `fold`, so both paths agree by
construction and every figure stays recomputable from history.

This module is pure (no model imports) so the backfill migration can use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

# the event actions that move a summary; reminders and escalations do not
COUNTED_ACTIONS = frozenset(
    {
        "submit",
        "dispatch",
        "accept",
        "reply",
        "return",
        "transfer",
        "reject",
        "merge",
        "close",
        "rate",
        "reopen",
    }
)


@dataclass
class SummaryState:
    """What statistics need to know about one need at a moment."""

    need_id: int
    channel: str = ""
    district_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None
    area_id: int | None = None
    department_id: int | None = None
    category_id: int | None = None
    status: str = ""
    deadline: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    first_dispatched_at: dt.datetime | None = None
    first_replied_at: dt.datetime | None = None
    first_on_time: bool | None = None
    first_reply_seconds: int | None = None
    rating: str = ""
    rated_at: dt.datetime | None = None
    reopen_count: int = 0
    first_reopened_at: dt.datetime | None = None


# the NeedEvent columns `apply_event` reads
EVENT_FOLD_FIELDS = (
    "need_id",
    "action",
    "to_status",
    "at",
    "department_id",
    "category_id",
    "deadline",
    "channel",
    "district_id",
    "street_id",
    "community_id",
    "area_id",
    "on_time",
    "reply_seconds",
    "rating",
)

STATE_FIELDS = tuple(f.name for f in fields(SummaryState) if f.name != "need_id")


def apply_event(state: SummaryState, event: Any) -> SummaryState:
    """Move `state` by one event (anything with NeedEvent's attribute names)."""
    action = event.action
    if action not in COUNTED_ACTIONS:
        return state
    state.status = event.to_status
    state.department_id = event.department_id
    state.category_id = event.category_id
    state.deadline = event.deadline
    state.channel = event.channel
    for level in ("district_id", "street_id", "community_id", "area_id"):
        setattr(state, level, getattr(event, level))
    at = event.at
    if action == "submit":
        state.submitted_at = at
    elif action == "dispatch" and state.first_dispatched_at is None:
        state.first_dispatched_at = at
    elif action == "reply" and state.first_replied_at is None:
        state.first_replied_at = at
        state.first_on_time = event.on_time
        state.first_reply_seconds = event.reply_seconds
    elif action == "rate":
        state.rating = event.rating
        state.rated_at = at
    elif action == "reopen":
        state.reopen_count += 1
        if state.first_reopened_at is None:
            state.first_reopened_at = at
    return state


def fold(events: Iterable[Any]) -> dict[int, SummaryState]:
    """Fold events (ordered by need, then time and id) into one state per need."""
    states: dict[int, SummaryState] = {}
    for event in events:
        state = states.get(event.need_id)
        if state is None:
            state = states[event.need_id] = SummaryState(need_id=event.need_id)
        apply_event(state, event)
    return states


def state_values(state: SummaryState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in STATE_FIELDS}
