"""Writes on the job board: postings and their review, resumes and consent, applications.

Callers fetch rows through `jobs.access` first (404 outside scope); these
functions check the business rules, write in one transaction with the audit
row, notify the people concerned, and raise `JobError(message_zh, field)`
with nothing written when the input is wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.core.identifiers import clean_mobile, error_message
from lianjian.core.notifications import notify
from lianjian.jobs.models import (
    Application,
    ApplicationEvent,
    Category,
    Education,
    Posting,
    Resume,
)
from lianjian.orgs.models import Region, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

# the text a resident agrees to when letting employers find the resume (S16)
CONSENT_VERSION = "2026-12"
CONSENT_TEXT = (
    "我同意本社区审核通过的简历可被辖区内登记企业的招聘人员查找；联系方式仅在我投递该企业岗位后可见。"
    "我可以随时撤回同意，撤回后简历立即对所有企业隐藏。"
)
MAX_PAY = 1_000_000
LONGEST_OPENING_DAYS = 366

# who may move an application to which stage (the recruiter; the resident only withdraws)
RECRUITER_MOVES: Mapping[str, frozenset[str]] = {
    Application.Stage.APPLIED: frozenset({"viewed", "interview", "declined"}),
    Application.Stage.VIEWED: frozenset({"interview", "offer", "declined"}),
    Application.Stage.INTERVIEW: frozenset({"offer", "declined"}),
    Application.Stage.OFFER: frozenset({"hired", "declined"}),
}
OPEN_STAGES = frozenset(RECRUITER_MOVES)


class JobError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _text(data: Mapping[str, Any], field: str, label: str, max_len: int, required: bool) -> str:
    text = str(data.get(field) or "").strip()
    if required and not text:
        raise JobError(f"请填写{label}", field)
    if len(text) > max_len:
        raise JobError(f"{label}不能超过 {max_len} 字", field)
    return text


def _number(
    data: Mapping[str, Any], field: str, label: str, low: int, high: int, required: bool = True
) -> int | None:
    raw = data.get(field)
    if raw in (None, ""):
        if required:
            raise JobError(f"请填写{label}", field)
        return None
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise JobError(f"{label}应为整数", field) from None
    if not low <= value <= high:
        raise JobError(f"{label}应在 {low}–{high} 之间", field)
    return value


def _choice(data: Mapping[str, Any], field: str, label: str, choices: Any, default: str) -> str:
    value = str(data.get(field) or default)
    if value not in choices.values:
        raise JobError(f"{label}无效", field)
    return value


def _phone(data: Mapping[str, Any], field: str) -> str:
    raw = str(data.get(field) or "").strip()
    if not raw:
        raise JobError("请填写联系电话", field)
    try:
        return clean_mobile(raw)
    except ValidationError as exc:
        raise JobError(error_message(exc), field) from None


# ---------------------------------------------------------------- postings


def _posting_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    today = timezone.localdate()
    expires_on = data.get("expires_on")
    if isinstance(expires_on, str) and expires_on.strip():
        try:
            expires_on = dt.date.fromisoformat(expires_on.strip())
        except ValueError:
            raise JobError("截止日期格式应为 YYYY-MM-DD", "expires_on") from None
    if not isinstance(expires_on, dt.date):
        raise JobError("请填写截止日期", "expires_on")
    if expires_on < today:
        raise JobError("截止日期不能早于今天", "expires_on")
    if expires_on > today + dt.timedelta(days=LONGEST_OPENING_DAYS):
        raise JobError("截止日期不能晚于一年以后", "expires_on")
    pay_min = _number(data, "pay_min", "月薪下限", 0, MAX_PAY)
    pay_max = _number(data, "pay_max", "月薪上限", 0, MAX_PAY)
    assert pay_min is not None and pay_max is not None
    if pay_min > pay_max:
        raise JobError("月薪下限不能高于上限", "pay_max")
    age_min = _number(data, "age_min", "年龄下限", 16, 70, required=False)
    age_max = _number(data, "age_max", "年龄上限", 16, 70, required=False)
    if age_min is not None and age_max is not None and age_min > age_max:
        raise JobError("年龄下限不能高于上限", "age_max")
    return {
        "title": _text(data, "title", "岗位名称", 100, True),
        "description": _text(data, "description", "岗位描述", 5000, True),
        "category": _choice(data, "category", "岗位类别", Category, ""),
        "openings": _number(data, "openings", "招聘人数", 1, 10_000),
        "pay_min": pay_min,
        "pay_max": pay_max,
        "hours": _text(data, "hours", "工作时间", 100, False),
        "education": _choice(data, "education", "学历要求", Education, Education.ANY),
        "skills": _text(data, "skills", "技能要求", 300, False),
        "age_min": age_min,
        "age_max": age_max,
        "contact_name": _text(data, "contact_name", "联系人", 50, True),
        "contact_phone": _phone(data, "contact_phone"),
        "expires_on": expires_on,
        "urgent": bool(data.get("urgent")),
    }


def _copy_location(row: Any, source: Any) -> None:
    for name in ("district_id", "street_id", "community_id", "area_id"):
        setattr(row, name, getattr(source, name))


@transaction.atomic
def posting_save(
    *, actor: User, unit: Unit | None, data: Mapping[str, Any], posting: Posting | None = None
) -> Posting:
    """Create or edit a posting of `unit`; an approved one goes back to review when edited."""
    if unit is None:
        raise JobError("您的账号未关联招聘企业，请联系社区工作人员", "unit")
    if not unit.is_active:
        raise JobError("该企业已注销，不能发布岗位", "unit")
    fields = _posting_fields(data)
    if posting is None:
        posting = Posting(unit=unit, created_by=actor)
        _copy_location(posting, unit)
    elif posting.status in (Posting.Status.EXPIRED, Posting.Status.WITHDRAWN):
        raise JobError("已过期或撤下的岗位不能再修改，请新建岗位")
    elif posting.status == Posting.Status.APPROVED:
        posting.status = Posting.Status.SUBMITTED  # a changed text is reviewed again
    for name, value in fields.items():
        setattr(posting, name, value)
    posting.terms = ""  # the matching task tokenizes the new text
    posting.save()
    audit_record(
        "jobs.posting_saved",
        user=actor,
        object_type="jobs.posting",
        object_id=str(posting.pk),
        detail={"status": posting.status},
    )
    return posting


@transaction.atomic
def posting_submit(posting: Posting, *, actor: User) -> Posting:
    posting = Posting.objects.select_for_update().get(pk=posting.pk)
    if posting.status not in (Posting.Status.DRAFT, Posting.Status.RETURNED):
        raise JobError(f"岗位当前为“{posting.get_status_display()}”，不能提交审核")
    if posting.expires_on < timezone.localdate():
        raise JobError("截止日期已过，请先修改截止日期", "expires_on")
    posting.status = Posting.Status.SUBMITTED
    posting.save(update_fields=["status", "updated_at"])
    audit_record(
        "jobs.posting_submitted", user=actor, object_type="jobs.posting", object_id=str(posting.pk)
    )
    return posting


@transaction.atomic
def posting_review(posting: Posting, *, actor: User, approve: bool, comment: str = "") -> Posting:
    """The community approves (the posting goes live) or returns it with a comment."""
    posting = Posting.objects.select_for_update().get(pk=posting.pk)
    if posting.status != Posting.Status.SUBMITTED:
        raise JobError(f"岗位当前为“{posting.get_status_display()}”，不在待审核状态")
    comment = comment.strip()
    if not approve and not comment:
        raise JobError("退回时请写明审核意见", "comment")
    if len(comment) > 500:
        raise JobError("审核意见不能超过 500 字", "comment")
    now = timezone.now()
    posting.status = Posting.Status.APPROVED if approve else Posting.Status.RETURNED
    posting.review_comment = comment
    posting.reviewed_by = actor
    posting.reviewed_at = now
    if approve and posting.published_at is None:
        posting.published_at = now
    posting.save()
    audit_record(
        "jobs.posting_reviewed",
        user=actor,
        object_type="jobs.posting",
        object_id=str(posting.pk),
        detail={"approved": approve},
    )
    if posting.created_by is not None:
        verdict = "已通过审核，开始招聘" if approve else f"被退回：{comment}"
        notify(
            [posting.created_by],
            f"岗位“{posting.title}”{verdict}",
            link=f"/jobs/postings/{posting.pk}/",
            kind="jobs.posting_reviewed",
        )
    if approve:
        from lianjian.jobs.tasks import match_posting_task

        transaction.on_commit(lambda: match_posting_task.enqueue(posting.pk))
    return posting


@transaction.atomic
def posting_close(posting: Posting, *, actor: User, status: str) -> Posting:
    """The recruiter withdraws the posting or marks it filled; residents no longer see it."""
    if status not in (Posting.Status.WITHDRAWN, Posting.Status.FILLED):
        raise JobError("只能撤下岗位或标记为已招满", "status")
    posting = Posting.objects.select_for_update().get(pk=posting.pk)
    if posting.status in (Posting.Status.EXPIRED, Posting.Status.WITHDRAWN, Posting.Status.FILLED):
        raise JobError(f"岗位已是“{posting.get_status_display()}”")
    posting.status = status
    posting.save(update_fields=["status", "updated_at"])
    audit_record(
        "jobs.posting_closed",
        user=actor,
        object_type="jobs.posting",
        object_id=str(posting.pk),
        detail={"status": status},
    )
    return posting


def expire_postings(today: dt.date | None = None) -> int:
    """Close every live or pending posting past its date (the background tick calls this)."""
    today = today or timezone.localdate()
    return Posting.objects.filter(
        status__in=[Posting.Status.APPROVED, Posting.Status.SUBMITTED, Posting.Status.DRAFT],
        expires_on__lt=today,
    ).update(status=Posting.Status.EXPIRED, updated_at=timezone.now())


# ---------------------------------------------------------------- resumes


@transaction.atomic
def resume_save(
    *,
    actor: User,
    region: Region,
    data: Mapping[str, Any],
    user: User | None = None,
    resume: Resume | None = None,
) -> Resume:
    """A resident writes their resume (or community staff for a resident without an account).

    A changed resume goes back to the community's review before employers see it again.
    """
    if region.level != Region.Level.COMMUNITY:
        raise JobError("请选择所在社区", "region")
    this_year = timezone.localdate().year
    fields = {
        "name": _text(data, "name", "姓名", 50, True),
        "phone": _phone(data, "phone"),
        "birth_year": _number(
            data, "birth_year", "出生年份", this_year - 70, this_year - 16, required=False
        ),
        "education": _choice(data, "education", "学历", Education, Education.ANY),
        "skills": _text(data, "skills", "技能", 300, False),
        "experience": _text(data, "experience", "工作经历", 3000, False),
        "wanted_category": _choice(data, "wanted_category", "期望岗位", Category, ""),
        "wanted_pay": _number(data, "wanted_pay", "期望月薪", 0, MAX_PAY, required=False) or 0,
    }
    if resume is None:
        if user is not None and Resume.objects.filter(user=user).exists():
            raise JobError("您已有一份简历，请直接修改")
        resume = Resume(user=user, created_by=actor)
    resume.region = region
    for name, place in region.ancestor_ids().items():
        setattr(resume, name, place)
    for name, value in fields.items():
        setattr(resume, name, value)
    resume.status = Resume.Status.SUBMITTED
    resume.terms = ""  # the matching task tokenizes the new text
    resume.save()
    audit_record(
        "jobs.resume_saved", user=actor, object_type="jobs.resume", object_id=str(resume.pk)
    )
    from lianjian.jobs.tasks import match_resume_task

    transaction.on_commit(lambda: match_resume_task.enqueue(resume.pk))
    return resume


@transaction.atomic
def resume_review(resume: Resume, *, actor: User, approve: bool, comment: str = "") -> Resume:
    resume = Resume.objects.select_for_update().get(pk=resume.pk)
    if resume.status != Resume.Status.SUBMITTED:
        raise JobError(f"简历当前为“{resume.get_status_display()}”，不在待审核状态")
    comment = comment.strip()
    if not approve and not comment:
        raise JobError("退回时请写明审核意见", "comment")
    resume.status = Resume.Status.APPROVED if approve else Resume.Status.RETURNED
    resume.review_comment = comment[:500]
    resume.reviewed_by = actor
    resume.reviewed_at = timezone.now()
    resume.save()
    audit_record(
        "jobs.resume_reviewed",
        user=actor,
        object_type="jobs.resume",
        object_id=str(resume.pk),
        detail={"approved": approve},
    )
    if resume.user is not None:
        verdict = "已通过社区审核，可以投递岗位" if approve else f"被社区退回：{comment}"
        notify(
            [resume.user], f"您的简历{verdict}", link="/jobs/resume/", kind="jobs.resume_reviewed"
        )
    return resume


@transaction.atomic
def resume_set_discoverable(resume: Resume, *, actor: User, discoverable: bool) -> Resume:
    """Give or withdraw the consent to be found by employers (S16); withdrawal hides it at once."""
    resume = Resume.objects.select_for_update().get(pk=resume.pk)
    now = timezone.now()
    if discoverable:
        resume.consent_version = CONSENT_VERSION
        resume.consent_at = now
        resume.consent_withdrawn_at = None
    elif resume.discoverable:
        resume.consent_withdrawn_at = now
    resume.discoverable = discoverable
    resume.save()  # employers' suggestion lists show only discoverable resumes (selectors)
    audit_record(
        "jobs.resume_consent",
        user=actor,
        object_type="jobs.resume",
        object_id=str(resume.pk),
        detail={"discoverable": discoverable, "version": CONSENT_VERSION},
    )
    return resume


@transaction.atomic
def resume_withdraw(resume: Resume, *, actor: User) -> Resume:
    """The resident takes the resume back: no employer sees it, open applications end."""
    resume = Resume.objects.select_for_update().get(pk=resume.pk)
    resume.status = Resume.Status.WITHDRAWN
    if resume.discoverable:
        resume.discoverable = False
        resume.consent_withdrawn_at = timezone.now()
    resume.save()
    resume.matches.all().delete()
    for application in resume.applications.filter(stage__in=OPEN_STAGES):
        _move(application, Application.Stage.WITHDRAWN, actor, "简历已撤回")
    audit_record(
        "jobs.resume_withdrawn", user=actor, object_type="jobs.resume", object_id=str(resume.pk)
    )
    return resume


# ---------------------------------------------------------------- applications


@transaction.atomic
def apply(*, resume: Resume, posting: Posting, actor: User, note: str = "") -> Application:
    """Apply once to a live posting with an approved resume; the recruiter is told."""
    if resume.status != Resume.Status.APPROVED:
        raise JobError("简历通过社区审核后才能投递")
    posting = Posting.objects.select_for_update().get(pk=posting.pk)
    if posting.status != Posting.Status.APPROVED or posting.expires_on < timezone.localdate():
        raise JobError("该岗位已停止招聘")
    if len(note.strip()) > 300:
        raise JobError("留言不能超过 300 字", "note")
    application = Application(
        posting=posting, resume=resume, unit_id=posting.unit_id, note=note.strip()
    )
    _copy_location(application, posting)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise JobError("您已投递过该岗位") from None
    ApplicationEvent.objects.create(application=application, stage=application.stage, by=actor)
    audit_record(
        "jobs.applied", user=actor, object_type="jobs.application", object_id=str(application.pk)
    )
    if posting.created_by is not None:
        notify(
            [posting.created_by],
            f"岗位“{posting.title}”收到新的求职申请",
            link=f"/jobs/applications/{application.pk}/",
            kind="jobs.application_new",
        )
    return application


def _move(application: Application, stage: str, actor: User, note: str = "") -> Application:
    application.stage = stage
    if stage == Application.Stage.HIRED and application.hired_on is None:
        application.hired_on = timezone.localdate()
    application.save(update_fields=["stage", "hired_on", "updated_at"])
    ApplicationEvent.objects.create(application=application, stage=stage, by=actor, note=note[:300])
    resident = application.resume.user
    if resident is not None and resident != actor:
        notify(
            [resident],
            f"您投递的“{application.posting.title}”：{application.get_stage_display()}",
            body=note,
            link=f"/jobs/mine/{application.pk}/",
            kind="jobs.application_stage",
        )
    return application


@transaction.atomic
def application_move(
    application: Application,
    *,
    actor: User,
    stage: str,
    note: str = "",
    hired_on: dt.date | None = None,
) -> Application:
    """The recruiter moves an application one step along RECRUITER_MOVES."""
    application = (
        Application.objects.select_for_update()
        .select_related("posting", "resume")
        .get(pk=application.pk)
    )
    allowed = RECRUITER_MOVES.get(application.stage, frozenset())
    if stage not in allowed:
        current = application.get_stage_display()
        target = dict(Application.Stage.choices).get(stage, stage)
        raise JobError(f"申请当前为“{current}”，不能改为“{target}”", "stage")
    if hired_on is not None:
        if hired_on > timezone.localdate():
            raise JobError("入职日期不能晚于今天", "hired_on")
        application.hired_on = hired_on
    _move(application, stage, actor, note.strip())
    audit_record(
        "jobs.application_moved",
        user=actor,
        object_type="jobs.application",
        object_id=str(application.pk),
        detail={"stage": stage},
    )
    if stage == Application.Stage.HIRED:
        publish(
            "jobs.hired",
            application_id=application.pk,
            unit_id=application.unit_id,
            resident_user_id=application.resume.user_id,
            hired_on=application.hired_on,
        )
    return application


def application_mark_viewed(application: Application, *, actor: User) -> Application:
    """Opening a new application moves it to 已查看, so the resident knows it was read."""
    if application.stage == Application.Stage.APPLIED:
        with transaction.atomic():
            _move(application, Application.Stage.VIEWED, actor)
    return application


@transaction.atomic
def application_withdraw(application: Application, *, actor: User) -> Application:
    application = (
        Application.objects.select_for_update()
        .select_related("posting", "resume")
        .get(pk=application.pk)
    )
    if application.stage not in OPEN_STAGES:
        raise JobError(f"申请已是“{application.get_stage_display()}”，不能撤回")
    _move(application, Application.Stage.WITHDRAWN, actor)
    audit_record(
        "jobs.application_withdrawn",
        user=actor,
        object_type="jobs.application",
        object_id=str(application.pk),
    )
    return application
