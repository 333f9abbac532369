"""Ledger import: good files in the shapes real ledgers take, and malformed files refused
with their message while the database stays as it was."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lianjian.ledger.cells import read_date as as_date
from lianjian.ledger.importer import import_ledger
from lianjian.ledger.models import ImportJob
from lianjian.ledger.safety import LedgerFileError
from lianjian.ledger.tests.ledger_files import macro_workbook, rezip, xlsx, zip_bomb
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Unit
from lianjian.orgs.tests.factories import make_credit_code, make_id_number

UNIT_HEADER = ["单位名称", "统一社会信用代码", "单位类别", "所在区域", "规模以上", "登记日期"]
MEMBER_HEADER = ["姓名", "身份证号", "手机号", "所在党组织", "工作单位", "入党日期"]


def registry_state() -> tuple[Any, ...]:
    return (
        sorted(Unit.objects.values_list("pk", "name", "credit_code", "kind", "employees")),
        sorted(Member.objects.values_list("pk", "name", "id_number_index", "party_org_id")),
        sorted(PartyOrg.objects.values_list("pk", "name", "path")),
        OrgUnitCoverage.objects.count(),
    )


def bad_code(n: int) -> str:
    code = make_credit_code(n)
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_units_with_title_rows_variants_fullwidth_and_dates(tree: Any, personas: Any) -> None:
    code_a, code_b, code_c = make_credit_code(5001), make_credit_code(5002), make_credit_code(5003)
    fullwidth_b = code_b.translate(
        str.maketrans(
            "0123456789ABCDEFGHJKLMNPQRTUWXY",
            "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
        )
    )
    data = xlsx(
        [
            [
                "单位名称（必填）",
                "信用代码",
                "單位類別",
                "所属区域",
                "是否规模以上",
                "成立日期",
                "备注",
            ],
            ["  东银贸易有限公司 ", code_a, "非公企業", "虹储居民区", "是", "2017年7月18日", "x"],
            [
                "虹仙文化服务中心",
                fullwidth_b,
                "社會組織",
                "虹桥街道/虹仙居民区",
                "否",
                "2017/7/18",
                "",
            ],
            ["虹储科技", code_c.lower(), "民营企业", "东银中心", "Y", 42934, ""],
            [None, None, None, None, None, None, None],
        ],
        title="虹桥街道两新组织台账（2017年）",
        extra_lines=["填报日期：2017年12月31日"],
    )
    outcome = import_ledger("units", data, user=personas.street_staff, file_name="台账.xlsx")
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated, outcome.total_rows) == (3, 0, 3)
    a = Unit.objects.get(credit_code=code_a)
    assert a.name == "东银贸易有限公司" and a.is_above_scale and a.kind == "private_enterprise"
    assert a.registered_on == dt.date(2017, 7, 18) and a.community_id == tree.community_a1.pk
    b = Unit.objects.get(credit_code=code_b)
    assert b.kind == "social_org" and b.registered_on == dt.date(2017, 7, 18)
    assert b.community_id == tree.community_a2.pk and b.street_id == tree.street_a.pk
    c = Unit.objects.get(credit_code=code_c)
    assert c.area_id == tree.building_a.pk and c.registered_on == dt.date(2017, 7, 18)


@pytest.mark.parametrize(
    "raw",
    [
        42934,
        "2017-07-18",
        "2017/7/18",
        "2017年7月18日",
        "２０１７年７月１８日",
        dt.datetime(2017, 7, 18, 0, 0),
    ],
)
def test_date_formats(raw: Any) -> None:
    assert as_date(raw) == dt.date(2017, 7, 18)


def test_reimport_updates_instead_of_duplicating(tree: Any, personas: Any) -> None:
    code = make_credit_code(5101)
    first = xlsx(
        [[*UNIT_HEADER, "从业人员数"], ["甲公司", code, "非公企业", "虹储居民区", "否", "", 10]]
    )
    assert import_ledger("units", first, user=personas.street_staff).created == 1
    second = xlsx(
        [
            [*UNIT_HEADER, "从业人员数"],
            ["甲公司（更名）", code, "非公企业", "虹储居民区", "是", "", 250],
        ]
    )
    outcome = import_ledger("units", second, user=personas.street_staff)
    assert (outcome.created, outcome.updated) == (0, 1)
    unit = Unit.objects.get(credit_code=code)
    assert unit.name == "甲公司（更名）" and unit.employees == 250 and unit.is_above_scale
    assert Unit.objects.filter(credit_code=code).count() == 1

    idn = make_id_number(5102)
    rows = [MEMBER_HEADER, ["王小明", idn, "13900005102", "虹储居民区党总支", code, "2010-07-01"]]
    assert import_ledger("members", xlsx(rows), user=personas.street_staff).created == 1
    rows[1][2] = "13900005103"
    rows[1][1] = idn[:-1] + idn[-1].lower() if idn[-1] == "X" else " " + idn
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    assert (outcome.created, outcome.updated) == (0, 1)
    member = Member.objects.get(name="王小明")
    assert member.mobile == "13900005103" and member.workplace_unit == unit
    assert member.joined_on == dt.date(2010, 7, 1) and member.street_id == tree.street_a.pk


def test_member_header_variants(tree: Any, personas: Any) -> None:
    rows = [
        ["党员姓名", "公民身份号码", "联系电话", "所在支部", "党员类别", "流动党员", "流入/流出地"],
        [
            "赵六",
            make_id_number(5201),
            "139-0000-5201",
            "虹仙居民区党支部",
            "預備黨員",
            "是",
            "浙江省杭州市",
        ],
    ]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    assert outcome.ok, outcome.errors
    m = Member.objects.get(name="赵六")
    assert m.status == "probationary" and m.is_floating and m.floating_to == "浙江省杭州市"
    assert m.mobile == "13900005201" and m.party_org == tree.org_a2


def test_party_orgs_with_parent_and_covered_units(tree: Any, personas: Any) -> None:
    rows = [
        [
            "组织名称",
            "层级",
            "组建方式",
            "组织类型",
            "所在区域",
            "上级党组织",
            "覆盖单位",
            "成立日期",
        ],
        [
            "虹储两新联合党总支",
            "党总支",
            "联合建",
            "区域兜底型",
            "虹储居民区",
            "",
            f"{tree.unit_a1.credit_code}；虹仙便民超市",
            "2016-05-04",
        ],
        [
            "虹储第一支部",
            "党支部",
            "单独建",
            "独立建制",
            "虹储居民区",
            "虹储两新联合党总支",
            "",
            "",
        ],
    ]
    outcome = import_ledger("party-orgs", xlsx(rows), user=personas.street_staff)
    assert outcome.ok, outcome.errors
    joint = PartyOrg.objects.get(name="虹储两新联合党总支")
    assert joint.formation == "joint" and joint.org_type == "regional"
    assert set(joint.covered_units.values_list("pk", flat=True)) == {
        tree.unit_a1.pk,
        tree.unit_a2.pk,
    }
    child = PartyOrg.objects.get(name="虹储第一支部")
    assert PartyOrg.objects.get_parent(child) == joint
    assert OrgUnitCoverage.objects.get(party_org=joint, unit=tree.unit_a1).since == dt.date(
        2016, 5, 4
    )


def _errors(outcome: Any) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in outcome.errors]


def test_row_errors_are_collected_and_nothing_written(tree: Any, personas: Any) -> None:
    make_member_idn = make_id_number(5301)
    from lianjian.orgs.tests.factories import make_member

    make_member(party_org=tree.org_a1, id_number=make_member_idn)
    good = make_credit_code(5302)
    before = registry_state()
    units = xlsx(
        [
            UNIT_HEADER,
            ["好单位", good, "非公企业", "虹储居民区", "否", ""],
            ["坏代码单位", bad_code(5303), "非公企业", "虹储居民区", "否", ""],
            ["重复单位", good, "非公企业", "虹储居民区", "否", ""],
            ["类别不对", make_credit_code(5304), "外星企业", "虹储居民区", "否", ""],
            ["区域不对", make_credit_code(5305), "非公企业", "机场新村居民区", "否", ""],
            ["日期不对", make_credit_code(5306), "非公企业", "虹储居民区", "也许", "2017-13-45"],
        ]
    )
    outcome = import_ledger("units", units, user=personas.street_staff)
    errors = _errors(outcome)
    assert not outcome.ok and outcome.created == 0
    assert (3, "统一社会信用代码", errors[0][2]) == errors[0] and "校验码" in errors[0][2]
    assert any(r == 4 and "与第 2 行" in reason for r, _, reason in errors)
    assert any(r == 5 and col == "单位类别" for r, col, _ in errors)
    assert any(r == 6 and "不在您的管辖范围" in reason for r, _, reason in errors)
    assert any(r == 7 and col == "规模以上" for r, col, _ in errors)
    assert any(r == 7 and col == "登记日期" for r, col, _ in errors)
    assert registry_state() == before

    members = xlsx(
        [
            MEMBER_HEADER,
            ["甲", make_id_number(5310), "13900005310", "虹储居民区党总支", "", ""],
            ["乙", make_id_number(5310), "13900005311", "虹储居民区党总支", "", ""],
            ["丙", make_member_idn, "13900005312", "机场新村居民区党支部", "", ""],
            [
                "丁",
                make_id_number(5313)[:-1] + "0"
                if not make_id_number(5313).endswith("0")
                else make_id_number(5313)[:-1] + "1",
                "12345",
                "虹储居民区党总支",
                "",
                "",
            ],
        ]
    )
    outcome = import_ledger("members", members, user=personas.street_staff)
    errors = _errors(outcome)
    assert any(r == 3 and "与第 2 行" in reason for r, _, reason in errors)
    assert any(r == 4 and col == "所在党组织" for r, col, _ in errors)
    assert any(r == 5 and col == "身份证号" for r, col, _ in errors)
    assert any(r == 5 and col == "手机号" for r, col, _ in errors)
    assert registry_state() == before


def test_duplicate_id_against_database_outside_scope(tree: Any, personas: Any) -> None:
    """A secretary importing someone registered in the sibling community: refused, unchanged."""
    before = registry_state()
    rows = [MEMBER_HEADER, ["冒名", tree.member_a2.id_number, "", "虹储居民区党总支", "", ""]]
    outcome = import_ledger("members", xlsx(rows), user=personas.secretary_a1)
    assert _errors(outcome) == [(2, "身份证号", "无法在此登记该身份证号码，请联系区级管理员")]
    assert registry_state() == before
    assert Member.objects.get(pk=tree.member_a2.pk).name == "林二"


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (lambda: b"", "文件为空"),
        # CSV and .xls are ledgers too now: a CSV without our header, a broken .xls
        (lambda: b"name,credit\n1,2\n", "未找到表头"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "已损坏"),
        (zip_bomb, "压缩炸弹"),
        (
            lambda: macro_workbook(
                xlsx(
                    [
                        UNIT_HEADER,
                        ["甲", make_credit_code(5401), "非公企业", "虹储居民区", "否", ""],
                    ]
                )
            ),
            "宏",
        ),
        (
            lambda: rezip(
                xlsx(
                    [
                        UNIT_HEADER,
                        ["甲", make_credit_code(5402), "非公企业", "虹储居民区", "否", ""],
                    ]
                ),
                {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
            ),
            "外部链接",
        ),
        (
            lambda: xlsx(
                [
                    UNIT_HEADER,
                    ["甲", make_credit_code(5403), "非公企业", "虹储居民区", "否", "=TODAY()"],
                ]
            ),
            "公式",
        ),
        (lambda: xlsx([]), "工作表为空"),
        (lambda: xlsx([UNIT_HEADER]), "只有表头"),
        (lambda: xlsx([["甲", "乙"], ["1", "2"]]), "未找到表头"),
        (lambda: xlsx([["单位名称", "单位类别"], ["甲", "非公企业"]]), "缺少必填列：所在区域"),
    ],
)
def test_malformed_files_refused_with_message(
    tree: Any, personas: Any, make_file: Any, message: str
) -> None:
    before = registry_state()
    with pytest.raises(LedgerFileError) as exc:
        import_ledger("units", make_file(), user=personas.street_staff)
    assert message in exc.value.message
    assert registry_state() == before


def test_size_cap_and_row_limit(tree: Any, personas: Any, settings: Any) -> None:
    before = registry_state()
    rows = [UNIT_HEADER] + [
        [f"单位{i}", make_credit_code(5500 + i), "非公企业", "虹储居民区", "否", ""]
        for i in range(11)
    ]
    settings.EXCEL_MAX_ROWS = 10
    with pytest.raises(LedgerFileError, match="超过上限 10 行"):
        import_ledger("units", xlsx(rows), user=personas.street_staff)
    settings.EXCEL_MAX_ROWS = 200_000
    settings.EXCEL_UPLOAD_MAX_BYTES = 2048
    with pytest.raises(LedgerFileError, match="文件过大"):
        import_ledger("units", xlsx(rows), user=personas.street_staff)
    assert registry_state() == before


def test_upload_page_job_and_error_report(tree: Any, personas: Any, client_for: Any) -> None:
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    client = client_for(personas.street_staff)
    page = client.get("/orgs/ledger/import/units/")
    assert page.status_code == 200 and "所在区域" in page.content.decode()
    template = client.get("/orgs/ledger/template/units/")
    header = next(
        load_workbook(BytesIO(b"".join(template.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert header[:2] == ("单位名称", "统一社会信用代码")

    before = registry_state()
    bad = xlsx([UNIT_HEADER, ["坏代码单位", bad_code(5601), "非公企业", "虹储居民区", "否", ""]])
    response = client.post(
        "/orgs/ledger/import/units/", {"file": SimpleUploadedFile("bad.xlsx", bad)}
    )
    job = ImportJob.objects.get(user=personas.street_staff)
    assert response.status_code == 302 and response["Location"] == f"/orgs/ledger/jobs/{job.pk}/"
    assert job.status == ImportJob.Status.FAILED and job.error_count == 1 and job.content is None
    detail = client.get(f"/orgs/ledger/jobs/{job.pk}/").content.decode()
    assert "导入失败" in detail and "下载错误报告" in detail
    # the page itself lists the row-level errors (the report has them all)
    assert 'id="job-error-rows"' in detail and "第 2 行" in detail
    assert "统一社会信用代码" in detail and "GB 32100" in detail
    report = client.get(f"/orgs/ledger/jobs/{job.pk}/errors/")
    rows = list(
        load_workbook(BytesIO(b"".join(report.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0] == ("行号", "列", "原因") and rows[1][:2] == (2, "统一社会信用代码")
    assert registry_state() == before
    # another user cannot see the job or its report
    other = client_for(personas.district_admin)
    assert other.get(f"/orgs/ledger/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/orgs/ledger/jobs/{job.pk}/errors/").status_code == 404
    # a member cannot open the upload page at all
    assert client_for(personas.member).get("/orgs/ledger/import/units/").status_code == 403


def test_large_file_runs_as_task_with_progress(
    tree: Any, personas: Any, client_for: Any, monkeypatch: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianjian.ledger import jobs

    monkeypatch.setattr(jobs, "SYNC_MAX_BYTES", 100)
    enqueued: list[int] = []
    from lianjian.ledger import tasks

    real = tasks.run_import_job

    class Spy:
        def enqueue(self, pk: int) -> Any:
            enqueued.append(pk)
            return real.enqueue(pk)

    monkeypatch.setattr(tasks, "run_import_job", Spy())
    rows = [UNIT_HEADER] + [
        [f"单位{i}", make_credit_code(5700 + i), "非公企业", "虹储居民区", "否", ""]
        for i in range(30)
    ]
    client = client_for(personas.street_staff)
    client.post("/orgs/ledger/import/units/", {"file": SimpleUploadedFile("big.xlsx", xlsx(rows))})
    job = ImportJob.objects.get(user=personas.street_staff)
    assert enqueued == [job.pk]
    assert job.status == ImportJob.Status.SUCCEEDED and job.created_count == 30
    partial = client.get(f"/orgs/ledger/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="job-status"' in partial and "<html" not in partial


def test_api_import(tree: Any, personas: Any, client_for: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(personas.street_staff)
    good = xlsx(
        [UNIT_HEADER, ["接口单位", make_credit_code(5801), "非公企业", "虹储居民区", "否", ""]]
    )
    response = client.post("/api/v1/imports/units", {"file": SimpleUploadedFile("a.xlsx", good)})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1 and response.json()["status"] == "succeeded"
    before = registry_state()
    response = client.post(
        "/api/v1/imports/units", {"file": SimpleUploadedFile("b.xlsx", zip_bomb())}
    )
    assert response.status_code == 422 and "压缩炸弹" in response.json()["message"]
    response = client_for(personas.unit_admin).post(
        "/api/v1/imports/units", {"file": SimpleUploadedFile("a.xlsx", good)}
    )
    assert response.status_code == 403
    assert registry_state() == before


def test_import_command(tree: Any, personas: Any, tmp_path: Any) -> None:
    path = tmp_path / "units.xlsx"
    path.write_bytes(
        xlsx(
            [UNIT_HEADER, ["命令单位", make_credit_code(5901), "非公企业", "虹储居民区", "否", ""]]
        )
    )
    call_command("import", "units", str(path), "--user", "street_staff")
    assert Unit.objects.filter(name="命令单位").exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        xlsx([UNIT_HEADER, ["坏单位", bad_code(5902), "非公企业", "虹储居民区", "否", ""]])
    )
    before = registry_state()
    with pytest.raises(CommandError, match="1 处错误"):
        call_command(
            "import",
            "units",
            str(bad),
            "--user",
            "street_staff",
            "--errors",
            str(tmp_path / "e.xlsx"),
        )
    assert (tmp_path / "e.xlsx").exists() and registry_state() == before
    with pytest.raises(CommandError, match="没有导入台账的权限"):
        call_command("import", "units", str(path), "--user", "member")


def test_text_starting_with_equals_is_not_a_formula(tree: Any, personas: Any) -> None:
    """The fast value reader re-reads such a file with cell types: text "=..." imports."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "单位类别", "所在区域", "所属行业"])
    ws.append(["等号科技", make_credit_code(5601), "非公企业", "虹储居民区", "x"])
    ws["E2"].value = "=信息技术"
    ws["E2"].data_type = "s"  # stored as a string cell, not a formula
    buf = io.BytesIO()
    wb.save(buf)
    outcome = import_ledger("units", buf.getvalue(), user=personas.street_staff)
    assert outcome.ok, outcome.errors
    assert Unit.objects.get(credit_code=make_credit_code(5601)).industry == "=信息技术"


