"""Deadlines over time: reminders, escalation and closing unrated replies (`needs_tick`)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.needs import workdays
from lianjian.needs.models import (
    AWAITING_REPLY,
    Need,
    Status,
    StreetSettings,
)
from lianjian.needs.services import clock
from lianjian.needs.services.notifications import (
    _handlers,
    _link,
    _street_staff,
    notify_users,
)
from lianjian.needs.services.transitions import (
    _event,
    _transition,
)

logger = logging.getLogger("lianjian.needs")


def needs_tick(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind handlers one working day before the deadline; escalate overdue needs to the street.

    Idempotent: `reminded_at` / `escalated_at` mark what was already sent.
    """
    now = now or clock.now()
    today = workdays.local_date(now)
    counts = {"reminded": 0, "escalated": 0, "closed": 0}
    settings_by_street = {s.street_id: s for s in StreetSettings.objects.all()}
    candidates = Need.objects.filter(status__in=AWAITING_REPLY, deadline__isnull=False).filter(
        Q(reminded_at__isnull=True, deadline__gte=now)
        | Q(escalated_at__isnull=True, deadline__lt=now)
    )
    fields = ("pk", "district_id", "street_id", "deadline", "reminded_at", "escalated_at")
    for need in candidates.only(*fields):
        rule = settings_by_street.get(need.street_id or 0)
        assert need.deadline is not None
        due = workdays.local_date(need.deadline)
        if need.deadline >= now:
            before = rule.remind_before_workdays if rule else 1
            if today >= workdays.subtract_workdays(due, before, workdays.Place.of(need)):
                counts["reminded"] += _mark(need.pk, "remind", now)
        else:
            after = rule.escalate_after_workdays if rule else 0
            if after == 0 or today > workdays.add_workdays(due, after - 1, workdays.Place.of(need)):
                counts["escalated"] += _mark(need.pk, "escalate", now)
    counts["closed"] = _autoclose_unrated(now, settings_by_street)
    return counts


def _autoclose_unrated(now: dt.datetime, settings_by_street: dict[int, StreetSettings]) -> int:
    """Close replied needs left unrated for the street's number of working days (0 = never).

    A reply on day D with N days is closed once the N-th working day after D
    has ended. A rating that lands first wins: the close re-checks under the lock.
    """
    today = workdays.local_date(now)
    closed = 0
    replied = Need.objects.filter(status=Status.REPLIED, replied_at__isnull=False)
    days_by_street = {k: s.autoclose_after_workdays for k, s in settings_by_street.items()}
    default = StreetSettings._meta.get_field("autoclose_after_workdays").default
    rows = replied.values_list("pk", "district_id", "street_id", "replied_at")
    for need_id, district_id, street_id, replied_at in rows:
        days = days_by_street.get(street_id or 0, default)
        if not days or replied_at is None:
            continue
        place = workdays.Place(district_id, street_id)
        if today > workdays.add_workdays(workdays.local_date(replied_at), days, place):
            closed += _autoclose(need_id, days)
    return closed


@transaction.atomic
def _autoclose(need_id: int, days: int) -> int:
    need = Need.objects.select_for_update().filter(pk=need_id, status=Status.REPLIED).first()
    if need is None:
        return 0
    _transition(
        need_id,
        "close",
        actor=None,
        expected_version=None,
        note=f"答复后 {days} 个工作日未评价，系统自动办结",
        check_actor=False,
    )
    return 1


@transaction.atomic
def _mark(need_id: int, action: str, now: dt.datetime) -> int:
    field = "reminded_at" if action == "remind" else "escalated_at"
    need = (
        Need.objects.select_for_update()
        .filter(pk=need_id, status__in=AWAITING_REPLY, **{field + "__isnull": True})
        .first()
    )
    if need is None:
        return 0
    Need.objects.filter(pk=need_id).update(**{field: now})
    setattr(need, field, now)
    deadline = timezone.localtime(need.deadline) if need.deadline else None
    _event(need, action, need.status, None, "")
    if action == "remind":
        notify_users(
            _handlers(need.department_id),
            "需求即将到期",
            f"请于 {deadline:%Y-%m-%d} 前答复：{need.text[:60]}",
            _link(need),
        )
    else:
        notify_users(
            _street_staff(need),
            "需求逾期未答复（升级）",
            f"期限 {deadline:%Y-%m-%d}：{need.text[:60]}",
            _link(need),
        )
    audit_record(f"need.{action}", obj=need, scope=f"street:{need.street_id}")
    return 1
