"""Sign-up and cancellation: capacity never exceeded, the waiting list promoted in order.

The event row is locked for the whole sign-up (`select_for_update`), so
parallel sign-ups for the last place queue behind one another; the place
itself is taken by a conditional update of the counter, which the check
constraint `act_event_capacity` backs. A cancelled place goes to the first
on the waiting list in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from lianjian.activities.models import Event, Signup, Volunteer
from lianjian.activities.services.common import ActivityError, copy_scope
from lianjian.core.audit import audit_record
from lianjian.core.notifications import notify

if TYPE_CHECKING:
    from lianjian.accounts.models import User

OPEN = (Signup.Status.CONFIRMED, Signup.Status.WAITING)


def _take_place(event: Event) -> bool:
    if event.capacity is None:
        Event.objects.filter(pk=event.pk).update(taken=F("taken") + 1)
        return True
    return bool(
        Event.objects.filter(pk=event.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1)
    )


@transaction.atomic
def signup_create(event: Event, volunteer: Volunteer, *, actor: User | None = None) -> Signup:
    """Sign up: a place while there is one, else the waiting list. Twice is once."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if volunteer.withdrawn_at is not None:
        raise ActivityError("您已撤回参加志愿服务的同意，请重新加入后再报名", "volunteer", 409)
    existing = Signup.objects.filter(event=event, volunteer=volunteer, status__in=OPEN).first()
    if existing is not None:
        return existing
    if event.status != Event.Status.PUBLISHED:
        raise ActivityError(f"活动当前为“{event.get_status_display()}”，不能报名", status=409)
    now = timezone.now()
    deadline = event.signup_deadline or event.starts_at
    if now > deadline:
        raise ActivityError("报名已截止", status=409)
    status = Signup.Status.CONFIRMED if _take_place(event) else Signup.Status.WAITING
    try:
        with transaction.atomic():
            signup = Signup.objects.create(
                event=event, volunteer=volunteer, status=status, **copy_scope(event)
            )
    except IntegrityError:
        raise ActivityError("您已报名该活动", status=409) from None
    audit_record(
        "activity.signup_created",
        user=actor,
        obj=signup,
        detail={"event": event.pk, "status": status},
    )
    signup_notify_result(signup)
    return signup


def _promote_next(event: Event) -> Signup | None:
    """Give a freed place to the first on the waiting list (caller holds the event lock)."""
    if timezone.now() >= event.starts_at:
        return None
    nxt = (
        Signup.objects.select_for_update()
        .filter(event=event, status=Signup.Status.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if nxt is None or not _take_place(event):
        return None
    nxt.status = Signup.Status.CONFIRMED
    nxt.save(update_fields=["status"])
    user = nxt.volunteer.user
    if user is not None:
        notify(
            [user],
            f"候补成功：您已获得“{event.title}”的名额",
            f"活动时间 {timezone.localtime(event.starts_at):%Y-%m-%d %H:%M}",
            link=f"/activities/events/{event.pk}/",
            kind="activities.waitlist_promoted",
        )
    audit_record("activity.signup_promoted", obj=nxt, detail={"event": event.pk})
    return nxt


@transaction.atomic
def signup_cancel(signup: Signup, *, actor: User | None = None) -> Signup:
    event = Event.objects.select_for_update().get(pk=signup.event_id)
    signup = Signup.objects.select_for_update().get(pk=signup.pk)
    if signup.status == Signup.Status.CANCELLED:
        return signup
    if timezone.now() >= event.starts_at:
        raise ActivityError("活动已开始，不能再取消报名", status=409)
    held_place = signup.status == Signup.Status.CONFIRMED
    signup.status = Signup.Status.CANCELLED
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["status", "cancelled_at"])
    if held_place:
        Event.objects.filter(pk=event.pk, taken__gt=0).update(taken=F("taken") - 1)
        event.refresh_from_db(fields=["taken"])
        _promote_next(event)
    audit_record("activity.signup_cancelled", user=actor, obj=signup, detail={"event": event.pk})
    return signup


def signup_notify_result(signup: Signup) -> None:
    """Tell the volunteer whether they got a place or are on the waiting list."""
    user = signup.volunteer.user
    if user is None:
        return
    event = signup.event
    if signup.status == Signup.Status.CONFIRMED:
        subject = f"报名成功：{event.title}"
    else:
        subject = f"已进入候补：{event.title}（有人取消时自动递补）"
    notify([user], subject, link=f"/activities/events/{event.pk}/", kind="activities.place_granted")
