"""Error pages and the audit trail page."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lianjian.core.audit import audit_verify
from lianjian.core.models import AuditEvent
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        # an error raised before the API's own handlers (a middleware): JSON all the same
        return JsonResponse({"detail": message, "field": None}, status=status)
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def error_403(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 403, "无权访问", "您没有执行此操作的权限。")


def error_404(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _error(request, 404, "未找到", "未找到该页面或记录，或您无权查看。")


def error_500(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "系统错误", "系统暂时无法处理您的请求，请稍后再试。")


@require_perm("core.view_audit")
def audit_list(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.order_by("-seq")
    filters = {
        "action": request.GET.get("action", "").strip(),
        "username": request.GET.get("username", "").strip(),
    }
    if filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["username"]:
        events = events.filter(username__iexact=filters["username"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "verify": audit_verify(),
            "querystring_base": querystring_without_page(request),
        },
    )
