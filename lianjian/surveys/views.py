"""Desk pages of surveys: the list, the builder, sending, results, cross-tabs, export.

Thin views: rows through `surveys.access` (404 outside scope), writes through
`services`/`actions`; a `SurveyError` is shown as a message and nothing is
written. The phone's answer pages are in `views_answer`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import segno
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.alliances.models import Proposal
from lianjian.core.audit import audit_record
from lianjian.core.masking import mask
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.xlsx import stamped, xlsx_response
from lianjian.orgs.access import regions_visible_to, scope_q
from lianjian.orgs.models import Region, UnitKind
from lianjian.surveys import access, actions, builder, charts, selectors, services
from lianjian.surveys.definition import KINDS, SurveyError
from lianjian.surveys.models import Audience, SatisfactionSchedule

if TYPE_CHECKING:
    from lianjian.accounts.models import User

EXPORT_RATE = (20, 3600)


def _parse_time(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise SurveyError("时间格式不正确", "closes_at") from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _regions(user: User) -> list[Region]:
    return list(
        regions_visible_to(user, access.MANAGE)
        .filter(level__in=[Region.Level.DISTRICT, Region.Level.STREET])
        .order_by("path")[:50]
    )


@require_perm(access.REPORT)
def survey_list(request: AuthenticatedRequest) -> HttpResponse:
    surveys = access.surveys_visible_to(request.user).select_related("region")[:200]
    return render(
        request,
        "surveys/list.html",
        {"surveys": surveys, "can_manage": user_has_perm(request.user, access.MANAGE)},
    )


@require_perm(access.MANAGE)
@require_http_methods(["GET", "POST"])
def survey_new(request: AuthenticatedRequest) -> HttpResponse:
    regions = _regions(request.user)
    error = None
    if request.method == "POST":
        data = request.POST
        region = next((r for r in regions if str(r.pk) == data.get("region")), None)
        try:
            if region is None:
                raise SurveyError("请选择发起单位", "region")
            area = None
            area_id = data.get("target_area", "")
            if area_id:
                area = (
                    regions_visible_to(request.user, access.MANAGE)
                    .filter(pk=int(area_id) if area_id.isdigit() else 0)
                    .first()
                )
                if area is None:
                    raise SurveyError("区域不存在或不在您的范围内", "target_area")
            survey = services.survey_create(
                actor=request.user,
                request=request,
                region=region,
                title=data.get("title", ""),
                intro=data.get("intro", ""),
                audience=data.get("audience", ""),
                definition={"questions": []},
                anonymous=bool(data.get("anonymous")),
                login_required=bool(data.get("login_required")),
                closes_at=_parse_time(data.get("closes_at", "")),
                unit_kinds=data.getlist("unit_kinds"),
                industries=[s for s in data.get("industries", "").replace("，", ",").split(",")],
                target_area=area,
                unit_ids=[int(x) for x in data.getlist("unit_ids") if x.isdigit()],
            )
        except SurveyError as exc:
            error = exc.message
        else:
            messages.success(request, "问卷已创建，请添加题目")
            return redirect("surveys:build", survey.pk)
    return render(
        request,
        "surveys/new.html",
        {
            "regions": regions,
            "audiences": Audience.choices,
            "unit_kinds": UnitKind.choices,
            "error": error,
            "data": request.POST,
        },
    )


@require_perm(access.MANAGE)
@require_http_methods(["GET", "POST"])
def survey_build(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = access.get_survey_for_user(request.user, pk, access.MANAGE)
    version = services.current_version(survey)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "add":
                definition = builder.with_question(version.definition, request.POST)
            elif op == "remove":
                definition = builder.without_question(
                    version.definition, request.POST.get("key", "")
                )
            elif op in ("up", "down"):
                definition = builder.moved(
                    version.definition, request.POST.get("key", ""), -1 if op == "up" else 1
                )
            else:
                raise SurveyError("无效的操作", "op")
            new = services.survey_define(survey, definition, actor=request.user, request=request)
        except SurveyError as exc:
            messages.error(request, exc.message)
        else:
            if new.number != version.number:
                messages.info(request, f"问卷已有答卷，修改已保存为第 {new.number} 版")
            else:
                messages.success(request, "已保存")
        return redirect("surveys:build", survey.pk)
    return render(
        request,
        "surveys/build.html",
        {"survey": survey, "version": version, "kinds": KINDS},
    )


@require_perm(access.REPORT)
def survey_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = access.get_survey_for_user(request.user, pk)
    res = selectors.results(survey, request.user)
    version = selectors.latest_version(survey)
    choice_qs = [
        q for q in version.definition["questions"] if q["kind"] in ("single", "multiple", "scale")
    ]
    tab = None
    first, second = request.GET.get("row", ""), request.GET.get("col", "")
    if first and second:
        try:
            tab = selectors.crosstab(survey, request.user, first, second)
        except ValueError as exc:
            messages.error(request, str(exc))
    public_url = request.build_absolute_uri(reverse("surveys:public", args=[survey.public_token]))
    return render(
        request,
        "surveys/detail.html",
        {
            "survey": survey,
            "res": res,
            "charts": charts.question_charts(res),
            "choice_qs": choice_qs,
            "attributes": selectors.ATTRIBUTES,
            "tab": tab,
            "row": first,
            "col": second,
            "public_url": public_url,
            "can_manage": user_has_perm(request.user, access.MANAGE)
            and access.surveys_visible_to(request.user, access.MANAGE)
            .filter(pk=survey.pk)
            .exists(),
            "links": survey.need_links.count(),
            "proposals": survey.proposal_links.select_related("proposal", "body")[:50],
        },
    )


@require_perm(access.MANAGE)
@require_POST
def survey_action(request: AuthenticatedRequest, pk: int, op: str) -> HttpResponse:
    survey = access.get_survey_for_user(request.user, pk, access.MANAGE)
    try:
        if op == "open":
            services.survey_open(survey, actor=request.user, request=request)
            messages.success(request, f"问卷已发布，发放 {survey.target_count} 个对象")
        elif op == "close":
            services.survey_close(survey, actor=request.user, request=request)
            messages.success(request, "问卷已结束")
        elif op == "remind":
            n = services.survey_remind(survey, actor=request.user, request=request)
            messages.success(request, f"已向 {n} 个账号发送催办")
        elif op == "needs":
            out = actions.needs_raise(
                survey,
                actor=request.user,
                request=request,
                question_key=request.POST.get("question", ""),
                option=request.POST.get("option", ""),
                contact_phone=request.POST.get("contact_phone", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, f"已向需求通道提出 {out['created']} 条需求")
        else:
            raise SurveyError("无效的操作", "op")
    except SurveyError as exc:
        messages.error(request, exc.message)
    return redirect("surveys:detail", survey.pk)


@require_perm(access.MANAGE)
@require_http_methods(["GET", "POST"])
def survey_proposal(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """File a proposal to a joint meeting from the answers that chose one option: pick the
    option (on the results page), then the body and the proposing member unit, edit the
    suggested text, file once."""
    survey = access.get_survey_for_user(request.user, pk, access.MANAGE)
    data = request.POST if request.method == "POST" else request.GET
    question_key, option = data.get("question", ""), data.get("option", "")
    bodies = list(actions.proposal_bodies(request.user).order_by("name")[:200])
    body = next((b for b in bodies if str(b.pk) == data.get("body", "")), None)
    try:
        draft = actions.proposal_draft(
            survey, actor=request.user, question_key=question_key, option=option
        )
    except SurveyError as exc:
        messages.error(request, exc.message)
        return redirect("surveys:detail", survey.pk)
    error = None
    if request.method == "POST":
        try:
            proposal, created = actions.proposal_file(
                survey,
                actor=request.user,
                request=request,
                question_key=question_key,
                option=option,
                body_id=_int(data.get("body", "")),
                unit_id=_int(data.get("unit", "")),
                title=data.get("title", ""),
                content=data.get("content", ""),
                category=data.get("category", ""),
            )
        except SurveyError as exc:
            error = exc.message
        else:
            if created:
                messages.success(request, f"已向“{proposal.body}”提交议案“{proposal.title}”")
            else:
                messages.info(request, f"已就该选项向“{proposal.body}”提交过议案“{proposal.title}”")
            return redirect("surveys:detail", survey.pk)
    units = actions.proposal_units(body) if body else []
    return render(
        request,
        "surveys/proposal.html",
        {
            "survey": survey,
            "draft": draft,
            "question": question_key,
            "option": option,
            "bodies": bodies,
            "body": body,
            "units": units,
            "categories": Proposal.Category.choices,
            "error": error,
            "data": data if request.method == "POST" else {},
        },
    )


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 19 else 0


@require_perm(access.REPORT)
def survey_qr(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = access.get_survey_for_user(request.user, pk)
    url = request.build_absolute_uri(reverse("surveys:public", args=[survey.public_token]))
    svg = segno.make(url, error="m").svg_inline(scale=6)
    return HttpResponse(svg, content_type="image/svg+xml")


@require_perm(access.REPORT)
def survey_export(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    limited = rate_limited(request, "surveys.export", limit=EXPORT_RATE[0], window=EXPORT_RATE[1])
    if limited is not None:
        return limited
    survey = access.get_survey_for_user(request.user, pk)
    version = selectors.latest_version(survey)
    questions = version.definition["questions"]
    headers = ["答卷编号", "填写单位/人", "所属行业", "提交时间", *[q["title"] for q in questions]]
    responses = (
        access.responses_visible_to(request.user, survey).select_related("unit").order_by("pk")
    )
    audit_record("survey.export", request=request, obj=survey, detail={"n": responses.count()})

    def rows() -> Iterator[list[object]]:
        for r in responses.iterator(chunk_size=2000):
            who = r.unit.name if r.unit else mask(r.respondent_name, "name") or "匿名"
            yield [
                r.pk,
                who,
                r.industry,
                r.submitted_at,
                *[_cell(q, r.answers.get(q["key"])) for q in questions],
            ]

    return xlsx_response(survey.title, headers, rows(), stamped("问卷答卷"))


def _cell(q: dict[str, Any], value: Any) -> object:
    """A stored answer (JSON, see `surveys.definition`) as the cell shows it."""
    if value is None:
        return ""
    names = {o["key"]: o["label"] for o in q.get("options", [])}
    if q["kind"] == "single":
        return names.get(value, value)
    if q["kind"] == "multiple":
        return "；".join(names.get(v, v) for v in value)
    if q["kind"] == "matrix":
        rows = {r["key"]: r["label"] for r in q.get("rows", [])}
        return "；".join(f"{rows.get(k, k)}：{names.get(v, v)}" for k, v in value.items())
    return value


@require_perm(access.REPORT)
def satisfaction(request: AuthenticatedRequest) -> HttpResponse:
    from lianjian.surveys import satisfaction as sat

    surveys = access.surveys_visible_to(request.user)
    trend = sat.department_trend(surveys, scope_q(request.user, access.REPORT))
    needs_rates = charts.needs_satisfaction(request.user)
    for line in trend["lines"]:
        line["needs_rate"] = needs_rates.get(line["name"])
    schedules = SatisfactionSchedule.objects.filter(
        region__in=regions_visible_to(request.user, access.REPORT)
    )
    return render(
        request,
        "surveys/satisfaction.html",
        {
            "trend": trend,
            "chart": charts.trend_chart(trend),
            "schedules": schedules,
            "has_needs": bool(needs_rates),
        },
    )
