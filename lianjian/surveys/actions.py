"""From answers to action: raise needs in the needs channel, or file a proposal to a joint
meeting, from chosen answers, linked back.

Staff pick a question and an option (e.g. every unit that asked for legal
services); each such response becomes one need through the needs channel's
own intake (`needs.services.need_submit`, channel 问卷调查), and a `NeedLink`
row remembers which response raised which need, so a second click raises
nothing twice (a unique constraint).

Or the same selection becomes one proposal (建议议案) to a joint-meeting body of
the alliances app, written by its own service (`alliances.services.proposals.
proposal_create`, source 民意征求窗口); a `ProposalLink` row ties it to the
survey, the question, the option and the responses, and is unique per body, so
a double submission files one proposal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from lianjian.alliances import access as alliances_access
from lianjian.alliances.models import Body, Proposal
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import AllianceError
from lianjian.core.audit import audit_record
from lianjian.needs import services as needs_services
from lianjian.orgs.models import Unit
from lianjian.surveys import access, selectors
from lianjian.surveys.definition import SurveyError, labels, question
from lianjian.surveys.models import NeedLink, ProposalLink, Response, Survey

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MAX_BATCH = 500
# units named in a proposal's generated text (the rest are counted)
NAMED_UNITS = 20


# the question is a JSON object of the definition (see `surveys.definition`)
def _choice(survey: Survey, question_key: str, option: str) -> tuple[dict[str, Any], str]:
    """The choice question and the chosen option's label, or a Chinese refusal."""
    version = selectors.latest_version(survey)
    q = question(version.definition, question_key)
    if q is None or q["kind"] not in ("single", "multiple", "scale"):
        raise SurveyError("请选择一道选择题", "question")
    label = labels(q).get(option)
    if label is None:
        raise SurveyError("请选择该题的一个选项", "option")
    return q, label


