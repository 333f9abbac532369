"""Venue pages: the venues a user may book, a venue's two-week calendar, the owner's approvals."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, services
from lianjian.activities.access import JOIN, MANAGE
from lianjian.activities.forms import DATETIME, DT_FORMATS
from lianjian.activities.models import Booking
from lianjian.activities.services import ActivityError
from lianjian.core.permissions import grants_with_perm, require_perm
from lianjian.orgs.access import get_in_scope

CALENDAR_DAYS = 14


class BookingForm(forms.Form):
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DT_FORMATS)
    purpose = forms.CharField(label="用途", max_length=200)
    attendees = forms.IntegerField(label="人数", min_value=1, initial=10)


@require_perm(f"{JOIN}|{MANAGE}")
def venues(request: AuthenticatedRequest) -> HttpResponse:
    mine = Booking.objects.filter(requested_by_id=request.user.pk).select_related("venue")
    return render(
        request,
        "activities/venues.html",
        {
            "venues": (
                access.venues_bookable_by(request.user) | access.venues_managed_by(request.user)
            )
            .distinct()
            .order_by("name")[:100],
            "mine": mine.order_by("-starts_at")[:20],
            "to_decide": access.bookings_managed_by(request.user)
            .filter(status=Booking.Status.PENDING)
            .select_related("venue")[:50],
            "manages": bool(grants_with_perm(request.user, MANAGE)),
        },
    )


@require_perm(f"{JOIN}|{MANAGE}")
@require_http_methods(["GET", "POST"])
def venue_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    visible = access.venues_bookable_by(request.user) | access.venues_managed_by(request.user)
    venue = get_in_scope(visible.distinct(), pk, user=request.user, request=request)
    manages = access.venues_managed_by(request.user).filter(pk=venue.pk).exists()
    form = BookingForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("action") in ("approve", "reject"):
                if not manages:
                    raise ActivityError("只有场地管理方可以审批")
                booking = venue.bookings.get(pk=int(request.POST.get("booking", "0") or 0))
                services.booking_decide(
                    booking, actor=request.user, approve=request.POST["action"] == "approve",
                    reason=request.POST.get("reason", ""),
                )  # fmt: skip
                messages.success(request, "已审批")
                return redirect("activities:venue", venue.pk)
            if form.is_valid():
                services.booking_request(venue, actor=request.user, **form.cleaned_data)
                messages.success(request, "已提交预约，等待场地管理方审批")
                return redirect("activities:venue", venue.pk)
        except (ActivityError, Booking.DoesNotExist, ValueError) as err:
            messages.error(request, getattr(err, "message", "未找到该预约"))
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    rows = venue.bookings.filter(
        starts_at__gte=start,
        starts_at__lt=start + dt.timedelta(days=CALENDAR_DAYS),
        status__in=[Booking.Status.APPROVED, Booking.Status.PENDING],
    ).order_by("starts_at")
    days = [
        (day, list(items))
        for day, items in groupby(rows, key=lambda b: timezone.localdate(b.starts_at))
    ]
    return render(
        request,
        "activities/venue_detail.html",
        {"venue": venue, "days": days, "form": form, "manages": manages},
    )
