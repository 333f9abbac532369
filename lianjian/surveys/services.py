"""Writes on surveys: building, versions, sending, answering, closing and reminders.

Callers fetch the survey through `surveys.access` first (404 outside scope);
these functions check the rules, write in one transaction with the audit
row, and raise `SurveyError(message_zh, field)` with nothing written when
the input is wrong.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.core.notifications import notify
from lianjian.core.tallies import tally_bump
from lianjian.orgs.access import region_grant_q
from lianjian.orgs.models import Member, Region, Unit, UnitKind
from lianjian.surveys import access
from lianjian.surveys.definition import (
    AnswerRow,
    SurveyError,
    answer_rows,
    clean_answers,
    clean_definition,
)
from lianjian.surveys.models import (
    Answer,
    Audience,
    Response,
    SatisfactionSchedule,
    Survey,
    SurveyVersion,
    Tally,
    Target,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lianjian.accounts.models import User

__all__ = ["SurveyError"]
MAX_TITLE = 200


class Respondent(TypedDict):
    """Whose answer it is: the response's key, the unit answered for, the name kept."""

    key: str
    unit: Unit | None
    name: str


class _Audience(TypedDict):
    audience: str
    unit_kinds: list[str]
    industries: list[str]
    target_area: Region | None
    unit_ids: list[int]


def _title(value: object) -> str:
    title = str(value or "").strip()
    if not title:
        raise SurveyError("请填写问卷标题", "title")
    if len(title) > MAX_TITLE:
        raise SurveyError(f"问卷标题不能超过 {MAX_TITLE} 字", "title")
    return title


def _window(opens_at: dt.datetime | None, closes_at: dt.datetime | None) -> None:
    if opens_at and closes_at and opens_at >= closes_at:
        raise SurveyError("截止时间应晚于开始时间", "closes_at")


def _audience_fields(
    region: Region,
    audience: str,
    unit_kinds: Iterable[object] | None,
    industries: Iterable[object] | None,
    target_area: Region | None,
    unit_ids: Iterable[int | str] | None,
) -> _Audience:
    if audience not in Audience.values:
        raise SurveyError("发放对象无效", "audience")
    kinds = [str(k) for k in (unit_kinds or [])]
    if not set(kinds) <= set(UnitKind.values):
        raise SurveyError("单位类别无效", "unit_kinds")
    if target_area is not None and not target_area.path.startswith(region.path):
        raise SurveyError("区域不在发起单位的辖区内", "target_area")
    ids = sorted({int(i) for i in (unit_ids or [])})
    if ids and Unit.objects.filter(region_grant_q(region), pk__in=ids).count() != len(ids):
        raise SurveyError("指定单位不在发起单位的辖区内", "unit_ids")
    return {
        "audience": audience,
        "unit_kinds": kinds,
        "industries": [str(i).strip() for i in (industries or []) if str(i).strip()],
        "target_area": target_area,
        "unit_ids": ids,
    }


def survey_create(
    *,
    actor: User | None,
    region: Region,
    title: str,
    audience: str,
    definition: object,
    intro: str = "",
    kind: str = Survey.Kind.GENERAL,
    anonymous: bool = False,
    login_required: bool = True,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    unit_kinds: Iterable[object] | None = (),
    industries: Iterable[object] | None = (),
    target_area: Region | None = None,
    unit_ids: Iterable[int | str] | None = (),
    request: HttpRequest | None = None,
    schedule: SatisfactionSchedule | None = None,
    quarter: str = "",
) -> Survey:
    """A draft survey with its first version (which may have no question yet)."""
    clean = clean_definition(definition, allow_empty=True)
    _window(opens_at, closes_at)
    fields = _audience_fields(region, audience, unit_kinds, industries, target_area, unit_ids)
    with transaction.atomic():
        survey = Survey.objects.create(
            region=region,
            title=_title(title),
            intro=str(intro or "").strip()[:5000],
            kind=kind,
            anonymous=bool(anonymous),
            login_required=bool(login_required) and not anonymous,
            opens_at=opens_at,
            closes_at=closes_at,
            public_token=secrets.token_urlsafe(16)[:22],
            created_by=actor if getattr(actor, "pk", None) else None,
            schedule=schedule,
            quarter=quarter,
            **fields,
            **region.ancestor_ids(),
        )
        SurveyVersion.objects.create(survey=survey, number=1, definition=clean)
        audit_record("survey.create", user=actor, request=request, obj=survey)
    return survey


