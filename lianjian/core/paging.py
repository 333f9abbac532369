from __future__ import annotations

from typing import Any

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


def querystring_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, ending in '&' when not empty."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return encoded + "&" if encoded else ""
