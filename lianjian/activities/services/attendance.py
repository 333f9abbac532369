"""QR check-in and attendance; each attendance opens a pending hours record.

The event's code is an opaque token, valid from `CHECKIN_BEFORE` the start to
`CHECKIN_AFTER` the end, once per volunteer (a unique constraint); an
organizer may instead scan the volunteer's personal code. An event with a
capacity admits only those holding a place when they scan its code.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from lianjian.activities import events as domain_events
from lianjian.activities.models import Attendance, Event, HoursRecord, Signup, Volunteer
from lianjian.activities.services.common import (
    CHECKIN_AFTER,
    CHECKIN_BEFORE,
    ActivityError,
    copy_scope,
    duration_hours,
)
from lianjian.core.audit import audit_record
from lianjian.core.events import publish

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def checkin_window(event: Event) -> tuple[dt.datetime, dt.datetime]:

    return event.starts_at - CHECKIN_BEFORE, event.ends_at + CHECKIN_AFTER


def _check_window(event: Event) -> None:
    opens, closes = checkin_window(event)
    now = timezone.now()
    if now < opens:
        raise ActivityError(f"签到将于 {timezone.localtime(opens):%m-%d %H:%M} 开始", "token", 409)
    if now > closes:
        raise ActivityError("签到已结束", "token", 409)


@transaction.atomic
def _attend(event: Event, volunteer: Volunteer, method: str, actor: User | None) -> Attendance:
    if event.status not in (Event.Status.PUBLISHED, Event.Status.DONE):
        raise ActivityError(f"活动当前为“{event.get_status_display()}”，不能签到", status=409)
    if volunteer.withdrawn_at is not None:
        raise ActivityError("该志愿者已撤回同意，不能签到", "volunteer", 409)
    if Attendance.objects.filter(event=event, volunteer=volunteer).exists():
        raise ActivityError("已签到，无需重复签到", "token", 409)
    now = timezone.now()
    try:
        with transaction.atomic():
            row = Attendance.objects.create(
                event=event,
                volunteer=volunteer,
                method=method,
                at=now,
                by=actor if getattr(actor, "pk", None) else None,
                **copy_scope(event),
            )
    except IntegrityError:
        raise ActivityError("已签到，无需重复签到", "token", 409) from None
    hours = duration_hours(event.starts_at, event.ends_at)
    on = timezone.localdate(event.starts_at)
    HoursRecord.objects.create(
        volunteer=volunteer,
        attendance=row,
        event=event,
        team=event.organizer_team,
        on=on,
        hours=hours,
        description=event.title[:200],
        **copy_scope(volunteer),
    )
    audit_record(
        "activity.checked_in",
        user=actor,
        obj=row,
        detail={"event": event.pk, "method": method},
    )
    if event.kind == "lecture":
        from lianjian.activities.services.school import lesson_complete_on_checkin

        lesson_complete_on_checkin(event, volunteer)
    publish(
        domain_events.ATTENDANCE_CONFIRMED,
        attendance_id=row.pk,
        event_id=event.pk,
        event_kind=event.kind,
        member_id=volunteer.member_id,
        community_id=volunteer.community_id,
        hours=hours,
        on=on,
    )
    return row


def checkin_by_token(checkin_token: str, volunteer: Volunteer, *, actor: User | None) -> Attendance:
    """A signed-in volunteer scanned the event's code."""
    checkin_token = str(checkin_token or "")[:64]
    event = Event.objects.filter(checkin_token=checkin_token).first()
    if event is None or not hmac.compare_digest(checkin_token, event.checkin_token):
        raise ActivityError("签到码无效，请重新扫码", "token", 404)
    _check_window(event)
    if (
        event.capacity is not None
        and not Signup.objects.filter(
            event=event, volunteer=volunteer, status=Signup.Status.CONFIRMED
        ).exists()
    ):
        raise ActivityError("本活动限额报名，您没有报名名额，请联系组织者", "token", 409)
    return _attend(event, volunteer, Attendance.Method.QR, actor)


def checkin_by_scan(event: Event, qr_token: str, *, actor: User | None) -> Attendance:
    """An organizer scanned a volunteer's personal code (walk-ins admitted)."""
    volunteer = Volunteer.objects.filter(qr_token=str(qr_token or "")[:64]).first()
    if volunteer is None:
        raise ActivityError("个人码无效：请让志愿者重新打开“我的二维码”", "qr_token", 400)
    _check_window(event)
    return _attend(event, volunteer, Attendance.Method.SCAN, actor)


def checkin_by_staff(event: Event, volunteer: Volunteer, *, actor: User) -> Attendance:
    """An organizer records attendance afterwards (paper sign-in sheet)."""
    if timezone.now() < event.starts_at - CHECKIN_BEFORE:
        raise ActivityError("活动尚未开始，不能补录签到", status=409)
    return _attend(event, volunteer, Attendance.Method.STAFF, actor)
