"""From answers to action: raise needs in the needs channel from chosen answers, linked back.

Staff pick a question and an option (e.g. every unit that asked for legal
services); each such response becomes one need through the needs channel's
own intake (`needs.services.need_submit`, channel 问卷调查), and a `NeedLink`
row remembers which response raised which need, so a second click raises
nothing twice (a unique constraint).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from lianjian.core.audit import audit_record
from lianjian.needs import services as needs_services
from lianjian.surveys import selectors
from lianjian.surveys.definition import SurveyError, labels, question
from lianjian.surveys.models import NeedLink, Survey

MAX_BATCH = 500


def needs_raise(
    survey: Survey,
    *,
    actor: Any,
    question_key: str,
    option: str,
    contact_phone: str,
    note: str = "",
    request: Any = None,
) -> dict[str, int]:
    """One need per response in the actor's scope that chose `option`; returns counts."""
    version = selectors.latest_version(survey)
    q = question(version.definition, question_key)
    if q is None or q["kind"] not in ("single", "multiple", "scale"):
        raise SurveyError("请选择一道选择题", "question")
    label = labels(q).get(option)
    if label is None:
        raise SurveyError("请选择该题的一个选项", "option")
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
