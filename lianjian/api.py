"""The REST API under /api/v1/ (django-ninja).

Browser sessions (with CSRF) and bearer tokens (`lianjian createtoken`) both
authenticate; each app contributes a router. The API does its own
authentication, so its views are exempt from LoginRequiredMiddleware.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, path, re_path
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError, ValidationErrorContext
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from lianjian.accounts.services import token_authenticate
from lianjian.core.input_guard import CONTROL_MESSAGE, TEXT_PATTERN, has_bad_character, visible
from lianjian.core.permissions import FORBIDDEN_MESSAGE
from lianjian.core.schema_errors import translate_errors
from lianjian.core.schemas import ErrorOut, ValidationErrorOut

logger = logging.getLogger("django.request")
security_logger = logging.getLogger("django.security")


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # 401 for a bad token; 403 with the reason for an account that may not work now
        user = token_authenticate(token)
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
        if request.user.is_authenticated and not request.user.must_change_password:
            return request.user
        return None


class BadCharacterError(ValueError):
    """A JSON string holding a control character or a lone surrogate (see core.input_guard)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class ObjectBodyParser(Parser):
    """JSON bodies must be objects, their strings free of control characters.

    Ninja's input schemas read attributes from whatever they are given, so a
    body such as `[null, null]` would validate as "no fields" and a route with
    an optional body would act on it. Every body of this API is an object.
    A NUL in a string would reach PostgreSQL, which refuses it with a 500.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if data is not None and not isinstance(data, dict):  # null: an optional body left out
            raise ValueError("the JSON body must be an object")  # answered as 400
        if data is not None:
            _check_strings(data, "")
        return data


def _check_strings(value: Any, where: str) -> None:
    if isinstance(value, str):
        if has_bad_character(value):
            raise BadCharacterError(where)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if has_bad_character(str(key)):
                raise BadCharacterError(visible(name))
            _check_strings(item, name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_strings(item, f"{where}[{i}]")


NOT_FOUND = "未找到该记录，或您无权查看"
BAD_REQUEST = "请求无效：请检查提交的内容"
SERVER_ERROR = "系统暂时无法处理该请求，请稍后再试；问题已记录"

# What any operation can answer besides what its route declares, and why.
GENERIC_ANSWERS: dict[int, str] = {
    400: "请求无效：内容无法解析，或含有控制字符、超出范围的数字",
    422: "提交的数据不符合接口定义（逐项中文说明）",
    500: "系统错误（以 JSON 说明，不含内部细节）",
}
SECURED_ANSWERS: dict[int, str] = {
    401: "未登录或令牌无效",
    403: "无权执行此操作（或 CSRF 校验失败）",
}
# for the statuses routes declare themselves, in place of ninja's English reason phrases
DECLARED_ANSWERS: dict[int, str] = {
    400: "请求无效（中文说明，field 指出字段）",
    403: "无权执行此操作",
    404: "未找到该记录，或您无权查看",
    409: "与记录的当前状态冲突",
    422: "提交的数据不符合要求",
    429: "请求过于频繁，请按 Retry-After 稍后再试",
}


class LianjianAPI(NinjaAPI):
    """NinjaAPI whose spec documents every answer an operation can give, each as JSON.

    Ninja documents only the statuses a route declares, yet any operation can
    answer 422 (request validation, `_validation_error`), 400 (an unparsable
    body, or input refused by `core.input_guard`), 500 (`_server_error`), and,
    when it requires credentials, 401 (`_unauthenticated`) and 403 (role, CSRF).
    Clients and the schemathesis fuzz suite (fuzz/) hold the API to its spec,
    so these are written into it, each with its JSON schema.
    """

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, ValidationErrorOut):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(definition.pop("$defs", {}))
            components[model.__name__] = definition
        # ninja inlines the enums of query and path parameters: point them at their component
        enums = {
            _enum_key(definition): name
            for name, definition in components.items()
            if "enum" in definition
        }
        seen: set[str] = set()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                _document_answers(operation)
                for parameter in operation.get("parameters", []):
                    parameter["schema"] = _enum_refs(parameter["schema"], enums)
                    _plain_text(parameter["schema"], components, seen)
                for content in operation.get("requestBody", {}).get("content", {}).values():
                    _plain_text(content.get("schema", {}), components, seen)
        return schema

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Pydantic's errors with Chinese messages, each field named by its label."""
        errors: list[dict[str, Any]] = []
        for context in error_contexts:
            model = context.model
            source = model.__ninja_param_source__
            raw = context.pydantic_validation_error.errors(include_url=False)
            for error in raw:
                loc = tuple(error["loc"])
                error["loc"] = (source, *model.__ninja_flatten_map_reverse__.get(loc, loc))
            errors.extend(translate_errors([dict(e) for e in raw], model))
        return ValidationError(errors)

    def get_openapi_operation_id(self, operation: Any) -> str:
        """A route without its own `operation_id` is named after its function (`import_file`).

        Ninja's default prefixes the module path (`lianjian_orgs_api_ledger_import_file`),
        which a generated client turns into its function names; a test keeps them unique.
        """
        return str(operation.view_func.__name__)