def current_version(survey: Survey) -> SurveyVersion:
    version = survey.versions.order_by("-number").first()
    assert version is not None  # every survey is created with version 1
    return version


def survey_define(
    survey: Survey, definition: object, *, actor: User, request: HttpRequest | None = None
) -> SurveyVersion:
    """Change the questions: in place while nobody has answered, else as a new version."""
    if survey.status == Survey.Status.CLOSED:
        raise SurveyError("问卷已结束，不能修改", "definition")
    clean = clean_definition(definition, allow_empty=survey.status == Survey.Status.DRAFT)
    with transaction.atomic():
        version = SurveyVersion.objects.select_for_update().filter(survey=survey).first()
        assert version is not None
        if version.frozen:
            version = SurveyVersion.objects.create(
                survey=survey, number=version.number + 1, definition=clean
            )
        else:
            version.definition = clean
            version.save(update_fields=["definition"])
        audit_record(
            "survey.define", user=actor, request=request, obj=survey, detail={"v": version.number}
        )
    return version


def audience_units(survey: Survey) -> QuerySet[Unit]:
    """The active units a unit survey goes to: the explicit list, else the filters."""
    qs = Unit.objects.filter(region_grant_q(survey.region), is_active=True)
    if survey.unit_ids:
        return qs.filter(pk__in=survey.unit_ids)
    if survey.unit_kinds:
        qs = qs.filter(kind__in=survey.unit_kinds)
    if survey.industries:
        qs = qs.filter(industry__in=survey.industries)
    if survey.target_area is not None:
        qs = qs.filter(region_grant_q(survey.target_area))
    return qs


def _targets(survey: Survey) -> list[Target]:
    if survey.audience == Audience.UNITS:
        return [
            Target(survey=survey, unit_id=pk, respondent_key=f"unit:{pk}")
            for pk in audience_units(survey).values_list("pk", flat=True)
        ]
    if survey.audience == Audience.MEMBERS:
        members = Member.objects.filter(region_grant_q(survey.region), is_active=True)
        return [
            Target(survey=survey, member_id=pk, respondent_key=f"member:{pk}")
            for pk in members.values_list("pk", flat=True)
        ]
    return []


def survey_open(
    survey: Survey,
    *,
    actor: User | None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
    quiet: bool = False,
) -> Survey:
    """Send the survey: its audience is fixed now and told (unless `quiet`: history replayed)."""
    if survey.status != Survey.Status.DRAFT:
        raise SurveyError("只有草稿状态的问卷可以发布", "status")
    now = now or timezone.now()
    if not current_version(survey).definition.get("questions"):
        raise SurveyError("问卷还没有题目", "definition")
    if survey.closes_at and survey.closes_at <= now:
        raise SurveyError("截止时间已过，请先修改截止时间", "closes_at")
    with transaction.atomic():
        targets = Target.objects.bulk_create(_targets(survey), batch_size=2000)
        if survey.audience != Audience.PUBLIC and not targets:
            raise SurveyError("发放范围内没有单位或党员", "audience")
        survey.status = Survey.Status.OPEN
        survey.target_count = len(targets)
        survey.opens_at = survey.opens_at or now
        survey.save(update_fields=["status", "target_count", "opens_at", "updated_at"])
        audit_record(
            "survey.open", user=actor, request=request, obj=survey, detail={"n": len(targets)}
        )
        if not quiet:
            _tell(survey, targets, "surveys.new", f"请填写问卷：{survey.title}")
    return survey


