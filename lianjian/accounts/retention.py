"""What accounts keep, and for how long (S17; `lianjian.core.retention`).

API tokens revoked (or expired) more than RETENTION_TOKEN_DAYS ago are
deleted: they open nothing any more, and the audit trail keeps their story.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from lianjian.accounts.models import ApiToken
from lianjian.core.retention import RetentionRule, days


def dead_tokens_past(cutoff: dt.datetime) -> QuerySet[ApiToken]:
    dead = Q(revoked_at__lt=cutoff)
    if "expires_at" in {f.name for f in ApiToken._meta.get_fields()}:
        dead |= Q(expires_at__lt=cutoff)  # tokens that expire (S27)
    return ApiToken.objects.filter(dead)


def tokens_delete(tokens: QuerySet[ApiToken]) -> int:
    deleted, _ = tokens.delete()
    return deleted


RULES: tuple[Any, ...] = (
    RetentionRule(
        "accounts.tokens",
        "已撤销或过期的接口令牌",
        days("RETENTION_TOKEN_DAYS"),
        dead_tokens_past,
        tokens_delete,
    ),
)
