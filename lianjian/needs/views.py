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

from lianjian.core.masking import mask
from lianjian.core.paging import CappedPaginator, querystring_without_page
from lianjian.core.permissions import public, require_perm, user_has_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.needs import selectors, services
from lianjian.needs.access import (
    department_ids_of,
    get_need_for_user,
    needs_visible_to,
    streets_configurable_by,
)
from lianjian.needs.forms import (
    CategoryEditForm,
    CategoryForm,
    DepartmentEditForm,
    DepartmentForm,
    PublicNeedForm,
    RateForm,
    ServiceItemForm,
    SettingsForm,
    StaffNeedForm,
    TrackForm,
)
from lianjian.needs.models import (
    Category,
    Channel,
    Department,
    Need,
    NeedAttachment,
    Rating,
    ServiceItem,
    ServiceStation,
    Status,
    StreetSettings,
)
from lianjian.needs.services import ALLOWED_TRANSITIONS, NeedError
from lianjian.needs.triage.history import model_status
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
def need_list(request: HttpRequest) -> HttpResponse:
    filters = {
        k: request.GET.get(k, "").strip()
        for k in (
            "q",
            "status",
            "channel",
            "category",
            "department",
            "overdue",
            "open",
            "awaiting",
            "due",
        )
    }
    if filters["q"]:
        limit, window = selectors.NEED_SEARCH_RATE
        limited = rate_limited(request, "needs.search", limit=limit, window=window)
        if limited is not None:
            return limited
    qs = selectors.needs_filtered(request.user, filters)
    # a district holds 200k needs: counted only so far past this page ("1000+")
    page = CappedPaginator(qs, PAGE_SIZE, selectors.need_rows).get_page(request.GET.get("page"))
    return render(
        request,
        "needs/need_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Status.choices,
            "channels": Channel.choices,
            "querystring_base": querystring_without_page(request),
            "can_intake": user_has_perm(request.user, "needs.intake"),
            "now": timezone.now(),
        },
    )


def _capabilities(request: HttpRequest, need: Need) -> dict[str, bool]:
    user = request.user
    can_dispatch = needs_visible_to(user, "needs.dispatch").filter(pk=need.pk).exists()
    can_handle = bool(need.department_id) and need.department_id in department_ids_of(
        user, "needs.handle"
    )
    can_intake = needs_visible_to(user, "needs.intake").filter(pk=need.pk).exists()
    allowed = ALLOWED_TRANSITIONS[need.status]
    return {
        "dispatch": can_dispatch and Status.DISPATCHED in allowed and need.status != "reopened",
        "reject": can_dispatch and Status.REJECTED in allowed,
        "merge": can_dispatch and Status.MERGED in allowed,
        "close": can_dispatch and Status.CLOSED in allowed,
        "accept": can_handle and Status.ACCEPTED in allowed,
        "reply": can_handle and Status.REPLIED in allowed,
        "return": can_handle and Status.RETURNED in allowed,
        "transfer": (can_handle or can_dispatch) and Status.TRANSFERRED in allowed,
        "callback": (can_dispatch or can_intake)
        and need.status in (Status.REPLIED, Status.RATED, Status.CLOSED),
    }


@require_perm("needs.view")
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_need_for_user(request.user, pk, request=request)
    can = _capabilities(request, need)
    street_id = need.street_id
    context: dict[str, Any] = {
        "need": need,
        "can": can,
        "any_action": any(can.values()),
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
    }
    return render(request, "needs/need_detail.html", context)


@require_POST
@require_perm("needs.view")
def need_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
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
def need_intake(request: HttpRequest) -> HttpResponse:
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


