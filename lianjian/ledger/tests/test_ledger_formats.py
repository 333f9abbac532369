"""Ledger files as offices keep them: hidden sheets, legacy .xls, CSV in UTF-8 or GBK."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lianjian.ledger.importer import import_ledger
from lianjian.ledger.safety import LedgerFileError
from lianjian.ledger.tests.ledger_files import csv_bytes, workbook, xls
from lianjian.ledger.tests.test_ledger_import import MEMBER_HEADER, UNIT_HEADER, registry_state
from lianjian.orgs.models import Member, Unit
from lianjian.orgs.tests.factories import make_credit_code, make_id_number


def unit_rows(n: int, name: str = "单位") -> list[list[Any]]:
    return [UNIT_HEADER, [name, make_credit_code(n), "非公企业", "虹储居民区", "是", "2017/7/18"]]


# ---------------------------------------------------------------- which sheet


def test_a_hidden_first_sheet_is_skipped_for_the_first_visible_one(
    tree: Any, personas: Any
) -> None:
    data = workbook(
        [
            ("旧表", [["过时的内容"], ["x"]], "hidden"),
            ("数据", unit_rows(7001, "可见表单位"), "visible"),
        ]
    )
    outcome = import_ledger("units", data, user=personas.street_staff)
    assert outcome.ok, outcome.errors
    assert Unit.objects.filter(name="可见表单位").exists()


def test_the_sheet_named_like_the_kind_is_read(tree: Any, personas: Any) -> None:
    data = workbook(
        [
            ("填写说明", [["请按模板填写"], ["单位名称", "所在区域"]], "visible"),
            (
                "党员台账",
                [MEMBER_HEADER, ["表名党员", make_id_number(7002), "", "虹储居民区党总支"]],
                "visible",
            ),
            ("veryhidden", [["x"]], "veryHidden"),
        ]
    )
    outcome = import_ledger("members", data, user=personas.street_staff)
    assert outcome.ok, outcome.errors
    assert Member.objects.filter(name="表名党员").exists()


def test_a_workbook_with_only_hidden_data_says_so(tree: Any, personas: Any) -> None:
    data = workbook([("空表", [], "visible"), ("藏起来", unit_rows(7003), "hidden")])
    with pytest.raises(LedgerFileError, match="工作表为空"):
        import_ledger("units", data, user=personas.street_staff)


# ---------------------------------------------------------------- legacy .xls


def test_xls_with_a_hidden_sheet_a_date_cell_and_text_ids(tree: Any, personas: Any) -> None:
    idn = make_id_number(7101)
    rows: list[list[Any]] = [
        ["虹桥街道党员台账"],
        MEMBER_HEADER,
        ["老表格", idn, "13900007101", "虹储居民区党总支", "", dt.date(2010, 7, 1)],
        ["点号日期", make_id_number(7102), "", "虹储居民区党总支", "", "2005.03"],
    ]
    data = xls(rows, title="党员", before=[("隐藏", [["x", "y"]], 1)])
    outcome = import_ledger("members", data, user=personas.street_staff, file_name="老台账.xls")
    assert outcome.ok, outcome.errors
    member = Member.objects.get(name="老表格")
    assert member.id_number == idn and member.joined_on == dt.date(2010, 7, 1)
    assert Member.objects.get(name="点号日期").joined_on == dt.date(2005, 3, 1)


def test_xls_numeric_id_cell_refused_like_xlsx(tree: Any, personas: Any) -> None:
    rows: list[list[Any]] = [
        MEMBER_HEADER,
        ["数值", 3.1010419850612e17, "", "虹储居民区党总支", "", ""],
    ]
    outcome = import_ledger("members", xls(rows), user=personas.street_staff)
    [error] = outcome.errors
    assert error.row == 2 and error.column == "身份证号" and "文本" in error.reason


def test_xls_formula_refused(tree: Any, personas: Any) -> None:
    before = registry_state()
    with pytest.raises(LedgerFileError, match="第 2 行 G 列含有公式"):
        import_ledger("units", xls(unit_rows(7201), formula_at=(1, 6)), user=personas.street_staff)
    assert registry_state() == before


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda data: data[:512] + b"\0" * 600, "已损坏"),  # truncated compound file
        (lambda data: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "已损坏"),
    ],
)
def test_broken_xls_refused(tree: Any, personas: Any, mangle: Any, message: str) -> None:
    with pytest.raises(LedgerFileError, match=message):
        import_ledger("units", mangle(xls(unit_rows(7301))), user=personas.street_staff)


def test_xls_with_a_vba_project_refused(tree: Any, personas: Any) -> None:
    from lianjian.ledger.tests.ledger_files import xls_with_vba

    with pytest.raises(LedgerFileError, match="宏"):
        import_ledger("units", xls_with_vba(xls(unit_rows(7302))), user=personas.street_staff)


def test_xls_with_an_excel4_macro_sheet_refused(tree: Any, personas: Any) -> None:
    from lianjian.ledger.tests.ledger_files import xls_macro_sheet

    data = xls_macro_sheet(xls(unit_rows(7303), before=[("宏表", [["x"]], 1)]))
    with pytest.raises(LedgerFileError, match="宏"):
        import_ledger("units", data, user=personas.street_staff)


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_each_encoding_offices_use(tree: Any, personas: Any, encoding: str) -> None:
    code = make_credit_code(7500)
    rows: list[list[Any]] = [
        UNIT_HEADER,
        ["虹储綜合服务社（CSV）", code, "社会组织", "虹桥街道/虹仙居民区", "否", "2005.03"],
    ]
    outcome = import_ledger(
        "units", csv_bytes(rows, encoding), user=personas.street_staff, file_name="导出.csv"
    )
    assert outcome.ok, outcome.errors
    unit = Unit.objects.get(credit_code=code)
    assert unit.name == "虹储綜合服务社（CSV）" and unit.community_id == tree.community_a2.pk
    assert unit.registered_on == dt.date(2005, 3, 1)


def test_unicode_text_saved_by_excel(tree: Any, personas: Any) -> None:
    """Excel's “Unicode 文本”: UTF-16 with its byte-order mark, tab-separated."""
    rows = unit_rows(7502, "统一码文本单位")
    outcome = import_ledger(
        "units", csv_bytes(rows, "utf-16", delimiter="\t"), user=personas.street_staff
    )
    assert outcome.ok, outcome.errors
    assert Unit.objects.filter(name="统一码文本单位").exists()


