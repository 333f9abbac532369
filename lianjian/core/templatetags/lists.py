"""Tags of list pages: sortable column headers and the query string kept in forms."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context: Any, label: str, column: str, current: str = "") -> str:
    """A column header linking to the list sorted by `column`; again, the other way."""
    request = context["request"]
    params = request.GET.copy()
    params.pop("page", None)
    active = current.removeprefix("-") == column
    descending = current.startswith("-")
    params["sort"] = column if (active and descending) else f"-{column}" if active else column
    mark = ("▼" if descending else "▲") if active else ""
    state = ("descending" if descending else "ascending") if active else "none"
    return format_html(
        '<a class="sort{}" href="?{}" aria-sort="{}">{}{}</a>',
        " active" if active else "",
        params.urlencode(),
        state,
        label,
        format_html(' <span aria-hidden="true">{}</span>', mark) if mark else "",
    )


@register.simple_tag(takes_context=True)
def query_fields(context: Any, *skip: str) -> str:
    """Hidden inputs repeating the current query string, less `skip` (and `page`)."""
    request = context["request"]
    drop = {"page", *skip}
    pairs = [(k, v) for k, values in request.GET.lists() if k not in drop for v in values]
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', pairs)
