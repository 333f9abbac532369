"""Job board API routes (`/api/v1/jobs/…`): the same rules as the pages.

Role permission first (403), then the row through `jobs.access` (404
outside scope), then the service; a `JobError` is a 400 naming its field.
A recruiter reads a resume only through an application to their own
posting; residents read live postings and their own records.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.schemas import (
    PageLimit,
    PageOffset,
    PathId,
)
from lianjian.jobs import access, selectors, services
from lianjian.jobs.models import Posting
from lianjian.jobs.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApplicantOut,
    ApplicationMoveIn,
    ApplicationOut,
    JobApplyIn,
    JobMatchOut,
    JobReviewIn,
    JobsReportOut,
    PostingCloseIn,
    PostingFilters,
    PostingIn,
    PostingOut,
    PostingPage,
    ResumeConsentIn,
    ResumeConsentOut,
    ResumeIn,
    ResumeOut,
)
from lianjian.jobs.services import JobError
from lianjian.jobs.views import APPLY_RATE, CONTACT_RATE
from lianjian.orgs.access import get_in_scope

router = Router(tags=["拉勾计划"])


def _error(err: JobError) -> Any:
    return Status(400, {"detail": err.message, "field": err.field})


# ---------------------------------------------------------------- postings


@router.get(
    "/jobs/postings",
    response={200: PostingPage, **READ_ERRORS},
    operation_id="jobs_postings_list",
    summary="招聘中的岗位（离我近的在前）",
)
def jobs_postings_list(request: AuthenticatedRequest, filters: Query[PostingFilters]) -> Any:
    ensure_perm(request, "jobs.apply")
    params = filters.dict(exclude_none=True, exclude={"limit", "offset"})
    qs = selectors.live_jobs(request.user, params)
    return {"items": list(qs[filters.offset : filters.offset + filters.limit]), "count": qs.count()}


@router.get(
    "/jobs/postings/{posting_id}",
    response={200: PostingOut, **READ_ERRORS},
    operation_id="jobs_postings_get",
    summary="岗位详情",
)
def jobs_postings_get(request: AuthenticatedRequest, posting_id: PathId) -> Any:
    ensure_perm(request, "jobs.apply|jobs.post")
    user = request.user
    qs = access.postings_live() | access.postings_of_recruiter(user)
    return get_in_scope(qs.select_related("unit"), posting_id, user=user, request=request)


@router.get(
    "/jobs/my-postings",
    response={200: PostingPage, **READ_ERRORS},
    operation_id="jobs_my_postings",
    summary="本企业的岗位",
)
def jobs_my_postings(
    request: AuthenticatedRequest, limit: PageLimit = 20, offset: PageOffset = 0
) -> Any:
    ensure_perm(request, "jobs.post")
    qs = selectors.postings_of_recruiter(request.user)
    return {"items": list(qs[offset : offset + limit]), "count": qs.count()}


@router.post(
    "/jobs/postings",
    response={201: PostingOut, **WRITE_ERRORS},
    operation_id="jobs_postings_create",
    summary="发布岗位（草稿或提交审核）",
)
def jobs_postings_create(request: AuthenticatedRequest, payload: PostingIn) -> Any:
    ensure_perm(request, "jobs.post")
    unit = access.recruiter_unit(request.user)
    data = payload.dict()
    try:
        posting = services.posting_save(actor=request.user, unit=unit, data=data)
        if data["submit"]:
            posting = services.posting_submit(posting, actor=request.user)
    except JobError as err:
        return _error(err)
    return Status(201, posting)


@router.put(
    "/jobs/postings/{posting_id}",
    response={200: PostingOut, **WRITE_ERRORS},
    operation_id="jobs_postings_update",
    summary="修改岗位（已上线的重新审核）",
)
def jobs_postings_update(
    request: AuthenticatedRequest, posting_id: PathId, payload: PostingIn
) -> Any:
    ensure_perm(request, "jobs.post")
    posting = get_in_scope(
        access.postings_of_recruiter(request.user), posting_id, user=request.user, request=request
    )
    try:
        posting = services.posting_save(
            actor=request.user, unit=posting.unit, data=payload.dict(), posting=posting
        )
        if payload.submit and posting.status in (Posting.Status.DRAFT, Posting.Status.RETURNED):
            posting = services.posting_submit(posting, actor=request.user)
    except JobError as err:
        return _error(err)
    return posting


@router.post(
    "/jobs/postings/{posting_id}/close",
    response={200: PostingOut, **WRITE_ERRORS},
    operation_id="jobs_postings_close",
    summary="撤下岗位或标记已招满",
)
def jobs_postings_close(
    request: AuthenticatedRequest, posting_id: PathId, payload: PostingCloseIn
) -> Any:
    ensure_perm(request, "jobs.post")
    posting = get_in_scope(
        access.postings_of_recruiter(request.user), posting_id, user=request.user, request=request
    )
    try:
        return services.posting_close(posting, actor=request.user, status=payload.status)
    except JobError as err:
        return _error(err)


@router.post(
    "/jobs/postings/{posting_id}/review",
    response={200: PostingOut, **WRITE_ERRORS},
    operation_id="jobs_postings_review",
    summary="社区审核岗位",
)
def jobs_postings_review(
    request: AuthenticatedRequest, posting_id: PathId, payload: JobReviewIn
) -> Any:
    ensure_perm(request, "jobs.review")
    posting = get_in_scope(
        access.postings_for_staff(request.user), posting_id, user=request.user, request=request
    )
    try:
        return services.posting_review(
            posting, actor=request.user, approve=payload.approve, comment=payload.comment
        )
    except JobError as err:
        return _error(err)


@router.get(
    "/jobs/review/postings",
    response={200: PostingPage, **READ_ERRORS},
    operation_id="jobs_review_postings",
    summary="待审核岗位",
)
def jobs_review_postings(
    request: AuthenticatedRequest, limit: PageLimit = 20, offset: PageOffset = 0
) -> Any:
    ensure_perm(request, "jobs.review")
    qs, _ = selectors.review_queue(request.user)
    return {"items": list(qs[offset : offset + limit]), "count": qs.count()}


# ---------------------------------------------------------------- resumes


@router.get(
    "/jobs/resume",
    response={200: ResumeOut, **READ_ERRORS},
    operation_id="jobs_resume_get",
    summary="我的简历",
)
def jobs_resume_get(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, "jobs.apply")
    resume = access.resume_of(request.user)
    if resume is None:
        return Status(404, {"detail": "您还没有简历"})
    return resume


@router.put(
    "/jobs/resume",
    response={200: ResumeOut, **WRITE_ERRORS},
    operation_id="jobs_resume_save",
    summary="保存简历并提交社区审核",
)
def jobs_resume_save(request: AuthenticatedRequest, payload: ResumeIn) -> Any:
    ensure_perm(request, "jobs.apply")
    region = access.resident_region(request.user)
    if region is None:
        return Status(
            400, {"detail": "您的账号未关联所在社区，请联系社区工作人员", "field": "region"}
        )
    try:
        return services.resume_save(
            actor=request.user,
            region=region,
            data=payload.dict(),
            user=request.user,
            resume=access.resume_of(request.user),
        )
    except JobError as err:
        return _error(err)


@router.post(
    "/jobs/resume/consent",
    response={200: ResumeConsentOut, **WRITE_ERRORS},
    operation_id="jobs_resume_consent",
    summary="同意或撤回被企业查找",
)
def jobs_resume_consent(request: AuthenticatedRequest, payload: ResumeConsentIn) -> Any:
    ensure_perm(request, "jobs.apply")
    resume = access.resume_of(request.user)
    if resume is None:
        return Status(404, {"detail": "您还没有简历"})
    resume = services.resume_set_discoverable(
        resume, actor=request.user, discoverable=payload.discoverable
    )
    return {
        "discoverable": resume.discoverable,
        "consent_version": resume.consent_version,
        "consent_text": services.CONSENT_TEXT,
    }


@router.post(
    "/jobs/resumes/{resume_id}/review",
    response={200: ResumeOut, **WRITE_ERRORS},
    operation_id="jobs_resumes_review",
    summary="社区审核简历",
)
def jobs_resumes_review(
    request: AuthenticatedRequest, resume_id: PathId, payload: JobReviewIn
) -> Any:
    ensure_perm(request, "jobs.review")
    resume = get_in_scope(
        access.resumes_for_staff(request.user), resume_id, user=request.user, request=request
    )
    try:
        return services.resume_review(
            resume, actor=request.user, approve=payload.approve, comment=payload.comment
        )
    except JobError as err:
        return _error(err)


@router.get(
    "/jobs/suggestions",
    response={200: list[JobMatchOut], **READ_ERRORS},
    operation_id="jobs_suggestions",
    summary="为我推荐的岗位",
)
def jobs_suggestions(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, "jobs.apply")
    return [
        {
            "posting_id": m.posting_id,
            "title": m.posting.title,
            "score": m.score,
            "reasons": m.reasons,
        }
        for m in selectors.suggested_jobs(request.user)[:20]
    ]


# ---------------------------------------------------------------- applications


@router.post(
    "/jobs/applications",
    response={201: ApplicationOut, **WRITE_ERRORS},
    operation_id="jobs_apply",
    summary="投递岗位",
)
def jobs_apply(request: AuthenticatedRequest, payload: JobApplyIn) -> Any:
    ensure_perm(request, "jobs.apply")
    limited = rate_limited(request, "jobs.apply", limit=APPLY_RATE[0], window=APPLY_RATE[1])
    if limited is not None:
        return limited
    posting = get_in_scope(
        access.postings_live(), payload.posting, user=request.user, request=request
    )
    resume = access.resume_of(request.user)
    if resume is None:
        return Status(400, {"detail": "请先填写简历，社区审核通过后即可投递", "field": "resume"})
    try:
        application = services.apply(
            resume=resume, posting=posting, actor=request.user, note=payload.note
        )
    except JobError as err:
        return _error(err)
    return Status(201, application)


@router.get(
    "/jobs/applications",
    response={200: list[ApplicationOut], **READ_ERRORS},
    operation_id="jobs_my_applications",
    summary="我的投递",
)
def jobs_my_applications(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, "jobs.apply")
    return list(
        access.applications_of_resident(request.user)
        .select_related("posting")
        .order_by("-id")[:100]
    )


@router.get(
    "/jobs/postings/{posting_id}/applications",
    response={200: list[ApplicantOut], **WRITE_ERRORS},
    operation_id="jobs_posting_applications",
    summary="本企业岗位收到的申请",
)
def jobs_posting_applications(request: AuthenticatedRequest, posting_id: PathId) -> Any:
    ensure_perm(request, "jobs.post")
    posting = get_in_scope(
        access.postings_of_recruiter(request.user), posting_id, user=request.user, request=request
    )
    limited = rate_limited(request, "jobs.contact", limit=CONTACT_RATE[0], window=CONTACT_RATE[1])
    if limited is not None:
        return limited
    return list(selectors.applications_to(posting).select_related("posting")[:200])


@router.post(
    "/jobs/applications/{application_id}/stage",
    response={200: ApplicationOut, **WRITE_ERRORS},
    operation_id="jobs_application_move",
    summary="推进求职申请（面试、录用、入职等）",
)
def jobs_application_move(
    request: AuthenticatedRequest, application_id: PathId, payload: ApplicationMoveIn
) -> Any:
    ensure_perm(request, "jobs.post")
    application = get_in_scope(
        access.applications_of_recruiter(request.user),
        application_id,
        user=request.user,
        request=request,
    )
    try:
        return services.application_move(
            application,
            actor=request.user,
            stage=payload.stage,
            note=payload.note,
            hired_on=payload.hired_on,
        )
    except JobError as err:
        return _error(err)


@router.get(
    "/jobs/report",
    response={200: JobsReportOut, **READ_ERRORS},
    operation_id="jobs_report",
    summary="招聘统计（各社区岗位、简历、申请、入职）",
)
def jobs_report(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, "jobs.report")
    data = selectors.report(request.user)
    return {
        "rows": [
            {
                "region_id": r.region.pk,
                "name": r.region.name,
                "live_postings": r.live_postings,
                "enterprises": r.enterprises,
                "residents": r.residents,
                "applications": r.applications,
                "hires": r.hires,
            }
            for r in data.rows
        ],
        "hires": data.total.hires if data.total else 0,
        "enterprises_hiring": data.enterprises_hiring,
        "by_unit": [{"unit_id": u.pk, "name": u.name, "hires": n} for u, n in data.hires_by_unit],
    }
