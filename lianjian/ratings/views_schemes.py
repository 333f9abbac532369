"""Desk pages of rating schemes: district staff create a scheme for a year, edit its
thresholds, star levels, groups and criteria while it is a draft, publish it and open
the year's round.

Every edit goes through `ratings.services`, whose one rule (`_draft`) refuses changes
once the scheme is published or a round on it has started; a `RatingError` is shown
as a message and nothing is written. Schemes outside the user's districts answer 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.orgs.models import Region
from lianjian.ratings import access, services
from lianjian.ratings.indicators import indicators
from lianjian.ratings.models import Criterion, CriterionGroup, Method, Round, Scheme
from lianjian.ratings.services import RatingError

if TYPE_CHECKING:
    from lianjian.accounts.models import User

THRESHOLDS = ("good_min", "fair_min", "average_min")


def _int(value: str, default: int = 0) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 6 else default


def _stars(data: QueryDict) -> dict[int, str]:
    return {level: data.get(f"star_{level}", "") for level in range(1, 6)}


def _districts(user: User) -> list[Region]:
    ids = access.districts_of(user, access.MANAGE)
    return list(Region.objects.filter(pk__in=ids, level=Region.Level.DISTRICT).order_by("name"))


@require_perm(access.MANAGE)
@require_http_methods(["GET", "POST"])
def scheme_list(request: AuthenticatedRequest) -> HttpResponse:
    districts = _districts(request.user)
    error = None
    if request.method == "POST":
        data = request.POST
        district = next((d for d in districts if str(d.pk) == data.get("district")), None)
        try:
            if district is None:
                raise RatingError("请选择区", "district")
            scheme = services.scheme_create(
                district=district,
                year=_int(data.get("year", "")),
                name=data.get("name", ""),
                # a blank threshold keeps the default (90 / 75 / 60)
                thresholds={k: data[k] for k in THRESHOLDS if data.get(k, "").strip()},
                stars=_stars(data),
                actor=request.user,
            )
        except RatingError as err:
            error = err.message
        else:
            messages.success(request, f"已创建{scheme.year}年度评定方案，请添加指标分组和指标")
            return redirect("ratings:scheme", pk=scheme.pk)
    schemes = access.schemes_managed_by(request.user).select_related("district").order_by("-year")
    return render(
        request,
        "ratings/schemes.html",
        {"schemes": schemes, "districts": districts, "error": error, "data": request.POST},
    )


class _CriterionArgs(TypedDict):
    """A criterion as the form posts it (text, checked by `services._criterion_fields`)."""

    name: str
    max_score: str
    method: str
    indicator: str
    target: str
    description: str
    evidence_required: bool


def _criterion_args(data: QueryDict) -> _CriterionArgs:
    return {
        "name": data.get("name", ""),
        "max_score": data.get("max_score", ""),
        "method": data.get("method", Method.MANUAL),
        "indicator": data.get("indicator", ""),
        "target": data.get("target", ""),
        "description": data.get("description", ""),
        "evidence_required": bool(data.get("evidence_required")),
    }


def _edit(request: AuthenticatedRequest, scheme: Scheme, action: str) -> str:
    """One edit of a draft; returns the success message."""
    data, user = request.POST, request.user
    group = CriterionGroup.objects.filter(scheme=scheme, pk=_int(data.get("group", ""))).first()
    criterion = Criterion.objects.filter(scheme=scheme, pk=_int(data.get("criterion", ""))).first()
    if action == "update":
        services.scheme_update(
            scheme,
            name=data.get("name", ""),
            thresholds={k: data.get(k, "") for k in THRESHOLDS},
            stars=_stars(data),
            actor=user,
        )
        return "已保存等次分数线和星级"
    if action == "group_add":
        services.group_add(
            scheme,
            name=data.get("name", ""),
            weight=data.get("weight", ""),
            order=scheme.groups.count() + 1,
            actor=user,
        )
        return "已添加指标分组"
    if action in ("group_edit", "group_remove", "criterion_add") and group is None:
        raise RatingError("指标分组不存在", "group")
    if action in ("criterion_edit", "criterion_remove") and criterion is None:
        raise RatingError("指标不存在", "criterion")
    if action == "group_edit" and group is not None:
        services.group_update(
            group,
            name=data.get("name", ""),
            weight=data.get("weight", ""),
            order=_int(data.get("order", ""), group.order),
            actor=user,
        )
        return "已保存指标分组"
    if action == "group_remove" and group is not None:
        services.group_remove(group, actor=user)
        return "已删除指标分组"
    if action == "criterion_add" and group is not None:
        services.criterion_add(
            group, order=group.criteria.count() + 1, actor=user, **_criterion_args(data)
        )
        return "已添加指标"
    if action == "criterion_edit" and criterion is not None:
        services.criterion_update(criterion, actor=user, **_criterion_args(data))
        return "已保存指标"
    if action == "criterion_remove" and criterion is not None:
        services.criterion_remove(criterion, actor=user)
        return "已删除指标"
    raise RatingError("无效的操作", "action")


@require_perm(access.MANAGE)
@require_http_methods(["GET", "POST"])
def scheme_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    scheme = access.get_managed_scheme(request.user, pk, request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "publish":
                services.scheme_publish(scheme, actor=request.user)
                messages.success(request, "方案已发布")
            elif action == "copy":
                raw = request.POST.get("year", "")
                year = int(raw) if raw.isdigit() and len(raw) == 4 else 0
                copy = services.scheme_copy(scheme, year=year, actor=request.user)
                messages.success(request, f"已复制为{copy.year}年度方案（草稿）")
                return redirect("ratings:scheme", pk=copy.pk)
            elif action == "open":
                rnd = services.round_open(
                    scheme,
                    scope=request.POST.get("scope", Round.Scope.LIANGXIN),
                    actor=request.user,
                )
                messages.success(request, f"已开始评定：{rnd.ratings.count()} 个党组织")
            else:
                messages.success(request, _edit(request, scheme, action))
        except RatingError as err:
            messages.error(request, err.message)
        return redirect("ratings:scheme", pk=pk)
    current = Round.objects.filter(scheme=scheme).first()
    groups = list(scheme.groups.prefetch_related("criteria"))
    stars = {s.stars: s.min_score for s in scheme.star_levels.all()}
    return render(
        request,
        "ratings/scheme.html",
        {
            "scheme": scheme,
            "groups": groups,
            "weight_total": sum(g.weight for g in groups),
            "stars": scheme.star_levels.all(),
            "star_rows": [(level, stars.get(level)) for level in range(1, 6)],
            "round": current,
            "scopes": Round.Scope.choices,
            "methods": Method.choices,
            "indicators": sorted(indicators().values(), key=lambda i: i.key),
            "editable": scheme.status == Scheme.Status.DRAFT and current is None,
            "can_manage": user_has_perm(request.user, access.MANAGE),
        },
    )