def test_bulk_insert_stamps_rows_and_a_taken_code_writes_nothing(tree: Any, personas: Any) -> None:
    """The bulk write (COPY on PostgreSQL) keeps the unique constraint as the backstop."""
    from lianjian.orgs.errors import RegistryError
    from lianjian.orgs.services_bulk import unit_bulk_upsert

    taken = Unit.objects.filter(credit_code__isnull=False).first()
    assert taken is not None
    fresh = {"name": "批量新单位", "kind": "private_enterprise", "region": tree.community_a1}
    odd = "虹桥路\\1号\t2楼\n(北)"  # COPY text format must escape these
    created, _ = unit_bulk_upsert(
        [fresh | {"credit_code": make_credit_code(5701), "address": odd, "employees": 7}], []
    )
    unit = Unit.objects.get(credit_code=make_credit_code(5701))
    assert created == 1 and unit.created_at and unit.updated_at
    assert unit.address == odd and unit.employees == 7 and unit.is_active
    assert unit.region_id == tree.community_a1.pk and unit.deregistered_on is None
    assert unit.street_id == tree.street_a.pk and unit.community_id == tree.community_a1.pk
    before = registry_state()
    rows = [
        fresh | {"name": "另一新单位", "credit_code": make_credit_code(5702)},
        fresh | {"credit_code": taken.credit_code},
    ]
    with pytest.raises(RegistryError):
        unit_bulk_upsert(rows, [])
    assert registry_state() == before


def test_import_pauses_gc_and_restores_it_even_on_a_refused_file(
    tree: Any, personas: Any, monkeypatch: Any
) -> None:
    import gc

    from lianjian.ledger import importer

    seen: list[bool] = []
    real = importer.read_ledger

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    assert gc.isenabled()
    monkeypatch.setattr(importer, "read_ledger", spy)
    with pytest.raises(LedgerFileError):
        import_ledger("units", b"not a workbook", user=personas.street_staff)
    assert gc.isenabled()
    ok = import_ledger(
        "units",
        xlsx([UNIT_HEADER, ["回收企业", make_credit_code(5801), "非公企业", "虹储居民区"]]),
        user=personas.street_staff,
    )
    assert ok.ok and seen == [False, False] and gc.isenabled()
