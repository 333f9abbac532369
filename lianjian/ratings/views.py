"""Rating pages: organization admins self-assess and see their grade and why, the street
reviews, the district confirms, decides appeals and reads the reports.

Thin views: lists from `selectors`, the rating through `access.get_rating_for_user`
(404 outside scope), writes through `flow`/`services`; a `RatingError` is shown
as a message and nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm
from lianjian.orgs.access import get_in_scope
from lianjian.ratings import access, exports, flow, selectors, workflow
from lianjian.ratings.models import (
    GRADE_ORDER,
    Criterion,
    CriterionGroup,
    CriterionScore,
    Evidence,
    Grade,
    Method,
    Rating,
    RatingStatus,
)
from lianjian.ratings.services import RatingError

if TYPE_CHECKING:
    from lianjian.accounts.models import User

PAGE_SIZE = 30
ANY = access.ANY_PERM


def _version(request: AuthenticatedRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@require_perm(ANY)
def rating_list(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    queue = request.GET.get("queue", "")
    if queue == "self":
        qs = selectors.self_assessments_due(user).select_related("party_org", "street")
    elif queue == "review":
        qs = selectors.reviews_waiting(user).select_related("party_org", "street")
    elif queue == "confirm":
        qs = selectors.confirmations_waiting(user).select_related("party_org", "street")
    else:
        qs = selectors.ratings_filtered(user, request.GET)
    page = Paginator(qs.order_by("-year", "party_org__sort_key", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "ratings/list.html",
        {
            "page": page,
            "queue": queue,
            "filters": {k: request.GET.get(k, "") for k in ("year", "status", "grade", "q")},
            "years": selectors.years_rated(user),
            "statuses": RatingStatus.choices,
            "grades": Grade.choices,
            "querystring_base": querystring_without_page(request),
        },
    )


class _GroupRows(TypedDict):
    group: CriterionGroup
    rows: list[tuple[Criterion, CriterionScore | None]]


def _groups(rating: Rating) -> list[_GroupRows]:
    scores = {s.criterion_id: s for s in rating.scores.prefetch_related("files")}
    out: list[_GroupRows] = []
    for group in rating.round.scheme.groups.prefetch_related("criteria"):
        rows = [(c, scores.get(c.pk)) for c in group.criteria.all()]
        out.append({"group": group, "rows": rows})
    return out


@require_perm(ANY)
def rating_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    rating = access.get_rating_for_user(user, pk, request)
    mine = access.ratings_for(user, workflow.SELF_ASSESS).filter(pk=rating.pk).exists()
    reviewer = access.ratings_for(user, workflow.REVIEW).filter(pk=rating.pk).exists()
    confirmer = access.ratings_for(user, workflow.CONFIRM).filter(pk=rating.pk).exists()
    status = rating.status
    return render(
        request,
        "ratings/detail.html",
        {
            "rating": rating,
            "groups": _groups(rating),
            "events": rating.events.all(),
            "history": selectors.history_of(user, rating.party_org_id),
            "can_self": mine and status in workflow.SELF_EDITABLE,
            "can_appeal": mine and status == RatingStatus.CONFIRMED,
            "can_review": reviewer and status in workflow.REVIEW_EDITABLE,
            "can_confirm": confirmer and status in (RatingStatus.REVIEWED, RatingStatus.APPEALED),
            "locked": rating.is_locked,
            "computed": Method.COMPUTED,
            "scheme": rating.round.scheme,
        },
    )


def _posted_scores(request: AuthenticatedRequest, extra: str) -> dict[int, dict[str, object]]:
    out: dict[int, dict[str, object]] = {}
    for key, value in request.POST.items():
        if key.startswith("score_") and key[6:].isdigit():
            out.setdefault(int(key[6:]), {})["score"] = value
        elif key.startswith(f"{extra}_") and key[len(extra) + 1 :].isdigit():
            name = "evidence_text" if extra == "evidence" else "comment"
            out.setdefault(int(key[len(extra) + 1 :]), {})[name] = value
    return out


@require_POST
@require_perm(workflow.SELF_ASSESS)
def rating_self(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rating = get_in_scope(
        access.ratings_for(request.user, workflow.SELF_ASSESS), pk, user=request.user
    )
    try:
        rating = flow.self_assessment_save(
            rating,
            scores=_posted_scores(request, "evidence"),
            summary=request.POST.get("summary", ""),
            actor=request.user,
            version=_version(request),
        )
        for key in request.FILES:
            if key.startswith("files_") and key[6:].isdigit():
                flow.evidence_add(
                    rating, int(key[6:]), request.FILES.getlist(key), actor=request.user
                )
        if request.POST.get("action") == "submit":
            flow.rating_submit(rating, actor=request.user)
            messages.success(request, "自评已提交街道审核")
        else:
            messages.success(request, "自评已保存")
    except RatingError as err:
        messages.error(request, err.message)
    return redirect("ratings:detail", pk=pk)


@require_POST
@require_perm(workflow.REVIEW)
def rating_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rating = get_in_scope(access.ratings_for(request.user, workflow.REVIEW), pk, user=request.user)
    approve = request.POST.get("decision") != "return"
    try:
        flow.rating_review(
            rating,
            scores=_posted_scores(request, "comment"),
            comment=request.POST.get("comment", ""),
            approve=approve,
            actor=request.user,
            version=_version(request),
        )
        messages.success(request, "已审核通过，报区级确认" if approve else "已退回修改")
    except RatingError as err:
        messages.error(request, err.message)
    return redirect("ratings:detail", pk=pk)


@require_POST
@require_perm(workflow.CONFIRM)
def rating_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rating = get_in_scope(access.ratings_for(request.user, workflow.CONFIRM), pk, user=request.user)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("decision") == "send_back":
            flow.rating_send_back(rating, note=note, actor=request.user, version=_version(request))
            messages.success(request, "已退回街道复核")
        else:
            flow.rating_confirm(rating, note=note, actor=request.user, version=_version(request))
            messages.success(request, "等次已确认")
    except RatingError as err:
        messages.error(request, err.message)
    return redirect("ratings:detail", pk=pk)


@require_POST
@require_perm(workflow.SELF_ASSESS)
def rating_appeal(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    rating = get_in_scope(
        access.ratings_for(request.user, workflow.SELF_ASSESS), pk, user=request.user
    )
    try:
        flow.rating_appeal(
            rating,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            version=_version(request),
        )
        messages.success(request, "申诉已提交区级处理")
    except RatingError as err:
        messages.error(request, err.message)
    return redirect("ratings:detail", pk=pk)


@require_perm(ANY)
def evidence_file(request: AuthenticatedRequest, token: str) -> FileResponse:
    ev = Evidence.objects.filter(token=str(token)[:32]).select_related("score").first()
    if (
        ev is None
        or not access.ratings_visible_to(request.user).filter(pk=ev.score.rating_id).exists()
    ):
        raise Http404("未找到该文件，或您无权查看")
    response = FileResponse(ev.file.open("rb"), content_type=ev.content_type)
    response["Content-Disposition"] = f'inline; filename="evidence.{ev.extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- reports


def _year(request: AuthenticatedRequest, user: User) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    years = selectors.years_rated(user)
    return years[0] if years else 0


@require_perm(access.REPORT)
def report(request: AuthenticatedRequest) -> HttpResponse | FileResponse:
    user = request.user
    year = _year(request, user)
    by = request.GET.get("by", "street")
    dist = selectors.grade_distribution(user, year, by)
    if request.GET.get("format") == "xlsx":
        return exports.distribution_xlsx(dist, user)
    return render(
        request,
        "ratings/report.html",
        {
            "dist": dist,
            "year": year,
            "by": dist.by,
            "dimensions": selectors.DIMENSIONS.items(),
            "years": selectors.years_rated(user),
            "grades": [g.label for g in GRADE_ORDER],
            "five_star": selectors.five_star_orgs(user, year)[:50],
            "trend": selectors.year_over_year(user),
            "chart": _chart(dist),
        },
    )


GRADE_COLOURS = ("#1a7f37", "#7cb342", "#e08a00", "#b00020")


def _chart(dist: selectors.Distribution) -> dict[str, object]:
    """A stacked bar per group of the confirmed grades (ECharts option, drawn by core's app.js)."""
    rows = dist.rows[:30]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [g.label for g in GRADE_ORDER]},
        "grid": {"left": 40, "right": 20, "bottom": 80},
        "xAxis": {"type": "category", "data": [r.label for r in rows], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": "党组织（个）"},
        "series": [
            {
                "name": g.label,
                "type": "bar",
                "stack": "grade",
                "itemStyle": {"color": colour},
                "data": [r.counts.get(g, 0) for r in rows],
            }
            for g, colour in zip(GRADE_ORDER, GRADE_COLOURS, strict=True)
        ],
    }


@require_perm(access.REPORT)
def report_drill(request: AuthenticatedRequest) -> HttpResponse | FileResponse:
    user = request.user
    year = _year(request, user)
    by, key = request.GET.get("by", "street"), request.GET.get("key", "")[:32]
    qs = (
        selectors.ratings_filtered(user, {"year": year, "grade": request.GET.get("grade", "")})
        .filter(selectors.drill_q(by, key))
        .filter(status__in=workflow.LOCKED)
    )
    if request.GET.get("format") == "xlsx":
        return exports.ratings_xlsx(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ratings/drill.html",
        {"page": page, "year": year, "querystring_base": querystring_without_page(request)},
    )
