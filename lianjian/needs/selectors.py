"""Reads on needs, always from the scope chokepoint: lists, similar needs, statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone

from lianjian.needs.access import (
    department_ids_of,
    needs_visible_to,
    summaries_visible_to,
    tallies_visible_to,
)
from lianjian.needs.models import (
    AWAITING_REPLY,
    OPEN_STATUSES,
    Category,
    Channel,
    Department,
    Need,
    NeedEvent,
    Rating,
    Status,
)
from lianjian.needs.summary import COUNTED_ACTIONS, EVENT_FOLD_FIELDS, SummaryState, fold
from lianjian.orgs.access import scope_q
from lianjian.orgs.models import Region


def needs_filtered(
    user: Any, params: Mapping[str, Any], perm: str = "needs.view"
) -> QuerySet[Need]:
    qs = needs_visible_to(user, perm)
    text = str(params.get("q") or "").strip()
    if text:
        if len(text) == 10 and text.isalnum() and text.upper() == text:
            qs = qs.filter(tracking_code=text)
        else:
            qs = qs.filter(text__icontains=text)
    for field in ("status", "channel"):
        if params.get(field):
            qs = qs.filter(**{field: params[field]})
    for field in ("category", "department", "street", "community"):
        value = str(params.get(field) or "")
        if value.isdigit():
            qs = qs.filter(**{field + "_id": int(value)})
    if params.get("open") in ("1", "true"):
        qs = qs.filter(status__in=OPEN_STATUSES)
    if params.get("overdue") in ("1", "true"):
        qs = qs.filter(status__in=AWAITING_REPLY, deadline__lt=timezone.now())
    return qs.select_related("category", "department", "region").order_by("-id")


def needs_overdue(user: Any, now: dt.datetime | None = None) -> QuerySet[Need]:
    return needs_visible_to(user).filter(
        status__in=AWAITING_REPLY, deadline__lt=now or timezone.now()
    )


# ---------------------------------------------------------------- similar needs


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)
    return jieba


_STOP = set("的了和是在我们你他她它请有吗呢啊吧就都也要能会对与及或从把被让给")


def tokens(text: str) -> set[str]:
    return {
        t
        for t in _jieba().lcut(text or "")
        if t.strip() and t not in _STOP and not all(ch in "，。！？、；：,.!?;: \n" for ch in t)
    }


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similar_open_needs(
    user: Any,
    *,
    text: str,
    region: Region | None,
    exclude_id: int | None = None,
    threshold: float = 0.3,
    limit: int = 5,
    candidates: int = 200,
) -> list[tuple[Need, float]]:
    """Open needs in the same community (or street) whose jieba tokens overlap the text."""
    if region is None:
        return []
    ids = region.ancestor_ids()
    qs = needs_visible_to(user).filter(status__in=OPEN_STATUSES)
    if ids.get("community_id"):
        qs = qs.filter(community_id=ids["community_id"])
    elif ids.get("street_id"):
        qs = qs.filter(street_id=ids["street_id"])
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    mine = tokens(text)
    scored = [
        (need, jaccard(mine, tokens(need.text)))
        for need in qs.order_by("-id").only("pk", "text", "tracking_code", "status")[:candidates]
    ]
    scored = [(n, s) for n, s in scored if s >= threshold]
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


# ---------------------------------------------------------------- statistics

DIMENSIONS = {
    "department": "department_id",
    "category": "category_id",
    "street": "street_id",
    "community": "community_id",
    "channel": "channel",
}


def _labels(dimension: str, keys: list[Any]) -> dict[Any, str]:
    if dimension == "channel":
        return {k: Channel(k).label for k in keys if k in Channel.values}
    model: Any = {
        "department": Department,
        "category": Category,
        "street": Region,
        "community": Region,
    }[dimension]
    return {pk: name for pk, name in model.objects.filter(pk__in=keys).values_list("pk", "name")}


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# as_of this close to now reads the summaries; further back folds the history
CURRENT_WINDOW = dt.timedelta(seconds=5)
SATISFIED = (Rating.SATISFIED, Rating.BASIC)
FIGURES = ("received", "replied", "on_time", "rated", "satisfied", "reopened", "overdue")


def need_stats(
    user: Any,
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
    `NeedSummary`; a past `as_of` folds the event history the same way.
    """
    key = DIMENSIONS[dimension]
    as_of = as_of or timezone.now()
    end = min(end, as_of) if end else as_of
    received_at = "first_dispatched_at" if dimension == "department" else "submitted_at"
    current = timezone.now() - as_of < CURRENT_WINDOW
    if current and start is None and as_of - end < CURRENT_WINDOW:
        tallies = _tally_all_time(user, key, dimension, as_of)
    elif current:
        tallies = _tally_current(user, key, received_at, start, end, as_of)
    else:
        tallies = _tally_history(user, key, received_at, start, end, as_of)
    tallies = {k: t for k, t in tallies.items() if any(t[f] for f in FIGURES)}
    labels = _labels(dimension, [k for k in tallies if k is not None])
    out = []
    for k, t in tallies.items():
        out.append(
            {
                "key": k,
                "label": labels.get(k, "未分派" if k is None else str(k)),
                "received": t["received"],
                "replied": t["replied"],
                "on_time": t["on_time"],
                "on_time_rate": _rate(t["on_time"], t["replied"]),
                "overdue": t["overdue"],
                "avg_reply_hours": round(float(t["avg_seconds"]) / 3600, 1)
                if t["avg_seconds"] is not None
                else None,
                "rated": t["rated"],
                "satisfied": t["satisfied"],
                "satisfaction_rate": _rate(t["satisfied"], t["rated"]),
                "reopened": t["reopened"],
                "reopen_rate": _rate(t["reopened"], t["replied"]),
            }
        )
    out.sort(key=lambda r: (-r["received"], str(r["label"])))
    return out


