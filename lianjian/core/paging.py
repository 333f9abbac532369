from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import HttpRequest

# big lists count this many rows past the page they show, then say "N+"
COUNT_AHEAD = 1000
M = TypeVar("M", bound=Model)


def count_up_to(qs: QuerySet[Any], limit: int) -> tuple[int, bool]:
    """The number of rows, counted no further than `limit`; True when there are more.

    The count reads at most `limit + 1` index entries or rows instead of the
    whole scope, so its cost does not grow with the district.
    """
    counted = qs.order_by().values("pk")[: limit + 1].count()
    return min(counted, limit), counted > limit


def page_and_count(qs: QuerySet[M], offset: int, limit: int) -> tuple[list[M], int]:
    """One page of `qs` and the exact number of rows, the count only when needed.

    A page shorter than `limit` that holds rows (or is the first) ends the list, so
    the number is `offset + len(rows)` with no count statement: a claimant's phone
    list of a few open items is one statement instead of two.
    """
    rows = list(qs[offset : offset + limit])
    if len(rows) < limit and (rows or offset == 0):
        return rows, offset + len(rows)
    return rows, qs.count()


def newest_page(
    qs: QuerySet[Any], offset: int, limit: int, ahead: int | None = None
) -> tuple[list[int], int, bool]:
    """Primary keys of one newest-first page, with the bounded total: one statement.

    `(ids, total, capped)`: `total` is exact unless `capped`. The ids alone, by
    the scope's index, then a window count over the same bounded scan: the
    count costs no statement of its own. The page's rows are then read by
    primary key (planning one wide join over a subquery cost PostgreSQL more
    than running it; planning the join over a list of ids, a third).
    """
    cap = offset + limit + (COUNT_AHEAD if ahead is None else ahead)
    try:
        sql, params = qs.order_by("-pk").values_list("pk")[: cap + 1].query.sql_with_params()
    except EmptyResultSet:  # a scope that matches nothing
        return [], 0, False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT page.*, count(*) OVER () FROM ({sql}) page"  # noqa: S608 - compiled SQL
            " ORDER BY 1 DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
    if not rows:
        # past the end: the window saw nothing to count
        total, capped = count_up_to(qs, cap) if offset else (0, False)
        return [], total, capped
    counted = int(rows[0][1])
    return [int(row[0]) for row in rows], min(counted, cap), counted > cap


def querystring_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, ending in '&' when not empty."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return encoded + "&" if encoded else ""


if TYPE_CHECKING:
    _Paginator = Paginator[Any]
else:
    _Paginator = Paginator


class CappedPaginator(_Paginator):
    """Pages of a newest-first list too long to count whole (a district's members or needs).

    The count stops `ahead` rows past the page shown (`capped`: the pager says
    "1000+") and comes with the page's ids (`newest_page`); `rows` turns those
    ids into what the page shows, in the same order. A capped count still
    reaches past this page, so "下一页" always leads on; a page number past the
    end shows the last page, as Django's `get_page` does.
    """

    def __init__(
        self,
        queryset: QuerySet[Any],
        per_page: int,
        rows: Callable[[list[int]], list[Any]],
        ahead: int | None = None,
    ) -> None:
        super().__init__(queryset, per_page)
        self.queryset = queryset
        self.rows = rows
        self.ahead = ahead
        self.capped = False

    def get_page(self, number: Any) -> Page[Any]:
        raw = str(number or "")
        wanted = max(int(raw), 1) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1
        ids = self._read(wanted)
        if not ids and wanted > 1:
            wanted = self.num_pages
            ids = self._read(wanted)
        return Page(self.rows(ids), wanted, self)

    def _read(self, number: int) -> list[int]:
        offset = (number - 1) * self.per_page
        ids, total, self.capped = newest_page(self.queryset, offset, self.per_page, self.ahead)
        self.__dict__["count"] = total  # Paginator.count is a cached_property
        return ids


def in_chunks(qs: QuerySet[Any], size: int = 2000) -> Iterator[Any]:
    """Every row of `qs`, in its order, read `size` rows per statement.

    `QuerySet.iterator()` keeps one statement open for the whole read. On
    SQLite that statement holds the connection's read snapshot: a write made
    on the same connection meanwhile (a job's progress) fails at once with
    "database is locked" when anyone else committed since the read began,
    and otherwise keeps the write lock until the read ends, so every other
    writer waits out its busy timeout. Here the primary keys are read first,
    then each chunk by its own short statement; between two chunks no
    statement is open. Rows deleted in between are skipped.
    """
    pks = list(qs.values_list("pk", flat=True))
    for start in range(0, len(pks), size):
        # the same ordering applies to each chunk, a contiguous run of that order
        yield from qs.filter(pk__in=pks[start : start + size])
