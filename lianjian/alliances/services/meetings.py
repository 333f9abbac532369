"""Writes on meetings: schedule, hold, cancel, attendance (QR or staff), minutes, files."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.alliances import cadence
from lianjian.alliances.models import AgendaItem, Attendance, Body, Meeting, MeetingAttachment
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import (
    AllianceError,
    actor_or_none,
    body_staff,
    notify_users,
    text,
    token,
    unit_admins,
)
from lianjian.core.attachments import AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.orgs.models import Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

OPEN = (Meeting.Status.SCHEDULED, Meeting.Status.HELD)
HELD = (Meeting.Status.HELD, Meeting.Status.APPROVED)


def _lock(meeting: Meeting) -> Meeting:
    """The meeting row, locked: the status checks below cannot race a concurrent change."""
    return Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)


@transaction.atomic
def meeting_schedule(
    body: Body,
    *,
    title: str,
    scheduled_at: dt.datetime,
    place: str,
    period_start: dt.date | None = None,
    agenda: Sequence[str] = (),
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Meeting:
    """Schedule a meeting for a cadence period (by default the one of its date)."""
    if not body.is_active:
        raise AllianceError("该联席会议已停用", "body", 409)
    title = text(title, "title", "会议名称", 100)
    place = text(place, "place", "会议地点", 200)
    if not isinstance(scheduled_at, dt.datetime):
        raise AllianceError("会议时间无效", "scheduled_at")
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    day = timezone.localtime(scheduled_at).date()
    if day.year < 2000 or day > timezone.localdate() + dt.timedelta(days=730):
        raise AllianceError("会议时间应在 2000 年以后、两年以内", "scheduled_at")
    start = cadence.period_start(period_start or day, body.cadence)
    items = [text(t, "agenda", "议题", 200) for t in agenda if str(t or "").strip()]
    meeting = Meeting.objects.create(
        body=body,
        title=title,
        scheduled_at=scheduled_at,
        place=place,
        period_start=start,
        checkin_token=token(),
        created_by=actor_or_none(actor),
        district_id=body.district_id,
        street_id=body.street_id,
        community_id=body.community_id,
    )
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=meeting, order=i, title=t) for i, t in enumerate(items, start=1)]
    )
    invited = body_member_unit_ids(body, day)
    # a meeting recorded after the fact (a past date) sends no notice
    if day >= timezone.localdate():
        notify_users(
            unit_admins(invited),
            f"会议通知：{title}",
            f"{timezone.localtime(scheduled_at):%Y-%m-%d %H:%M}，{place}",
            f"/alliances/meetings/{meeting.pk}/",
        )
    audit_record("alliance.meeting_schedule", user=actor, request=request, obj=meeting)
    return meeting


@transaction.atomic
def meeting_cancel(
    meeting: Meeting, *, reason: str, actor: User | None = None, request: HttpRequest | None = None
) -> Meeting:
    meeting = _lock(meeting)
    reason = text(reason, "reason", "取消原因", 200)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise AllianceError("只有尚未召开的会议可以取消", "status", 409)
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancel_reason = reason
    meeting.save(update_fields=["status", "cancel_reason", "updated_at"])
    # proposals on its agenda go back to waiting for a meeting
    from lianjian.alliances.services.proposals import proposals_off_agenda

    proposals_off_agenda(meeting, actor=actor)
    audit_record("alliance.meeting_cancel", user=actor, request=request, obj=meeting)
    return meeting


@transaction.atomic
def meeting_hold(
    meeting: Meeting,
    *,
    held_on: dt.date | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Meeting:
    """Mark a meeting held; its agenda's proposals become open for discussion and votes."""
    meeting = _lock(meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise AllianceError("只有已安排的会议可以标记为已召开", "status", 409)
    day = held_on or timezone.localdate()
    if not isinstance(day, dt.date) or day > timezone.localdate():
        raise AllianceError("召开日期不能晚于今天", "held_on")
    if day < meeting.period_start:
        raise AllianceError("召开日期不能早于会议所属周期", "held_on")
    meeting.status = Meeting.Status.HELD
    meeting.held_on = day
    meeting.save(update_fields=["status", "held_on", "updated_at"])
    from lianjian.alliances.services.proposals import proposals_discussed

    proposals_discussed(meeting, actor=actor)
    audit_record("alliance.meeting_hold", user=actor, request=request, obj=meeting)
    return meeting


def _attend(
    meeting: Meeting, unit: Unit, method: str, representative: str, actor: User | None
) -> Attendance:
    if meeting.status not in OPEN:
        raise AllianceError("该会议不能登记到会", "status", 409)
    day = meeting.held_on or timezone.localdate()
    if unit.pk not in body_member_unit_ids(meeting.body, day):
        raise AllianceError("该单位不是本会议的成员单位", "unit")
    representative = text(representative, "representative", "参会代表", 50, required=False)
    try:
        with transaction.atomic():
            row = Attendance.objects.create(
                meeting=meeting,
                unit=unit,
                method=method,
                representative=representative,
                recorded_by=actor_or_none(actor),
            )
    except IntegrityError:
        raise AllianceError("该单位已签到", "unit", 409) from None
    publish(
        "alliances.meeting_attended",
        meeting_id=meeting.pk,
        unit_id=unit.pk,
        body_id=meeting.body_id,
        attended_on=day,
        method=method,
        user_id=getattr(actor, "pk", None),
    )
    return row


@transaction.atomic
def attendance_checkin(
    meeting: Meeting,
    *,
    checkin_token: str,
    unit: Unit,
    representative: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Attendance:
    """A unit's representative scanned the meeting's QR code after signing in."""
    meeting = _lock(meeting)
    if not hmac.compare_digest(str(checkin_token or ""), meeting.checkin_token):
        raise AllianceError("签到码无效，请重新扫码", "token")
    if meeting.status == Meeting.Status.SCHEDULED:
        if timezone.localtime(meeting.scheduled_at).date() != timezone.localdate():
            raise AllianceError("只能在会议当天扫码签到", "token", 409)
    row = _attend(meeting, unit, Attendance.Method.QR, representative, actor)
    audit_record(
        "alliance.checkin", user=actor, request=request, obj=meeting, detail={"unit": unit.pk}
    )
    return row


@transaction.atomic
def attendance_mark(
    meeting: Meeting,
    *,
    unit: Unit,
    representative: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Attendance:
    """Staff record a unit present."""
    meeting = _lock(meeting)
    row = _attend(meeting, unit, Attendance.Method.STAFF, representative, actor)
    audit_record(
        "alliance.attendance", user=actor, request=request, obj=meeting, detail={"unit": unit.pk}
    )
    return row


@transaction.atomic
def minutes_save(
    meeting: Meeting,
    *,
    minutes: str,
    files: Any = (),
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Meeting:
    """Write the minutes and attach photos or PDFs (checked before anything is written)."""
    meeting = _lock(meeting)
    if meeting.status != Meeting.Status.HELD:
        raise AllianceError("只有已召开、纪要未审定的会议可以编写纪要", "status", 409)
    minutes = text(minutes, "minutes", "会议纪要", 20000)
    already = meeting.attachments.count()
    try:
        checked = check_attachments(files, max_files=max(0, 10 - already))
    except AttachmentError as exc:
        raise AllianceError(str(exc), "files") from None
    meeting.minutes = minutes
    meeting.save(update_fields=["minutes", "updated_at"])
    for f in checked:
        row = MeetingAttachment(
            meeting=meeting,
            token=token(),
            extension=f.extension,
            content_type=f.content_type,
            original_name=f.name,
            size=len(f.data),
        )
        row.file.save(f"{row.token}.{f.extension}", ContentFile(f.data), save=False)
        row.save()
    audit_record(
        "alliance.minutes", user=actor, request=request, obj=meeting, detail={"files": len(checked)}
    )
    return meeting


@transaction.atomic
def minutes_approve(
    meeting: Meeting, *, actor: User | None = None, request: HttpRequest | None = None
) -> Meeting:
    meeting = _lock(meeting)
    if meeting.status != Meeting.Status.HELD:
        raise AllianceError("只有已召开的会议可以审定纪要", "status", 409)
    if not meeting.minutes.strip():
        raise AllianceError("请先填写会议纪要", "minutes")
    if meeting.proposals.filter(status="discussed").exists():
        raise AllianceError("还有议案未表决或未决定延期", "status", 409)
    meeting.status = Meeting.Status.APPROVED
    meeting.save(update_fields=["status", "updated_at"])
    notify_users(
        body_staff(meeting.body),
        f"会议纪要已审定：{meeting.title}",
        link=f"/alliances/meetings/{meeting.pk}/",
    )
    audit_record("alliance.minutes_approve", user=actor, request=request, obj=meeting)
    return meeting


@transaction.atomic
def agenda_add(meeting: Meeting, *, title: str, actor: User | None = None) -> AgendaItem:
    meeting = _lock(meeting)
    if meeting.status != Meeting.Status.SCHEDULED:
        raise AllianceError("只有尚未召开的会议可以增加议题", "status", 409)
    title = text(title, "title", "议题", 200)
    order = meeting.agenda.count() + 1
    return AgendaItem.objects.create(meeting=meeting, order=order, title=title)
