"""The work order's life after intake: dispatch, accept, reply, return, transfer,
reject, merge, close, rating and callbacks; each one `_transition`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.needs import workdays
from lianjian.needs.access import needs_visible_to
from lianjian.needs.models import (
    Callback,
    Category,
    Department,
    Need,
    Rating,
    ServiceItem,
    Status,
    TriageCorrection,
)
from lianjian.needs.services import clock
from lianjian.needs.services.configuration import route_for
from lianjian.needs.services.errors import (
    MAX_TEXT,
    NeedError,
)
from lianjian.needs.services.intake import _schedule_retrain
from lianjian.needs.services.notifications import (
    _dispatcher_users,
    _handlers,
    _link,
    _notify_submitter,
    notify_users,
)
from lianjian.needs.services.transitions import (
    CALLBACK_STATUSES,
    _check_actor,
    _locked,
    _transition,
)

if TYPE_CHECKING:
    from lianjian.accounts.models import User

logger = logging.getLogger("lianjian.needs")


def _same_street(need: Need, obj: Any, what: str) -> None:
    if obj is None or obj.street_id != need.street_id:
        raise NeedError(f"{what}不属于该需求所在街道", what)
    if not getattr(obj, "is_active", True):
        raise NeedError(f"{what}已停用", what)


@transaction.atomic
def need_dispatch(
    need_id: int,
    *,
    actor: User,
    category: Category | None,
    department: Department | None,
    expected_version: int | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Need:
    """Confirm or correct triage, assign a department and set the working-day deadline.

    The final labels are stored as a `TriageCorrection` (training data).
    """
    need = _locked(need_id)
    if need is None:
        raise NeedError("未找到该需求")
    if category is None:
        raise NeedError("请选择需求类别", "category")
    _same_street(need, category, "类别")
    if department is None:
        department = route_for(need.street_id, category) if need.street_id else None
    if department is None:
        raise NeedError("请选择责任部门", "department")
    _same_street(need, department, "部门")
    now = clock.now()
    need = _transition(
        need_id,
        "dispatch",
        actor=actor,
        expected_version=expected_version,
        note=note,
        request=request,
        changes={
            "category": category,
            "department": department,
            "dispatched_at": now,
            "deadline": workdays.deadline_after(
                now, category.deadline_workdays, workdays.Place.of(need)
            ),
            "reminded_at": None,
            "escalated_at": None,
        },
    )
    street_id = need.street_id or category.street_id
    TriageCorrection.objects.create(
        need=need,
        street_id=street_id,
        text=need.text,
        proposed_category_id=need.proposed_category_id,
        proposed_department_id=need.proposed_department_id,
        category=category,
        department=department,
        corrected=(
            need.proposed_category_id != category.pk or need.proposed_department_id != department.pk
        ),
        actor=actor,
    )
    # every confirmed label is training data: retrain once enough have gathered
    transaction.on_commit(lambda: _schedule_retrain(street_id))
    notify_users(
        _handlers(department.pk),
        "新派单需求",
        f"{category.name}：{need.text[:60]}（{timezone.localtime(need.deadline):%m-%d} 前答复）",
        _link(need),
    )
    return need


@transaction.atomic
def need_accept(
    need_id: int,
    *,
    actor: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Need:
    return _transition(
        need_id, "accept", actor=actor, expected_version=expected_version, request=request
    )


@transaction.atomic
def need_reply(
    need_id: int,
    *,
    actor: User,
    reply_text: str,
    service_item: ServiceItem | None = None,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """The department answers; on-time and elapsed time are fixed on the event for statistics."""
    reply_text = (reply_text or "").strip()
    if not reply_text:
        raise NeedError("请填写答复内容", "reply_text")
    if len(reply_text) > MAX_TEXT:
        raise NeedError(f"答复内容不能超过 {MAX_TEXT} 字", "reply_text")
    current = _locked(need_id)
    if current is None:
        raise NeedError("未找到该需求")
    if service_item is not None and service_item.street_id != current.street_id:
        raise NeedError("服务项目不属于该街道", "service_item")
    now = clock.now()
    started = current.dispatched_at or current.created_at
    need = _transition(
        need_id,
        "reply",
        actor=actor,
        expected_version=expected_version,
        note=reply_text,
        request=request,
        changes={"reply_text": reply_text, "replied_at": now, "service_item": service_item},
        event_extra={
            "on_time": current.deadline is None or now <= current.deadline,
            "reply_seconds": max(int((now - started).total_seconds()), 0),
        },
    )
    _notify_submitter(need, "您的需求已答复", f"查询码 {need.tracking_code}：请查看答复并评价。")
    for dup in need.duplicates.all():
        _notify_submitter(dup, "您的需求已答复", f"查询码 {dup.tracking_code}：已随主件答复。")
    return need


@transaction.atomic
def need_return(
    need_id: int,
    *,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Not ours: back to the dispatcher with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise NeedError("退回须说明理由", "reason")
    need = _transition(
        need_id,
        "return",
        actor=actor,
        expected_version=expected_version,
        note=reason,
        request=request,
        changes={"deadline": None, "reminded_at": None, "escalated_at": None},
    )
    notify_users(_dispatcher_users(need), "需求被退回", reason[:100], _link(need))
    return need


@transaction.atomic
def need_transfer(
    need_id: int,
    *,
    actor: User,
    department: Department | None,
    note: str = "",
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Hand over to another department of the street; the deadline keeps running."""
    current = _locked(need_id)
    if current is None:
        raise NeedError("未找到该需求")
    if department is None:
        raise NeedError("请选择转办部门", "department")
    _same_street(current, department, "部门")
    if department.pk == current.department_id:
        raise NeedError("转办部门与当前部门相同", "department")
    need = _transition(
        need_id,
        "transfer",
        actor=actor,
        expected_version=expected_version,
        note=note,
        request=request,
        changes={"department": department},
    )
    notify_users(_handlers(department.pk), "转办需求", need.text[:60], _link(need))
    return need


