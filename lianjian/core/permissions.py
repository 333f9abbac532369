"""What a user may do (role permissions) and how views declare it (S7).

Every view is either `@public` or `@require_perm(...)`; a test walks all URL
patterns and fails on a view that declares neither. *Where* a user may do it
is the scope chokepoint in `lianjian.orgs.access`. Which roles hold which
permission is declared by each app's `registry.py` (`lianjian.core.registry`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from lianjian.core.actors import Viewer
from lianjian.core.registry import role_permissions
from lianjian.core.roles import STAFF_ROLES

F = TypeVar("F", bound=Callable[..., Any])


def user_grants(user: Viewer) -> list[Any]:
    """The user's grants, loaded once per request object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_lianjian_grants", None)
    if cached is None:
        cached = list(user.grants.select_related("region", "party_org", "unit"))
        # memoised on the instance: one query per request object
        cast("Any", user)._lianjian_grants = cached
    return cached


def user_roles(user: Viewer) -> set[str]:
    return {g.role for g in user_grants(user)}


def user_has_perm(user: Viewer, perm: str) -> bool:
    table = role_permissions()
    return any(perm in table.get(g.role, ()) for g in user_grants(user))


def grants_with_perm(user: Viewer, perm: str) -> list[Any]:
    table = role_permissions()
    return [g for g in user_grants(user) if perm in table.get(g.role, ())]


def is_staff_user(user: Viewer) -> bool:
    return bool(user_roles(user) & STAFF_ROLES)


FORBIDDEN_MESSAGE = "您没有执行此操作的权限"


def ensure_perm(request: HttpRequest, perm: str) -> None:
    """Raise PermissionDenied, with an audit row, unless the user holds `perm` (or `a|b`).

    Pages turn it into the 403 page and the API into `{"detail": ...}` with 403.
    """
    if user_has_any_perm(request.user, perm):
        return
    from lianjian.core.audit import audit_record

    audit_record(
        "access.denied",
        request=request,
        result="denied",
        detail={"path": request.path, "perm": perm},
    )
    raise PermissionDenied(FORBIDDEN_MESSAGE)


def require_perm(perm: str) -> Callable[[F], F]:
    """Refuse (403, audited) a user none of whose roles carries `perm` (or one of `a|b`)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            ensure_perm(request, perm)
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        wrapped.lianjian_permission = perm  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def user_has_any_perm(user: Viewer, perms: str) -> bool:
    """`perms` is one permission or alternatives joined by `|`."""
    return any(user_has_perm(user, p) for p in perms.split("|"))


def require_any_perm(*perms: str) -> Callable[[F], F]:
    """Like `require_perm`, satisfied by any one of `perms` (pages shared by separated duties)."""
    return require_perm("|".join(perms))


def require_login(view: F) -> F:
    """For pages any signed-in user may open (their own profile, notifications)."""
    view.lianjian_permission = "authenticated"  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    """Open without login (login page, public forms); must be declared explicitly."""
    view = login_not_required(view)
    view.lianjian_public = True  # type: ignore[attr-defined]
    return view
