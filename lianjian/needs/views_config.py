"""Needs configuration pages: a street's departments, categories, routing and
escalation settings, and the service catalogue (六个便利).

Only streets the user configures are offered (`access.streets_configurable_by`);
every write is a `services` call and a `NeedError` is shown as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import require_perm
from lianjian.needs import selectors, services
from lianjian.needs.access import department_ids_of, streets_configurable_by
from lianjian.needs.forms import (
    CategoryEditForm,
    CategoryForm,
    DepartmentEditForm,
    DepartmentForm,
    ServiceItemForm,
    SettingsForm,
)
from lianjian.needs.models import Category, Department, ServiceItem, ServiceStation, StreetSettings
from lianjian.needs.services import NeedError
from lianjian.needs.triage.history import model_status
from lianjian.needs.views import _int
from lianjian.orgs.access import units_visible_to
from lianjian.orgs.models import Region

# ---------------------------------------------------------------- configuration


def _config_street(request: AuthenticatedRequest) -> tuple[Region, list[Region]]:
    ids = streets_configurable_by(request.user)
    streets = list(Region.objects.filter(pk__in=ids).order_by("name"))
    if not streets:
        raise Http404("没有可配置的街道")
    chosen = _int(request.GET.get("street") or request.POST.get("street"))
    street = next((s for s in streets if s.pk == chosen), streets[0])
    return street, streets


@require_http_methods(["GET", "POST"])
@require_perm("needs.configure")
def need_config(request: AuthenticatedRequest) -> HttpResponse:
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
def catalogue(request: AuthenticatedRequest) -> HttpResponse:
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


def _configurable(request: AuthenticatedRequest, model: Any, pk: int) -> Any:
    """A department or category of a street the user configures; 404 (audited) otherwise."""
    from lianjian.orgs.access import get_in_scope

    qs = model.objects.filter(street_id__in=streets_configurable_by(request.user))
    return get_in_scope(qs, pk, user=request.user, request=request)


@require_http_methods(["GET", "POST"])
@require_perm("needs.configure")
def department_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def category_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
