"""Reads on needs, always from the scope chokepoint: lists, similar needs, counts.

The statistics engine lives in `needs.stats`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from lianjian.core.masking import mask
from lianjian.core.paging import newest_page
from lianjian.needs.access import (
    needs_visible_to,
)
from lianjian.needs.models import (
    AWAITING_REPLY,
    OPEN_STATUSES,
    Category,
    Department,
    Need,
    Status,
)
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def needs_filtered(
    user: User, params: Mapping[str, Any], perm: str = "needs.view"
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
    # the home's to-dos: needs a department owes a reply on, and those due on one day
    if params.get("awaiting") in ("1", "true"):
        qs = qs.filter(status__in=AWAITING_REPLY)
    due = _iso_date(params.get("due"))
    if due is not None:
        start = timezone.make_aware(dt.datetime.combine(due, dt.time.min))
        qs = qs.filter(
            status__in=AWAITING_REPLY,
            deadline__gte=start,
            deadline__lt=start + dt.timedelta(days=1),
        )
    return qs.select_related("category", "department", "region").order_by("-id")


def _iso_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


# a need as the API shows it (`NeedOut`), read as plain values
_NEED_ITEM_VALUES = (
    "id",
    "tracking_code",
    "channel",
    "text",
    "region_id",
    "status",
    "version",
    "category_id",
    "department_id",
    "proposed_category_id",
    "proposed_department_id",
    "proposal_confidence",
    "deadline",
    "reply_text",
    "rating",
    "contact_phone",
    "created_at",
)


def need_items(qs: QuerySet[Need]) -> list[dict[str, Any]]:
    """These needs as the API shows them, the contact phone masked (S15).

    Plain values: the API's list built model instances with three related
    rows each, which nothing in its output reads.
    """
    items = list(qs.values(*_NEED_ITEM_VALUES))
    for item in items:
        item["contact_phone"] = mask(item["contact_phone"], "mobile")
    return items


def need_list_page(
    qs: QuerySet[Need], offset: int, limit: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """A newest-first page of needs for the API, with the bounded total (`newest_page`)."""
    ids, total, capped = newest_page(qs, offset, limit)
    return need_items(Need.objects.filter(pk__any=ids).order_by("-id")), total, capped


def need_rows(ids: list[int]) -> list[Need]:
    """These needs, newest first, with what a list page shows of each."""
    rows = Need.objects.filter(pk__any=ids).select_related("category", "department", "region")
    return list(rows.order_by("-id"))


def needs_overdue(user: User, now: dt.datetime | None = None) -> QuerySet[Need]:
    return needs_visible_to(user).filter(
        status__in=AWAITING_REPLY, deadline__lt=now or timezone.now()
    )


# ---------------------------------------------------------------- similar needs


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(60)
    return jieba


# need searches (the list page and the API) per user and client per window (S22)
NEED_SEARCH_RATE = (60, 60)

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
    user: User,
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


def status_counts(user: User) -> dict[str, int]:
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
    from lianjian.core.roles import Role

    return list(
        User.objects.filter(grants__role=Role.DEPT_HANDLER, grants__department_key=department.key)
        .distinct()
        .order_by("username")
    )


def needs_submitted_by(user: User, limit: int = 20) -> list[Need]:
    """The needs this account submitted itself, newest first (the phone home's list)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Need.objects.filter(created_by=user).select_related("category").order_by("-id")[:limit]
    )


# ---------------------------------------------------------------- the public form's places


def streets_accepting_needs() -> list[tuple[int, str]]:
    """Streets the public form offers: active, with at least one active category."""
    taking = Category.objects.filter(is_active=True).values("street_id")
    rows = Region.objects.filter(level=Region.Level.STREET, is_active=True, pk__in=taking)
    return list(rows.order_by("path").values_list("pk", "name"))


def places_of_streets(street_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Each street's own entry, then its communities and areas, in tree order."""
    names = dict(Region.objects.filter(pk__in=street_ids).values_list("pk", "name"))
    places: dict[int, list[tuple[int, str]]] = {
        pk: [(pk, f"{names[pk]}（不确定所在社区）")] for pk in street_ids if pk in names
    }
    rows = Region.objects.filter(
        street_ref_id__in=street_ids,
        level__in=[Region.Level.COMMUNITY, Region.Level.AREA],
        is_active=True,
    ).order_by("path")
    for pk, name, street_id in rows.values_list("pk", "name", "street_ref_id"):
        places.setdefault(street_id, []).append((pk, name))
    return places