def _tally_all_time(
    user: Any, key: str, dimension: str, as_of: dt.datetime
) -> dict[Any, dict[str, Any]]:
    """Everything to date: the few tally rows in scope, plus overdue from the summaries."""
    rows = (
        tallies_visible_to(user)
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
        )
        .order_by(key)
    )
    tallies: dict[Any, dict[str, Any]] = {}
    for row in rows:
        k = row[key] if key == "channel" else (row[key] or None)
        t: dict[str, Any] = {f: int(row[f] or 0) for f in FIGURES if f != "overdue"}
        t["overdue"] = 0
        t["avg_seconds"] = int(row["seconds"]) / row["timed"] if row["timed"] else None
        tallies[k] = t
    overdue = (
        summaries_visible_to(user)
        .filter(status__in=AWAITING_REPLY, deadline__lt=as_of)
        .values(key)
        .annotate(n=Count("*"))  # COUNT(*): the partial index alone answers (index-only scan)
        .order_by(key)
    )
    for row in overdue:
        t = tallies.setdefault(row[key], {**{f: 0 for f in FIGURES}, "avg_seconds": None})
        t["overdue"] = row["n"]
    return tallies


def _tally_current(
    user: Any,
    key: str,
    received_at: str,
    start: dt.datetime | None,
    end: dt.datetime,
    as_of: dt.datetime,
) -> dict[Any, dict[str, Any]]:
    """One grouped scan of the summaries in scope."""

    def within(field: str) -> Q:
        q = Q(**{field + "__lte": end})
        return q & Q(**{field + "__gte": start}) if start else q

    replied, rated = within("first_replied_at"), within("rated_at")
    rows = (
        summaries_visible_to(user)
        .values(key)
        .annotate(
            received=Count("pk", filter=within(received_at)),
            replied=Count("pk", filter=replied),
            on_time=Count("pk", filter=replied & Q(first_on_time=True)),
            avg_seconds=Avg("first_reply_seconds", filter=replied),
            rated=Count("pk", filter=rated),
            satisfied=Count("pk", filter=rated & Q(rating__in=SATISFIED)),
            reopened=Count("pk", filter=within("first_reopened_at")),
            overdue=Count("pk", filter=Q(status__in=AWAITING_REPLY, deadline__lt=as_of)),
        )
        .order_by(key)
    )
    return {row[key]: row for row in rows}