@public
@never_cache
@require_http_methods(["GET", "POST"])
def public_submit(request: HttpRequest) -> HttpResponse:
    regions = _region_choices(Region.objects.all())
    form = PublicNeedForm(request.POST or None, request.FILES or None, regions=regions)
    if request.method == "POST":
        limited = rate_limited(
            request,
            "needs.public_submit",
            limit=PUBLIC_SUBMIT_LIMIT[0],
            window=PUBLIC_SUBMIT_LIMIT[1],
        )
        if limited is not None:
            return limited
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


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    today = timezone.localdate()
    start_d = _date(request.GET.get("start")) or today.replace(day=1)
    end_d = _date(request.GET.get("end")) or today
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(start_d, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(end_d, dt.time.max, tzinfo=tz)
    return start_d, end_d, start, min(end, timezone.now())


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _stats(request: HttpRequest) -> dict[str, Any]:
    dimension = request.GET.get("by", "department")
    if dimension not in selectors.DIMENSIONS:
        dimension = "department"
    start_d, end_d, start, end = _period(request)
    rows = selectors.need_stats(request.user, dimension=dimension, start=start, end=end, as_of=end)
    return {
        "rows": rows,
        "totals": selectors.need_totals(rows),
        "dimension": dimension,
        "dimensions": [
            ("department", "职能部门"),
            ("category", "类别"),
            ("street", "街道"),
            ("community", "社区"),
            ("channel", "渠道"),
        ],
        "start": start_d,
        "end": end_d,
    }


@require_perm("needs.stats")
def need_stats(request: HttpRequest) -> HttpResponse:
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
def need_stats_export(request: HttpRequest) -> HttpResponseBase:
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


# ---------------------------------------------------------------- configuration


def _config_street(request: HttpRequest) -> tuple[Region, list[Region]]:
    ids = streets_configurable_by(request.user)
    streets = list(Region.objects.filter(pk__in=ids).order_by("name"))
    if not streets:
        raise Http404("没有可配置的街道")
    chosen = _int(request.GET.get("street") or request.POST.get("street"))
    street = next((s for s in streets if s.pk == chosen), streets[0])
    return street, streets


@require_http_methods(["GET", "POST"])
@require_perm("needs.configure")
def need_config(request: HttpRequest) -> HttpResponse:
    street, streets = _config_street(request)
    departments = list(Department.objects.filter(street=street))
    dept_choices = [("", "—")] + [(d.pk, d.name) for d in departments]
    categories = list(Category.objects.filter(street=street).select_related("department", "parent"))
    settings_row = StreetSettings.objects.filter(street=street).first()
    cat_form = CategoryForm(prefix="cat")
    cat_form.fields["parent"].choices = [("", "（顶级）")] + [  # type: ignore[attr-defined]
        (c.pk, str(c)) for c in categories if c.parent_id is None
    ]
    cat_form.fields["department"].choices = dept_choices  # type: ignore[attr-defined]
    dept_form = DepartmentForm(prefix="dept")
    settings_form = SettingsForm(
        prefix="set",
        initial={
            "fallback_department": settings_row.fallback_department_id if settings_row else "",
            "default_deadline_workdays": settings_row.default_deadline_workdays
            if settings_row
            else 5,
            "remind_before_workdays": settings_row.remind_before_workdays if settings_row else 1,
            "escalate_after_workdays": settings_row.escalate_after_workdays if settings_row else 0,
            "autoclose_after_workdays": settings_row.autoclose_after_workdays
            if settings_row
            else StreetSettings._meta.get_field("autoclose_after_workdays").default,
        },
    )
    settings_form.fields["fallback_department"].choices = dept_choices  # type: ignore[attr-defined]
    if request.method == "POST":
        what = request.POST.get("what")
        by_id = {d.pk: d for d in departments}
        try:
            if what == "category":
                cat_form = CategoryForm(request.POST, prefix="cat")
                cat_form.fields["parent"].choices = [("", "")] + [  # type: ignore[attr-defined]
                    (c.pk, c.name) for c in categories
                ]
                cat_form.fields["department"].choices = dept_choices  # type: ignore[attr-defined]
                if cat_form.is_valid():
                    d = cat_form.cleaned_data
                    services.category_create(
                        street=street,
                        name=d["name"],
                        parent=next((c for c in categories if c.pk == d["parent"]), None),
                        department=by_id.get(d["department"] or 0),
                        deadline_workdays=d["deadline_workdays"],
                        keywords=d["keywords"],
                        actor=request.user,
                    )
                    messages.success(request, "已添加类别")
                    return redirect(f"{reverse('needs:config')}?street={street.pk}")
            elif what == "route":
                cat = next(
                    (c for c in categories if c.pk == _int(request.POST.get("category"))), None
                )
                if cat is None:
                    raise NeedError("类别不存在")
                services.category_update(
                    cat,
                    department=by_id.get(_int(request.POST.get("department")) or 0),
                    deadline_workdays=_int(request.POST.get("deadline_workdays")) or 0,
                    is_active=request.POST.get("is_active") == "1",
                    actor=request.user,
                )
                messages.success(request, "已保存分派规则")
                return redirect(f"{reverse('needs:config')}?street={street.pk}")
            elif what == "department":
                dept_form = DepartmentForm(request.POST, prefix="dept")
                if dept_form.is_valid():
                    services.department_create(
                        street=street, actor=request.user, **dept_form.cleaned_data
                    )
                    messages.success(request, "已添加部门")
                    return redirect(f"{reverse('needs:config')}?street={street.pk}")
            elif what == "retrain":
                if services.triage_retrain_request(street, actor=request.user, request=request):
                    messages.success(request, "已加入后台训练队列，训练完成后自动启用新模型")
                else:
                    messages.info(request, "该街道的训练任务已在队列中，请稍后刷新查看")
                return redirect(f"{reverse('needs:config')}?street={street.pk}")
            elif what == "settings":
                settings_form = SettingsForm(request.POST, prefix="set")
                settings_form.fields["fallback_department"].choices = dept_choices  # type: ignore[attr-defined]
                if settings_form.is_valid():
                    d = settings_form.cleaned_data
                    services.street_settings_save(
                        street,
                        fallback_department=by_id.get(d["fallback_department"] or 0),
                        default_deadline_workdays=d["default_deadline_workdays"],
                        remind_before_workdays=d["remind_before_workdays"],
                        escalate_after_workdays=d["escalate_after_workdays"],
                        autoclose_after_workdays=d["autoclose_after_workdays"],
                        actor=request.user,
                    )
                    messages.success(request, "已保存升级规则")
                    return redirect(f"{reverse('needs:config')}?street={street.pk}")
        except NeedError as err:
            messages.error(request, err.message)
    return render(
        request,
        "needs/config.html",
        {
            "street": street,
            "streets": streets,
            "departments": departments,
            "categories": categories,
            "cat_form": cat_form,
            "dept_form": dept_form,
            "settings_form": settings_form,
            "triage": model_status(street.pk),
        },
    )


# ---------------------------------------------------------------- service catalogue


@require_http_methods(["GET", "POST"])
@require_perm("needs.view")
def catalogue(request: HttpRequest) -> HttpResponse:
    from lianjian.orgs.access import scope_q

    items = (
        ServiceItem.objects.filter(scope_q(request.user, "needs.view"))
        .select_related("station", "provider", "category")
        .order_by("station__name", "name")
    )
    if not items.exists() and department_ids_of(request.user):
        streets = Department.objects.filter(pk__in=department_ids_of(request.user)).values(
            "street_id"
        )
        items = items.model.objects.filter(street_id__in=streets).select_related(
            "station", "provider", "category"
        )
    form = None
    config_streets = streets_configurable_by(request.user)
    if config_streets:
        stations = ServiceStation.objects.filter(street_id__in=config_streets)
        form = ServiceItemForm(request.POST or None)
        form.fields["station"].choices = [(s.pk, s.name) for s in stations]  # type: ignore[attr-defined]
        providers = (
            units_visible_to(request.user)
            .filter(street_id__in=config_streets, is_active=True)
            .values_list("pk", "name")[:500]
        )
        form.fields["provider"].choices = [("", "—"), *providers]  # type: ignore[attr-defined]
        form.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((c.pk, str(c)) for c in Category.objects.filter(street_id__in=config_streets)),
        ]
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            station = stations.get(pk=d["station"])
            try:
                services.service_item_create(
                    station=station,
                    name=d["name"],
                    kind=d["kind"],
                    description=d["description"],
                    provider=units_visible_to(request.user).filter(pk=d["provider"]).first()
                    if d["provider"]
                    else None,
                    category=Category.objects.filter(
                        pk=d["category"], street_id=station.street_id
                    ).first()
                    if d["category"]
                    else None,
                    actor=request.user,
                )
            except NeedError as err:
                messages.error(request, err.message)
            else:
                messages.success(request, "已添加服务项目")
                return redirect("needs:catalogue")
    elif request.method == "POST":
        raise Http404
    return render(request, "needs/catalogue.html", {"items": items, "form": form})


