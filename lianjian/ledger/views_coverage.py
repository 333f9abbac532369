"""The coverage report pages (orgs' statistics, `lianjian.orgs.coverage`).

They answer in the ledger's namespace (`ledger:coverage`, under `orgs/ledger/`),
where they were before the ledger became its own app, and write their
workbooks with the ledger's writer; the unit rows are orgs' own export rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.audit import audit_record
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.ledger import exporter
from lianjian.ledger.views import EXPORT_LIMIT
from lianjian.orgs import coverage
from lianjian.orgs.ledger_columns import UNIT_COLUMNS
from lianjian.orgs.ledger_export import unit_rows


def _coverage_args(request: AuthenticatedRequest) -> tuple[Any, Any]:
    region = coverage.region_for(request.user, request.GET.get("region"), request=request)
    try:
        as_of = coverage.parse_as_of(request.GET.get("as_of"))
    except ValueError:
        as_of = coverage.parse_as_of(None)
        messages.error(request, "统计日期格式应为 YYYY-MM-DD，已按今天统计")
    return region, as_of


@require_perm("orgs.view_coverage")
def coverage_page(request: AuthenticatedRequest) -> HttpResponse:
    region, as_of = _coverage_args(request)
    report = coverage.coverage_report(request.user, region, as_of)
    trend = coverage.coverage_trend(request.user, region, as_of)
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["组织覆盖率(%)", "两新组织数", "已覆盖数"]},
        "xAxis": {"type": "category", "data": [p["date"][:7] for p in trend]},
        "yAxis": [{"type": "value", "name": "家"}, {"type": "value", "name": "%", "max": 100}],
        "series": [
            {"name": "两新组织数", "type": "bar", "data": [p["liangxin"] for p in trend]},
            {"name": "已覆盖数", "type": "bar", "data": [p["covered"] for p in trend]},
            {
                "name": "组织覆盖率(%)",
                "type": "line",
                "yAxisIndex": 1,
                "data": [p["rate"] for p in trend],
            },
        ],
    }
    regions = coverage.regions_to_pick(request.user)
    return render(
        request,
        "ledger/coverage/report.html",
        {
            "report": report,
            "region": region,
            "as_of": as_of,
            "trend_chart": chart,
            "regions": regions,
            "breakdown_labels": coverage.BREAKDOWNS,
        },
    )


def _drill_args(request: AuthenticatedRequest) -> tuple[Any, Any, str, str, str]:
    region, as_of = _coverage_args(request)
    figure = request.GET.get("figure", "")
    if not coverage.figure_label(figure):
        raise Http404("未知的统计项")
    return region, as_of, figure, request.GET.get("by", ""), request.GET.get("key", "")


@require_perm("orgs.view_coverage")
def coverage_units(request: AuthenticatedRequest) -> HttpResponse:
    region, as_of, figure, by, key = _drill_args(request)
    qs = coverage.figure_units(request.user, region, as_of, figure, by, key)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "ledger/coverage/units.html",
        {
            "page": page,
            "region": region,
            "as_of": as_of,
            "figure_label": coverage.figure_label(figure),
            "by_label": coverage.BREAKDOWNS.get(by, ""),
            "key": key,
            "querystring_base": querystring_without_page(request),
            "export_query": request.GET.urlencode(),
        },
    )


@require_perm("orgs.view_coverage")
def coverage_units_export(request: AuthenticatedRequest) -> HttpResponseBase:
    limited = rate_limited(request, "export", limit=EXPORT_LIMIT, window=60)
    if limited is not None:
        return limited
    region, as_of, figure, by, key = _drill_args(request)
    qs = coverage.figure_units(request.user, region, as_of, figure, by, key)
    audit_record(
        "export.coverage_units",
        request=request,
        obj=region,
        detail={"figure": figure, "by": by, "key": key[:50], "as_of": as_of.isoformat()},
    )
    handle = exporter.write_workbook(
        [
            (
                coverage.figure_label(figure)[:31],
                [c.label for c in UNIT_COLUMNS],
                unit_rows(qs),
            )
        ]
    )
    return exporter.xlsx_response(handle, exporter.stamp(f"覆盖统计明细_{region.name}"))


@require_perm("orgs.view_coverage")
def coverage_export(request: AuthenticatedRequest) -> HttpResponseBase:
    limited = rate_limited(request, "export", limit=EXPORT_LIMIT, window=60)
    if limited is not None:
        return limited
    region, as_of = _coverage_args(request)
    report = coverage.coverage_report(request.user, region, as_of)
    audit_record(
        "export.coverage", request=request, obj=region, detail={"as_of": as_of.isoformat()}
    )
    return exporter.xlsx_response(
        coverage_workbook(report), exporter.stamp(f"覆盖统计_{region.name}")
    )


def coverage_workbook(report: dict[str, Any]) -> Any:
    """The coverage report as a workbook: figures and rates, then one sheet per breakdown."""
    head = [
        ["统计区域", report["region"]["name"]],
        ["统计日期", report["as_of"]],
        ["组织覆盖率(%)", report["rates"]["organization_coverage"]],
        ["规模以上覆盖率(%)", report["rates"]["above_scale_coverage"]],
        ["无党员单位工作覆盖率(%)", report["rates"]["work_coverage"]],
    ]
    head += [[f["label"], f["count"]] for f in report["figures"].values()]
    head.append(["流动党员", report["floating_members"]["total"]])
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        ("覆盖统计", ["项目", "数值"], head)
    ]
    for by, rows in report.get("breakdowns", {}).items():
        sheets.append(
            (
                f"按{coverage.BREAKDOWNS[by]}",
                [
                    coverage.BREAKDOWNS[by],
                    "两新组织",
                    "已覆盖",
                    "覆盖率(%)",
                    "规模以上",
                    "规模以上已覆盖",
                    "3人以上未单建",
                ],
                (
                    [
                        r["label"],
                        r["liangxin"],
                        r["covered"],
                        r["rate"],
                        r["above_scale"],
                        r["above_scale_covered"],
                        r["violations"],
                    ]
                    for r in rows
                ),
            )
        )
    sheets.append(
        (
            "流动党员",
            ["所在地", "人数"],
            ([p["place"], p["count"]] for p in report["floating_members"]["by_place"]),
        )
    )
    return exporter.write_workbook(sheets)
