"""Excel export of needs statistics, through the ledger's formula-safe writer (S21)."""

from __future__ import annotations

from typing import Any

from lianjian.ledger.exporter import write_workbook

HEADERS = [
    "分组",
    "受理数",
    "答复数",
    "按时答复数",
    "按时答复率(%)",
    "逾期数",
    "平均答复时长(小时)",
    "评价数",
    "满意数",
    "满意率(%)",
    "重新办理数",
    "重办率(%)",
]


def _row(label: Any, r: dict[str, Any]) -> list[Any]:
    return [
        str(label),
        r["received"],
        r["replied"],
        r["on_time"],
        r["on_time_rate"],
        r["overdue"],
        r.get("avg_reply_hours"),
        r["rated"],
        r["satisfied"],
        r["satisfaction_rate"],
        r["reopened"],
        r["reopen_rate"],
    ]


def stats_workbook(ctx: dict[str, Any]) -> Any:
    """One sheet of per-group figures plus a totals row; returns an open temp file."""
    rows = [_row(r["label"], r) for r in ctx["rows"]]
    rows.append(_row("合计", ctx["totals"]))
    title = f"需求统计 {ctx['start']}至{ctx['end']}"
    return write_workbook([(title, HEADERS, rows)])
