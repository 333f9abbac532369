from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest

# big lists count this many rows past the page they show, then say "N+"
COUNT_AHEAD = 1000


def count_up_to(qs: QuerySet[Any], limit: int) -> tuple[int, bool]:
    """The number of rows, counted no further than `limit`; True when there are more.

    The count reads at most `limit + 1` index entries or rows instead of the
    whole scope, so its cost does not grow with the district.
    """
    counted = qs.order_by().values("pk")[: limit + 1].count()
    return min(counted, limit), counted > limit


def page_total(
    qs: QuerySet[Any], offset: int, limit: int, shown: int, ahead: int | None = None
) -> tuple[int, bool]:
    """(total, capped) for a list page of `shown` rows read at `offset` with `limit`.

    A short last page tells the total itself; otherwise count `ahead` rows
    (default `COUNT_AHEAD`) past it.
    """
    if 0 < shown < limit or (not shown and not offset):
        return offset + shown, False
    return count_up_to(qs, offset + limit + (COUNT_AHEAD if ahead is None else ahead))


def newest_page(
    qs: QuerySet[Any], offset: int, limit: int, ahead: int | None = None
) -> tuple[list[int], int, bool]:
    """Primary keys of one newest-first page, with the bounded total: one statement.

    `(ids, total, capped)` as `page_total` would tell them. The ids alone, by
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
