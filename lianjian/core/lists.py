"""What every list page shares: a sort order chosen from the URL (`?sort=-name`).

Filters, sort and page all live in the query string, so a list can be
bookmarked, shared and reloaded as it was (issue 13.9).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpRequest


def sort_order(
    request: HttpRequest, columns: Mapping[str, Sequence[str]], default: str
) -> tuple[str, list[str]]:
    """The `sort` parameter if it names a sortable column (`-` for descending), else
    `default`; with the `order_by` fields it stands for (a tie-breaker included)."""
    wanted = request.GET.get("sort", "") or default
    name = wanted.removeprefix("-")
    if name not in columns:
        wanted, name = default, default.removeprefix("-")
    descending = wanted.startswith("-")
    fields = [f"-{f}" if descending else f for f in columns[name]]
    return wanted, fields


def page_options(request: HttpRequest) -> dict[str, Any]:
    return {"sort": request.GET.get("sort", "")}
