"""Needs pages: staff lists, detail with actions, intake, statistics, configuration,
and the public phone form and tracking page (no account).

Views stay thin: rows come through `access` (404 outside scope), lists and
figures from `selectors`, every write from `services`; a `NeedError` is shown
as a message and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.masking import mask
from lianjian.core.paging import querystring_without_page
from lianjian.core.periods import month_start, parse_period, period_bounds
from lianjian.core.permissions import public, require_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.needs import listing, selectors, services, stats
from lianjian.needs.access import (
    get_need_for_user,
    needs_visible_to,
)
from lianjian.needs.forms import (
    PublicNeedForm,
    RateForm,
    StaffNeedForm,
    TrackForm,
)
from lianjian.needs.links import need_links
from lianjian.needs.models import (
    Category,
    Channel,
    Department,
    Need,
    NeedAttachment,
    Rating,
    ServiceItem,
    Status,
)
from lianjian.needs.services import NeedError
from lianjian.orgs.access import regions_visible_to, units_visible_to
from lianjian.orgs.models import Region

PAGE_SIZE = 20
PUBLIC_SUBMIT_LIMIT = (5, 600)  # submissions per IP per 10 minutes
TRACK_LIMIT = (30, 60)


def _int(value: Any) -> int:
    """A posted id; 0 (which matches no row) when missing or malformed."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _region_choices(qs: QuerySet[Region]) -> list[tuple[int, str]]:
    streets = dict(Region.objects.filter(level=Region.Level.STREET).values_list("pk", "name"))
    rows = qs.filter(
        level__in=[Region.Level.COMMUNITY, Region.Level.AREA, Region.Level.STREET],
        is_active=True,
    ).order_by("path")
    return [
        (
            r.pk,
            r.name
            if r.level == Region.Level.STREET
            else f"{streets.get(r.street_ref_id or 0, '')} / {r.name}",
        )
        for r in rows
    ]


# ---------------------------------------------------------------- staff lists and detail


@require_perm("needs.view")
def need_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = listing.list_filters(request.GET)
    if filters["q"]:
        limit, window = selectors.NEED_SEARCH_RATE
        limited = rate_limited(request, "needs.search", limit=limit, window=window)
        if limited is not None:
            return limited
    qs = selectors.needs_filtered(request.user, filters)
    sort = request.GET.get("sort", "")
    parsed = listing.parse_sort(sort)
    sort = parsed[0] if parsed else ""
    # a district holds 200k needs: counted only so far past this page ("1000+")
    page = listing.paginator_for(qs, PAGE_SIZE, sort).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "needs/need_list.html",
        {
            "page": page,
            "filters": filters,
            "sort": sort,
            "headers": listing.sort_headers(request.GET, sort),
            "keep": [(k, v) for k, values in keep.lists() for v in values],
            "statuses": Status.choices,
            "channels": Channel.choices,
            "querystring_base": querystring_without_page(request),
            "querystring": keep.urlencode(),
            "can_intake": user_has_perm(request.user, "needs.intake"),
            "can_unmask": user_has_perm(request.user, "needs.unmask"),
            "now": timezone.now(),
        },
    )


def _capabilities(request: AuthenticatedRequest, need: Need) -> dict[str, bool]:
    """What the page offers: `services.capabilities`, the rule the services enforce."""
    return services.capabilities(request.user, need)


@require_perm("needs.view")
def need_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = get_need_for_user(request.user, pk, request=request)
    can = _capabilities(request, need)
    offered = [a for a in services.USER_ACTIONS if can[a]]
    street_id = need.street_id
    context: dict[str, Any] = {
        "need": need,
        "can": can,
        "any_action": bool(offered),
        # the first the user may take is the page's one primary action; the rest wait below
        "primary": offered[0] if offered else None,
        "others": offered[1:],
        "phone": mask(need.contact_phone, "mobile"),
        "events": need.events.select_related("actor", "department").order_by("at", "id"),
        "attachments": need.attachments.all(),
        "similar": selectors.similar_open_needs(
            request.user, text=need.text, region=need.region, exclude_id=need.pk
        )
        if need.status in (Status.RECEIVED, Status.RETURNED)
        else [],
        "categories": Category.objects.filter(street_id=street_id, is_active=True),
        "departments": Department.objects.filter(street_id=street_id, is_active=True),
        "service_items": ServiceItem.objects.filter(street_id=street_id, is_active=True),
        "ratings": Rating.choices,
        "duplicates": need.duplicates.all(),
        # what other apps offer for this need (`needs.links`: a joint meeting's proposal…)
        "links": need_links(request.user, need),
    }
    return render(request, "needs/need_detail.html", context)


