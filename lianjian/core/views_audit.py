"""The audit trail page and its export (issue 13.10): Chinese labels, filters, Excel.

Only the audit administrator (`core.view_audit`) reads the trail; an export is
itself an audit event, naming the filters it was made with. Rows carry no ID
number or mobile (`audit_record` redacts its details), and the export passes
every text cell through the same redaction again and the formula guard (S21).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from lianjian.core.audit import audit_record, audit_verify
from lianjian.core.audit_labels import (
    GROUPS,
    event_label,
    event_labels,
    object_label,
    object_types_in_use,
)
from lianjian.core.lists import sort_order
from lianjian.core.logging import redact
from lianjian.core.models import AuditEvent
from lianjian.core.paging import in_chunks, querystring_without_page
from lianjian.core.permissions import require_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.xlsx import stamped, xlsx_response

PAGE_SIZE = 50
# one export holds at most this many rows: narrow the dates for more
EXPORT_MAX_ROWS = 50_000
EXPORT_RATE = (10, 3600)
SORTS = {
    "seq": ("seq",),
    "time": ("occurred_at", "seq"),
    "user": ("username", "seq"),
    "action": ("action", "seq"),
    "result": ("result", "seq"),
}
FILTERS = ("start", "end", "username", "action", "object_type", "object_id", "result")


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def audit_events_filtered(params: dict[str, str]) -> tuple[QuerySet[AuditEvent], str]:
    """The trail narrowed by the page's filters; a message for a filter that was ignored."""
    events = AuditEvent.objects.all()
    error = ""
    start, end = _date(params["start"]), _date(params["end"])
    if (params["start"] and start is None) or (params["end"] and end is None):
        error = "日期格式应为 年-月-日"
    if start and end and start > end:
        error, start, end = "开始日期不能晚于结束日期", None, None
    zone = timezone.get_current_timezone()
    if start:
        events = events.filter(occurred_at__gte=dt.datetime.combine(start, dt.time(), zone))
    if end:
        next_day = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
        events = events.filter(occurred_at__lt=next_day)
    if params["username"]:
        events = events.filter(username__iexact=params["username"])
    action = params["action"]
    if action.endswith("."):
        events = events.filter(action__startswith=action)  # a whole area: "auth."
    elif action:
        events = events.filter(action=action)
    if params["object_type"]:
        events = events.filter(object_type=params["object_type"])
    if params["object_id"]:
        events = events.filter(object_id=params["object_id"])
    if params["result"] in AuditEvent.Result.values:
        events = events.filter(result=params["result"])
    return events, error


def _params(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip()[:100] for name in FILTERS}


def _event_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The event filter: each area (all its events at once), then its events."""
    labels = event_labels()
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for prefix, name in GROUPS.items():
        codes = sorted(c for c in labels if c.split(".", 1)[0] == prefix)
        groups.append((name, [(f"{prefix}.", f"全部{name}"), *((c, labels[c]) for c in codes)]))
    return groups


@require_perm("core.view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    params = _params(request)
    events, error = audit_events_filtered(params)
    sort, order = sort_order(request, SORTS, "-seq")
    page = Paginator(events.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = event_labels()
    for event in page.object_list:
        event.action_label = event_label(event.action, labels)
        event.object_label = object_label(event.object_type)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "filters": params,
            "error": error,
            "sort": sort,
            "event_choices": _event_choices(),
            "object_types": object_types_in_use(),
            "results": AuditEvent.Result.choices,
            "verify": audit_verify(),
            "querystring_base": querystring_without_page(request),
        },
    )


EXPORT_HEADERS = ["序号", "时间", "用户", "操作", "操作代码", "对象类型", "对象编号", "范围"]
EXPORT_HEADERS += ["结果", "来源IP", "详情"]


def _export_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    labels = event_labels()
    results = dict(AuditEvent.Result.choices)
    for e in in_chunks(events, 2000):
        yield [
            e.seq,
            e.occurred_at,
            e.username,
            event_label(e.action, labels),
            e.action,
            object_label(e.object_type),
            e.object_id,
            e.scope,
            results.get(e.result, e.result),
            e.source_ip,
            redact(str(e.detail or "")),
        ]


@require_perm("core.view_audit")
def audit_export(request: HttpRequest) -> HttpResponseBase:
    limited = rate_limited(
        request, "core.audit_export", limit=EXPORT_RATE[0], window=EXPORT_RATE[1]
    )
    if limited:
        return limited
    params = _params(request)
    events, error = audit_events_filtered(params)
    if error:
        return render(
            request, "core/error.html", {"title": "无法导出", "message": error}, status=400
        )
    sort, order = sort_order(request, SORTS, "-seq")
    total = events.count()
    if total > EXPORT_MAX_ROWS:
        message = (
            f"符合条件的记录有 {total} 条，超过单次导出上限 {EXPORT_MAX_ROWS} 条，请缩小日期范围。"
        )
        return render(
            request, "core/error.html", {"title": "无法导出", "message": message}, status=400
        )
    # the export is recorded before the rows are read: it names itself in the file too
    audit_record(
        "audit.export",
        request=request,
        object_type="core.auditevent",
        detail={"filters": {k: v for k, v in params.items() if v}, "rows": total, "sort": sort},
    )
    return xlsx_response(
        "审计日志", EXPORT_HEADERS, _export_rows(events.order_by(*order)), stamped("审计日志")
    )