def _tally_history(
    user: Any,
    key: str,
    received_at: str,
    start: dt.datetime | None,
    end: dt.datetime,
    as_of: dt.datetime,
) -> dict[Any, dict[str, Any]]:
    """Fold the events up to `as_of` per need, then count as `_tally_current` does."""

    def within(moment: dt.datetime | None) -> bool:
        return moment is not None and moment <= end and (start is None or moment >= start)

    tallies: dict[Any, dict[str, Any]] = {}
    seconds: dict[Any, list[int]] = {}
    for state in states_as_of(user, as_of):
        k = getattr(state, key)
        t = tallies.get(k)
        if t is None:
            t = tallies[k] = {f: 0 for f in FIGURES}
            seconds[k] = []
        t["received"] += within(getattr(state, received_at))
        if within(state.first_replied_at):
            t["replied"] += 1
            t["on_time"] += state.first_on_time is True
            if state.first_reply_seconds is not None:
                seconds[k].append(state.first_reply_seconds)
        if within(state.rated_at):
            t["rated"] += 1
            t["satisfied"] += state.rating in SATISFIED
        t["reopened"] += within(state.first_reopened_at)
        t["overdue"] += (
            state.status in AWAITING_REPLY and state.deadline is not None and state.deadline < as_of
        )
    for k, t in tallies.items():
        t["avg_seconds"] = sum(seconds[k]) / len(seconds[k]) if seconds[k] else None
    return tallies


def states_as_of(user: Any, as_of: dt.datetime, perm: str = "needs.stats") -> list[SummaryState]:
    """Each need in scope as its history stood at `as_of` (the fold `NeedSummary` keeps).

    Region scope holds on the need's own (fixed) ancestors; a department grant
    sees the needs its department held at `as_of`.
    """
    events = NeedEvent.objects.filter(at__lte=as_of, action__in=COUNTED_ACTIONS).order_by(
        "need_id", "at", "id"
    )

    def fold_rows(qs: QuerySet[NeedEvent]) -> dict[int, SummaryState]:
        return fold(qs.values_list(*EVENT_FOLD_FIELDS, named=True).iterator(chunk_size=5000))

    states = fold_rows(events.filter(scope_q(user, perm)))
    dept_ids = department_ids_of(user, perm)
    if dept_ids:
        held = NeedEvent.objects.filter(at__lte=as_of, department_id__in=dept_ids)
        for need_id, state in fold_rows(events.filter(need_id__in=held.values("need_id"))).items():
            if state.department_id in dept_ids:
                states.setdefault(need_id, state)
    return list(states.values())


def need_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    total = {
        f: sum(r[f] for r in rows)
        for f in ("received", "replied", "on_time", "overdue", "rated", "satisfied", "reopened")
    }
    total["on_time_rate"] = _rate(total["on_time"], total["replied"])
    total["satisfaction_rate"] = _rate(total["satisfied"], total["rated"])
    total["reopen_rate"] = _rate(total["reopened"], total["replied"])
    return total


def status_counts(user: Any) -> dict[str, int]:
    rows = needs_visible_to(user).values("status").annotate(n=Count("id")).order_by()
    counts = {s: 0 for s in Status.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


def department_open_count(department: Department) -> int:
    """Needs this department still owes a reply on."""
    return Need.objects.filter(department=department, status__in=AWAITING_REPLY).count()


def department_handlers(department: Department) -> list[Any]:
    """Accounts holding the handler role on this department (granted in account management)."""
    from lianjian.accounts.models import User
    from lianjian.accounts.roles import Role

    return list(
        User.objects.filter(grants__role=Role.DEPT_HANDLER, grants__department_key=department.key)
        .distinct()
        .order_by("username")
    )
