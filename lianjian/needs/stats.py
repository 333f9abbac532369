"""The needs statistics engine: per-dimension figures for the needs in a user's scope.

The present reads the write model kept by `services.tally` (`NeedTally` for all
time, `NeedSummary` for a period); a past `as_of` folds the event history of
the needs that changed since (`summary.fold`). Every path counts the same
figures the same way; `test_stats_as_of` compares them.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from lianjian.core.gcpause import gc_paused
from lianjian.core.rates import percent
from lianjian.core.statements import Statement, fetch_dicts, with_value
from lianjian.needs.access import (
    NeedScopeKey,
    department_ids_of,
    key_need_scope_q,
    need_scope_key,
    summaries_visible_to,
)
from lianjian.needs.models import (
    AWAITING_REPLY,
    Category,
    Channel,
    Department,
    NeedEvent,
    NeedSummary,
    NeedTally,
    Rating,
)
from lianjian.needs.summary import COUNTED_ACTIONS, EVENT_FOLD_FIELDS, SummaryState, fold
from lianjian.orgs.access import scope_q
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User

DIMENSIONS = {
    "department": "department_id",
    "category": "category_id",
    "street": "street_id",
    "community": "community_id",
    "channel": "channel",
}
# where a dimension's keys get their names (channel labels are choices, no table)
LABEL_MODELS: dict[str, Any] = {
    "department": Department,
    "category": Category,
    "street": Region,
    "community": Region,
}


class _GroupLabel(Subquery):
    """A correlated subquery on the grouped key, evaluated once per group.

    Django would add it to GROUP BY, which makes the database run it once
    per row grouped; the key it reads is grouped already, so it needs no group.
    """

    def get_group_by_cols(self) -> list[Any]:
        return []


def _label_subquery(dimension: str, key: str) -> Subquery | None:
    """The key's name read in the aggregate itself (one round trip less than a lookup)."""
    model = LABEL_MODELS.get(dimension)
    if model is None:
        return None
    return _GroupLabel(model.objects.filter(pk=OuterRef(key)).order_by().values("name")[:1])


def _labels(dimension: str, keys: list[Any]) -> dict[Any, str]:
    if dimension == "channel":
        return {k: Channel(k).label for k in keys if k in Channel.values}
    model = LABEL_MODELS[dimension]
    return {pk: name for pk, name in model.objects.filter(pk__in=keys).values_list("pk", "name")}


# as_of this close to now reads the summaries; further back folds the history
CURRENT_WINDOW = dt.timedelta(seconds=5)
SATISFIED = (Rating.SATISFIED, Rating.BASIC)
FIGURES = ("received", "replied", "on_time", "rated", "satisfied", "reopened", "overdue")
# what a tally carries besides FIGURES: reply seconds summed and counted, so that tallies
# of two parts merge exactly (an average of averages would not)
SUMS = (*FIGURES, "seconds", "timed")