def _target_users(survey: Survey, targets: list[Target]) -> list[User]:
    users: list[User] = []
    unit_ids = [t.unit_id for t in targets if t.unit_id]
    if unit_ids:
        for admins in access.unit_admin_users(unit_ids).values():
            users += [u for u in admins if u not in users]
    member_ids = [t.member_id for t in targets if t.member_id]
    if member_ids:
        users += [
            m.user
            for m in Member.objects.filter(pk__in=member_ids, user__isnull=False).select_related(
                "user"
            )
            if m.user is not None  # as filtered: says so to the type checker
        ]
    return users


def _tell(survey: Survey, targets: list[Target], kind: str, subject: str) -> int:
    users = _target_users(survey, targets)
    body = f"截止 {timezone.localtime(survey.closes_at):%Y-%m-%d %H:%M}" if survey.closes_at else ""
    return notify(users, subject, body, f"/surveys/answer/{survey.pk}/", kind=kind)


def survey_close(
    survey: Survey, *, actor: User | None = None, request: HttpRequest | None = None
) -> Survey:
    if survey.status != Survey.Status.OPEN:
        raise SurveyError("只有收集中的问卷可以结束", "status")
    with transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(
            status=Survey.Status.CLOSED, updated_at=timezone.now()
        )
        survey.status = Survey.Status.CLOSED
        audit_record("survey.close", user=actor, request=request, obj=survey)
    publish("surveys.closed", survey_id=survey.pk, region_id=survey.region_id)
    return survey


def accepting(survey: Survey, now: dt.datetime | None = None) -> str | None:
    """Why the survey takes no answer now, or None when it does."""
    now = now or timezone.now()
    if survey.status == Survey.Status.DRAFT:
        return "问卷尚未发布"
    if survey.status == Survey.Status.CLOSED:
        return "问卷已结束"
    if survey.opens_at and now < survey.opens_at:
        return "问卷尚未开始"
    if survey.closes_at and now >= survey.closes_at:
        return "问卷已截止"
    return None


def respondent_for(
    survey: Survey, user: User | AnonymousUser, *, unit_id: int | None = None
) -> Respondent:
    """The key, unit and name under which `user` answers `survey` (or `SurveyError`)."""
    if survey.audience == Audience.UNITS:
        ids = access.admin_unit_ids(user) if user.is_authenticated else []
        targeted = set(
            Target.objects.filter(survey=survey, unit_id__in=ids).values_list("unit_id", flat=True)
        )
        if unit_id is None and targeted:
            # several units: the first that has not answered yet (the inbox names each)
            open_ids = Target.objects.filter(
                survey=survey, unit_id__in=targeted, answered=False
            ).values_list("unit_id", flat=True)
            unit_id = min(open_ids, default=min(targeted))
        if unit_id is None or unit_id not in targeted:
            raise SurveyError("您管理的单位不在本问卷的发放范围内", "unit")
        unit = Unit.objects.get(pk=unit_id)
        return {"key": f"unit:{unit.pk}", "unit": unit, "name": unit.name}
    if survey.audience == Audience.MEMBERS:
        member = access.member_of(user)
        if member is None or not Target.objects.filter(survey=survey, member=member).exists():
            raise SurveyError("您不在本问卷的发放范围内", "member")
        return {"key": f"member:{member.pk}", "unit": member.workplace_unit, "name": member.name}
    if user.is_authenticated:
        return {"key": f"user:{user.pk}", "unit": None, "name": user.display_name or ""}
    raise SurveyError("请先登录", "user")


