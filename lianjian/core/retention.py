"""Retention (S17): past each kind's period, personal data is anonymized or deleted.

Each app declares what it keeps in its registry, under the extension point
`"core.retention"`: a `RetentionRule` saying which rows are past their
period and how to anonymize them. Anonymizing replaces the personal fields
(names, ID numbers and mobiles with their blind indexes, contact details,
uploaded files) with markers and leaves the rows themselves, so statistics
that count them stay as they were; the audit trail is never touched. Every
run writes one audit event with what it did, and returns the same report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import audit_record, system_actor
from lianjian.core.registry import extension

# what an anonymized name reads as on every page and export
ANONYMIZED = "（已匿名）"


@dataclass(frozen=True)
class RetentionRule:
    """One kind of personal data and how long it is kept."""

    key: str
    label: str  # in Chinese, for the report
    # how long it is kept (read from settings when the run starts)
    period: Callable[[], dt.timedelta]
    # the rows past their period (and not yet anonymized), given the cutoff
    select: Callable[[dt.datetime], Any]
    # anonymize (or delete) those rows; returns how many
    apply: Callable[[Any], int]


def days(setting: str) -> Callable[[], dt.timedelta]:
    """A period read from an integer setting of days."""

    def period() -> dt.timedelta:
        from django.conf import settings

        return dt.timedelta(days=int(getattr(settings, setting)))

    return period


@dataclass
class RetentionLine:
    key: str
    label: str
    cutoff: dt.datetime
    count: int


@dataclass
class RetentionReport:
    ran_at: dt.datetime
    dry_run: bool
    lines: list[RetentionLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.count for line in self.lines)

    def as_detail(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "counts": {line.key: line.count for line in self.lines},
            "cutoffs": {line.key: line.cutoff.isoformat() for line in self.lines},
        }


def retention_rules() -> list[RetentionRule]:
    return list(extension("core.retention"))


def retention_run(*, dry_run: bool = False, now: dt.datetime | None = None) -> RetentionReport:
    """Apply every rule (each in its own transaction) and record one audit event."""
    from lianjian.core.ratelimit import purge_expired_counters

    now = now or timezone.now()
    report = RetentionReport(ran_at=now, dry_run=dry_run)
    for rule in retention_rules():
        cutoff = now - rule.period()
        with transaction.atomic():
            rows = rule.select(cutoff)
            count = rows.count() if dry_run else rule.apply(rows)
        report.lines.append(RetentionLine(rule.key, rule.label, cutoff, count))
    if not dry_run:
        purge_expired_counters()
        with system_actor("retention"):
            audit_record("retention.run", object_type="retention", detail=report.as_detail())
    return report
