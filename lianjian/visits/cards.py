"""Visits' home cards and to-dos (declared in `registry.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from lianjian.core.registry import CardValue
from lianjian.visits.models import Visit
from lianjian.visits.selectors import visit_coverage, visits_filtered

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def coverage_this_year(user: User) -> CardValue:
    """Visited 两新 units / all in scope since 1 January (the coverage page's default)."""
    today = timezone.localdate()
    report = visit_coverage(user, today.replace(month=1, day=1), today)
    shown = "—" if report.rate is None else f"{report.rate:.1f}%"
    hint = f"今年已走访 {report.visited} / {report.units} 家两新单位"
    return CardValue(shown, reverse("visits:coverage"), hint)


def visits_this_month(user: User) -> CardValue:
    today = timezone.localdate()
    params = {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    n = visits_filtered(user, params).order_by().count()
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return CardValue(n, f"{reverse('visits:list')}?{query}", f"{today:%Y年%m月}")


def follow_ups_pending(user: User) -> CardValue:
    params = {"follow_up_status": Visit.FollowUp.PENDING}
    n = visits_filtered(user, params).order_by().count()
    url = f"{reverse('visits:list')}?follow_up_status={Visit.FollowUp.PENDING}"
    return CardValue(n, url, "走访中承诺的事项尚未跟进", "warn" if n else "normal")
