"""Job board pages: residents browse and apply on a phone, recruiters post, staff review.

Thin views: lists from `selectors`, single rows through `jobs.access` and
`get_in_scope` (404 outside scope), writes through `services`; a `JobError`
lands on its form field and nothing is written.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.masking import mask
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.jobs import access, selectors, services
from lianjian.jobs.forms import MoveForm, PostingForm, ResumeForm, ReviewForm
from lianjian.jobs.models import Application, Category, Posting, Resume
from lianjian.jobs.services import JobError
from lianjian.orgs.access import get_in_scope

if TYPE_CHECKING:
    from lianjian.accounts.models import User

PAGE_SIZE = 20
APPLY_RATE = (20, 3600)  # applications per resident an hour (S22)
CONTACT_RATE = (120, 3600)  # applications opened with contact details per recruiter an hour


def _show_error(form: forms.Form, err: JobError) -> None:
    form.add_error(err.field if err.field in form.fields else None, err.message)


# ---------------------------------------------------------------- residents


@require_perm("jobs.apply")
def browse(request: AuthenticatedRequest) -> HttpResponse:
    filters = {
        k: request.GET.get(k, "").strip() for k in ("q", "category", "pay", "distance", "urgent")
    }
    qs = selectors.live_jobs(request.user, filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "jobs/browse.html",
        {
            "page": page,
            "filters": filters,
            "categories": Category.choices,
            "distances": selectors.DISTANCES,
            "suggested": selectors.suggested_jobs(request.user)[:5],
            "resume": access.resume_of(request.user),
            "querystring_base": querystring_without_page(request),
        },
    )


@require_perm("jobs.apply")
def job_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    posting = get_in_scope(
        access.postings_live().select_related("unit"), pk, user=request.user, request=request
    )
    resume = access.resume_of(request.user)
    applied = resume is not None and posting.applications.filter(resume=resume).exists()
    return render(
        request,
        "jobs/detail.html",
        {"posting": posting, "resume": resume, "applied": applied},
    )


@require_POST
@require_perm("jobs.apply")
def job_apply(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    posting = get_in_scope(access.postings_live(), pk, user=request.user, request=request)
    limited = rate_limited(request, "jobs.apply", limit=APPLY_RATE[0], window=APPLY_RATE[1])
    if limited is not None:
        return limited
    resume = access.resume_of(request.user)
    if resume is None:
        messages.error(request, "请先填写简历，社区审核通过后即可投递")
        return redirect("jobs:resume")
    try:
        services.apply(
            resume=resume, posting=posting, actor=request.user, note=request.POST.get("note", "")
        )
    except JobError as err:
        messages.error(request, err.message)
        return redirect("jobs:detail", pk=posting.pk)
    messages.success(request, "投递成功，企业查看后您会收到通知")
    return redirect("jobs:mine")


def _resume_initial(resume: Resume | None, user: User) -> dict[str, Any]:
    if resume is None:
        return {"name": getattr(user, "display_name", "")}
    return {
        "name": resume.name,
        "phone": resume.phone,
        "birth_year": resume.birth_year,
        "education": resume.education,
        "wanted_category": resume.wanted_category,
        "wanted_pay": resume.wanted_pay or None,
        "skills": resume.skills,
        "experience": resume.experience,
    }


@require_http_methods(["GET", "POST"])
@require_perm("jobs.apply")
def resume_edit(request: AuthenticatedRequest) -> HttpResponse:
    resume = access.resume_of(request.user)
    region = access.resident_region(request.user)
    form = ResumeForm(request.POST or None, initial=_resume_initial(resume, request.user))
    if request.method == "POST" and form.is_valid():
        if region is None:
            form.add_error(None, "您的账号未关联所在社区，请联系社区工作人员")
        else:
            try:
                services.resume_save(
                    actor=request.user,
                    region=region,
                    data=form.cleaned_data,
                    user=request.user,
                    resume=resume,
                )
            except JobError as err:
                _show_error(form, err)
            else:
                messages.success(request, "简历已保存，已提交社区审核")
                return redirect("jobs:resume")
    return render(
        request,
        "jobs/resume.html",
        {"form": form, "resume": resume, "region": region, "consent_text": services.CONSENT_TEXT},
    )


@require_POST
@require_perm("jobs.apply")
def resume_consent(request: AuthenticatedRequest) -> HttpResponse:
    resume = access.resume_of(request.user)
    if resume is None:
        messages.error(request, "请先填写简历")
        return redirect("jobs:resume")
    discoverable = request.POST.get("discoverable") == "1"
    services.resume_set_discoverable(resume, actor=request.user, discoverable=discoverable)
    messages.success(
        request, "已允许企业查找您的简历" if discoverable else "已撤回同意，企业将无法查找您的简历"
    )
    return redirect("jobs:resume")


@require_POST
@require_perm("jobs.apply")
def resume_withdraw(request: AuthenticatedRequest) -> HttpResponse:
    resume = access.resume_of(request.user)
    if resume is not None and resume.status != Resume.Status.WITHDRAWN:
        services.resume_withdraw(resume, actor=request.user)
        messages.success(request, "简历已撤回，企业已无法看到")
    return redirect("jobs:resume")


@require_perm("jobs.apply")
def my_applications(request: AuthenticatedRequest) -> HttpResponse:
    qs = access.applications_of_resident(request.user).select_related("posting", "posting__unit")
    return render(request, "jobs/mine.html", {"applications": qs.order_by("-id")[:100]})


@require_http_methods(["GET", "POST"])
@require_perm("jobs.apply")
def my_application(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = get_in_scope(
        access.applications_of_resident(request.user).select_related("posting", "posting__unit"),
        pk,
        user=request.user,
        request=request,
    )
    if request.method == "POST":
        try:
            services.application_withdraw(application, actor=request.user)
        except JobError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, "已撤回申请")
        return redirect("jobs:my_application", pk=application.pk)
    return render(
        request,
        "jobs/my_application.html",
        {
            "application": application,
            "events": application.events.all(),
            "open": application.stage in services.OPEN_STAGES,
        },
    )


# ---------------------------------------------------------------- recruiters


@require_perm("jobs.post")
def postings(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(selectors.postings_of_recruiter(request.user, status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "jobs/postings.html",
        {
            "page": page,
            "status": status,
            "statuses": Posting.Status.choices,
            "querystring_base": querystring_without_page(request),
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm("jobs.post")
def posting_create(request: AuthenticatedRequest) -> HttpResponse:
    unit = access.recruiter_unit(request.user)
    form = PostingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            posting = services.posting_save(actor=request.user, unit=unit, data=form.cleaned_data)
            if request.POST.get("submit") == "1":
                services.posting_submit(posting, actor=request.user)
        except JobError as err:
            _show_error(form, err)
        else:
            messages.success(
                request, "岗位已提交社区审核" if posting.status != "draft" else "草稿已保存"
            )
            return redirect("jobs:posting", pk=posting.pk)
    return render(request, "jobs/posting_form.html", {"form": form, "unit": unit, "posting": None})


@require_http_methods(["GET", "POST"])
@require_perm("jobs.post")
def posting_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    posting = get_in_scope(
        access.postings_of_recruiter(request.user), pk, user=request.user, request=request
    )
    initial = {f: getattr(posting, f) for f in PostingForm.base_fields}
    form = PostingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.posting_save(
                actor=request.user, unit=posting.unit, data=form.cleaned_data, posting=posting
            )
        except JobError as err:
            _show_error(form, err)
        else:
            messages.success(request, "岗位已保存")
            return redirect("jobs:posting", pk=posting.pk)
    return render(
        request, "jobs/posting_form.html", {"form": form, "unit": posting.unit, "posting": posting}
    )


@require_perm("jobs.post")
def posting_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    posting = get_in_scope(
        access.postings_of_recruiter(request.user).select_related("unit"),
        pk,
        user=request.user,
        request=request,
    )
    return render(
        request,
        "jobs/posting_detail.html",
        {
            "posting": posting,
            "applications": selectors.applications_to(posting)[:200],
            "suggested": selectors.suggested_residents(posting)[:10],
        },
    )


@require_POST
@require_perm("jobs.post")
def posting_action(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    posting = get_in_scope(
        access.postings_of_recruiter(request.user), pk, user=request.user, request=request
    )
    action = request.POST.get("action", "")
    try:
        if action == "submit":
            services.posting_submit(posting, actor=request.user)
            messages.success(request, "已提交社区审核")
        elif action in (Posting.Status.WITHDRAWN, Posting.Status.FILLED):
            services.posting_close(posting, actor=request.user, status=action)
            messages.success(request, "岗位已更新")
        else:
            messages.error(request, "未知的操作")
    except JobError as err:
        messages.error(request, err.message)
    return redirect("jobs:posting", pk=posting.pk)


@require_http_methods(["GET", "POST"])
@require_perm("jobs.post")
def application_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = get_in_scope(
        access.applications_of_recruiter(request.user).select_related("posting", "resume"),
        pk,
        user=request.user,
        request=request,
    )
    limited = rate_limited(request, "jobs.contact", limit=CONTACT_RATE[0], window=CONTACT_RATE[1])
    if limited is not None:
        return limited
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_move(
                application,
                actor=request.user,
                stage=form.cleaned_data["stage"],
                note=form.cleaned_data["note"],
                hired_on=form.cleaned_data["hired_on"],
            )
        except JobError as err:
            _show_error(form, err)
        else:
            messages.success(request, "申请状态已更新")
            return redirect("jobs:application", pk=application.pk)
    elif request.method == "GET":
        services.application_mark_viewed(application, actor=request.user)
    return render(
        request,
        "jobs/application.html",
        {
            "application": application,
            "resume": application.resume,
            "form": form,
            "moves": [
                (s, dict(Application.Stage.choices)[s])
                for s in sorted(services.RECRUITER_MOVES.get(application.stage, ()))
            ],
            "events": application.events.all(),
        },
    )


# ---------------------------------------------------------------- staff


@require_perm("jobs.review")
def review(request: AuthenticatedRequest) -> HttpResponse:
    postings_qs, resumes_qs = selectors.review_queue(request.user)
    return render(
        request,
        "jobs/review.html",
        {
            "postings": postings_qs[:100],
            "resumes": resumes_qs[:100],
            "posting_count": postings_qs.count(),
            "resume_count": resumes_qs.count(),
        },
    )


def _decide(request: AuthenticatedRequest, row: Any, service: Any) -> tuple[ReviewForm, bool]:
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(
                row,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except JobError as err:
            _show_error(form, err)
        else:
            messages.success(request, "审核完成")
            return form, True
    return form, False


@require_http_methods(["GET", "POST"])
@require_perm("jobs.review")
def review_posting(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    posting = get_in_scope(
        access.postings_for_staff(request.user).select_related("unit"),
        pk,
        user=request.user,
        request=request,
    )
    form, done = _decide(request, posting, services.posting_review)
    if done:
        return redirect("jobs:review")
    return render(
        request,
        "jobs/review_posting.html",
        {"posting": posting, "form": form, "phone": mask(posting.contact_phone, "mobile")},
    )


@require_http_methods(["GET", "POST"])
@require_perm("jobs.review")
def review_resume(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    resume = get_in_scope(
        access.resumes_for_staff(request.user), pk, user=request.user, request=request
    )
    form, done = _decide(request, resume, services.resume_review)
    if done:
        return redirect("jobs:review")
    return render(
        request,
        "jobs/review_resume.html",
        {"resume": resume, "form": form, "phone": mask(resume.phone, "mobile")},
    )


@require_perm("jobs.report")
def report(request: AuthenticatedRequest) -> HttpResponse:
    data = selectors.report(request.user)
    if request.GET.get("format") == "xlsx":
        return _report_xlsx(data)
    return render(request, "jobs/report.html", {"report": data})


def _report_xlsx(data: selectors.Report) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "招聘统计"
    sheet.append(["区域", "招聘中岗位", "发布企业", "审核通过简历", "求职申请", "入职"])
    for r in data.rows:
        sheet.append(
            [r.region.name, r.live_postings, r.enterprises, r.residents, r.applications, r.hires]
        )
    if data.total:
        t = data.total
        sheet.append(["合计", t.live_postings, t.enterprises, t.residents, t.applications, t.hires])
    units = book.create_sheet("各企业入职")
    units.append(["企业", "入职人数"])
    for unit, n in data.hires_by_unit:
        units.append([unit.name, n])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''jobs-report.xlsx"
    return response