def need_stats(
    user: User,
    *,
    dimension: str = "department",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    as_of: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Per-dimension figures for needs in scope, as things stood at `as_of` (default now).

    Each need counts once, under its department and category at `as_of`, and
    each figure by its own moment inside [start, end]: received — submitted
    (for departments: first dispatched); replied and on time — the first
    reply; satisfaction — the latest rating; reopened — the first reopening;
    overdue — awaiting a reply past the deadline at `as_of`. The present reads
    `NeedSummary`; a past `as_of` reads the summaries of needs unchanged since
    and folds the event history of the others.
    """
    key = DIMENSIONS[dimension]
    as_of = as_of or timezone.now()
    end = min(end, as_of) if end else as_of
    received_at = "first_dispatched_at" if dimension == "department" else "submitted_at"
    current = timezone.now() - as_of < CURRENT_WINDOW
    if current and start is None and as_of - end < CURRENT_WINDOW:
        tallies = _tally_all_time(user, dimension, as_of)
    elif current and start is not None:
        label = _label_subquery(dimension, key)
        tallies = _tally_window(user, dimension, received_at, start, end, as_of, label)
    elif current:
        label = _label_subquery(dimension, key)
        tallies = _tally_summaries(
            summaries_visible_to(user), key, received_at, start, end, as_of, label
        )
    else:
        label = _label_subquery(dimension, key)
        tallies = _tally_history(user, dimension, received_at, start, end, as_of, label)
    tallies = {k: t for k, t in tallies.items() if any(t[f] for f in FIGURES)}
    missing = [k for k, t in tallies.items() if k is not None and not t.get("label")]
    labels = _labels(dimension, missing) if missing else {}
    out = []
    for k, t in tallies.items():
        out.append(
            {
                "key": k,
                "label": t.get("label") or labels.get(k, "未分派" if k is None else str(k)),
                "received": t["received"],
                "replied": t["replied"],
                "on_time": t["on_time"],
                "on_time_rate": percent(t["on_time"], t["replied"]),
                "overdue": t["overdue"],
                "avg_reply_hours": round(int(t["seconds"]) / t["timed"] / 3600, 1)
                if t["timed"]
                else None,
                "rated": t["rated"],
                "satisfied": t["satisfied"],
                "satisfaction_rate": percent(t["satisfied"], t["rated"]),
                "reopened": t["reopened"],
                "reopen_rate": percent(t["reopened"], t["replied"]),
            }
        )
    # the key breaks ties (two streets' categories share names), whichever path built the rows
    out.sort(key=lambda r: (-r["received"], str(r["label"]), str(r["key"])))
    return out


def _empty() -> dict[str, Any]:
    return dict.fromkeys(SUMS, 0)


# stands for `as_of` while the all-time statement is compiled; replaced on each run
_AS_OF = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


@lru_cache(maxsize=1024)
def _all_time_sql(dimension: str, scope_key: NeedScopeKey) -> tuple[Statement, Statement] | None:
    """The two all-time statements for a dimension and a scope, compiled once per process.

    Building and compiling them for every call cost about as much as
    PostgreSQL takes to answer them for a street (P3: no more than 2x the same
    SQL by hand). Keyed by the scope as plain values (ADR 0012), so users with
    the same grants share an entry whatever their kind. None when the scope
    matches nothing.
    """
    scope = key_need_scope_q(scope_key)
    key = DIMENSIONS[dimension]
    label = _label_subquery(dimension, key)
    tallies = (
        NeedTally.objects.filter(scope)
        .values(key)
        .annotate(
            received=Sum("dispatched" if dimension == "department" else "submitted"),
            replied=Sum("replied"),
            on_time=Sum("on_time"),
            seconds=Sum("reply_seconds"),
            timed=Sum("reply_timed"),
            rated=Sum("rated"),
            satisfied=Sum("satisfied"),
            reopened=Sum("reopened"),
            **({"label": label} if label is not None else {}),
        )
        .order_by()  # `need_stats` sorts the rows; the database need not
    )
    overdue = (
        NeedSummary.objects.filter(scope, status__in=AWAITING_REPLY, deadline__lt=_AS_OF)
        .values(key)
        .annotate(n=Count("*"))  # COUNT(*): the partial index alone answers (index-only scan)
        .order_by()
    )
    try:
        return tallies.query.sql_with_params(), overdue.query.sql_with_params()
    except EmptyResultSet:
        return None


def _tally_all_time(user: User, dimension: str, as_of: dt.datetime) -> dict[Any, dict[str, Any]]:
    """Everything to date: the few tally rows in scope, plus overdue from the summaries."""
    key = DIMENSIONS[dimension]
    # the scope chokepoint's filter (`tallies_visible_to`, `summaries_visible_to`)
    statements = _all_time_sql(dimension, need_scope_key(user, "needs.stats"))
    if statements is None:
        return {}
    tally_sql, overdue_sql = statements
    tallies: dict[Any, dict[str, Any]] = {}
    for row in fetch_dicts(tally_sql):
        k = row[key] if key == "channel" else (row[key] or None)
        t: dict[str, Any] = {f: int(row[f] or 0) for f in SUMS if f != "overdue"}
        tallies[k] = {**t, "overdue": 0, "label": row.get("label")}
    _add_overdue(tallies, key, overdue_sql, as_of)
    return tallies


def _add_overdue(
    tallies: dict[Any, dict[str, Any]], key: str, overdue_sql: Statement, as_of: dt.datetime
) -> None:
    """Overdue per key at `as_of`, from the all-time overdue statement (a partial index)."""
    deadline = NeedSummary._meta.get_field("deadline")
    for row in fetch_dicts(with_value(overdue_sql, deadline, _AS_OF, as_of)):
        tallies.setdefault(row[key], _empty())["overdue"] = row["n"]


def _tally_window(
    user: User,
    dimension: str,
    received_at: str,
    start: dt.datetime,
    end: dt.datetime,
    as_of: dt.datetime,
    label: Subquery | None,
) -> dict[Any, dict[str, Any]]:
    """The present from `start` on: only the summaries that moved since `start`.

    Every moment a figure counts is a counted event, none later than the
    row's `last_event_at`, so older rows can add nothing but overdue (a state,
    not a moment): that comes from the partial index over all of them. The
    rows read are a range of the scope level's covering index, not the whole
    scope. A row without `last_event_at` (never set) is read as well, by a
    statement of its own: one range each, where an OR would read every row.
    """
    key = DIMENSIONS[dimension]
    statements = _all_time_sql(dimension, need_scope_key(user, "needs.stats"))
    if statements is None:
        return {}
    summaries = summaries_visible_to(user)
    tallies: dict[Any, dict[str, Any]] = {}
    for moved in (summaries.filter(last_event_at__gte=start), summaries.filter(last_event_at=None)):
        found = _tally_summaries(moved, key, received_at, start, end, as_of, label, overdue=False)
        _merge(tallies, found, 1)
    _add_overdue(tallies, key, statements[1], as_of)
    return tallies


def _tally_summaries(
    summaries: QuerySet[NeedSummary],
    key: str,
    received_at: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    as_of: dt.datetime,
    label: Subquery | None,
    *,
    overdue: bool = True,
) -> dict[Any, dict[str, Any]]:
    """One grouped scan of these summaries (no `end`: every moment to date).

    `overdue=False` leaves overdue at 0, for callers that count it apart.
    """

    def within(field: str) -> Q:
        q = Q(**{field + "__lte": end} if end else {field + "__isnull": False})
        return q & Q(**{field + "__gte": start}) if start else q

    replied, rated = within("first_replied_at"), within("rated_at")
    rows = (
        summaries.values(key)
        .annotate(
            received=Count("pk", filter=within(received_at)),
            replied=Count("pk", filter=replied),
            on_time=Count("pk", filter=replied & Q(first_on_time=True)),
            seconds=Sum("first_reply_seconds", filter=replied),
            timed=Count("first_reply_seconds", filter=replied),
            rated=Count("pk", filter=rated),
            satisfied=Count("pk", filter=rated & Q(rating__in=SATISFIED)),
            reopened=Count("pk", filter=within("first_reopened_at")),
            **(
                {"overdue": Count("pk", filter=Q(status__in=AWAITING_REPLY, deadline__lt=as_of))}
                if overdue
                else {}
            ),
            **({"label": label} if label is not None else {}),
        )
        .order_by()
    )
    return {row[key]: {"overdue": 0, **row, "seconds": row["seconds"] or 0} for row in rows}


# folding a district's changed needs holds ~66k rows and states at once: a full
# collection landing inside it cost ~30 ms, one call in ~16 (gcpause)
@gc_paused()
def _tally_history(
    user: User,
    dimension: str,
    received_at: str,
    start: dt.datetime | None,
    end: dt.datetime,
    as_of: dt.datetime,
    label: Subquery | None,
) -> dict[Any, dict[str, Any]]:
    """As of a past date: needs unchanged since `as_of` are their summaries, in SQL;
    only the needs that existed then and moved since are folded from history."""
    key = DIMENSIONS[dimension]
    if start is None and end == as_of:
        # every moment of an unchanged need is <= as_of: its figures are its all-time
        # ones, so take the tallies and remove what moved since (usually few rows)
        tallies = _tally_all_time(user, dimension, as_of)
        summaries = summaries_visible_to(user)
        # one statement per range of the covering index (an OR would read every row)
        for moved in (
            summaries.filter(last_event_at__gt=as_of),
            summaries.filter(last_event_at=None),
        ):
            _merge(tallies, _tally_summaries(moved, key, received_at, None, None, as_of, label), -1)
    else:
        settled = summaries_visible_to(user).filter(last_event_at__lte=as_of)
        tallies = _tally_summaries(settled, key, received_at, start, end, as_of, label)
    changed = states_as_of(user, as_of, changed_only=True)
    _merge(tallies, _tally_states(changed, key, received_at, start, end, as_of), 1)
    return tallies


def _merge(tallies: dict[Any, dict[str, Any]], more: dict[Any, dict[str, Any]], sign: int) -> None:
    """Add (sign 1) or remove (-1) figures key by key: sums and counts, never averages."""
    for k, t in more.items():
        mine = tallies.setdefault(k, {**_empty(), "label": t.get("label")})
        for f in SUMS:
            mine[f] += sign * (t[f] or 0)


def _tally_states(
    states: list[SummaryState],
    key: str,
    received_at: str,
    start: dt.datetime | None,
    end: dt.datetime,
    as_of: dt.datetime,
) -> dict[Any, dict[str, Any]]:
    """Count folded states exactly as `_tally_summaries` counts summary rows."""

    def within(moment: dt.datetime | None) -> bool:
        return moment is not None and moment <= end and (start is None or moment >= start)

    tallies: dict[Any, dict[str, Any]] = {}
    for state in states:
        k = getattr(state, key)
        t = tallies.get(k)
        if t is None:
            t = tallies[k] = _empty()
        t["received"] += within(getattr(state, received_at))
        if within(state.first_replied_at):
            t["replied"] += 1
            t["on_time"] += state.first_on_time is True
            if state.first_reply_seconds is not None:
                t["seconds"] += state.first_reply_seconds
                t["timed"] += 1
        if within(state.rated_at):
            t["rated"] += 1
            t["satisfied"] += state.rating in SATISFIED
        t["reopened"] += within(state.first_reopened_at)
        t["overdue"] += (
            state.status in AWAITING_REPLY and state.deadline is not None and state.deadline < as_of
        )
    return tallies


# how many needs' events one query folds (a short id list keeps the plan an index scan)
FOLD_BATCH = 2000


def _event_rows(qs: QuerySet[NeedEvent]) -> list[Any]:
    """The fold's columns of a bounded set of events (one batch), as named rows.

    On PostgreSQL the rows come in binary: Django reads every timestamptz
    as text through a Python loader (a regular expression per value), which
    was a third of a district's as-of statistic (two per event, ~4,400 events).
    psycopg's binary loader is C and returns the same aware datetimes.
    """
    rows = qs.values_list(*EVENT_FOLD_FIELDS, named=True)
    if connection.vendor != "postgresql":
        return list(rows)
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:
        return []
    import psycopg
    from psycopg.rows import namedtuple_row

    connection.ensure_connection()
    # Django's own cursors bind on the client, which cannot return binary rows
    with psycopg.Cursor(connection.connection, row_factory=namedtuple_row) as cursor:
        cursor.execute(sql, params, binary=True)
        return cursor.fetchall()


def states_as_of(
    user: User, as_of: dt.datetime, perm: str = "needs.stats", *, changed_only: bool = False
) -> list[SummaryState]:
    """Each need in scope as its history stood at `as_of` (the fold `NeedSummary` keeps).

    Region scope holds on the need's own (fixed) ancestors; a department grant
    sees the needs its department held at `as_of`. `changed_only` folds only
    the needs that existed at `as_of` and have a counted event after it: any
    other need in scope at `as_of` is exactly its summary.
    """
    events = NeedEvent.objects.filter(at__lte=as_of, action__in=COUNTED_ACTIONS).order_by(
        "need_id", "at", "id"
    )

    def fold_rows(qs: QuerySet[NeedEvent]) -> dict[int, SummaryState]:
        return fold(qs.values_list(*EVENT_FOLD_FIELDS, named=True).iterator(chunk_size=5000))

    def batches(ids: list[int]) -> list[list[int]]:
        ids = sorted(ids)
        return [ids[i : i + FOLD_BATCH] for i in range(0, len(ids), FOLD_BATCH)]

    def fold_needs(qs: QuerySet[NeedEvent], ids: list[int]) -> dict[int, SummaryState]:
        # the ids first, then their events by the need index: as one join the planner
        # cannot see how few needs changed and scans the whole history
        states: dict[int, SummaryState] = {}
        for batch in batches(ids):
            states.update(fold(_event_rows(qs.filter(need_id__any=batch))))
        return states

    # existed at `as_of` (every history starts with its submit) and moved after it; a
    # NULL `last_event_at` (never set) counts as moved, so such a row is folded, not
    # trusted. Each arm names all three columns: the (level, last_event_at,
    # submitted_at) index then answers it without visiting rows that fail.
    arms = (
        Q(last_event_at__gt=as_of, submitted_at__lte=as_of),
        Q(last_event_at=None, submitted_at__lte=as_of),
    )
    changed = NeedSummary.objects.filter(arms[0] | arms[1])
    region = scope_q(user, perm)
    if changed_only:
        # ancestors never change, so the summary's scope is its events' scope; one
        # statement per arm, each a range of the level's index (their OR read it all)
        ids = [
            need_id
            for arm in arms
            for need_id in NeedSummary.objects.filter(region, arm).values_list("need_id", flat=True)
        ]
        states = fold_needs(events.filter(region), ids)
    else:
        states = fold_rows(events.filter(region))
    dept_ids = department_ids_of(user, perm)
    if dept_ids:
        held = NeedEvent.objects.filter(at__lte=as_of, department_id__in=dept_ids)
        if changed_only:
            # the department's needs by its events' index, then which of them changed
            ids = []
            for batch in batches(list(set(held.values_list("need_id", flat=True)))):
                ids += changed.filter(need_id__any=batch).values_list("need_id", flat=True)
            of_dept = fold_needs(events, ids)
        else:
            of_dept = fold_rows(events.filter(need_id__in=held.values("need_id")))
        for need_id, state in of_dept.items():
            if state.department_id in dept_ids:
                states.setdefault(need_id, state)
    return list(states.values())


def need_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = {
        f: sum(r[f] for r in rows)
        for f in ("received", "replied", "on_time", "overdue", "rated", "satisfied", "reopened")
    }
    total["on_time_rate"] = percent(total["on_time"], total["replied"])
    total["satisfaction_rate"] = percent(total["satisfied"], total["rated"])
    total["reopen_rate"] = percent(total["reopened"], total["replied"])
    return total