@require_POST
@require_perm("needs.view")
def need_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    need = get_need_for_user(request.user, pk, request=request)
    post = request.POST
    version = _int(post.get("version")) or None
    actor = request.user
    street = need.street_id

    def dept(field: str = "department") -> Department | None:
        return Department.objects.filter(pk=_int(post.get(field)), street_id=street).first()

    try:
        if action == "dispatch":
            services.need_dispatch(
                need.pk,
                actor=actor,
                category=Category.objects.filter(
                    pk=_int(post.get("category")), street_id=street
                ).first(),
                department=dept(),
                expected_version=version,
                note=post.get("note", ""),
                request=request,
            )
        elif action == "accept":
            services.need_accept(need.pk, actor=actor, expected_version=version, request=request)
        elif action == "reply":
            services.need_reply(
                need.pk,
                actor=actor,
                reply_text=post.get("reply_text", ""),
                service_item=ServiceItem.objects.filter(
                    pk=_int(post.get("service_item")), street_id=street
                ).first(),
                expected_version=version,
                request=request,
            )
        elif action == "return":
            services.need_return(
                need.pk,
                actor=actor,
                reason=post.get("reason", ""),
                expected_version=version,
                request=request,
            )
        elif action == "transfer":
            services.need_transfer(
                need.pk,
                actor=actor,
                department=dept(),
                note=post.get("note", ""),
                expected_version=version,
                request=request,
            )
        elif action == "reject":
            services.need_reject(
                need.pk,
                actor=actor,
                reason=post.get("reason", ""),
                expected_version=version,
                request=request,
            )
        elif action == "merge":
            code = post.get("into", "").strip().upper()
            into = needs_visible_to(actor, "needs.dispatch").filter(tracking_code=code).first()
            if into is None:
                raise NeedError("未找到主件，请填写正确的查询码")
            services.need_merge(
                need.pk, into=into, actor=actor, expected_version=version, request=request
            )
        elif action == "close":
            services.need_close(
                need.pk, actor=actor, note=post.get("note", ""), expected_version=version
            )
        elif action == "callback":
            services.need_callback(
                need.pk,
                actor=actor,
                rating=post.get("rating", ""),
                note=post.get("note", ""),
                request=request,
            )
        else:
            raise Http404("未知操作")
    except NeedError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "操作成功")
    return redirect("needs:detail", pk=need.pk)


@require_http_methods(["GET", "POST"])
@require_perm("needs.intake")
def need_intake(request: AuthenticatedRequest) -> HttpResponse:
    regions = _region_choices(regions_visible_to(request.user, "needs.intake"))
    units = list(
        units_visible_to(request.user, "needs.intake")
        .filter(is_active=True)
        .order_by("name")
        .values_list("pk", "name")[:500]
    )
    form = StaffNeedForm(request.POST or None, request.FILES or None, regions=regions, units=units)
    similar: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = regions_visible_to(request.user, "needs.intake").get(pk=data["region"])
        similar = selectors.similar_open_needs(request.user, text=data["text"], region=region)
        if similar and not request.POST.get("confirm_similar"):
            messages.warning(request, "发现相似的在办需求，请确认不是重复后再次提交")
        else:
            unit = (
                units_visible_to(request.user, "needs.intake").filter(pk=data["unit"]).first()
                if data.get("unit")
                else None
            )
            try:
                need = services.need_submit(
                    channel=data["channel"],
                    text=data["text"],
                    region=region,
                    submitter_kind=data["submitter_kind"],
                    submitter_name=data["submitter_name"],
                    contact_phone=data["contact_phone"],
                    unit=unit,
                    attachments=data["attachments"],
                    actor=request.user,
                    request=request,
                )
            except NeedError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                messages.success(request, f"已登记，查询码 {need.tracking_code}")
                return redirect("needs:detail", pk=need.pk)
    return render(
        request,
        "needs/intake.html",
        {"form": form, "similar": similar, "title": "登记需求", "public": False},
    )


# ---------------------------------------------------------------- public pages


def _public_places() -> tuple[list[tuple[int, str]], dict[int, list[tuple[int, str]]]]:
    streets = selectors.streets_accepting_needs()
    return streets, selectors.places_of_streets([pk for pk, _ in streets])