def _document_answers(operation: dict[str, Any]) -> None:
    """Add the answers any operation can give; Chinese descriptions for the declared ones."""
    error = {"$ref": "#/components/schemas/ErrorOut"}
    invalid = {"$ref": "#/components/schemas/ValidationErrorOut"}
    responses = operation.setdefault("responses", {})
    answers = dict(GENERIC_ANSWERS)
    if operation.get("security"):
        answers.update(SECURED_ANSWERS)
    for status, description in answers.items():
        if status not in responses:
            responses[status] = _json_response(description, invalid if status == 422 else error)
    for status, response in responses.items():
        if response.get("description") == HTTPStatus(int(status)).phrase:
            response["description"] = DECLARED_ANSWERS.get(int(status), response["description"])
    # a route's own 422 body, or the validation error raised before it runs
    content = responses[422].setdefault("content", {})
    declared = content.setdefault("application/json", {}).get("schema")
    if declared and declared != invalid:
        content["application/json"]["schema"] = {"anyOf": [declared, invalid]}


def _plain_text(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> None:
    """Declare on each free-text string a request carries what `core.input_guard` refuses."""
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in components:
            seen.add(name)
            _plain_text(components[name], components, seen)
        return
    for key in ("anyOf", "allOf", "oneOf"):
        for variant in schema.get(key, []):
            _plain_text(variant, components, seen)
    if schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
        schema["pattern"] = TEXT_PATTERN
    for prop in schema.get("properties", {}).values():
        _plain_text(prop, components, seen)
    if isinstance(schema.get("items"), dict):
        _plain_text(schema["items"], components, seen)


def _enum_key(schema: dict[str, Any]) -> str:
    return json.dumps({k: schema.get(k) for k in ("title", "type", "enum")}, sort_keys=True)


def _enum_refs(schema: dict[str, Any], enums: dict[str, str]) -> dict[str, Any]:
    """`schema` with each inlined copy of a named enum replaced by a reference to it."""
    if "enum" in schema and _enum_key(schema) in enums:
        ref: dict[str, Any] = {"$ref": f"#/components/schemas/{enums[_enum_key(schema)]}"}
        if "default" in schema:
            ref = {"allOf": [ref], "default": schema["default"]}
        return ref
    for key in ("anyOf", "allOf"):
        if key in schema:
            return {**schema, key: [_enum_refs(s, enums) for s in schema[key]]}
    return schema


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


api = LianjianAPI(
    title="联建 API",
    version="1",
    description="区域化党建平台接口：所有列表和详情均按用户的数据范围过滤。"
    "所有错误均以 JSON 答复（见各接口的 4xx/5xx 说明）。",
    auth=[BearerAuth(), SessionAuth(csrf=True)],
    parser=ObjectBodyParser(),
    urls_namespace="api",
    docs_url="/docs",
    # the validator badge would call validator.swagger.io: nothing leaves the intranet (S24)
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    messages = [str(e.get("msg", "")) for e in exc.errors[:3]]
    more = "等" if len(exc.errors) > 3 else ""
    detail = (
        "提交的数据格式有误：" + "；".join(messages) + more if messages else "提交的数据格式有误"
    )
    return api.create_response(request, {"detail": detail, "errors": exc.errors}, status=422)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or FORBIDDEN_MESSAGE}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "未登录或令牌无效"}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message, field = str(exc), None
    if isinstance(exc.__cause__, BadCharacterError):
        field = exc.__cause__.field or None
        message = CONTROL_MESSAGE.format(where=f"字段 {field} " if field else "请求内容")
    elif exc.status_code == 400 and message.startswith("Cannot parse request body"):
        # ninja's own wording; clients get the Chinese message every other error has
        message = "请求内容无法解析：请提交 JSON 格式的数据"
    return api.create_response(request, {"detail": message, "field": field}, status=exc.status_code)


@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
def _bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Django's own refusals (an oversized or malformed body): 400, as Django answers them."""
    if isinstance(exc, SuspiciousOperation):
        security_logger.warning("%s: %s", type(exc).__name__, exc)
    return api.create_response(request, {"detail": BAD_REQUEST, "field": None}, status=400)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """An unexpected error inside a route: JSON like every other answer, the traceback logged."""
    logger.error(
        "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500}
    )
    got_request_exception.send(sender=None, request=request)
    response = api.create_response(request, {"detail": SERVER_ERROR}, status=500)
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django logs it once
    return response


def _register_routers() -> None:
    """Every app's routers, as its registry declares them (`lianjian.core.registry`)."""
    from lianjian.core.registry import registries

    for registry in registries():
        if registry.api_routers is not None:
            for router in registry.api_routers():
                api.add_router("/", router)


_register_routers()


def _unknown_path(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other address under /api/v1/: a JSON 404, never the HTML error page."""
    return JsonResponse(
        {"detail": "没有这个接口：请查看 /api/v1/docs 中的接口列表", "field": None}, status=404
    )


def _docs_redirect(request: HttpRequest) -> HttpResponse:
    return redirect("api:openapi-view")


def _json_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ninja answers an unsupported method with an HTML 405: the same, as JSON."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse({"detail": "不支持该请求方法", "field": None}, status=405)
            response["Allow"] = allowed
        return response

    return wrapper


def _prepare(patterns: list[Any]) -> None:
    """The API does its own authentication: exempt from login; unsupported methods as JSON."""
    for p in patterns:
        if isinstance(p, URLResolver):
            _prepare(p.url_patterns)
        elif isinstance(p, URLPattern):
            p.callback = _json_not_allowed(p.callback)
            p.callback.login_required = False  # type: ignore[attr-defined]
            p.callback.lianjian_permission = "api"  # type: ignore[attr-defined]


def api_urlpatterns() -> Any:
    patterns, app_name, namespace = api.urls
    patterns = [
        path("", _docs_redirect, name="root"),  # before ninja's own (an HTML 404)
        *patterns,
        re_path(r"^(?P<path>.*)$", _unknown_path, name="unknown"),
    ]
    _prepare(patterns)
    return patterns, app_name, namespace
