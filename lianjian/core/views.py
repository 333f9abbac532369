"""Error pages (the audit trail page is `views_audit`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


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
