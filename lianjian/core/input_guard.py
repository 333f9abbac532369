"""Refuse input no view can store or look up, before any view runs (QUALITY.md R7).

PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), so a
NUL in a query parameter, a path segment or a form field was a 500 wherever
a view used it in a query; an integer beyond bigint in the path or the query
string overflowed the database as well. Other C0 control characters (those
openpyxl refuses to write) and lone surrogates cannot be exported or encoded
either. This middleware answers 400 with a Chinese message instead: JSON
under /api/, the error page elsewhere. JSON bodies are checked by the API's
parser (`lianjian.api`), which names the field.

A view marked with `audit_refused_input` (the login) gets its refusals
audited, so a failed login with a NUL in the username still leaves a row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from lianjian.core.schemas import BIGINT_MAX

# C0 controls except tab, line feed and carriage return; UTF-16 surrogates (never valid alone)
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# the same, as the spec states it for every free-text string of a request (JSON Schema regex)
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]*$"
_INTEGER = re.compile(r"[+-]?\d+")
_BIGINT_DIGITS = len(str(BIGINT_MAX))

CONTROL_MESSAGE = "{where}含有不允许的控制字符（如 NUL），请删除后重试"
NUMBER_MESSAGE = "{where}中的数字超出允许范围"

V = TypeVar("V", bound=Callable[..., Any])


def has_bad_character(text: str) -> bool:
    """NUL and the other C0 controls but tab and newlines, or a lone surrogate."""
    return _BAD_CHARACTER.search(text) is not None


def visible(text: str) -> str:
    """The text with each refused character written as an escape (`\\x00`), for the audit trail."""
    return _BAD_CHARACTER.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def beyond_bigint(text: str) -> bool:
    """An integer literal no bigint column can hold (the digits alone decide, no int())."""
    if not _INTEGER.fullmatch(text):
        return False
    digits = text.lstrip("+-").lstrip("0")
    return len(digits) > _BIGINT_DIGITS or (
        len(digits) == _BIGINT_DIGITS and int(digits) > BIGINT_MAX
    )


def audit_refused_input(action: str, *, username_field: str = "username") -> Callable[[V], V]:
    """Audit this view's refused requests as `action` (with the username the form carried)."""

    def mark(view: V) -> V:
        view.refused_input_audit = (action, username_field)  # type: ignore[attr-defined]
        return view

    return mark


class InputGuardMiddleware:
    """Answer 400 to control characters (path, query, form) and out-of-range integers.

    Runs as `process_view`: the URL is resolved and the user loaded, so the
    error page renders like any other and the view's audit marker is known.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        try:
            problem = self._problem(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
            # Django's own limits on a form body: the same 400, never its bare HTML page
            return _refusal(request, "提交的表单过大或字段过多，请减少内容后重试", None)
        if problem is None:
            return None
        message, field = problem
        marker = getattr(view_func, "refused_input_audit", None)
        if marker is not None:
            _audit(request, *marker, reason=message)
        return _refusal(request, message, field)

    def _problem(self, request: HttpRequest) -> tuple[str, str | None] | None:
        path = request.path_info
        if has_bad_character(path):
            return CONTROL_MESSAGE.format(where="网址"), None
        if any(beyond_bigint(segment) for segment in path.split("/")):
            return NUMBER_MESSAGE.format(where="网址"), None
        for key, value in _items(request.GET.lists()):
            if has_bad_character(key) or has_bad_character(value):
                return CONTROL_MESSAGE.format(where=f"查询参数 {visible(key)} "), visible(key)
            if beyond_bigint(value):
                return NUMBER_MESSAGE.format(where=f"查询参数 {key} "), key
        if request.method in ("POST", "PUT", "PATCH") and _is_form(request):
            for key, value in _items(request.POST.lists()):
                if has_bad_character(key) or has_bad_character(value):
                    return CONTROL_MESSAGE.format(where=f"表单字段 {visible(key)} "), visible(key)
            for key, upload in _items(request.FILES.lists()):
                if has_bad_character(upload.name or ""):
                    return CONTROL_MESSAGE.format(where="上传文件的文件名"), key
        return None


def _refusal(request: HttpRequest, message: str, field: str | None) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "field": field}, status=400)
    return render(request, "core/error.html", {"title": "请求无效", "message": message}, status=400)


def _items(lists: Iterable[tuple[str, list[Any]]]) -> Iterable[tuple[str, Any]]:
    for key, values in lists:
        for value in values:
            yield key, value


def _is_form(request: HttpRequest) -> bool:
    kind = request.content_type or ""
    return kind in ("application/x-www-form-urlencoded", "multipart/form-data")


def _audit(request: HttpRequest, action: str, username_field: str, *, reason: str) -> None:
    from lianjian.core.audit import audit_record

    username = str(request.POST.get(username_field, "")) if _is_form(request) else ""
    audit_record(
        action,
        request=request,
        result="failure",
        username=visible(username)[:150],
        detail={"reason": reason},
    )
