"""Per-need summary: the event history folded into one row per need.

Statistics for the present read `NeedSummary` (one narrow row per need, kept
in the same transaction as each event). As of a past date, a need whose
latest counted event (`last_event_at`) is not later is exactly its summary;
only the others are folded from the events up to that date, with the very
same `fold`, so both paths agree by construction and every figure stays
recomputable from history.

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
    # the latest counted event: a summary with this <= as_of is the need as of `as_of`
    last_event_at: dt.datetime | None = None


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
    if state.last_event_at is None or at > state.last_event_at:
        state.last_event_at = at
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


def state_values(state: SummaryState, names: Iterable[str] = STATE_FIELDS) -> dict[str, Any]:
    return {name: getattr(state, name) for name in names}


def state_fields_of(model: Any) -> tuple[str, ...]:
    """The STATE_FIELDS a (historical) summary model has columns for.

    Migrations that write or read summaries use this, so a field added later
    is not written to a table that does not have its column yet.
    """
    columns = {f.attname for f in model._meta.concrete_fields}
    return tuple(name for name in STATE_FIELDS if name in columns)


# ---------------------------------------------------------------- all-time tallies

SATISFIED_RATINGS = ("satisfied", "basic")
# what a tally row is keyed by; ids are 0 where the need has none (so the key is unique)
TALLY_KEY = (
    "district_id",
    "street_id",
    "community_id",
    "area_id",
    "department_id",
    "category_id",
    "channel",
)
TALLY_FIGURES = (
    "submitted",
    "dispatched",
    "replied",
    "on_time",
    "reply_seconds",
    "reply_timed",
    "rated",
    "satisfied",
    "reopened",
)


def tally_key(state: Any) -> tuple[Any, ...]:
    return tuple(
        getattr(state, k) if k == "channel" else (getattr(state, k) or 0) for k in TALLY_KEY
    )


def tally_figures(state: Any) -> dict[str, int]:
    """One need's contribution to the all-time figures of its tally row."""
    replied = state.first_replied_at is not None
    timed = replied and state.first_reply_seconds is not None
    rated = state.rated_at is not None
    return {
        "submitted": int(state.submitted_at is not None),
        "dispatched": int(state.first_dispatched_at is not None),
        "replied": int(replied),
        "on_time": int(replied and state.first_on_time is True),
        "reply_seconds": state.first_reply_seconds if timed else 0,
        "reply_timed": int(timed),
        "rated": int(rated),
        "satisfied": int(rated and state.rating in SATISFIED_RATINGS),
        "reopened": int(state.first_reopened_at is not None),
    }


def tally_deltas(old: Any | None, new: Any) -> list[tuple[tuple[Any, ...], dict[str, int]]]:
    """(key, non-zero deltas) moving a need from `old` to `new`, in key order (lock order)."""
    changes: dict[tuple[Any, ...], dict[str, int]] = {}
    for state, sign in ((old, -1), (new, 1)):
        if state is None:
            continue
        bucket = changes.setdefault(tally_key(state), dict.fromkeys(TALLY_FIGURES, 0))
        for name, value in tally_figures(state).items():
            bucket[name] += sign * value
    return [
        (key, {k: v for k, v in delta.items() if v})
        for key, delta in sorted(changes.items(), key=lambda kv: tuple(map(str, kv[0])))
        if any(delta.values())
    ]
