"""S7: deny by default. Every route declares public or a permission; anonymous users
are sent to the login page; every API operation authenticates unless listed here."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView

# API views that are deliberately open: the OpenAPI document and its docs page
# the spec and its docs; `/api/v1/` (redirects to the docs) and the JSON 404 of unknown paths
PUBLIC_API_NAMES = {"api-root", "openapi-json", "openapi-view", "root", "unknown"}


def walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace.strip(':')}:{p.name}" if p.name else ""
            yield prefix + str(p.pattern), name, p


ROUTES = list(walk(get_resolver().url_patterns))


def _ninja_path_view(callback: Any) -> PathView | None:
    callback = inspect.unwrap(callback)  # lianjian.api wraps each view (JSON 405)
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def _concrete(route: str) -> str | None:
    """`orgs/units/<int:pk>/` → `/orgs/units/1/`; None for regex routes."""
    if route.startswith("^"):
        return None

    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        return "1" if converter == "int" else "x"

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


def test_walk_finds_the_project_routes() -> None:
    names = {name for _, name, _ in ROUTES}
    assert {"accounts:login", "accounts:user_list", "core:audit_list", "orgs:unit_list"} <= names
    assert any(route.startswith("api/v1/") for route, _, _ in ROUTES)
    assert len(ROUTES) > 20


def test_every_view_declares_public_or_a_permission() -> None:
    undeclared = [
        f"/{route} ({name or p.lookup_str})"
        for route, name, p in ROUTES
        if not getattr(p.callback, "lianjian_public", False)
        and not getattr(p.callback, "lianjian_permission", None)
    ]
    assert undeclared == [], "views without @public / @require_perm / @require_login"


def test_every_api_operation_authenticates() -> None:
    operations, open_ops = 0, []
    for route, name, p in ROUTES:
        if getattr(p.callback, "lianjian_permission", None) != "api":
            continue
        view = _ninja_path_view(p.callback)
        if view is None:
            assert name.split(":")[-1] in PUBLIC_API_NAMES, f"/{route} is not a ninja operation"
            continue
        for op in view.operations:
            operations += 1
            if not op.auth_callbacks:
                open_ops.append(f"{op.methods} /{route} ({op.view_func.__name__})")
    assert operations > 10
    assert open_ops == [], "API operations with auth=None must be listed as explicitly public"


@pytest.mark.django_db
def test_anonymous_get_of_every_protected_page_redirects_to_login() -> None:
    client = Client()
    checked = 0
    for route, name, p in ROUTES:
        callback = p.callback
        if getattr(callback, "lianjian_public", False):
            continue
        if getattr(callback, "lianjian_permission", None) == "api":
            continue
        url = _concrete(route)
        if url is None:
            continue
        response = client.get(url)
        assert response.status_code == 302, f"{url} ({name}) answered {response.status_code}"
        assert response["Location"].startswith("/accounts/login/?next="), url
        checked += 1
    assert checked >= 10


@pytest.mark.django_db
def test_anonymous_api_gets_401() -> None:
    client = Client()
    for route, _, p in ROUTES:
        if getattr(p.callback, "lianjian_permission", None) != "api":
            continue
        view = _ninja_path_view(p.callback)
        if view is None or not any("GET" in op.methods for op in view.operations):
            continue
        url = _concrete(route)
        assert url is not None
        response = client.get(url)
        assert response.status_code == 401, url
