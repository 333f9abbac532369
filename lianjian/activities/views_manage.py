"""Staff pages that create and edit venues and Party-school courses and their lessons.

The same services the demo and the API call (`venue_create`, `venue_update`,
`course_create`, `course_update`, `lecture_add`, `e_lesson_add`); rows are fetched
through `access` (404 outside scope), choices offered only from the user's scope.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, services
from lianjian.activities.access import MANAGE
from lianjian.activities.forms import CourseForm, ELessonForm, LectureForm, VenueForm
from lianjian.activities.services import ActivityError
from lianjian.core.permissions import require_perm
from lianjian.orgs.access import get_in_scope, party_orgs_visible_to, regions_visible_to
from lianjian.orgs.models import PartyOrg, Region


def _orgs(request: AuthenticatedRequest) -> QuerySet[PartyOrg]:
    return party_orgs_visible_to(request.user, MANAGE).filter(is_active=True).order_by("path")


def _regions(request: AuthenticatedRequest) -> QuerySet[Region]:
    levels = [Region.Level.COMMUNITY, Region.Level.STREET]
    return regions_visible_to(request.user, MANAGE).filter(level__in=levels).order_by("path")


def _refuse(form: forms.Form, err: ActivityError) -> None:
    form.add_error(err.field if err.field in form.fields else None, err.message)


def _page(
    request: AuthenticatedRequest, title: str, form: forms.Form, back: str, **extra: Any
) -> HttpResponse:
    # `extra` is more of the template's context, passed through
    ctx = {"title": title, "form": form, "back": back, **extra}
    return render(request, "activities/manage_form.html", ctx)


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def venue_new(request: AuthenticatedRequest) -> HttpResponse:
    form = VenueForm(request.POST or None, regions=_regions(request), orgs=_orgs(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = d["region"] or (d["owner_org"].region if d["owner_org"] else None)
        try:
            if region is None:
                raise ActivityError("请选择所在社区或管理党组织", "region")
            venue = services.venue_create(
                actor=request.user, name=d["name"], region=region, owner_org=d["owner_org"],
                address=d["address"], capacity=d["capacity"], opens_at=d["opens_at"],
                closes_at=d["closes_at"],
            )  # fmt: skip
            if not d["is_active"]:
                services.venue_update(venue, actor=request.user, **_venue_fields(d))
            messages.success(request, "场地已添加")
            return redirect("activities:venue", venue.pk)
        except ActivityError as err:
            _refuse(form, err)
    return _page(request, "添加共享场地", form, "activities:venues")


def _venue_fields(d: dict[str, Any]) -> dict[str, Any]:
    """`venue_update`'s arguments from a form's `cleaned_data` (Django's `dict[str, Any]`)."""
    keys = ("name", "owner_org", "address", "capacity", "opens_at", "closes_at", "is_active")
    return {k: d[k] for k in keys}


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def venue_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    venue = get_in_scope(
        access.venues_managed_by(request.user), pk, user=request.user, request=request
    )
    initial = {
        "name": venue.name, "owner_org": venue.owner_org_id, "address": venue.address,
        "capacity": venue.capacity, "opens_at": venue.opens_at, "closes_at": venue.closes_at,
        "is_active": venue.is_active,
    }  # fmt: skip
    form = VenueForm(
        request.POST or None, initial=initial, regions=_regions(request), orgs=_orgs(request),
        editing=True,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_update(venue, actor=request.user, **_venue_fields(form.cleaned_data))
            messages.success(request, "场地已保存")
            return redirect("activities:venue", venue.pk)
        except ActivityError as err:
            _refuse(form, err)
    return _page(request, f"编辑场地：{venue.name}", form, "activities:venues")


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def course_new(request: AuthenticatedRequest) -> HttpResponse:
    form = CourseForm(request.POST or None, orgs=_orgs(request))
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)
            messages.success(request, "课程已创建，可以添加讲座和电子党课")
            return redirect("activities:course", course.pk)
        except ActivityError as err:
            _refuse(form, err)
    return _page(request, "新建党校课程", form, "activities:school")


@require_perm(MANAGE)
@require_http_methods(["GET", "POST"])
def course_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A course: its fields, its lessons, and the forms adding a lecture or an e-lesson."""
    course = get_in_scope(
        access.courses_managed_by(request.user), pk, user=request.user, request=request
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    initial = {"title": course.title, "description": course.description, "is_open": course.is_open}
    course_form = CourseForm(
        request.POST if action == "course" else None, initial=initial, orgs=_orgs(request),
        editing=True, prefix="c",
    )  # fmt: skip
    lecture_form = LectureForm(request.POST if action == "lecture" else None, prefix="l")
    e_form = ELessonForm(
        request.POST if action == "e_lesson" else None,
        request.FILES if action == "e_lesson" else None,
        prefix="e",
    )
    form = {"course": course_form, "lecture": lecture_form, "e_lesson": e_form}.get(action)
    if form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            if action == "course":
                services.course_update(course, actor=request.user, **d)
                messages.success(request, "课程已保存")
            elif action == "lecture":
                services.lecture_add(course, actor=request.user, **d)
                messages.success(request, "讲座已发布，学员到场扫码签到即记录学习")
            else:
                services.e_lesson_add(course, actor=request.user, **d)
                messages.success(request, "电子党课已添加")
            return redirect("activities:course", course.pk)
        except ActivityError as err:
            _refuse(form, err)
    return render(
        request,
        "activities/course_edit.html",
        {
            "course": course,
            "lessons": course.lessons.select_related("event"),
            "course_form": course_form,
            "lecture_form": lecture_form,
            "e_form": e_form,
        },
    )
