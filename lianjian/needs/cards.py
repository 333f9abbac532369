"""The needs channel's home cards and to-dos (declared in `registry.py`).

Each figure is the count of the list its card links to: the link carries the
same filter `needs_filtered` applies, so the number and the list agree.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.urls import reverse
from django.utils import timezone

from lianjian.core.registry import CardValue
from lianjian.needs.models import Status
from lianjian.needs.selectors import needs_filtered
from lianjian.needs.stats import need_stats, need_totals

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def _list(params: dict[str, str]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('needs:list')}?{query}"


def _count(user: User, params: dict[str, str]) -> int:
    return needs_filtered(user, params).order_by().count()


def _todo(user: User, params: dict[str, str], hint: str = "", urgent: str = "warn") -> CardValue:
    n = _count(user, params)
    return CardValue(n, _list(params), hint, urgent if n else "normal")  # type: ignore[arg-type]


def to_dispatch(user: User) -> CardValue:
    return _todo(user, {"status": Status.RECEIVED}, "已受理、尚未派给责任部门")


def returned(user: User) -> CardValue | None:
    value = _todo(user, {"status": Status.RETURNED}, "部门退回，需重新派单")
    return value if value.value else None


def overdue(user: User) -> CardValue:
    return _todo(user, {"overdue": "1"}, "超过答复期限仍未答复", urgent="danger")


def awaiting_reply(user: User) -> CardValue:
    return _todo(user, {"awaiting": "1"}, "已派给本部门、尚未答复")


def due_tomorrow(user: User) -> CardValue:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return _todo(user, {"due": tomorrow.isoformat()}, f"{tomorrow:%m月%d日}到期")


def all_needs(user: User) -> CardValue:
    return CardValue(_count(user, {}), reverse("needs:list"), "含已办结")


def open_needs(user: User) -> CardValue:
    return CardValue(_count(user, {"open": "1"}), _list({"open": "1"}), "办理中（含待派单）")


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def _totals(user: User) -> dict[str, Any]:
    """The department totals, computed once per request for the two rate cards."""
    cached: dict[str, Any] | None = getattr(user, "_needs_card_totals", None)
    if cached is None:
        cached = need_totals(need_stats(user, dimension="department"))
        cast("Any", user)._needs_card_totals = cached  # memoised on the instance
    return cached


def on_time_rate(user: User) -> CardValue:
    totals = _totals(user)
    return CardValue(
        _percent(totals["on_time_rate"]),
        reverse("needs:stats"),
        f"累计答复 {totals['replied']} 件，按时 {totals['on_time']} 件",
    )


def satisfaction_rate(user: User) -> CardValue:
    totals = _totals(user)
    return CardValue(
        _percent(totals["satisfaction_rate"]),
        reverse("needs:stats"),
        f"累计评价 {totals['rated']} 件，满意 {totals['satisfied']} 件",
    )
