"""Service hours: self-logged hours, adjustment and verification (pending/verified/rejected)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from lianjian.activities import access
from lianjian.activities import events as domain_events
from lianjian.activities.models import HoursRecord, Team, Volunteer
from lianjian.activities.services.common import (
    LOG_WINDOW,
    ActivityError,
    copy_scope,
    round_hours,
    text,
)
from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.core.notifications import notify

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@transaction.atomic
def hours_log(
    volunteer: Volunteer,
    *,
    on: dt.date,
    hours: object,
    description: str,
    team: Team | None = None,
    actor: User | None = None,
) -> HoursRecord:
    """A volunteer logs service done outside an event; it waits for verification."""
    if volunteer.withdrawn_at is not None:
        raise ActivityError("您已撤回参加志愿服务的同意，不能登记时长", "volunteer", 409)
    today = timezone.localdate()
    if not isinstance(on, dt.date):
        raise ActivityError("服务日期格式应为 YYYY-MM-DD", "on")
    if on > today:
        raise ActivityError("服务日期不能晚于今天", "on")
    if on < today - LOG_WINDOW:
        raise ActivityError(f"只能登记 {LOG_WINDOW.days} 天内的服务", "on")
    if (
        team is not None
        and not team.memberships.filter(volunteer=volunteer, left_on__isnull=True).exists()
    ):
        raise ActivityError("您不是该队伍的队员", "team")
    record = HoursRecord.objects.create(
        volunteer=volunteer,
        team=team,
        on=on,
        hours=round_hours(hours),
        description=text(description, "服务内容", "description", 200),
        **copy_scope(volunteer),
    )
    audit_record("activity.hours_logged", user=actor, obj=record, detail={"hours": record.hours})
    return record


def _locked_pending(record: HoursRecord) -> HoursRecord:
    record = HoursRecord.objects.select_for_update().get(pk=record.pk)
    if record.status != HoursRecord.Status.PENDING:
        raise ActivityError(f"该记录已{record.get_status_display()}，不能再修改", status=409)
    return record


@transaction.atomic
def hours_adjust(record: HoursRecord, *, hours: object, actor: User) -> HoursRecord:
    record = _locked_pending(record)
    old = record.hours
    record.hours = round_hours(hours)
    record.save(update_fields=["hours", "updated_at"])
    audit_record(
        "activity.hours_adjusted", user=actor, obj=record, detail={"from": old, "to": record.hours}
    )
    return record


@transaction.atomic
def hours_verify(
    record: HoursRecord,
    *,
    actor: User | None,
    approve: bool,
    reason: str = "",
    hours: object = None,
) -> HoursRecord:
    """The organizer in scope or the team's leader (`access.hours_verifiable_by`) decides;
    a system actor (None: demo, import) is not checked."""
    record = _locked_pending(record)
    if record.volunteer.user_id is not None and record.volunteer.user_id == getattr(
        actor, "pk", None
    ):
        raise ActivityError("不能审核自己的服务时长", status=403)
    if actor is not None and not access.may_verify_hours(actor, record):
        raise ActivityError("未找到该服务时长记录", status=404)
    reason = text(reason, "不通过原因", "reason", 200, required=not approve)
    if hours is not None and hours != "":
        record.hours = round_hours(hours)
    record.status = HoursRecord.Status.VERIFIED if approve else HoursRecord.Status.REJECTED
    record.reason = "" if approve else reason
    record.verified_by = actor if getattr(actor, "pk", None) else None
    record.verified_at = timezone.now()
    record.save()
    audit_record(
        "activity.hours_verified" if approve else "activity.hours_rejected",
        user=actor,
        obj=record,
        detail={"hours": record.hours},
    )
    if approve:
        publish(
            domain_events.HOURS_VERIFIED,
            record_id=record.pk,
            member_id=record.volunteer.member_id,
            community_id=record.community_id,
            hours=record.hours,
            on=record.on,
        )
    user = record.volunteer.user
    if user is not None:
        verdict = f"已认定 {record.hours} 小时" if approve else f"未通过：{reason}"
        notify(
            [user],
            f"服务时长审核：{record.description[:30]}{verdict}",
            link="/activities/me/hours/",
            kind="activities.hours_reviewed",
        )
    return record