def response_save(
    survey: Survey,
    *,
    respondent_key: str,
    answers: Mapping[str, Any],  # question key -> the JSON answer, checked here
    submit: bool,
    unit: Unit | None = None,
    user: User | None = None,
    respondent_name: str = "",
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Response:
    """Save a draft or submit; one response per key (the unique constraint decides races).

    A submit checks every answer against the version the response started on
    (a draft of an older version moves to the current one) and writes the
    `Answer` rows. Raises `SurveyError` with `errors` (question key → message).
    """
    why = accepting(survey, now)
    if why:
        raise SurveyError(why, "survey")
    version = current_version(survey)
    clean, errors = clean_answers(version.definition, answers, partial=not submit)
    if errors:
        exc = SurveyError("有题目未按要求填写", "answers")
        exc.errors = errors  # type: ignore[attr-defined]
        raise exc
    try:
        with transaction.atomic():
            response, _ = Response.objects.select_for_update().get_or_create(
                survey=survey,
                respondent_key=respondent_key,
                defaults=_response_defaults(survey, version, unit, user, respondent_name),
            )
            if response.status == Response.Status.SUBMITTED:
                raise SurveyError("您已提交过本问卷，不能重复提交", "survey")
            response.version = version
            response.answers = clean
            if submit:
                _submit(survey, version, response, clean, request, now)
            response.save()
    except IntegrityError:
        # a concurrent submit of the same respondent won the row
        raise SurveyError("您已提交过本问卷，不能重复提交", "survey") from None
    return response


def _response_defaults(
    survey: Survey, version: SurveyVersion, unit: Unit | None, user: User | None, name: str
) -> dict[str, object]:
    place = unit.region if unit is not None else survey.region
    return {
        "version": version,
        "unit": unit,
        "user": user if getattr(user, "pk", None) and not survey.anonymous else None,
        "respondent_name": "" if survey.anonymous else (name or "")[:200],
        "industry": unit.industry if unit is not None else "",
        **place.ancestor_ids(),
    }


def _submit(
    survey: Survey,
    version: SurveyVersion,
    response: Response,
    clean: dict[str, Any],
    request: HttpRequest | None,
    now: dt.datetime | None,
) -> None:
    response.status = Response.Status.SUBMITTED
    response.submitted_at = now or timezone.now()
    response.save()
    rows = answer_rows(version.definition, clean)
    Answer.objects.bulk_create([Answer(survey=survey, response=response, **row) for row in rows])
    tally_add(survey, [(response, rows)])
    if not version.frozen:
        SurveyVersion.objects.filter(pk=version.pk).update(frozen=True)
        version.frozen = True
    Survey.objects.filter(pk=survey.pk).update(submitted_count=F("submitted_count") + 1)
    Target.objects.filter(survey=survey, respondent_key=response.respondent_key).update(
        answered=True
    )
    audit_record(
        "survey.submit",
        user=response.user,
        request=request,
        obj=response,
        scope=f"survey:{survey.pk}",
    )
    transaction.on_commit(
        lambda: publish(
            "surveys.response_submitted",
            survey_id=survey.pk,
            response_id=response.pk,
            unit_id=response.unit_id,
        )
    )


def draft_of(survey: Survey, respondent_key: str) -> Response | None:
    return Response.objects.filter(survey=survey, respondent_key=respondent_key).first()


def survey_remind(
    survey: Survey,
    *,
    actor: User | None = None,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Tell every target that has not submitted; returns how many accounts were told."""
    if survey.status != Survey.Status.OPEN:
        raise SurveyError("只有收集中的问卷可以催办", "status")
    now = now or timezone.now()
    with transaction.atomic():
        pending = list(Target.objects.filter(survey=survey, answered=False))
        told = _tell(survey, pending, "surveys.reminder", f"问卷催办：{survey.title}")
        Target.objects.filter(pk__in=[t.pk for t in pending]).update(reminded=F("reminded") + 1)
        Survey.objects.filter(pk=survey.pk).update(last_reminded_at=now)
        survey.last_reminded_at = now
        audit_record(
            "survey.remind", user=actor, request=request, obj=survey, detail={"n": len(pending)}
        )
    return told


def surveys_tick(now: dt.datetime | None = None) -> dict[str, int]:
    """Close surveys past their deadline, remind the late, start the quarter's evaluations."""
    from lianjian.surveys.satisfaction import schedules_run

    now = now or timezone.now()
    closed = 0
    for survey in Survey.objects.filter(status=Survey.Status.OPEN, closes_at__lte=now):
        survey_close(survey)
        closed += 1
    reminded = 0
    due = Survey.objects.filter(status=Survey.Status.OPEN).exclude(audience=Audience.PUBLIC)
    for survey in due.filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now)):
        last = survey.last_reminded_at or survey.opens_at
        if last is None or now - last >= dt.timedelta(days=survey.remind_every_days):
            if (
                survey.remind_every_days
                and Target.objects.filter(survey=survey, answered=False).exists()
            ):
                survey_remind(survey, now=now)
                reminded += 1
    started = schedules_run(timezone.localdate(now))
    return {"closed": closed, "reminded": reminded, "started": started}


