"""The needs list as staff work it: sortable columns, a bounded page count for any
order, and the same rows as an Excel file.

The default order (newest first) pages through `core.paging.CappedPaginator`'s
single statement; another column's order reads the page's ids in that order and
counts no further than `COUNT_AHEAD` past the page, the same bound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils import timezone

from lianjian.core import paging
from lianjian.core.masking import mask
from lianjian.needs.models import AWAITING_REPLY, Need
from lianjian.needs.selectors import need_rows

# URL key -> the column it orders by (empty values last either way; ties newest first)
SORTS: dict[str, str] = {
    "created": "id",
    "deadline": "deadline",
    "status": "status",
    "category": "category__name",
    "department": "department__name",
}
# the list's columns: label and sort key (None: not sortable)
COLUMNS = (
    ("查询码", None),
    ("内容", None),
    ("渠道", None),
    ("类别", "category"),
    ("责任部门", "department"),
    ("状态", "status"),
    ("答复期限", "deadline"),
    ("受理时间", "created"),
)
# at most this many rows in one Excel file (the page says so when more match)
EXPORT_LIMIT = 5000


def parse_sort(value: str) -> tuple[str, tuple[Any, ...]] | None:
    """`key` or `-key` as the URL has it, with its ordering; None for the default order."""
    value = (value or "").strip()
    key = value.removeprefix("-")
    if key not in SORTS:
        return None
    field = F(SORTS[key])
    order = field.desc(nulls_last=True) if value.startswith("-") else field.asc(nulls_last=True)
    return value, (order, F("id").desc())


def sort_headers(params: QueryDict, current: str) -> list[dict[str, Any]]:
    """Each column's label and, when sortable, the link that sorts by it (filters kept)."""
    base = params.copy()
    base.pop("page", None)
    base.pop("sort", None)
    prefix = base.urlencode()
    prefix = prefix + "&" if prefix else ""
    headers = []
    for label, key in COLUMNS:
        if key is None:
            headers.append({"label": label})
            continue
        ascending = current == key
        target = f"-{key}" if ascending else key
        headers.append(
            {
                "label": label,
                "href": f"?{prefix}sort={target}",
                "mark": "▲" if ascending else ("▼" if current == f"-{key}" else ""),
                "aria": "ascending"
                if ascending
                else ("descending" if current == f"-{key}" else "none"),
            }
        )
    return headers


class SortedPaginator(paging.CappedPaginator):
    """`CappedPaginator` for a column order: the page's ids in that order, a bounded count."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        per_page: int,
        rows: Callable[[list[int]], list[Any]],
        order: tuple[Any, ...],
    ) -> None:
        super().__init__(queryset, per_page, rows)
        self.order = order

    def _read(self, number: int) -> list[int]:
        offset = (number - 1) * self.per_page
        ordered = self.queryset.order_by(*self.order).values_list("pk", flat=True)
        ids = [int(pk) for pk in ordered[offset : offset + self.per_page]]
        cap = offset + self.per_page + paging.COUNT_AHEAD
        total, self.capped = paging.count_up_to(self.queryset, cap)
        self.__dict__["count"] = total
        return ids


def rows_in_order(ids: list[int]) -> list[Need]:
    """`need_rows` in the order of `ids` (the page's sort)."""
    by_id = {n.pk: n for n in need_rows(ids)}
    return [by_id[i] for i in ids if i in by_id]


def paginator_for(qs: QuerySet[Need], per_page: int, sort: str) -> paging.CappedPaginator:
    parsed = parse_sort(sort)
    if parsed is None:
        return paging.CappedPaginator(qs, per_page, need_rows)
    return SortedPaginator(qs, per_page, rows_in_order, parsed[1])


EXPORT_HEADERS = [
    "查询码",
    "状态",
    "来源渠道",
    "需求内容",
    "所在区域",
    "提出人类型",
    "提出人",
    "联系电话",
    "类别",
    "责任部门",
    "受理时间",
    "派单时间",
    "答复期限",
    "是否逾期",
    "答复时间",
    "满意度",
]


def export_rows(
    qs: QuerySet[Need], sort: str, *, full_phones: bool
) -> tuple[list[list[Any]], bool]:
    """The filtered needs as sheet rows (first `EXPORT_LIMIT`), phones masked unless
    `full_phones`; True when more matched than the file holds."""
    parsed = parse_sort(sort)
    order = parsed[1] if parsed else (F("id").desc(),)
    ids = list(qs.order_by(*order).values_list("pk", flat=True)[: EXPORT_LIMIT + 1])
    more = len(ids) > EXPORT_LIMIT
    now = timezone.now()
    local = timezone.localtime
    rows = []
    for start in range(0, min(len(ids), EXPORT_LIMIT), 500):
        chunk = ids[start : min(start + 500, EXPORT_LIMIT)]
        for n in rows_in_order(chunk):
            overdue = n.status in AWAITING_REPLY and n.deadline is not None and n.deadline < now
            rows.append(
                [
                    n.tracking_code,
                    n.get_status_display(),
                    n.get_channel_display(),
                    n.text,
                    n.region.name if n.region_id else "",
                    n.get_submitter_kind_display(),
                    n.submitter_name,
                    n.contact_phone if full_phones else mask(n.contact_phone, "mobile"),
                    n.category.name if n.category else "",
                    n.department.name if n.department else "",
                    _fmt(local(n.created_at)),
                    _fmt(local(n.dispatched_at) if n.dispatched_at else None),
                    _fmt(local(n.deadline) if n.deadline else None),
                    "是" if overdue else "否",
                    _fmt(local(n.replied_at) if n.replied_at else None),
                    n.get_rating_display() if n.rating else "",
                ]
            )
    return rows, more


def _fmt(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def list_filters(params: Mapping[str, Any]) -> dict[str, str]:
    """The list's filters as the URL carries them (the page, the pager and the export)."""
    keys = (
        "q",
        "status",
        "channel",
        "category",
        "department",
        "overdue",
        "open",
        "awaiting",
        "due",
    )
    return {k: str(params.get(k, "") or "").strip() for k in keys}
