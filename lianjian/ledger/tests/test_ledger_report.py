"""What an import gives back: the error report with the original rows marked, the valid
rows imported on request, the row errors as JSON for token clients, and templates with
dropdowns and an example row."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from lianjian.core.masking import mask
from lianjian.ledger.importer import import_ledger
from lianjian.ledger.models import ImportJob
from lianjian.ledger.tests.ledger_files import csv_bytes, xlsx
from lianjian.ledger.tests.test_ledger_import import (
    MEMBER_HEADER,
    UNIT_HEADER,
    bad_code,
    registry_state,
)
from lianjian.orgs.models import Member, Unit
from lianjian.orgs.tests.factories import make_credit_code, make_id_number


def mixed_units() -> bytes:
    """Three rows: good, bad credit code (row 3), good but an unknown region (row 4)."""
    return xlsx(
        [
            [*UNIT_HEADER, "备注"],
            ["有效单位甲", make_credit_code(8001), "非公企业", "虹储居民区", "否", "", "甲"],
            ["坏代码单位", bad_code(8002), "非公企业", "虹储居民区", "否", "", "@危险"],
            ["错区域单位", make_credit_code(8003), "非公企业", "火星居民区", "也许", "", ""],
            ["有效单位乙", make_credit_code(8004), "社会组织", "虹仙居民区", "是", "", ""],
        ],
        title="虹桥街道两新组织台账",
    )


def workbook_of(response: Any) -> Any:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(BytesIO(body))


# ---------------------------------------------------------------- the error report


def test_error_report_returns_the_original_rows_with_bad_cells_marked(
    tree: Any, personas: Any, client_for: Any
) -> None:
    client = client_for(personas.street_staff)
    client.post(
        "/orgs/ledger/import/units/", {"file": SimpleUploadedFile("台账.xlsx", mixed_units())}
    )
    job = ImportJob.objects.get(user=personas.street_staff)
    assert job.status == ImportJob.Status.FAILED and job.skipped_count == 0
    book = workbook_of(client.get(f"/orgs/ledger/jobs/{job.pk}/errors/"))
    assert book.sheetnames == ["错误报告", "原始行（标出错误）"]
    listing = list(book["错误报告"].iter_rows(values_only=True))
    assert listing[0] == ("行号", "列", "原因") and len(listing) == 1 + job.error_count
    rows = book["原始行（标出错误）"]
    header = [c.value for c in rows[1]]
    assert header == ["原文件行号", *UNIT_HEADER, "备注"]
    # only the rows with errors, under their row numbers in the uploaded file (title row 1)
    assert [rows.cell(r, 1).value for r in range(2, rows.max_row + 1)] == [4, 5]
    code_cell = rows.cell(2, 3)  # row 4, 统一社会信用代码
    assert code_cell.value == bad_code(8002)
    assert code_cell.fill.fgColor.rgb.endswith("FFC7CE") and "校验码" in code_cell.comment.text
    assert rows.cell(2, 8).value == "'@危险"  # formula-safe (S21)
    assert rows.cell(2, 2).comment is None and rows.cell(2, 2).fill.fgColor.rgb != "00FFC7CE"
    region_cell, scale_cell = rows.cell(3, 5), rows.cell(3, 6)
    assert region_cell.value == "火星居民区" and "不在您的管辖范围" in region_cell.comment.text
    assert "是" in scale_cell.comment.text and scale_cell.fill.fgColor.rgb.endswith("FFC7CE")


def test_personal_data_in_the_stored_report_is_masked(tree: Any, personas: Any) -> None:
    from lianjian.ledger.exporter import read_bytes
    from lianjian.ledger.report import error_report

    idn, mobile = make_id_number(8101), "13900008101"
    rows = [MEMBER_HEADER, ["无组织", idn, mobile, "不存在的党支部", "", ""]]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    data = read_bytes(error_report(outcome.errors, outcome.sheet))
    sheet = load_workbook(BytesIO(data))["原始行（标出错误）"]
    assert sheet.cell(2, 3).value == mask(idn, "id_number")
    assert sheet.cell(2, 4).value == mask(mobile, "mobile")
    assert "党组织" in sheet.cell(2, 5).comment.text
    assert idn.encode() not in data and mobile.encode() not in data


# ---------------------------------------------------------------- valid rows only


def test_valid_rows_only_imports_the_good_rows_and_records_the_skipped(
    tree: Any, personas: Any, client_for: Any
) -> None:
    client = client_for(personas.street_staff)
    response = client.post(
        "/orgs/ledger/import/units/",
        {"file": SimpleUploadedFile("台账.xlsx", mixed_units()), "mode": "valid_only"},
    )
    job = ImportJob.objects.get(user=personas.street_staff)
    assert response["Location"] == f"/orgs/ledger/jobs/{job.pk}/"
    assert job.status == ImportJob.Status.SUCCEEDED and job.valid_only
    assert (job.created_count, job.skipped_count, job.total_rows) == (2, 2, 4)
    assert set(Unit.objects.filter(name__contains="单位").values_list("name", flat=True)) >= {
        "有效单位甲",
        "有效单位乙",
    }
    assert not Unit.objects.filter(name__in=["坏代码单位", "错区域单位"]).exists()
    page = client.get(f"/orgs/ledger/jobs/{job.pk}/").content.decode()
    assert 'id="job-skipped">2<' in page and "已导入有效行" in page and "下载错误报告" in page
    book = workbook_of(client.get(f"/orgs/ledger/jobs/{job.pk}/errors/"))
    assert book["原始行（标出错误）"].max_row == 3


def test_all_or_nothing_stays_the_default(tree: Any, personas: Any) -> None:
    before = registry_state()
    outcome = import_ledger("units", mixed_units(), user=personas.street_staff)
    assert not outcome.written and outcome.created == 0 and outcome.skipped == 0
    assert registry_state() == before


def test_valid_rows_only_skips_dependants_and_duplicates(tree: Any, personas: Any) -> None:
    idn = make_id_number(8201)
    rows = [
        MEMBER_HEADER,
        ["第一次", idn, "", "虹储居民区党总支", "", "2010-07-01"],
        ["第二次", idn, "", "虹储居民区党总支", "", "2010-07-01"],
        ["未满十八", make_id_number(8202), "", "虹储居民区党总支", "", "2001-01-01"],
    ]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff, valid_only=True)
    assert outcome.written and (outcome.created, outcome.skipped) == (1, 2)
    assert list(
        Member.objects.filter(name__in=["第一次", "第二次", "未满十八"]).values_list(
            "name", flat=True
        )
    ) == ["第一次"]
    orgs = [
        ["组织名称", "层级", "所在区域", "上级党组织"],
        ["坏总支", "党总支", "火星居民区", ""],
        ["坏总支下的支部", "党支部", "虹储居民区", "坏总支"],
        ["好支部", "党支部", "虹储居民区", "虹储居民区党总支"],
    ]
    outcome = import_ledger("party-orgs", xlsx(orgs), user=personas.street_staff, valid_only=True)
    assert (outcome.created, outcome.skipped) == (1, 2)
    assert [e.row for e in outcome.errors] == [2, 3]


def test_valid_rows_only_with_no_valid_row_writes_nothing(tree: Any, personas: Any) -> None:
    before = registry_state()
    rows = [UNIT_HEADER, ["坏代码单位", bad_code(8301), "非公企业", "虹储居民区", "否", ""]]
    outcome = import_ledger("units", xlsx(rows), user=personas.street_staff, valid_only=True)
    assert not outcome.written and outcome.skipped == 0
    assert registry_state() == before


# ---------------------------------------------------------------- the API


def bearer_client(personas: Any) -> Any:
    """street_staff through a bearer token (`lianjian createtoken`), no session at all."""
    import io

    from django.core.management import call_command
    from django.test import Client

    key = io.StringIO()
    call_command("createtoken", "street_staff", stdout=key, stderr=io.StringIO())
    return Client(
        enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key.getvalue().strip()}"}
    )


def test_a_token_client_reads_the_row_errors_as_json(
    tree: Any, personas: Any, client_for: Any
) -> None:
    client = bearer_client(personas)
    response = client.post(
        "/api/v1/imports/units", {"file": SimpleUploadedFile("台账.xlsx", mixed_units())}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["skipped"] == 0 and not body["valid_only"]
    assert body["errors_url"] == f"/api/v1/imports/jobs/{body['id']}/errors"
    errors = client.get(body["errors_url"])
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/json")
    payload = errors.json()
    assert payload["total"] == body["error_count"] == len(payload["errors"])
    first = payload["errors"][0]
    assert (
        first["row"] == 4 and first["column"] == "统一社会信用代码" and "校验码" in first["reason"]
    )
    page = client.get(body["errors_url"] + "?offset=1&limit=1").json()
    assert page["errors"] == payload["errors"][1:2] and page["offset"] == 1
    # someone else's job: 404, as is a job that does not exist
    other = client_for(personas.secretary_a1)
    assert other.get(body["errors_url"]).status_code == 404
    assert client.get("/api/v1/imports/jobs/999999/errors").status_code == 404


def test_api_valid_only_and_a_refused_file(tree: Any, personas: Any) -> None:
    client = bearer_client(personas)
    response = client.post(
        "/api/v1/imports/units",
        {"file": SimpleUploadedFile("台账.xlsx", mixed_units()), "valid_only": "true"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["skipped"], body["valid_only"]) == (2, 2, True)
    assert len(client.get(body["errors_url"]).json()["errors"]) == body["error_count"]
    refused = client.post(
        "/api/v1/imports/units", {"file": SimpleUploadedFile("x.csv", b"\x00\x01binary")}
    ).json()
    errors = client.get(refused["errors_url"]).json()["errors"]
    assert (
        errors == [{"row": None, "column": "（整个文件）", "reason": refused["message"]}]
        and "不是可识别的台账文件" in refused["message"]
    )


def test_errors_route_is_in_the_openapi_document(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/imports/jobs/{job_id}/errors"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ImportErrorsOut")
    upload = doc["paths"]["/api/v1/imports/{kind}"]["post"]["requestBody"]["content"]
    assert "valid_only" in str(upload)


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize(
    ("kind", "column", "options"),
    [
        ("units", "单位类别", "非公企业"),
        ("units", "规模以上", '"是,否"'),
        ("party-orgs", "层级", "党支部"),
        ("members", "党员类别", "预备党员"),
        ("members", "性别", '"男,女"'),
        ("members", "流动党员", '"是,否"'),
    ],
)
def test_templates_carry_dropdowns_and_an_example_row(
    tree: Any, personas: Any, client_for: Any, kind: str, column: str, options: str
) -> None:
    book = workbook_of(client_for(personas.street_staff).get(f"/orgs/ledger/template/{kind}/"))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    letter = sheet.cell(1, header.index(column) + 1).column_letter
    rules = [dv for dv in sheet.data_validations.dataValidation if f"{letter}2" in str(dv.sqref)]
    assert len(rules) == 1 and rules[0].type == "list" and options in rules[0].formula1
    assert str(sheet.cell(2, 1).value).startswith("示例：")


def test_an_untouched_template_imports_nothing_and_its_example_row_is_well_formed(
    tree: Any, personas: Any, client_for: Any
) -> None:
    client = client_for(personas.street_staff)
    for kind in ("units", "party-orgs", "members"):
        response = client.get(f"/orgs/ledger/template/{kind}/")
        data = b"".join(response.streaming_content)
        from lianjian.ledger.safety import LedgerFileError

        with pytest.raises(LedgerFileError, match="只有表头"):
            import_ledger(kind, data, user=personas.street_staff)
    # the example row, its mark removed, passes every cell check
    book = workbook_of(client.get("/orgs/ledger/template/members/"))
    header, example = ([c.value for c in row] for row in book.worksheets[0].iter_rows(max_row=2))
    example[0] = example[0].removeprefix("示例：")
    outcome = import_ledger("members", csv_bytes([header, example]), user=personas.street_staff)
    assert {e.column for e in outcome.errors} <= {"所在党组织", "工作单位"}


def test_import_command_valid_only(tree: Any, personas: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    path = tmp_path / "台账.xlsx"
    path.write_bytes(mixed_units())
    call_command("import", "units", str(path), "--user", "street_staff", "--valid-only")
    assert Unit.objects.filter(name__in=["有效单位甲", "有效单位乙"]).count() == 2
    assert not Unit.objects.filter(name="坏代码单位").exists()
