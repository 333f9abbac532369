"""Account administration pages, split by duty (S10).

System and district administrators (`accounts.manage_users`) create,
reset and deactivate accounts; security administrators
(`accounts.manage_grants`, `accounts.unlock`, `accounts.reset_otp`) grant
and revoke roles, release lockouts and clear lost second factors. Each sees
only the accounts of their own subtrees, and acts on credentials only of
accounts ranked below their own (`duties`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from lianjian.accounts import duties, selectors, services
from lianjian.accounts.departments import department_names
from lianjian.accounts.forms import GrantForm, UserCreateForm
from lianjian.accounts.models import Grant, User
from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_any_perm, require_perm, user_has_perm, user_roles
from lianjian.orgs.access import get_in_scope

ADMIN_PERMS = selectors.ADMIN_PERMS


def _is_locked(user: User) -> bool:
    return bool(selectors.locked_usernames([services.normalize_username(user.username)]))


@require_any_perm(*ADMIN_PERMS)
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    active = request.GET.get("active", "")
    can_unlock = user_has_perm(request.user, "accounts.unlock")
    locked = request.GET.get("locked", "") if can_unlock else ""
    expiring = request.GET.get("expiring", "")
    users = selectors.users_for_admin(
        request.user, q=q, active=active, locked=locked, expiring=expiring
    )
    page = Paginator(users.prefetch_related("grants"), 50).get_page(request.GET.get("page"))
    if can_unlock:
        # one query for the page: who is under a lockout now
        names = selectors.locked_usernames([u.username for u in page.object_list])
        for u in page.object_list:
            u.is_locked = u.username.lower() in names
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "filters": {"q": q, "active": active, "locked": locked, "expiring": expiring},
            "can_create": user_has_perm(request.user, "accounts.manage_users"),
            "can_unlock": can_unlock,
            "querystring_base": querystring_without_page(request),
        },
    )


@never_cache
@require_perm("accounts.manage_users")
@require_http_methods(["GET", "POST"])
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    regions = selectors.admin_regions(request.user, "accounts.manage_users").order_by("path")
    form = UserCreateForm(regions, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, initial = services.user_create(
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                home_region=form.cleaned_data["home_region"],
                actor=request.user,
                request=request,
            )
        except services.AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            # rendered once, never stored in clear and never redirected to (S3)
            return render(
                request,
                "accounts/one_time_password.html",
                {"target": user, "password": initial, "created": True},
            )
    return render(request, "accounts/user_create.html", {"form": form})


@require_any_perm(*ADMIN_PERMS)
def user_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    target = get_in_scope(
        selectors.users_for_admin(request.user), pk, user=request.user, request=request
    )
    return _render_detail(request, target, None)


def _render_detail(
    request: AuthenticatedRequest, target: User, grant_form: GrantForm | None, status: int = 200
) -> HttpResponse:
    actor = request.user
    can_grant = user_has_perm(actor, "accounts.manage_grants") and actor.pk != target.pk
    if grant_form is None and can_grant:
        grant_form = _grant_form(actor)
    grants = selectors.user_grants_listed(target)
    # a department grant shows the department's name, not its key
    names = department_names([g.department_key for g in grants if g.department_key])
    for g in grants:
        g.department_name = names.get(g.department_key, g.department_key)  # type: ignore[attr-defined]
    revocable = {g.pk for g in grants if can_grant and selectors.grant_in_actor_scope(actor, g)}
    # credentials only of accounts ranked below the actor (the services refuse the rest too)
    above = actor.pk != target.pk and duties.outranks(user_roles(actor), {g.role for g in grants})
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "grants": grants,
            "revocable": revocable,
            "grant_form": grant_form if can_grant else None,
            "can_manage": user_has_perm(actor, "accounts.manage_users") and above,
            "can_unlock": user_has_perm(actor, "accounts.unlock"),
            "can_reset_otp": user_has_perm(actor, "accounts.reset_otp") and above,
            "has_device": TOTPDevice.objects.filter(user=target).exists(),
            "locked": _is_locked(target),
        },
        status=status,
    )


def _grant_form(actor: User, data: Any = None) -> GrantForm:
    regions = selectors.admin_regions(actor, "accounts.manage_grants").order_by("path")
    orgs = selectors.grantable_party_orgs(actor).order_by("path")
    return GrantForm(regions, orgs, data)


@require_perm("accounts.manage_grants")
@require_POST
def grant_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    target = get_in_scope(
        selectors.users_visible_to(actor, "accounts.manage_grants"), pk, user=actor, request=request
    )
    form = _grant_form(actor, request.POST)
    if form.is_valid():
        try:
            services.grant_give(
                actor, target, form.cleaned_data["role"], request=request, **form.target()
            )
        except services.AccountError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已授权")
            return redirect("accounts:user_detail", pk=target.pk)
    return _render_detail(request, target, form, status=400)


@require_perm("accounts.manage_grants")
@require_POST
def grant_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    visible = selectors.users_visible_to(actor, "accounts.manage_grants")
    grant = get_in_scope(
        Grant.objects.filter(user__in=visible.values("pk")).select_related("user"),
        pk,
        user=actor,
        request=request,
    )
    try:
        services.grant_revoke(actor, grant, request=request)
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤销授权")
    return redirect("accounts:user_detail", pk=grant.user_id)


@require_perm("accounts.manage_users")
@require_POST
def user_deactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    target = get_in_scope(
        selectors.users_visible_to(actor, "accounts.manage_users"), pk, user=actor, request=request
    )
    try:
        services.user_deactivate(target, actor=actor, request=request)
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "账户已停用，其会话和接口令牌均已失效")
    return redirect("accounts:user_detail", pk=target.pk)


@never_cache
@require_perm("accounts.manage_users")
@require_POST
def user_password_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    target = get_in_scope(
        selectors.users_visible_to(actor, "accounts.manage_users"), pk, user=actor, request=request
    )
    if target.pk == actor.pk:
        messages.error(request, "请通过“修改密码”更改自己的密码")
        return redirect("accounts:user_detail", pk=target.pk)
    try:
        initial = services.password_reset(target, actor, request=request)
    except services.AccountError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:user_detail", pk=target.pk)
    return render(
        request,
        "accounts/one_time_password.html",
        {"target": target, "password": initial, "created": False},
    )


@require_perm("accounts.unlock")
@require_POST
def user_unlock(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    target = get_in_scope(
        selectors.users_visible_to(actor, "accounts.unlock"), pk, user=actor, request=request
    )
    cleared = services.user_unlock(target, actor=actor, request=request)
    messages.success(request, f"已解除锁定（清除 {cleared} 条失败记录）")
    return redirect("accounts:user_detail", pk=target.pk)


@require_perm("accounts.reset_otp")
@require_POST
def user_otp_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The security administrator clears a lost second factor; the user enrols again."""
    actor = request.user
    target = get_in_scope(
        selectors.users_visible_to(actor, "accounts.reset_otp"), pk, user=actor, request=request
    )
    try:
        removed = services.second_factor_reset(target, actor=actor, request=request)
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已清除 {removed} 个双因素认证设备，该用户下次登录时重新绑定")
    return redirect("accounts:user_detail", pk=target.pk)
