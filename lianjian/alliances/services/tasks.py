"""Follow-up tasks of resolutions: assign, report progress, done, verify or send back;
and the daily tick (overdue escalation, cadence warnings, renewal reminders)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from lianjian.alliances import cadence
from lianjian.alliances.models import Agreement, Body, Meeting, Resolution, Task, TaskProgress
from lianjian.alliances.services.alliances import body_member_unit_ids
from lianjian.alliances.services.common import (
    AllianceError,
    actor_or_none,
    body_staff,
    date,
    notify_task,
    notify_users,
    region_staff,
    text,
    token,
    unit_admins,
)
from lianjian.core.attachments import AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.events import publish

if TYPE_CHECKING:
    from lianjian.accounts.models import User

K = TaskProgress.Kind


def _lock(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("resolution__body").get(pk=task.pk)


@transaction.atomic
def task_assign(
    resolution: Resolution,
    *,
    title: str,
    due_on: dt.date,
    unit: Any = None,
    department: Any = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Task:
    """A task of a resolution for one member unit (or a department of the needs channel)."""
    resolution = Resolution.objects.select_for_update().select_related("body").get(pk=resolution.pk)
    if resolution.status == Resolution.Status.IMPLEMENTED:
        raise AllianceError("该决议已落实，不能再分派任务", "resolution", 409)
    title = text(title, "title", "任务", 200)
    due_on = date(due_on, "due_on", "完成时限")
    if due_on < resolution.adopted_on:
        raise AllianceError("完成时限不能早于决议通过日期", "due_on")
    if (unit is None) == (department is None):
        raise AllianceError("请选择一个承办单位或承办部门", "unit")
    if unit is not None and unit.pk not in body_member_unit_ids(resolution.body):
        raise AllianceError("承办单位不是该联席会议的成员单位", "unit")
    task = Task.objects.create(
        resolution=resolution,
        title=title,
        unit=unit,
        department=department,
        due_on=due_on,
        district_id=resolution.district_id,
        street_id=resolution.street_id,
        community_id=resolution.community_id,
    )
    if unit is not None:
        notify_task(
            unit_admins([unit.pk]),
            f"新的落实任务：{title}",
            f"完成时限 {due_on:%Y-%m-%d}",
            f"/alliances/tasks/{task.pk}/",
        )
    audit_record("alliance.task_assign", user=actor, request=request, obj=task)
    return task


def _entry(task: Task, kind: str, note: str, actor: User | None, files: Any = ()) -> TaskProgress:
    try:
        checked = check_attachments(files, max_files=1)
    except AttachmentError as exc:
        raise AllianceError(str(exc), "file") from None
    row = TaskProgress(
        task=task,
        kind=kind,
        percent=task.percent,
        text=note,
        author=actor_or_none(actor),
        at=timezone.now(),
    )
    if checked:
        f = checked[0]
        row.token, row.extension, row.content_type = token(), f.extension, f.content_type
        row.file.save(f"{row.token}.{f.extension}", ContentFile(f.data), save=False)
    row.save()
    return row


@transaction.atomic
def task_report(
    task: Task,
    *,
    percent: int,
    note: str,
    files: Any = (),
    done: bool = False,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Task:
    """The assignee reports progress (percent, text, an optional photo) or that it is done."""
    task = _lock(task)
    if task.status != Task.Status.OPEN:
        raise AllianceError("该任务当前不能报告进展", "status", 409)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise AllianceError("进度应为 0–100 的整数", "percent")
    note = text(note, "text", "进展说明", 2000)
    task.percent = 100 if done else percent
    if done:
        task.status = Task.Status.DONE
        task.done_on = timezone.localdate()
    task.save()
    _entry(task, K.DONE if done else K.PROGRESS, note, actor, files)
    if done:
        notify_task(
            body_staff(task.resolution.body),
            f"任务待核验：{task.title}",
            note[:200],
            f"/alliances/tasks/{task.pk}/",
        )
    audit_record(
        "alliance.task_report",
        user=actor,
        request=request,
        obj=task,
        detail={"percent": task.percent, "done": done},
    )
    return task


@transaction.atomic
def task_verify(
    task: Task, *, note: str = "", actor: User | None = None, request: HttpRequest | None = None
) -> Task:
    task = _lock(task)
    if task.status != Task.Status.DONE:
        raise AllianceError("只有报告完成的任务可以核验", "status", 409)
    note = text(note, "text", "核验意见", 2000, required=False) or "核验通过"
    task.status = Task.Status.VERIFIED
    task.verified_on = timezone.localdate()
    task.save()
    _entry(task, K.VERIFIED, note, actor)
    publish(
        "alliances.task_verified",
        task_id=task.pk,
        resolution_id=task.resolution_id,
        unit_id=task.unit_id,
        on_time=bool(task.done_on and task.done_on <= task.due_on),
    )
    resolution = Resolution.objects.select_for_update().get(pk=task.resolution_id)
    if not resolution.tasks.exclude(status=Task.Status.VERIFIED).exists():
        resolution.status = Resolution.Status.IMPLEMENTED
        resolution.implemented_on = task.verified_on
        resolution.save(update_fields=["status", "implemented_on", "updated_at"])
        publish(
            "alliances.resolution_implemented",
            resolution_id=resolution.pk,
            body_id=resolution.body_id,
            implemented_on=resolution.implemented_on,
        )
    audit_record("alliance.task_verify", user=actor, request=request, obj=task)
    return task


@transaction.atomic
def task_send_back(
    task: Task, *, note: str, actor: User | None = None, request: HttpRequest | None = None
) -> Task:
    task = _lock(task)
    if task.status != Task.Status.DONE:
        raise AllianceError("只有报告完成的任务可以退回", "status", 409)
    note = text(note, "text", "退回原因", 2000)
    task.status = Task.Status.OPEN
    task.done_on = None
    task.save()
    _entry(task, K.SENT_BACK, note, actor)
    if task.unit_id:
        notify_task(
            unit_admins([task.unit_id]),
            f"任务被退回：{task.title}",
            note[:200],
            f"/alliances/tasks/{task.pk}/",
        )
    audit_record("alliance.task_send_back", user=actor, request=request, obj=task)
    return task


# ---------------------------------------------------------------- the daily tick


def tasks_escalate(now: dt.datetime | None = None) -> int:
    """Overdue tasks (open past their due date) escalate once to the body's staff."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    count = 0
    overdue = Task.objects.filter(
        status=Task.Status.OPEN, due_on__lt=today, escalated_at__isnull=True
    ).select_related("resolution__body")
    for task in overdue[:500]:
        with transaction.atomic():
            if not Task.objects.filter(pk=task.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            users = body_staff(task.resolution.body) + unit_admins([task.unit_id or 0])
            notify_task(
                users,
                f"任务逾期：{task.title}",
                f"完成时限 {task.due_on:%Y-%m-%d}，当前进度 {task.percent}%",
                f"/alliances/tasks/{task.pk}/",
            )
            count += 1
    return count


def cadence_warn(today: dt.date | None = None) -> int:
    """Bodies that have not met in a period ending within `WARN_DAYS` days: warn their staff.

    Runs daily; each body is warned once per period (a warning is a notification
    row whose link names the body and the period).
    """
    from lianjian.core.models import Notification

    day = today or timezone.localdate()
    warned = 0
    for body in Body.objects.filter(is_active=True):
        start = cadence.period_start(day, body.cadence)
        if not cadence.needs_warning(start, day, body.cadence):
            continue
        held = Meeting.objects.filter(
            body=body, period_start=start, status__in=(Meeting.Status.HELD, Meeting.Status.APPROVED)
        ).exists()
        if held:
            continue
        link = f"/alliances/bodies/{body.pk}/?period={start:%Y-%m-%d}"
        if Notification.objects.filter(kind="alliances.cadence", link=link).exists():
            continue
        label = cadence.period_label(start, body.cadence)
        end = cadence.period_end(start, body.cadence)
        from lianjian.core.notifications import notify

        notify(
            body_staff(body),
            f"{body.name}{label}尚未召开",
            f"本期截止 {end:%Y-%m-%d}，请及时安排会议",
            link,
            kind="alliances.cadence",
        )
        warned += 1
    return warned


def agreements_remind(today: dt.date | None = None, days: int = 60) -> int:
    """Agreements whose term ends within `days` days: remind the community's staff once."""
    day = today or timezone.localdate()
    count = 0
    due = Agreement.objects.filter(
        ends_on__gte=day, ends_on__lte=day + dt.timedelta(days=days), reminded_at__isnull=True
    ).select_related("unit")
    for agreement in due[:500]:
        with transaction.atomic():
            if not Agreement.objects.filter(pk=agreement.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                continue
            notify_users(
                region_staff([agreement.region_id, agreement.street_id]),
                f"共建协议即将到期：{agreement.unit.name}",
                f"期限止 {agreement.ends_on:%Y-%m-%d}，请商议续签",
                f"/alliances/agreements/{agreement.pk}/",
            )
            count += 1
    return count


def alliances_tick(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "escalated": tasks_escalate(now),
        "warned": cadence_warn(today),
        "reminded": agreements_remind(today),
    }


def tasks_overdue_q(today: dt.date) -> Q:
    return Q(status=Task.Status.OPEN, due_on__lt=today)
