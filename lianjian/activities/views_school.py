"""Party-school pages: courses and my study record on a phone, an e-lesson, participation rates."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, services
from lianjian.activities.access import JOIN, MANAGE, REPORT
from lianjian.activities.models import Completion, Course, Lesson, Volunteer
from lianjian.activities.services import ActivityError
from lianjian.core.permissions import grants_with_perm, require_perm
from lianjian.core.rates import percent
from lianjian.orgs.access import get_in_scope, scope_q
from lianjian.orgs.models import PartyOrg


def _courses(request: AuthenticatedRequest) -> QuerySet[Course]:
    """Courses of the user's scope, and the open ones of the district they take part in."""
    region = access.home_region(request.user) if grants_with_perm(request.user, JOIN) else None
    q = scope_q(request.user, MANAGE)
    if region is not None:
        q |= Q(is_open=True, district_id=region.district_ref_id or region.pk)
    return Course.objects.filter(q)


@require_perm(f"{JOIN}|{MANAGE}")
def school(request: AuthenticatedRequest) -> HttpResponse:
    volunteer = access.volunteer_of(request.user)
    done = (
        Completion.objects.filter(volunteer=volunteer).select_related("lesson__course")[:100]
        if volunteer is not None
        else []
    )
    courses = list(_courses(request).prefetch_related("lessons__event")[:30])
    managed = set(
        access.courses_managed_by(request.user)
        .filter(pk__in=[c.pk for c in courses])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "activities/school.html",
        {
            "courses": courses,
            "done": done,
            "managed": managed,
            "manages": bool(grants_with_perm(request.user, MANAGE)),
        },
    )


@require_perm(f"{JOIN}|{MANAGE}")
@require_http_methods(["GET", "POST"])
def lesson(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    row = get_in_scope(
        Lesson.objects.filter(course__in=_courses(request)).select_related("course", "event"),
        pk,
        user=request.user,
        request=request,
    )
    volunteer = access.volunteer_of(request.user)
    if request.method == "POST":
        try:
            if volunteer is None or volunteer.withdrawn_at is not None:
                raise ActivityError("请先在“活动报名”加入（同意个人信息使用说明）")
            services.e_lesson_complete(row, volunteer, actor=request.user)
            messages.success(request, "已记录学习")
        except ActivityError as err:
            messages.error(request, err.message)
        return redirect("activities:lesson", row.pk)
    completed = volunteer is not None and row.completions.filter(volunteer=volunteer).exists()
    return render(request, "activities/lesson.html", {"lesson": row, "completed": completed})


@require_perm(f"{JOIN}|{MANAGE}")
def lesson_video(request: AuthenticatedRequest, pk: int) -> FileResponse:
    row = get_in_scope(
        Lesson.objects.filter(course__in=_courses(request)), pk, user=request.user, request=request
    )
    if not row.video:
        raise Http404("该党课没有视频")
    return FileResponse(row.video.open("rb"), content_type="video/mp4")


@require_perm(REPORT)
def school_report(request: AuthenticatedRequest) -> HttpResponse:
    """Per Party organization in scope: members with a profile, how many studied, the rate."""
    orgs = PartyOrg.objects.filter(scope_q(request.user, REPORT), is_active=True)
    volunteers = Volunteer.objects.filter(member__party_org__in=orgs, withdrawn_at__isnull=True)
    totals = dict(
        volunteers.values("member__party_org_id")
        .annotate(n=Count("id"))
        .values_list("member__party_org_id", "n")
    )
    studied = dict(
        volunteers.filter(completions__isnull=False)
        .values("member__party_org_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("member__party_org_id", "n")
    )
    names = dict(orgs.filter(pk__in=totals).values_list("pk", "name"))
    rows = sorted(
        (
            {"org": names.get(pk, ""), "members": n, "studied": studied.get(pk, 0),
             "rate": percent(studied.get(pk, 0), n)}
            for pk, n in totals.items()
        ),
        key=lambda r: (-(r["rate"] or 0), r["org"]),
    )  # fmt: skip
    return render(request, "activities/school_report.html", {"rows": rows})