def responses_bulk_submit(
    survey: Survey,
    items: Sequence[tuple[str, Unit | None, Mapping[str, Any], dt.datetime]],  # JSON answers
    *,
    batch: int = 2000,
) -> int:
    """Submitted responses in bulk (history imported from paper, the demo, the benchmark).

    Each `(respondent_key, unit, answers, submitted_at)` is checked against the
    current version like a submit; the unique constraint still holds.
    """
    version = current_version(survey)
    done = 0
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        rows: list[Response] = []
        cleaned: list[dict[str, Any]] = []
        for key, unit, answers, at in chunk:
            clean, errors = clean_answers(version.definition, answers)
            if errors:
                raise SurveyError(f"{key}：{next(iter(errors.values()))}", "answers")
            cleaned.append(clean)
            rows.append(
                Response(
                    survey=survey,
                    respondent_key=key,
                    status=Response.Status.SUBMITTED,
                    answers=clean,
                    submitted_at=at,
                    **_response_defaults(survey, version, unit, None, unit.name if unit else ""),
                )
            )
        with transaction.atomic():
            created = Response.objects.bulk_create(rows)
            pairs = [
                (r, answer_rows(version.definition, clean))
                for r, clean in zip(created, cleaned, strict=True)
            ]
            Answer.objects.bulk_create(
                [Answer(survey=survey, response=r, **row) for r, answer in pairs for row in answer],
                batch_size=5000,
            )
            tally_add(survey, pairs)
            Target.objects.filter(
                survey=survey, respondent_key__in=[r.respondent_key for r in created]
            ).update(answered=True)
            Survey.objects.filter(pk=survey.pk).update(
                submitted_count=F("submitted_count") + len(created)
            )
        done += len(created)
    SurveyVersion.objects.filter(pk=version.pk).update(frozen=True)
    survey.refresh_from_db()
    return done


PLACE_FIELDS = ("district_id", "street_id", "community_id", "area_id")


def tally_add(survey: Survey, pairs: Sequence[tuple[Response, list[AnswerRow]]]) -> None:
    """Add submitted answers to the results' counts (in the submit's transaction).

    Each key is an increment by a conditional update, or a new row; a concurrent
    first insert of the same key loses on the unique constraint and updates instead.
    """
    sums: dict[tuple[str, str, str, str], list[float]] = {}
    places: dict[str, dict[str, int | None]] = {}
    for response, rows in pairs:
        ids = {f: getattr(response, f) for f in PLACE_FIELDS}
        place = ":".join(str(ids[f] or "") for f in PLACE_FIELDS)
        places[place] = ids
        seen: set[str] = set()
        for row in rows:
            q = row["question"]
            if q not in seen:
                seen.add(q)
                sums.setdefault((q, "*", "*", place), [0, 0.0])[0] += 1
            if row.get("option"):
                cell = sums.setdefault((q, row.get("row", ""), row["option"], place), [0, 0.0])
                cell[0] += 1
                cell[1] += float(row.get("number") or 0)
    # one order for every transaction: concurrent submits lock the same rows in the same order
    for (q, r, o, place), (n, total) in sorted(sums.items()):
        key = {"survey": survey, "question": q, "row": r, "option": o, "place": place}
        tally_bump(Tally, key, {"n": n, "total": total}, create_with=places[place])
