"""The report as an Excel workbook (openpyxl write-only), formula-safe (S21)."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook

from lianjian.ledger.exporter import neutralize
from lianjian.projects.selectors import Report, Row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _row(r: Row) -> list[str | int | float]:
    rate = r.on_time_rate
    return [
        neutralize(r.name),
        r.published,
        r.claimed,
        r.delivered,
        r.confirmed,
        "" if rate is None else rate,
        float(r.value),
        r.people,
        r.problems_solved,
    ]


def report_xlsx(report: Report, units: list[Row]) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("按社区")
    ws.append([f"统计期 {report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}"])
    ws.append(
        [
            "社区",
            "发布",
            "认领",
            "交付",
            "确认",
            "按时率（%）",
            "交付价值（元）",
            "帮扶人数",
            "解决难题",
        ]
    )
    for r in report.rows:
        ws.append(_row(r))
    ws.append(_row(report.total))
    wu = wb.create_sheet("按单位")
    wu.append(["排名", "单位党组织", "认领", "确认交付", "交付价值（元）", "帮扶人数"])
    for n, r in enumerate(units, 1):
        wu.append([n, neutralize(r.name), r.claimed, r.confirmed, float(r.value), r.people])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="projects-report.xlsx"'
    return response