@public
@never_cache
@require_http_methods(["GET", "POST"])
def public_submit(request: HttpRequest) -> HttpResponse:
    streets, places = _public_places()
    names = dict(streets)
    form = PublicNeedForm(
        request.POST or None,
        request.FILES or None,
        streets=streets,
        regions=[(names[s], rows) for s, rows in places.items()],
        street_of={pk: s for s, rows in places.items() for pk, _ in rows},
        cascade_url=reverse("needs:public_places"),
    )
    if request.method == "POST":
        limited = rate_limited(
            request,
            "needs.public_submit",
            limit=PUBLIC_SUBMIT_LIMIT[0],
            window=PUBLIC_SUBMIT_LIMIT[1],
        )
        if limited is not None:
            return limited
        # the chosen street's places only, so a resubmitted form offers what it was given
        chosen = _int(request.POST.get("street"))
        if chosen in places:
            form.fields["region"].choices = [  # type: ignore[attr-defined]
                ("", "请选择社区/楼宇"),
                *places[chosen],
            ]
        if form.is_valid():
            data = form.cleaned_data
            region = Region.objects.filter(pk=data["region"]).first()
            try:
                if region is None:
                    raise NeedError("请选择所在社区", "region")
                need = services.need_submit(
                    channel=Channel.ONLINE,
                    text=data["text"],
                    region=region,
                    submitter_kind=data["submitter_kind"],
                    submitter_name=data["submitter_name"],
                    contact_phone=data["contact_phone"],
                    attachments=data["attachments"],
                    # a signed-in member finds it again on the phone home
                    actor=request.user if request.user.is_authenticated else None,
                    request=request,
                )
            except NeedError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                return render(request, "needs/public_done.html", {"need": need})
    return render(request, "needs/intake.html", {"form": form, "title": "提交需求", "public": True})


@public
@never_cache
@require_http_methods(["GET"])
def public_places(request: HttpRequest) -> HttpResponse:
    """The communities of one street, as `<option>`s for the public form's cascade (htmx)."""
    _streets, places = _public_places()
    rows = places.get(_int(request.GET.get("street")), [])
    return render(request, "needs/_place_options.html", {"places": rows})


def _public_need(code: str) -> Need:
    need = (
        Need.objects.select_related("category", "department", "merged_into")
        .filter(tracking_code=code.strip().upper()[:12])
        .first()
    )
    if need is None:
        raise Http404("查询码无效")
    return need


@public
@never_cache
def public_track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if request.GET.get("code"):
        limited = rate_limited(request, "needs.track", limit=TRACK_LIMIT[0], window=TRACK_LIMIT[1])
        if limited is not None:
            return limited
        if form.is_valid():
            code = form.cleaned_data["code"].strip().upper()
            if Need.objects.filter(tracking_code=code).exists():
                return redirect("needs:track_detail", code=code)
            form.add_error("code", "查询码无效，请核对后重试")
    return render(request, "needs/track.html", {"form": form})


@public
@never_cache
@require_http_methods(["GET", "POST"])
def public_track_detail(request: HttpRequest, code: str) -> HttpResponse:
    limited = rate_limited(request, "needs.track", limit=TRACK_LIMIT[0], window=TRACK_LIMIT[1])
    if limited is not None:
        return limited
    need = _public_need(code)
    # a merged duplicate follows its main case
    shown = need.merged_into if need.merged_into_id and need.merged_into else need
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_rate_by_code(
                shown.tracking_code,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                request=request,
            )
        except NeedError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, "感谢您的评价")
            return redirect("needs:track_detail", code=need.tracking_code)
    events = shown.events.exclude(action__in=["remind", "escalate"]).order_by("at", "id")
    return render(
        request,
        "needs/track_detail.html",
        {
            "need": need,
            "shown": shown,
            "events": events,
            "form": form,
            "can_rate": shown.status == Status.REPLIED,
            "attachments": list(need.attachments.all()),
        },
    )


# ---------------------------------------------------------------- statistics


def _period(
    request: AuthenticatedRequest,
) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime, str]:
    """The stats period (this month by default, `core.periods`), and the message when the
    query's dates were malformed or reversed (the page then shows the default period)."""
    error = ""
    try:
        start_d, end_d = parse_period(request.GET, default_start=month_start)
    except ValueError as exc:
        start_d, end_d = parse_period({}, default_start=month_start)
        error = str(exc)
    return start_d, end_d, *period_bounds(start_d, end_d), error


