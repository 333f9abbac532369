"""The audit administrator's home cards (declared in `registry.py`'s core registry)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from lianjian.core.actors import Actor
from lianjian.core.audit import audit_verify
from lianjian.core.models import AuditEvent
from lianjian.core.registry import CardValue

DENIED_WINDOW_DAYS = 7


def chain_status(user: Actor) -> CardValue:
    """Whether the audit chain still verifies from its first row to the signed head."""
    result = audit_verify()
    url = reverse("core:audit_list")
    if result.ok:
        return CardValue("完整", url, f"已校验 {result.checked} 条记录")
    return CardValue("异常", url, f"第 {result.first_broken_seq} 条起：{result.reason}", "danger")


def denied_recent(user: Actor) -> CardValue:
    """Refused accesses (403s and out-of-scope fetches, `access.denied`) in the last week."""
    since = timezone.now() - dt.timedelta(days=DENIED_WINDOW_DAYS)
    # the audit list's own filter (action prefix), so the figure is the list's length
    rows = AuditEvent.objects.filter(action__startswith="access.denied", occurred_at__gte=since)
    n = rows.count()
    last = rows.order_by("-seq").values("username", "occurred_at").first()
    hint = f"近{DENIED_WINDOW_DAYS}天"
    if last:
        when = timezone.localtime(last["occurred_at"])
        hint += f"；最近一次 {last['username'] or '匿名'}（{when:%m-%d %H:%M}）"
    url = f"{reverse('core:audit_list')}?action=access.denied"
    return CardValue(n, url, hint, "warn" if n else "normal")
