"""What every activities service shares: the error type, tokens, scope ids, time rules."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal

from lianjian.orgs.models import Region, ScopedModel

MAX_HOURS = Decimal("24")
# the event's QR code works from half an hour before it starts to half an hour after it ends
CHECKIN_BEFORE = dt.timedelta(minutes=30)
CHECKIN_AFTER = dt.timedelta(minutes=30)
# self-logged hours may be entered for service up to this long ago
LOG_WINDOW = dt.timedelta(days=90)


class ActivityError(ValueError):
    """A refused request, in Chinese; `status` is the API's answer (400 or 409)."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def token() -> str:
    return secrets.token_hex(16)


def located(region: Region) -> dict[str, int | None]:
    """The ancestor ids a row located in `region` carries."""
    return region.ancestor_ids()


def copy_scope(row: ScopedModel) -> dict[str, int | None]:
    return {
        "district_id": row.district_id,
        "street_id": row.street_id,
        "community_id": row.community_id,
        "area_id": row.area_id,
    }


def round_hours(value: object) -> Decimal:
    """Hours as the ledger keeps them: one decimal, half up."""
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (ArithmeticError, ValueError, TypeError):
        raise ActivityError("时长应为数字，如 2 或 1.5", "hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise ActivityError("时长应大于 0 且不超过 24 小时", "hours")
    return hours


def duration_hours(starts_at: dt.datetime, ends_at: dt.datetime) -> Decimal:
    seconds = max((ends_at - starts_at).total_seconds(), 0)
    hours = Decimal(seconds / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return min(max(hours, Decimal("0.1")), MAX_HOURS)


def text(value: object, label: str, field: str, max_len: int, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        raise ActivityError(f"请填写{label}", field)
    if len(out) > max_len:
        raise ActivityError(f"{label}不能超过 {max_len} 字", field)
    return out
