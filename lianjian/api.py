"""The REST API under /api/v1/ (django-ninja).

Browser sessions (with CSRF) and bearer tokens (`lianjian createtoken`) both
authenticate; each app contributes a router. The API does its own
authentication, so its views are exempt from LoginRequiredMiddleware.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from lianjian.accounts.permissions import FORBIDDEN_MESSAGE
from lianjian.accounts.services import token_user


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session cookie, with Django's CSRF check on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Only a signed-in session is held to CSRF: a request with no session (or
        # with a bad bearer token) must get 401, not a CSRF refusal.
        if not request.user.is_authenticated:
            return None
        if self.csrf and check_csrf(request):
            raise HttpError(403, "CSRF 校验失败，请刷新页面后重试")
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated and not request.user.must_change_password:  # type: ignore[union-attr]
            return request.user
        return None


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "中文错误说明"},
        "errors": {"type": "array", "items": {"type": "object"}, "description": "逐项校验错误"},
    },
    "required": ["detail"],
}


class ObjectBodyParser(Parser):
    """JSON bodies must be objects.

    Ninja's input schemas read attributes from whatever they are given, so a
    body such as `[null, null]` would validate as "no fields" and a route with
    an optional body would act on it. Every body of this API is an object.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if data is not None and not isinstance(data, dict):  # null: an optional body left out
            raise ValueError("the JSON body must be an object")  # answered as 400
        return data


class LianjianAPI(NinjaAPI):
    """NinjaAPI whose spec also documents the answers every operation can give.

    Ninja documents only the statuses a route declares, yet any operation can
    answer 422 (request validation, `_validation_error`), 400 when its JSON body
    cannot be parsed, and 401 (`_unauthenticated`) when it requires credentials.
    Clients and the schemathesis fuzz suite (fuzz/) hold the API to its spec,
    so these are written into it.
    """

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    responses.setdefault(401, _json_response("未登录或令牌无效", ref))
                body = operation.get("requestBody", {}).get("content", {})
                if "application/json" in body:
                    responses.setdefault(400, _json_response("请求内容无法解析", ref))
                declared = responses.get(422)
                if declared is None:
                    responses[422] = _json_response("提交的数据格式有误", ref)
                    continue
                # a route's own 422 body, or the validation error raised before it runs
                content = declared.setdefault("content", {}).setdefault("application/json", {})
                own = content.get("schema")
                content["schema"] = {"anyOf": [own, ref]} if own else ref
        return schema


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


api = LianjianAPI(
    title="联建 API",
    version="1",
    description="区域化党建平台接口：所有列表和详情均按用户的数据范围过滤。",
    auth=[BearerAuth(), SessionAuth(csrf=True)],
    parser=ObjectBodyParser(),
    urls_namespace="api",
    docs_url="/docs",
    # the validator badge would call validator.swagger.io: nothing leaves the intranet (S24)
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "提交的数据格式有误", "errors": exc.errors}, status=422
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到该记录，或您无权查看"}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or FORBIDDEN_MESSAGE}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        # ninja's own wording; clients get the Chinese message every other error has
        message = "请求内容无法解析：请提交 JSON 格式的数据"
    return api.create_response(request, {"detail": message}, status=exc.status_code)


def _register_routers() -> None:
    from lianjian.core.api_health import router as health_router
    from lianjian.needs.api import router as needs_router
    from lianjian.orgs.api import router as orgs_router
    from lianjian.orgs.api_ledger import router as ledger_router
    from lianjian.visits.api import router as visits_router

    api.add_router("/", orgs_router)
    api.add_router("/", ledger_router)
    api.add_router("/", needs_router)
    api.add_router("/", visits_router)
    api.add_router("/", health_router)


_register_routers()


def _exempt(patterns: list[Any]) -> None:
    for p in patterns:
        if isinstance(p, URLResolver):
            _exempt(p.url_patterns)
        elif isinstance(p, URLPattern):
            p.callback.login_required = False  # type: ignore[attr-defined]
            p.callback.lianjian_permission = "api"  # type: ignore[attr-defined]


def api_urlpatterns() -> Any:
    patterns, app_name, namespace = api.urls
    _exempt(patterns)
    return patterns, app_name, namespace
