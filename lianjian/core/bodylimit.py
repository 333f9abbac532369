"""Request bodies are capped per route from their Content-Length, before anything reads them.

Django reads a multipart upload to the end (spooling files to disk) as soon as
anything touches `request.POST` — the CSRF check does, before any view — and
DATA_UPLOAD_MAX_MEMORY_SIZE does not count files. So a 500 MB POST to a
public form was written to disk before a single check ran. This middleware
answers 413 from the declared length alone; Django never reads more than the
declared length (LimitedStream), and a body without one is read as empty.

The limits are `settings.REQUEST_BODY_LIMITS`: URL path prefix -> bytes, the
longest matching prefix wins; nginx's `client_max_body_size` mirrors them
(README, "Production").
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def body_limit_for(path: str) -> int:
    """The largest body accepted on `path`."""
    limits: dict[str, int] = settings.REQUEST_BODY_LIMITS
    best = ""
    for prefix in limits:
        if path.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return int(limits.get(best, settings.REQUEST_BODY_MAX_BYTES))


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, n // 1024)} KB"


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    # no template: nothing after this middleware (sessions, the user) has run
    page = (
        '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
        f"<title>请求过大</title></head><body><h1>无法提交</h1><p>{message}</p>"
        '<p><a href="/">返回首页</a></p></body></html>'
        if status == 413
        else f'<!doctype html><html lang="zh-hans"><meta charset="utf-8"><p>{message}</p></html>'
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


class RequestBodyLimitMiddleware:
    """413 for a declared body over the route's limit; 400 for a malformed Content-Length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = str(request.META.get("CONTENT_LENGTH") or "0").strip()
        if not raw.isdigit():
            return _refusal(request, 400, "请求头 Content-Length 无效")
        limit = body_limit_for(request.path_info)
        if int(raw) > limit:
            return _refusal(
                request,
                413,
                f"提交的内容过大（{_size(int(raw))}），此处上限为 {_size(limit)}；"
                "请减少或压缩附件后重试",
            )
        return self.get_response(request)