# ---------------------------------------------------------------- configuration: edit pages


def _configurable(request: HttpRequest, model: Any, pk: int) -> Any:
    """A department or category of a street the user configures; 404 (audited) otherwise."""
    from lianjian.orgs.access import get_in_scope

    qs = model.objects.filter(street_id__in=streets_configurable_by(request.user))
    return get_in_scope(qs, pk, user=request.user, request=request)


@require_http_methods(["GET", "POST"])
@require_perm("needs.configure")
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = _configurable(request, Department, pk)
    back = f"{reverse('needs:department_edit', args=[department.pk])}"
    form = DepartmentEditForm(
        request.POST if request.POST.get("what") == "edit" else None,
        initial={"name": department.name, "phone": department.phone},
    )
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "edit" and form.is_valid():
                services.department_update(
                    department,
                    name=form.cleaned_data["name"],
                    phone=form.cleaned_data["phone"],
                    actor=request.user,
                )
                messages.success(request, "已保存部门信息")
                return redirect(back)
            if what in ("deactivate", "activate"):
                services.department_set_active(
                    department, active=what == "activate", actor=request.user
                )
                messages.success(request, "已启用部门" if what == "activate" else "已停用部门")
                return redirect(back)
        except NeedError as err:
            messages.error(request, err.message)
    return render(
        request,
        "needs/department_edit.html",
        {
            "department": department,
            "form": form,
            "handlers": selectors.department_handlers(department),
            "categories": Category.objects.filter(department=department).select_related("parent"),
            "open_needs": selectors.department_open_count(department),
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm("needs.configure")
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = _configurable(request, Category, pk)
    departments = list(Department.objects.filter(street_id=category.street_id).order_by("name"))
    form = CategoryEditForm(
        request.POST or None,
        initial={
            "name": category.name,
            "department": category.department_id,
            "deadline_workdays": category.deadline_workdays,
            "keywords": category.keywords,
            "is_active": category.is_active,
        },
    )
    form.fields["department"].choices = [("", "（兜底部门）")] + [  # type: ignore[attr-defined]
        (d.pk, d.name if d.is_active else f"{d.name}（已停用）") for d in departments
    ]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.category_update(
                category,
                name=d["name"],
                department=next((x for x in departments if x.pk == d["department"]), None),
                deadline_workdays=d["deadline_workdays"],
                keywords=d["keywords"],
                is_active=d["is_active"],
                actor=request.user,
            )
        except NeedError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, "已保存类别")
            return redirect(f"{reverse('needs:config')}?street={category.street_id}")
    return render(request, "needs/category_edit.html", {"category": category, "form": form})


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
def attachment_download(request: HttpRequest, token: str) -> HttpResponseBase:
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
