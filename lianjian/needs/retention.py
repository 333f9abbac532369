"""What the needs channel keeps, and for how long (S17; `lianjian.core.retention`).

A need closed, merged or rejected more than RETENTION_NEED_CONTACT_DAYS ago
loses its submitter's name and phone and its attachments (photos, scans).
The need itself, its text, its history and its summary rows stay: every
statistic and the tracking code still work. The finishing transition is the
need's last write (`updated_at`); anonymizing is an `update()`, which keeps it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from lianjian.core.retention import RetentionRule, days
from lianjian.needs.models import Need, NeedAttachment, Status

FINISHED = (Status.CLOSED, Status.MERGED, Status.REJECTED)


def finished_needs_with_contact_past(cutoff: dt.datetime) -> QuerySet[Need]:
    attached = NeedAttachment.objects.filter(need=OuterRef("pk"))
    return Need.objects.filter(status__in=FINISHED, updated_at__lt=cutoff).filter(
        ~Q(submitter_name="") | ~Q(contact_phone="") | Exists(attached)
    )


def needs_contact_anonymize(needs: QuerySet[Need]) -> int:
    ids = list(needs.values_list("pk", flat=True))
    for attachment in NeedAttachment.objects.filter(need_id__in=ids):
        attachment.file.delete(save=False)  # the stored file, then the row below
    NeedAttachment.objects.filter(need_id__in=ids).delete()
    return Need.objects.filter(pk__in=ids).update(submitter_name="", contact_phone="")


RULES: tuple[Any, ...] = (
    RetentionRule(
        "needs.contact",
        "已办结需求的提出人姓名、联系电话和附件",
        days("RETENTION_NEED_CONTACT_DAYS"),
        finished_needs_with_contact_past,
        needs_contact_anonymize,
    ),
)