def test_tab_separated_csv_and_a_serial_typed_as_text(tree: Any, personas: Any) -> None:
    rows: list[list[Any]] = [
        UNIT_HEADER,
        ["制表符单位", make_credit_code(7501), "非公企业", "虹储居民区", "否", "42934"],
    ]
    outcome = import_ledger(
        "units", csv_bytes(rows, "gbk", delimiter="\t"), user=personas.street_staff
    )
    [error] = outcome.errors
    assert error.column == "登记日期" and "文本" in error.reason


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02binary\xff\xfe\x00garbage" * 20, "不是可识别的台账文件"),
        ("单位名称,所在区域\n".encode("utf-16-le"), "不是可识别的台账文件"),  # no BOM
        (b"name,\x81\x20credit\n" * 20, "无法识别文件的文字编码"),
    ],
)
def test_files_that_are_neither_workbooks_nor_text_are_refused(
    tree: Any, personas: Any, data: bytes, message: str
) -> None:
    before = registry_state()
    with pytest.raises(LedgerFileError, match=message):
        import_ledger("units", data, user=personas.street_staff)
    assert registry_state() == before


@pytest.mark.parametrize("write", [xls, csv_bytes], ids=["xls", "csv"])
def test_size_cap_and_row_limit_hold_for_every_format(
    tree: Any, personas: Any, settings: Any, write: Any
) -> None:
    rows: list[list[Any]] = [UNIT_HEADER] + [
        [f"单位{i}", make_credit_code(7400 + i), "非公企业", "虹储居民区", "否", ""]
        for i in range(11)
    ]
    settings.EXCEL_MAX_ROWS = 10
    with pytest.raises(LedgerFileError, match="超过上限 10 行"):
        import_ledger("units", write(rows), user=personas.street_staff)
    settings.EXCEL_UPLOAD_MAX_BYTES = 256
    with pytest.raises(LedgerFileError, match="文件过大"):
        import_ledger("units", write(rows), user=personas.street_staff)
