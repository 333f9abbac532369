"""Writing .xlsx files: list exports, report exports and import templates.

Every workbook is built with openpyxl's write-only mode (rows stream to disk,
memory stays flat for 100k rows). Every text cell passes `neutralize`, so a
value such as `=HYPERLINK(...)` typed into a unit name is shown as text and
never evaluated by the spreadsheet that opens the export (S21). Personal
data is masked with `core.masking.mask` unless the caller asked for full
values and holds the right to see them (S9, S15).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from lianjian.core.masking import mask
from lianjian.core.paging import in_chunks
from lianjian.ledger.columns import COLUMNS, EXAMPLE_MARK, EXAMPLES, KIND_LABELS, Column
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Unit, UnitKind

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralize(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _yes(value: bool) -> str:
    return "是" if value else "否"


def write_workbook(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> Any:
    """Write sheets of (title, headers, rows) to a temporary file; returns the open file."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=neutralize(text))
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([neutralize(v) for v in row])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def xlsx_response(handle: Any, filename: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def stamp(prefix: str) -> str:
    return f"{prefix}_{dt.datetime.now():%Y%m%d%H%M}.xlsx"


# ---------------------------------------------------------------- registry lists


def headers_for(kind: str) -> list[str]:
    return [c.label for c in COLUMNS[kind]]


def unit_rows(qs: QuerySet[Unit]) -> Iterator[list[Any]]:
    """Same columns as the import template, so an export can be edited and re-imported."""
    for u in in_chunks(qs.select_related("region")):  # no statement open across a write
        yield [
            u.name,
            u.credit_code or "",
            u.get_kind_display(),
            u.industry,
            u.employees,
            _yes(u.is_above_scale),
            _yes(u.is_foreign_invested),
            u.region.name,
            u.address,
            u.liaison_name,
            u.registered_on,
            u.deregistered_on,
        ]


def party_org_rows(qs: QuerySet[PartyOrg]) -> Iterator[list[Any]]:
    orgs = list(qs.select_related("region"))
    steplen = PartyOrg.steplen
    parent_paths = {o.path[:-steplen] for o in orgs if o.depth > 1}
    parents = dict(PartyOrg.objects.filter(path__in=parent_paths).values_list("path", "name"))
    covered: dict[int, list[str]] = {}
    links = OrgUnitCoverage.objects.filter(
        party_org_id__in=[o.pk for o in orgs], until__isnull=True
    ).values_list("party_org_id", "unit__credit_code", "unit__name")
    for org_id, code, name in links:
        covered.setdefault(org_id, []).append(code or name)
    for o in orgs:
        yield [
            o.name,
            o.get_level_display(),
            o.get_formation_display(),
            o.get_org_type_display(),
            o.region.name,
            parents.get(o.path[:-steplen], "") if o.depth > 1 else "",
            o.secretary_name,
            o.founded_on,
            o.dissolved_on,
            "；".join(covered.get(o.pk, [])),
        ]


MEMBER_EXPORT_FIELDS = (
    "name",
    "id_number",
    "mobile",
    "joined_on",
    "status",
    "party_org__name",
    "workplace_unit__credit_code",
    "workplace_unit__name",
    "residence_community__name",
    "gender",
    "is_floating",
    "floating_to",
    "floating_reason",
)


def member_rows(qs: QuerySet[Member], *, full: bool) -> Iterator[list[Any]]:
    # plain values, not model instances: a third of a 10k-row export went to
    # building a member and its three related rows per line
    status_labels = dict(Member.Status.choices)
    genders = dict(Member.Gender.choices)
    rows = qs.values_list(*MEMBER_EXPORT_FIELDS, named=True)
    for m in in_chunks(rows):  # no statement open across a progress write (SQLite)
        yield [
            m.name,
            m.id_number if full else mask(m.id_number, "id_number"),
            m.mobile if full else mask(m.mobile, "mobile"),
            m.joined_on,
            status_labels.get(m.status, m.status),
            m.party_org__name,
            m.workplace_unit__credit_code or m.workplace_unit__name or "",
            m.residence_community__name or "",
            genders.get(m.gender, ""),
            _yes(m.is_floating),
            m.floating_to,
            m.floating_reason,
        ]


def _counted(
    rows: Iterable[Sequence[Any]], progress: Callable[[int], None], every: int = 2000
) -> Iterator[Sequence[Any]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % every == 0:
            progress(done)
    progress(done)


def export_list(
    kind: str,
    qs: QuerySet[Any],
    *,
    full: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Any:
    """The list as a workbook; `progress(rows written)` is told every 2,000 rows."""
    rows: Iterable[Sequence[Any]]
    if kind == "units":
        rows = unit_rows(qs)
    elif kind == "party-orgs":
        rows = party_org_rows(qs)
    else:
        rows = member_rows(qs, full=full)
    if progress is not None:
        rows = _counted(rows, progress)
    return write_workbook([(KIND_LABELS[kind], headers_for(kind), rows)])


# ---------------------------------------------------------------- templates and error reports


def import_template(kind: str) -> Any:
    """The kind's template: header, one example row (skipped on import), a dropdown on
    every enumeration and yes/no column, identifier columns formatted as text."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = COLUMNS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = f"{KIND_LABELS[kind]}台账"
    sheet.append([c.label for c in columns])
    example = EXAMPLES[kind]
    sheet.append([example.get(c.key) for c in columns])
    grey = Font(italic=True, color="808080")
    for pos, column in enumerate(columns, 1):
        letter = get_column_letter(pos)
        sheet.cell(1, pos).font = Font(bold=True)
        sheet.cell(2, pos).font = grey
        sheet.column_dimensions[letter].width = max(12, 2 * len(column.label) + 4)
        if column.text_only or column.kind == "code":
            # typed numbers stay text: Excel would keep 15 digits of an ID number
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(2, pos).number_format = "@"
        options = dropdown_options(column)
        if options:
            rule = DataValidation(
                type="list",
                formula1='"' + ",".join(options) + '"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"{column.label}无效",
                error=f"请从下拉列表中选择：{'、'.join(options)}",
            )
            rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求"])
    for column in columns:
        notes.append([column.label, "必填" if column.required else "选填", column.note or ""])
    notes.append([])
    for text in TEMPLATE_NOTES:
        notes.append(["说明", "", text])
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle


TEMPLATE_ROWS = 20000
TEMPLATE_NOTES = (
    f"第2行是填写示例（姓名或名称以“{EXAMPLE_MARK}”开头），导入时自动跳过，可保留或删除。",
    "表头可位于前15行内的任一行，其上方可有标题行；默认每个文件要么全部导入，要么一行也不导入，"
    "上传时也可选择“仅导入有效行”。",
    "已登记的记录（单位按统一社会信用代码、党员按身份证号、党组织按名称）将被更新而不是重复新增。",
    "身份证号、统一社会信用代码列须为“文本”格式：设成数值的单元格会被 Excel 改掉后几位，导入时将被拒绝。",
    "日期可写作 2017-07-18、2017/7/18、2017.7.18、2017年7月18日，只知道年月时写 2017.07 或 2017年7月；"
    "不得包含公式、宏或外部链接。",
    "也可导入旧版 .xls 文件和 CSV 文件（UTF-8 或 GBK 编码）；隐藏的工作表不会被读取。",
)


def dropdown_options(column: Column) -> list[str]:
    """The labels offered in a column's dropdown: the enumeration's, or 是/否."""
    if column.kind == "bool":
        return ["是", "否"]
    if column.kind != "enum":
        return []
    labels = {
        "kind": UnitKind.labels,
        "level": PartyOrg.Level.labels,
        "formation": PartyOrg.Formation.labels,
        "org_type": PartyOrg.OrgType.labels,
        "status": Member.Status.labels,
        "gender": Member.Gender.labels,
    }
    return [str(label) for label in labels.get(column.key, [])]


def read_bytes(handle: Any) -> bytes:
    handle.seek(0)
    data: bytes = handle.read()
    handle.close()
    return data


def coverage_workbook(report: dict[str, Any]) -> Any:
    """The coverage report as a workbook: figures and rates, then one sheet per breakdown."""
    from lianjian.orgs.coverage import BREAKDOWNS

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
                f"按{BREAKDOWNS[by]}",
                [
                    BREAKDOWNS[by],
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
    return write_workbook(sheets)
