"""What the registries keep, and for how long (S17; `lianjian.core.retention`).

- members deactivated more than RETENTION_INACTIVE_MEMBER_DAYS ago: name, ID
  number and mobile (and their blind indexes) become markers, the birth date
  keeps only its year, the floating note goes; the row stays, so figures by
  organization, status, gender, age or Party age are unchanged. A member's
  deactivation is its last write (`updated_at`); anonymizing is an `update()`,
  which leaves that time as it was.

The ledger's uploads and exports have their own rules (`lianjian.ledger.retention`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat, TruncYear

from lianjian.core.retention import ANONYMIZED, RetentionRule, days
from lianjian.orgs.models import Member

# the blind-index marker of an anonymized member: unique per row, never a 64-hex index
ANONYMIZED_INDEX_PREFIX = "anonymized:"


def inactive_members_past(cutoff: dt.datetime) -> QuerySet[Member]:
    return Member.objects.filter(is_active=False, updated_at__lt=cutoff).exclude(
        id_number_index__startswith=ANONYMIZED_INDEX_PREFIX
    )


def members_anonymize(members: QuerySet[Member]) -> int:
    return members.update(
        name=ANONYMIZED,
        id_number="",
        id_number_index=Concat(
            Value(ANONYMIZED_INDEX_PREFIX), Cast("id", CharField()), output_field=CharField()
        ),
        mobile="",
        mobile_index="",
        birth_date=TruncYear("birth_date"),
        floating_reason="",
    )


RULES: tuple[Any, ...] = (
    RetentionRule(
        "orgs.inactive_members",
        "已停用党员的姓名、身份证号、手机号",
        days("RETENTION_INACTIVE_MEMBER_DAYS"),
        inactive_members_past,
        members_anonymize,
    ),
)