STATS_DIMENSIONS = [
    ("department", "职能部门"),
    ("category", "类别"),
    ("street", "街道"),
    ("community", "社区"),
    ("channel", "渠道"),
]


def _stats(request: AuthenticatedRequest) -> dict[str, Any]:
    dimension = request.GET.get("by", "department")
    if dimension not in stats.DIMENSIONS:
        dimension = "department"
    start_d, end_d, start, end, period_error = _period(request)
    rows = stats.need_stats(request.user, dimension=dimension, start=start, end=end, as_of=end)
    return {
        "period_error": period_error,
        "rows": rows,
        "totals": stats.need_totals(rows),
        "dimension": dimension,
        "dimension_label": dict(STATS_DIMENSIONS)[dimension],
        "dimensions": STATS_DIMENSIONS,
        "start": start_d,
        "end": end_d,
    }


@require_perm("needs.stats")
def need_stats(request: AuthenticatedRequest) -> HttpResponse:
    ctx = _stats(request)
    rows = ctx["rows"][:15]
    ctx["chart"] = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["受理", "逾期", "按时答复率%", "满意率%"]},
        "xAxis": {"type": "category", "data": [str(r["label"]) for r in rows]},
        "yAxis": [{"type": "value", "name": "件"}, {"type": "value", "name": "%", "max": 100}],
        "series": [
            {"name": "受理", "type": "bar", "data": [r["received"] for r in rows]},
            {"name": "逾期", "type": "bar", "data": [r["overdue"] for r in rows]},
            {
                "name": "按时答复率%",
                "type": "line",
                "yAxisIndex": 1,
                "data": [r["on_time_rate"] for r in rows],
            },
            {
                "name": "满意率%",
                "type": "line",
                "yAxisIndex": 1,
                "data": [r["satisfaction_rate"] for r in rows],
            },
        ],
    }
    ctx["status_counts"] = [
        (Status(s).label, n) for s, n in selectors.status_counts(request.user).items() if n
    ]
    ctx["querystring"] = request.GET.urlencode()
    return render(request, "needs/stats.html", ctx)


@require_perm("needs.stats")
def need_stats_export(request: AuthenticatedRequest) -> HttpResponseBase:
    limited = rate_limited(request, "needs.export", limit=20, window=60)
    if limited is not None:
        return limited
    from lianjian.core.audit import audit_record
    from lianjian.ledger.exporter import stamp, xlsx_response
    from lianjian.needs.exports import stats_workbook

    ctx = _stats(request)
    audit_record(
        "needs.stats_export",
        request=request,
        detail={"by": ctx["dimension"], "start": str(ctx["start"]), "end": str(ctx["end"])},
    )
    return xlsx_response(stats_workbook(ctx), stamp("needs_stats"))


# ---------------------------------------------------------------- attachments


def _attachment_response(attachment: NeedAttachment, code: str) -> HttpResponseBase:
    """The stored bytes as a download: type from our own sniffing, never rendered inline."""
    stem = "".join(
        ch if ch.isalnum() or ch in "-_" else "_"
        for ch in attachment.original_name.rsplit(".", 1)[0]
    )[:60]
    name = f"{code}-{stem or '附件'}.{attachment.extension}"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_perm("needs.view")
def attachment_download(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    """Staff download: only for users who may see the need (404, audited, otherwise)."""
    from lianjian.core.audit import audit_record

    attachment = NeedAttachment.objects.filter(token=token[:32]).first()
    if attachment is None:
        raise Http404("附件不存在")
    need = get_need_for_user(request.user, attachment.need_id, request=request)
    audit_record(
        "need.attachment_download",
        request=request,
        obj=need,
        scope=f"street:{need.street_id}",
        detail={"attachment": attachment.pk},
    )
    return _attachment_response(attachment, need.tracking_code)


@public
@never_cache
def public_attachment(request: HttpRequest, code: str, token: str) -> HttpResponseBase:
    """The submitter, holding the tracking code, downloads the files of that need only."""
    limited = rate_limited(request, "needs.track", limit=TRACK_LIMIT[0], window=TRACK_LIMIT[1])
    if limited is not None:
        return limited
    need = _public_need(code)
    attachment = need.attachments.filter(token=token[:32]).first()
    if attachment is None:
        raise Http404("附件不存在")
    return _attachment_response(attachment, need.tracking_code)
