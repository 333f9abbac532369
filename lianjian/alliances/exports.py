"""Excel export of co-building agreements (one row per commitment), formula-safe (S21)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest

from lianjian.core.audit import audit_record
from lianjian.ledger.exporter import stamp, write_workbook, xlsx_response

HEADERS = [
    "社区/街道",
    "签约党组织",
    "共建单位",
    "协议名称",
    "签订日期",
    "期限起",
    "期限止",
    "承诺方",
    "类型",
    "承诺内容",
    "履行状态",
]


def _rows(agreements: Any) -> Any:
    for a in agreements:
        head = [
            a.region.name,
            a.party_org.name,
            a.unit.name,
            a.title,
            a.signed_on,
            a.starts_on,
            a.ends_on,
        ]
        items = list(a.items.all())
        if not items:
            yield [*head, "", "", "", ""]
        for item in items:
            yield [
                *head,
                item.get_side_display(),
                item.get_kind_display(),
                item.text,
                item.get_status_display(),
            ]


def agreements_xlsx(agreements: Any, *, request: HttpRequest | None = None) -> FileResponse:
    rows = list(_rows(agreements[:5000]))
    audit_record("alliance.agreement_export", request=request, detail={"rows": len(rows)})
    handle = write_workbook([("共驻共建协议", HEADERS, rows)])
    return xlsx_response(handle, stamp("agreements"))