def needs_raise(
    survey: Survey,
    *,
    actor: User,
    question_key: str,
    option: str,
    contact_phone: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> dict[str, int]:
    """One need per response in the actor's scope that chose `option`; returns counts."""
    q, label = _choice(survey, question_key, option)
    note = (note or "").strip()[:500]
    responses = list(
        selectors.respondents_with(survey, actor, question_key, option)
        .exclude(need_links__question=question_key, need_links__option=option)
        .select_related("unit__region", "survey__region")[: MAX_BATCH + 1]
    )
    if len(responses) > MAX_BATCH:
        raise SurveyError(f"一次最多提出 {MAX_BATCH} 条需求，请缩小范围", "option")
    created = 0
    for response in responses:
        who = response.unit.name if response.unit else (response.respondent_name or "填写人")
        text = f"【问卷：{survey.title}】{who}在“{q['title']}”中选择了“{label}”。"
        if note:
            text += note
        unit = response.unit
        try:
            need = needs_services.need_submit(
                channel="survey",
                text=text,
                region=unit.region if unit else survey.region,
                submitter_kind="unit" if unit else "person",
                submitter_name=who,
                contact_phone=contact_phone,
                unit=unit,
                actor=actor,
                request=request,
            )
        except needs_services.NeedError as exc:
            raise SurveyError(exc.message, exc.field) from exc
        try:
            with transaction.atomic():
                NeedLink.objects.create(
                    survey=survey,
                    response=response,
                    question=question_key,
                    option=option,
                    need_id=need.pk,
                    tracking_code=need.tracking_code,
                )
        except IntegrityError:
            continue  # raised concurrently by another click; the need stays, once
        created += 1
    audit_record(
        "survey.needs_raise",
        user=actor,
        request=request,
        obj=survey,
        detail={"question": question_key, "option": option, "n": created},
    )
    return {"created": created}


# ---------------------------------------------------------------- proposals


@dataclass(frozen=True)
class ProposalDraft:
    """What the proposal form shows before filing: the selection and a suggested text."""

    question_title: str
    option_label: str
    responses: int
    submitted: int
    title: str
    content: str


def _selection(survey: Survey, actor: User, question_key: str, option: str) -> list[Response]:
    rows = list(
        selectors.respondents_with(survey, actor, question_key, option)
        .select_related("unit")
        .order_by("pk")[: MAX_BATCH + 1]
    )
    if not rows:
        raise SurveyError("没有选择该选项的答卷", "option")
    if len(rows) > MAX_BATCH:
        raise SurveyError(f"一次最多汇总 {MAX_BATCH} 份答卷，请缩小范围", "option")
    return rows


def proposal_draft(survey: Survey, *, actor: User, question_key: str, option: str) -> ProposalDraft:
    """The selection (responses in the actor's scope that chose `option`) and a suggested
    title and content naming the units, for staff to edit before filing."""
    q, label = _choice(survey, question_key, option)
    rows = _selection(survey, actor, question_key, option)
    submitted = access.responses_visible_to(actor, survey).count()
    names = [r.unit.name if r.unit else (r.respondent_name or "填写人") for r in rows]
    named = "、".join(names[:NAMED_UNITS])
    if len(names) > NAMED_UNITS:
        named += f"等 {len(names)} 个单位（填写人）"
    share = f"，占已提交答卷的 {round(len(rows) * 100 / submitted, 1)}%" if submitted else ""
    title = f"关于{label}的建议（据问卷“{survey.title}”）"
    content = (
        f"问卷“{survey.title}”中，“{q['title']}”一题共有 {len(rows)} 份答卷选择了“{label}”"
        f"{share}：{named}。建议联席会议研究落实。"
    )
    return ProposalDraft(q["title"], label, len(rows), submitted, title[:100], content)


def proposal_bodies(actor: User) -> QuerySet[Body]:
    """The joint-meeting bodies a proposal may go to: active ones in the actor's scope."""
    return alliances_access.bodies_visible_to(actor, access.MANAGE).filter(is_active=True)


def proposal_units(body: Body) -> list[Unit]:
    """The member units of a body, one of which files the proposal."""
    return list(Unit.objects.filter(pk__in=body_member_unit_ids(body)).order_by("name")[:500])


def proposal_file(
    survey: Survey,
    *,
    actor: User,
    question_key: str,
    option: str,
    body_id: int,
    unit_id: int,
    title: str,
    content: str,
    category: str,
    request: HttpRequest | None = None,
) -> tuple[Proposal, bool]:
    """File one proposal to a body from the selected answers; returns it and whether it was
    filed now (False: it had been filed for this survey, option and body already)."""
    _choice(survey, question_key, option)
    body = proposal_bodies(actor).filter(pk=body_id).first()
    if body is None:
        raise SurveyError("联席会议不存在或不在您的管理范围内", "body_id")
    existing = _filed(survey, question_key, option, body)
    if existing is not None:
        return existing, False
    if unit_id not in body_member_unit_ids(body):
        raise SurveyError("提出单位须是该联席会议的成员单位", "unit_id")
    unit = Unit.objects.get(pk=unit_id)
    rows = _selection(survey, actor, question_key, option)
    try:
        with transaction.atomic():
            # one filer at a time per survey; the unique constraint is the backstop
            Survey.objects.select_for_update().filter(pk=survey.pk).first()
            existing = _filed(survey, question_key, option, body)
            if existing is not None:
                return existing, False
            proposal = proposal_services.proposal_create(
                body=body,
                unit=unit,
                title=title,
                content=content,
                category=category,
                source=Proposal.Source.OPINION,
                actor=actor,
                request=request,
            )
            link = ProposalLink.objects.create(
                survey=survey,
                question=question_key,
                option=option,
                body=body,
                proposal=proposal,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            link.responses.set(rows)
    except AllianceError as exc:
        raise SurveyError(exc.message, exc.field) from exc
    except IntegrityError:
        existing = _filed(survey, question_key, option, body)
        if existing is None:
            raise
        return existing, False
    audit_record(
        "survey.proposal_file",
        user=actor,
        request=request,
        obj=survey,
        detail={"question": question_key, "option": option, "proposal": proposal.pk},
    )
    return proposal, True


def _filed(survey: Survey, question_key: str, option: str, body: Body) -> Proposal | None:
    link = (
        ProposalLink.objects.filter(survey=survey, question=question_key, option=option, body=body)
        .select_related("proposal")
        .first()
    )
    return link.proposal if link else None
