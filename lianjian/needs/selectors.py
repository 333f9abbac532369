"""Reads on needs, always from the scope chokepoint: lists, similar needs, statistics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from lianjian.needs.access import need_events_visible_to, needs_visible_to
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


def need_stats(
    user: Any,
    *,
    dimension: str = "department",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    as_of: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """Per-dimension figures from the event history, as the history stood at `as_of`.

    received: needs submitted (for departments: dispatched or transferred to it);
    on-time rate: replies within the deadline / replies; satisfaction: 满意 + 基本满意
    / ratings; reopen rate: reopens / replies; overdue: awaiting a reply past the
    deadline at `as_of`.
    """
    key = DIMENSIONS[dimension]
    as_of = as_of or timezone.now()
    end = min(end, as_of) if end else as_of
    events = need_events_visible_to(user).filter(at__lte=end)
    if start:
        events = events.filter(at__gte=start)
    received_q = (
        Q(action__in=["dispatch", "transfer"]) if dimension == "department" else Q(action="submit")
    )
    replied = Q(action="reply")
    rows = (
        events.values(key)
        .annotate(
            received=Count("id", filter=received_q),
            replied=Count("id", filter=replied),
            on_time=Count("id", filter=replied & Q(on_time=True)),
            avg_seconds=Avg("reply_seconds", filter=replied),
            rated=Count("id", filter=Q(action="rate")),
            satisfied=Count(
                "id", filter=Q(action="rate", rating__in=[Rating.SATISFIED, Rating.BASIC])
            ),
            reopened=Count("id", filter=Q(action="reopen")),
        )
        .order_by(key)
    )
    overdue = _overdue_counts(user, key, as_of)
    result: dict[Any, dict[str, Any]] = {}
    for row in rows:
        result[row[key]] = row
    for k in overdue:
        result.setdefault(
            k,
            {
                key: k,
                "received": 0,
                "replied": 0,
                "on_time": 0,
                "avg_seconds": None,
                "rated": 0,
                "satisfied": 0,
                "reopened": 0,
            },
        )
    labels = _labels(dimension, [k for k in result if k is not None])
    out = []
    for k, row in result.items():
        out.append(
            {
                "key": k,
                "label": labels.get(k, "未分派" if k is None else str(k)),
                "received": row["received"],
                "replied": row["replied"],
                "on_time": row["on_time"],
                "on_time_rate": _rate(row["on_time"], row["replied"]),
                "overdue": overdue.get(k, 0),
                "avg_reply_hours": round(row["avg_seconds"] / 3600, 1)
                if row["avg_seconds"] is not None
                else None,
                "rated": row["rated"],
                "satisfied": row["satisfied"],
                "satisfaction_rate": _rate(row["satisfied"], row["rated"]),
                "reopened": row["reopened"],
                "reopen_rate": _rate(row["reopened"], row["replied"]),
            }
        )
    out.sort(key=lambda r: (-r["received"], str(r["label"])))
    return out


def _overdue_counts(user: Any, key: str, as_of: dt.datetime) -> dict[Any, int]:
    """Needs awaiting a reply past their deadline at `as_of`, grouped by `key`.

    For the present the need rows answer directly; for a past date the last
    event at or before it says what state the need was in and which deadline ran.
    """
    if timezone.now() - as_of < dt.timedelta(seconds=5):
        qs = needs_visible_to(user, "needs.stats").filter(
            status__in=AWAITING_REPLY, deadline__lt=as_of
        )
        return dict(qs.values(key).annotate(n=Count("id")).values_list(key, "n"))
    from django.db.models import OuterRef, Subquery

    latest = (
        NeedEvent.objects.filter(need_id=OuterRef("need_id"), at__lte=as_of)
        .order_by("-at", "-id")
        .values("id")[:1]
    )
    events = need_events_visible_to(user).filter(
        at__lte=as_of,
        pk=Subquery(latest),
        to_status__in=AWAITING_REPLY,
        deadline__lt=as_of,
    )
    return dict(events.values(key).annotate(n=Count("id")).values_list(key, "n"))


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
    rows = needs_visible_to(user).values("status").annotate(n=Count("id"))
    counts = {s: 0 for s in Status.values}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts
