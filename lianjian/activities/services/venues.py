"""Venues and bookings: requests, approval by the owner, never two approved overlaps.

The approval locks the venue row, so approvals of one venue queue; it then
checks for an approved booking overlapping the range. On PostgreSQL the
exclusion constraint `act_booking_no_overlap` refuses an overlap even if a
write ever bypassed this service.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from lianjian.activities.models import Booking, Venue
from lianjian.activities.services.common import ActivityError, copy_scope, located, text
from lianjian.core.audit import audit_record
from lianjian.core.notifications import notify
from lianjian.orgs.models import PartyOrg, Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@transaction.atomic
def venue_create(
    *,
    actor: User | None,
    name: str,
    region: Region,
    capacity: int,
    opens_at: dt.time,
    closes_at: dt.time,
    owner_org: PartyOrg | None = None,
    address: str = "",
) -> Venue:
    if closes_at <= opens_at:
        raise ActivityError("关闭时间应晚于开放时间", "closes_at")
    if capacity < 1 or capacity > 100000:
        raise ActivityError("容纳人数应为 1 到 100000", "capacity")
    venue = Venue.objects.create(
        name=text(name, "场地名称", "name", 100),
        region=region,
        owner_org=owner_org,
        address=text(address, "地址", "address", 200, required=False),
        capacity=capacity,
        opens_at=opens_at,
        closes_at=closes_at,
        **located(region),
    )
    audit_record("activity.venue_created", user=actor, obj=venue)
    return venue


@transaction.atomic
def venue_update(
    venue: Venue,
    *,
    actor: User,
    name: str,
    capacity: int,
    opens_at: dt.time,
    closes_at: dt.time,
    owner_org: PartyOrg | None = None,
    address: str = "",
    is_active: bool = True,
) -> Venue:
    """Edit a venue; it stays where it is (its scope ids never move with an edit)."""
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if closes_at <= opens_at:
        raise ActivityError("关闭时间应晚于开放时间", "closes_at")
    if capacity < 1 or capacity > 100000:
        raise ActivityError("容纳人数应为 1 到 100000", "capacity")
    before = {"name": venue.name, "capacity": venue.capacity, "is_active": venue.is_active}
    venue.name = text(name, "场地名称", "name", 100)
    venue.address = text(address, "地址", "address", 200, required=False)
    venue.capacity = capacity
    venue.opens_at, venue.closes_at = opens_at, closes_at
    venue.owner_org = owner_org
    venue.is_active = is_active
    venue.save()
    audit_record("activity.venue_updated", user=actor, obj=venue, detail={"before": before})
    return venue


def _overlapping(venue: Venue, starts_at: dt.datetime, ends_at: dt.datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(
        venue=venue, status=Booking.Status.APPROVED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )


@transaction.atomic
def booking_request(
    venue: Venue,
    *,
    actor: User | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    purpose: str,
    attendees: int = 1,
) -> Booking:
    if not venue.is_active:
        raise ActivityError("该场地暂停预约", "venue", 409)
    if ends_at <= starts_at:
        raise ActivityError("结束时间应晚于开始时间", "ends_at")
    if starts_at < timezone.now():
        raise ActivityError("不能预约过去的时间", "starts_at")
    local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if (
        local_start.date() != local_end.date()
        or local_start.time() < venue.opens_at
        or local_end.time() > venue.closes_at
    ):
        raise ActivityError(
            f"请在开放时间 {venue.opens_at:%H:%M}–{venue.closes_at:%H:%M} 内预约（不跨天）",
            "starts_at",
        )
    if attendees < 1 or attendees > venue.capacity:
        raise ActivityError(f"人数应在 1 到 {venue.capacity} 之间", "attendees")
    if _overlapping(venue, starts_at, ends_at).exists():
        raise ActivityError("该时段已被预约，请换一个时段", "starts_at", 409)
    booking = Booking.objects.create(
        venue=venue,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=text(purpose, "用途", "purpose", 200),
        attendees=attendees,
        requested_by=actor if getattr(actor, "pk", None) else None,
        **copy_scope(venue),
    )
    audit_record("activity.booking_requested", user=actor, obj=booking)
    return booking


@transaction.atomic
def booking_decide(
    booking: Booking, *, actor: User | None, approve: bool, reason: str = ""
) -> Booking:
    """The owner approves (only if no approved booking overlaps) or rejects with a reason."""
    Venue.objects.select_for_update().get(pk=booking.venue_id)  # approvals of a venue queue
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.PENDING:
        raise ActivityError(f"该预约{booking.get_status_display()}，不能再审批", status=409)
    reason = text(reason, "审批意见", "reason", 200, required=not approve)
    if approve and _overlapping(booking.venue, booking.starts_at, booking.ends_at).exists():
        raise ActivityError("该时段已批准了其他预约", "starts_at", 409)
    booking.status = Booking.Status.APPROVED if approve else Booking.Status.REJECTED
    booking.reason = reason
    booking.decided_by = actor if getattr(actor, "pk", None) else None
    booking.decided_at = timezone.now()
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:  # the PostgreSQL exclusion constraint
        raise ActivityError("该时段已批准了其他预约", "starts_at", 409) from None
    audit_record("activity.booking_decided", user=actor, obj=booking, detail={"approved": approve})
    if booking.requested_by is not None:
        verdict = "已批准" if approve else f"未批准：{reason}"
        notify(
            [booking.requested_by],
            f"场地预约“{booking.venue.name}”{verdict}",
            link="/activities/venues/",
            kind="activities.booking_decided",
        )
    return booking


@transaction.atomic
def booking_cancel(booking: Booking, *, actor: User) -> Booking:
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status in (Booking.Status.REJECTED, Booking.Status.CANCELLED):
        return booking
    booking.status = Booking.Status.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    audit_record("activity.booking_cancelled", user=actor, obj=booking)
    return booking