@transaction.atomic
def need_reject(
    need_id: int,
    *,
    actor: User,
    reason: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Need:
    reason = (reason or "").strip()
    if not reason:
        raise NeedError("不予受理须说明理由", "reason")
    need = _transition(
        need_id,
        "reject",
        actor=actor,
        expected_version=expected_version,
        note=reason,
        request=request,
    )
    _notify_submitter(need, "需求不予受理", f"查询码 {need.tracking_code}：{reason[:60]}")
    return need


@transaction.atomic
def need_merge(
    need_id: int,
    *,
    into: Need,
    actor: User,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Mark a duplicate; it follows the main case (tracking shows the main case's progress)."""
    if into.pk == need_id:
        raise NeedError("不能与自身合并", "into")
    # both rows locked in id order: two opposite merges cannot deadlock, and the
    # main case cannot be merged away while this one joins it
    locked = {pk: _locked(pk) for pk in sorted((need_id, into.pk))}
    current, main = locked[need_id], locked[into.pk]
    if main is None or main.status in (Status.MERGED, Status.REJECTED):
        raise NeedError("主件已合并或不予受理，不能作为主件", "into")
    into = main
    if current is None or current.street_id != into.street_id:
        raise NeedError("只能合并同一街道的需求", "into")
    if not needs_visible_to(actor, "needs.dispatch").filter(pk=into.pk).exists():
        raise NeedError("未找到主件，或您无权查看", "into")
    return _transition(
        need_id,
        "merge",
        actor=actor,
        expected_version=expected_version,
        note=f"并入 {into.tracking_code}",
        request=request,
        changes={"merged_into": into},
    )


@transaction.atomic
def need_close(
    need_id: int, *, actor: User, note: str = "", expected_version: int | None = None
) -> Need:
    need = _transition(need_id, "close", actor=actor, expected_version=expected_version, note=note)
    _notify_submitter(
        need, "您的需求已办结", f"查询码 {need.tracking_code}：已办结。", "needs.closed"
    )
    return need


def _rate(
    need: Need,
    rating: str,
    comment: str,
    actor: User | None,
    check_actor: bool,
    request: HttpRequest | None,
) -> Need:
    if rating not in Rating.values:
        raise NeedError("请选择满意度", "rating")
    comment = (comment or "").strip()[:500]
    need = _transition(
        need.pk,
        "rate",
        actor=actor,
        expected_version=None,
        note=comment,
        request=request,
        changes={"rating": rating, "rating_comment": comment},
        event_extra={"rating": rating},
        check_actor=check_actor,
    )
    if rating == Rating.UNSATISFIED and need.reopen_count == 0:
        # unsatisfied reopens once: back to the same department with a fresh deadline
        days = need.category.deadline_workdays if need.category else 5
        need = _transition(
            need.pk,
            "reopen",
            actor=None,
            expected_version=None,
            note="评价不满意，重新办理",
            request=request,
            changes={
                "reopen_count": need.reopen_count + 1,
                "deadline": workdays.deadline_after(clock.now(), days, workdays.Place.of(need)),
                "dispatched_at": clock.now(),
                "reminded_at": None,
                "escalated_at": None,
            },
        )
        notify_users(_handlers(need.department_id), "需求被重新打开", need.text[:60], _link(need))
    return need


@transaction.atomic
def need_rate_by_code(
    tracking_code: str, *, rating: str, comment: str = "", request: HttpRequest | None = None
) -> Need:
    """The submitter rates through the tracking link (no account)."""
    need = (
        Need.objects.select_for_update().filter(tracking_code=tracking_code.strip().upper()).first()
    )
    if need is None:
        raise NeedError("查询码无效")
    if need.status != Status.REPLIED:
        raise NeedError("该需求当前不能评价")
    return _rate(need, rating, comment, None, False, request)


@transaction.atomic
def need_callback(
    need_id: int, *, actor: User, rating: str, note: str = "", request: HttpRequest | None = None
) -> Callback:
    """Staff phone callback (回访): recorded, and it rates a replied need not yet rated."""
    need = _locked(need_id)
    if need is None:
        raise NeedError("未找到该需求")
    if rating not in Rating.values:
        raise NeedError("请选择满意度", "rating")
    if need.status not in CALLBACK_STATUSES:
        raise NeedError("需求尚未答复，不能回访")
    _check_actor(need, "submitter_or_staff", actor)
    callback = Callback.objects.create(
        need=need, rating=rating, note=(note or "").strip()[:500], actor=actor
    )
    if need.status == Status.REPLIED:
        _rate(need, rating, f"电话回访：{callback.note}", actor, True, request)
    else:
        audit_record("need.callback", user=actor, request=request, obj=need)
    return callback
