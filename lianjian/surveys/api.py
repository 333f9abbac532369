"""Surveys API routes (`/api/v1/surveys/…`): the same rules as the pages.

Role permission first (403), then the survey through `surveys.access` (404
outside scope), then the service; a `SurveyError` is a 400 naming its field
(and, for answers, each question's problem).
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Status
from ninja.params.functions import Query as QueryParam

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import BIGINT_MAX, ErrorOut, PathId
from lianjian.orgs.models import Region
from lianjian.surveys import access, actions, selectors, services
from lianjian.surveys.definition import SurveyError
from lianjian.surveys.models import Audience, ProposalLink, Survey
from lianjian.surveys.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AnswerErrorsOut,
    AnswerFormOut,
    CountOut,
    CrosstabOut,
    DefinitionIn,
    NeedsRaiseIn,
    ProposalFileIn,
    ProposalLinkOut,
    ResponseIn,
    ResponseOut,
    ResultsOut,
    SurveyDetailOut,
    SurveyIn,
    SurveyOut,
    VersionOut,
)

router = Router(tags=["问卷调查"])
# a route returns `Any`: its body is a status and one of the shapes its `response=` declares,
# and ninja checks it against that schema


def _error(err: SurveyError, status: int = 400) -> Status[dict[str, object]]:
    body: dict[str, object] = {"detail": err.message, "field": err.field}
    if getattr(err, "errors", None):
        errors: dict[str, str] = err.errors  # type: ignore[attr-defined]
        body["errors"] = [{"question": k, "message": v} for k, v in errors.items()]
    return Status(status, body)


def _detail(survey: Survey) -> dict[str, object]:
    version = services.current_version(survey)
    return {
        **SurveyOut.from_orm(survey).model_dump(),
        "intro": survey.intro,
        "version": version.number,
        "definition": version.definition,
    }


@router.get(
    "/surveys/surveys",
    response={200: list[SurveyOut], **READ_ERRORS},
    operation_id="surveys_list",
    summary="范围内的问卷（最近 200 份）",
)
def surveys_list(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, access.REPORT)
    return list(access.surveys_visible_to(request.user)[:200])


@router.post(
    "/surveys/surveys",
    response={201: SurveyDetailOut, **WRITE_ERRORS},
    operation_id="surveys_create",
    summary="新建问卷（草稿）",
)
def surveys_create(request: AuthenticatedRequest, payload: SurveyIn) -> Any:
    ensure_perm(request, access.MANAGE)
    from lianjian.orgs.access import regions_visible_to

    regions = regions_visible_to(request.user, access.MANAGE)
    region = regions.filter(
        pk=payload.region_id, level__in=[Region.Level.DISTRICT, Region.Level.STREET]
    ).first()
    if region is None:
        return Status(404, {"detail": "发起单位不存在或不在您的范围内", "field": "region_id"})
    area = None
    if payload.target_area_id:
        area = regions.filter(pk=payload.target_area_id).first()
        if area is None:
            return Status(404, {"detail": "区域不存在或不在您的范围内", "field": "target_area_id"})
    try:
        survey = services.survey_create(
            actor=request.user,
            request=request,
            region=region,
            title=payload.title,
            audience=payload.audience,
            intro=payload.intro,
            definition=payload.definition,
            anonymous=payload.anonymous,
            login_required=payload.login_required,
            opens_at=payload.opens_at,
            closes_at=payload.closes_at,
            unit_kinds=payload.unit_kinds,
            industries=payload.industries,
            target_area=area,
            unit_ids=payload.unit_ids,
        )
    except SurveyError as exc:
        return _error(exc)
    return Status(201, _detail(survey))


@router.get(
    "/surveys/surveys/{survey_id}",
    response={200: SurveyDetailOut, **READ_ERRORS},
    operation_id="surveys_get",
    summary="问卷详情与当前题目",
)
def surveys_get(request: AuthenticatedRequest, survey_id: PathId) -> Any:
    ensure_perm(request, access.REPORT)
    return _detail(access.get_survey_for_user(request.user, survey_id))


@router.put(
    "/surveys/surveys/{survey_id}/definition",
    response={200: VersionOut, **WRITE_ERRORS},
    operation_id="surveys_define",
    summary="修改题目（已有答卷时另存为新版本）",
)
def surveys_define(request: AuthenticatedRequest, survey_id: PathId, payload: DefinitionIn) -> Any:
    ensure_perm(request, access.MANAGE)
    survey = access.get_survey_for_user(request.user, survey_id, access.MANAGE)
    try:
        version = services.survey_define(
            survey, payload.definition, actor=request.user, request=request
        )
    except SurveyError as exc:
        return _error(exc)
    return {"version": version.number, "frozen": version.frozen}


@router.get(
    "/surveys/surveys/{survey_id}/results",
    response={200: ResultsOut, **READ_ERRORS},
    operation_id="surveys_results",
    summary="统计结果（您范围内的答卷）",
)
def surveys_results(request: AuthenticatedRequest, survey_id: PathId) -> Any:
    ensure_perm(request, access.REPORT)
    survey = access.get_survey_for_user(request.user, survey_id)
    return selectors.results(survey, request.user)


@router.get(
    "/surveys/surveys/{survey_id}/crosstab",
    response={200: CrosstabOut, **READ_ERRORS},
    operation_id="surveys_crosstab",
    summary="交叉分析：两道题，或一道题与单位属性",
)
def surveys_crosstab(request: AuthenticatedRequest, survey_id: PathId, row: str, col: str) -> Any:
    ensure_perm(request, access.REPORT)
    survey = access.get_survey_for_user(request.user, survey_id)
    try:
        return selectors.crosstab(survey, request.user, row[:32], col[:32])
    except ValueError as exc:
        return Status(400, {"detail": str(exc), "field": "col"})


@router.post(
    "/surveys/surveys/{survey_id}/needs",
    response={200: CountOut, **WRITE_ERRORS},
    operation_id="surveys_needs_raise",
    summary="据答卷向需求通道提出需求",
)
def surveys_needs_raise(
    request: AuthenticatedRequest, survey_id: PathId, payload: NeedsRaiseIn
) -> Any:
    ensure_perm(request, access.MANAGE)
    survey = access.get_survey_for_user(request.user, survey_id, access.MANAGE)
    try:
        out = actions.needs_raise(
            survey,
            actor=request.user,
            request=request,
            question_key=payload.question,
            option=payload.option,
            contact_phone=payload.contact_phone,
            note=payload.note,
        )
    except SurveyError as exc:
        return _error(exc)
    return {"count": out["created"]}


def _proposal_out(link: ProposalLink, created: bool = False) -> dict[str, object]:
    return {
        "proposal_id": link.proposal_id,
        "body_id": link.body_id,
        "body_name": link.body.name,
        "title": link.proposal.title,
        "status": link.proposal.status,
        "question": link.question,
        "option": link.option,
        "responses": link.responses.count(),
        "created": created,
    }


@router.get(
    "/surveys/surveys/{survey_id}/proposals",
    response={200: list[ProposalLinkOut], **READ_ERRORS},
    operation_id="surveys_proposals",
    summary="据答卷向联席会议提出的议案",
)
def surveys_proposals(request: AuthenticatedRequest, survey_id: PathId) -> Any:
    ensure_perm(request, access.REPORT)
    survey = access.get_survey_for_user(request.user, survey_id)
    links = survey.proposal_links.select_related("proposal", "body")[:100]
    return [_proposal_out(link) for link in links]


@router.post(
    "/surveys/surveys/{survey_id}/proposals",
    response={200: ProposalLinkOut, 201: ProposalLinkOut, **WRITE_ERRORS},
    operation_id="surveys_proposal_file",
    summary="据答卷向联席会议提出议案（同一选项、同一联席会议只提一次）",
)
def surveys_proposal_file(
    request: AuthenticatedRequest, survey_id: PathId, payload: ProposalFileIn
) -> Any:
    ensure_perm(request, access.MANAGE)
    survey = access.get_survey_for_user(request.user, survey_id, access.MANAGE)
    try:
        proposal, created = actions.proposal_file(
            survey,
            actor=request.user,
            request=request,
            question_key=payload.question,
            option=payload.option,
            body_id=payload.body_id,
            unit_id=payload.unit_id,
            title=payload.title,
            content=payload.content,
            category=payload.category,
        )
    except SurveyError as exc:
        return _error(exc)
    link = survey.proposal_links.select_related("proposal", "body").get(proposal=proposal)
    return Status(201 if created else 200, _proposal_out(link, created))


@router.get(
    "/surveys/inbox",
    response={200: list[SurveyOut], **READ_ERRORS},
    operation_id="surveys_inbox",
    summary="待我（或本单位）填写的问卷",
)
def surveys_inbox(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, access.ANSWER)
    return list(selectors.surveys_to_answer(request.user)[:100])


def _sent_to(
    request: AuthenticatedRequest, survey_id: int, unit_id: int | None
) -> tuple[Survey, services.Respondent]:
    from django.http import Http404

    survey = Survey.objects.filter(pk=survey_id).exclude(audience=Audience.PUBLIC).first()
    if survey is None or survey.status == Survey.Status.DRAFT:
        raise Http404
    try:
        return survey, services.respondent_for(survey, request.user, unit_id=unit_id)
    except SurveyError:
        raise Http404 from None


@router.get(
    "/surveys/inbox/{survey_id}",
    response={200: AnswerFormOut, **READ_ERRORS},
    operation_id="surveys_answer_form",
    summary="问卷题目与我的草稿",
)
def surveys_answer_form(
    request: AuthenticatedRequest,
    survey_id: PathId,
    unit_id: int | None = QueryParam(
        None, ge=1, le=BIGINT_MAX, description="管理多个单位时，代哪个单位填写"
    ),
) -> Any:
    ensure_perm(request, access.ANSWER)
    survey, who = _sent_to(request, survey_id, unit_id)
    draft = services.draft_of(survey, who["key"])
    return {
        "survey": _detail(survey),
        "respondent": who["name"],
        "status": draft.status if draft else None,
        "answers": draft.answers if draft else {},
    }


@router.post(
    "/surveys/inbox/{survey_id}/response",
    response={
        200: ResponseOut,
        # a refused answer names each question's problem (`errors`); other refusals don't
        400: AnswerErrorsOut | ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    operation_id="surveys_answer_save",
    summary="保存草稿或提交答卷",
)
def surveys_answer_save(
    request: AuthenticatedRequest, survey_id: PathId, payload: ResponseIn
) -> Any:
    ensure_perm(request, access.ANSWER)
    survey, who = _sent_to(request, survey_id, payload.unit_id)
    try:
        return services.response_save(
            survey,
            respondent_key=who["key"],
            unit=who["unit"],
            user=request.user,
            respondent_name=who["name"],
            answers=payload.answers,
            submit=payload.submit,
            request=request,
        )
    except SurveyError as exc:
        return _error(exc, 409 if "已提交过" in exc.message else 400)


def _act(request: AuthenticatedRequest, survey_id: int, op: str) -> Any:
    """Open, close or remind: the count the step reaches (units sent, answers, reminded)."""
    ensure_perm(request, access.MANAGE)
    survey = access.get_survey_for_user(request.user, survey_id, access.MANAGE)
    try:
        if op == "open":
            services.survey_open(survey, actor=request.user, request=request)
            return {"count": survey.target_count}
        if op == "close":
            services.survey_close(survey, actor=request.user, request=request)
            return {"count": survey.submitted_count}
        return {"count": services.survey_remind(survey, actor=request.user, request=request)}
    except SurveyError as exc:
        return _error(exc, 409 if exc.field == "status" else 400)


@router.post(
    "/surveys/surveys/{survey_id}/open",
    response={200: CountOut, **WRITE_ERRORS},
    operation_id="surveys_open",
    summary="发布问卷（向对象发送）：返回发送的对象数",
)
def surveys_open(request: AuthenticatedRequest, survey_id: PathId) -> Any:
    return _act(request, survey_id, "open")


@router.post(
    "/surveys/surveys/{survey_id}/close",
    response={200: CountOut, **WRITE_ERRORS},
    operation_id="surveys_close",
    summary="结束问卷：返回已提交的份数",
)
def surveys_close(request: AuthenticatedRequest, survey_id: PathId) -> Any:
    return _act(request, survey_id, "close")


@router.post(
    "/surveys/surveys/{survey_id}/remind",
    response={200: CountOut, **WRITE_ERRORS},
    operation_id="surveys_remind",
    summary="催办尚未填写的对象：返回提醒的人数",
)
def surveys_remind(request: AuthenticatedRequest, survey_id: PathId) -> Any:
    return _act(request, survey_id, "remind")
