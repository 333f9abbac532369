"""The calendar page: who may edit which level, bulk entry and imports (issue 10)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lianjian.core.roles import Role
from lianjian.needs.models import CalendarDay

D = dt.date
URL = "/needs/calendar/"


def local_days() -> list[tuple[Any, ...]]:
    return sorted(
        CalendarDay.objects.exclude(region__isnull=True).values_list(
            "region_id", "date", "is_workday", "note", "edited_by_id"
        )
    )


@pytest.fixture
def sibling_staff(tree: Any) -> Any:
    """Street staff of 程家桥街道, the sibling of the street_staff persona's 虹桥街道."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add

    user = User.objects.create_user("sibling_staff", password="x-Persona-2026!")
    user.must_change_password = False
    user.save()
    grant_add(user, Role.STREET_STAFF, region=tree.street_b)
    return user


def test_street_staff_open_the_calendar_linked_from_their_configuration(
    personas: Any, client_for: Any, world: Any, tree: Any
) -> None:
    staff = client_for(personas.street_staff)
    config = staff.get("/needs/config/").content.decode()
    link = re.search(r'href="(/needs/calendar/[^"]*)"', config)
    assert link is not None
    resp = staff.get(link.group(1).replace("&amp;", "&") + "&year=2025")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "虹桥街道" in body and "2025-10-08" in body and "国庆节" in body
    assert "2025-10-11" in body  # the make-up Saturday is listed too
    assert client_for(personas.secretary_a1).get(URL).status_code == 403


def test_street_staff_edit_only_their_own_street(
    personas: Any, client_for: Any, tree: Any, sibling_staff: Any
) -> None:
    own = client_for(personas.street_staff)
    resp = own.post(
        URL,
        {"what": "day", "region": tree.street_a.pk, "date": "2025-03-12", "kind": "holiday"},
    )
    assert resp.status_code == 302
    assert local_days() == [(tree.street_a.pk, D(2025, 3, 12), False, "", personas.street_staff.pk)]
    before = local_days()
    sibling = client_for(sibling_staff)
    for data in (
        {"what": "day", "region": tree.street_a.pk, "date": "2025-03-13", "kind": "holiday"},
        {"what": "bulk", "region": tree.street_a.pk, "lines": "2025-03-14 休 越权"},
        {"what": "reset", "region": tree.street_a.pk, "date": "2025-03-12"},
        {"what": "day", "region": tree.district.pk, "date": "2025-03-13", "kind": "holiday"},
    ):
        assert sibling.post(URL, data).status_code == 404
    assert sibling.get(f"{URL}?region={tree.street_a.pk}").status_code == 404
    assert local_days() == before


def test_district_admin_edits_the_district_and_its_streets(
    personas: Any, client_for: Any, tree: Any
) -> None:
    admin = client_for(personas.district_admin)
    for region in (tree.district, tree.street_b):
        resp = admin.post(
            URL,
            {"what": "day", "region": region.pk, "date": "2025-03-12", "kind": "workday"},
        )
        assert resp.status_code == 302
    assert [row[0] for row in local_days()] == sorted([tree.district.pk, tree.street_b.pk])
    body = admin.get(f"{URL}?region={tree.street_b.pk}&year=2025").content.decode()
    assert "程家桥街道" in body and "恢复上级设置" in body


def test_pasted_lines_are_saved_together(personas: Any, client_for: Any, tree: Any) -> None:
    staff = client_for(personas.street_staff)
    lines = "2026-10-01 休 国庆节\n2026-10-11 班 调休\n\n２０２６年10月12日，休，街道活动"
    resp = staff.post(URL, {"what": "bulk", "region": tree.street_a.pk, "lines": lines})
    assert resp.status_code == 302 and "year=2026" in resp["Location"]
    assert [(row[1], row[2], row[3]) for row in local_days()] == [
        (D(2026, 10, 1), False, "国庆节"),
        (D(2026, 10, 11), True, "调休"),
        (D(2026, 10, 12), False, "街道活动"),
    ]
    body = staff.get(resp["Location"]).content.decode()
    table = body[body.index('id="calendar-days"') :]
    row = table[table.index("2026-10-12") :].split("</tr>")[0]
    assert "休息" in row and "虹桥街道" in row and "街道活动" in row and "street_staff" in row
    # the national 国庆 days stay listed as national
    national = table[table.index("2026-10-02") :].split("</tr>")[0]
    assert "国家" in national and "国庆节" in national


def test_pasted_lines_with_errors_save_nothing_and_say_why_in_chinese(
    personas: Any, client_for: Any, tree: Any
) -> None:
    staff = client_for(personas.street_staff)
    lines = "2026-10-01 休 国庆节\n2026-13-01 休\n2026-10-03 放风筝\n45678 休\n2026-10-01 班"
    resp = staff.post(URL, {"what": "bulk", "region": tree.street_a.pk, "lines": lines})
    assert resp.status_code == 400
    body = resp.content.decode()
    for message in (
        "第 2 行：日期“2026-13-01”不存在",
        "第 3 行：类型“放风筝”无法识别",
        "第 4 行：日期“45678”无法识别",
        "第 5 行：日期 2026-10-01 与第 1 行重复",
    ):
        assert message in body
    assert lines.splitlines()[2] in body  # the pasted text is kept for correction
    assert local_days() == []


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2027年虹桥街道工作日历"])
    sheet.append(["日期", "类型", "说明"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_year_is_imported_from_excel_or_csv(personas: Any, client_for: Any, tree: Any) -> None:
    staff = client_for(personas.street_staff)
    xlsx = _xlsx([[dt.datetime(2027, 10, 1), "休", "国庆节"], ["2027-10-09", "班", "调休"]])
    resp = staff.post(
        URL,
        {
            "what": "import",
            "region": tree.street_a.pk,
            "file": SimpleUploadedFile("2027.xlsx", xlsx),
        },
    )
    assert resp.status_code == 302
    gbk = "日期,类型,说明\n2027-10-02,休,国庆节\n2027/10/10,上班,调休\n".encode("gbk")
    resp = staff.post(
        URL,
        {"what": "import", "region": tree.street_a.pk, "file": SimpleUploadedFile("a.csv", gbk)},
    )
    assert resp.status_code == 302
    assert [(row[1], row[2], row[3]) for row in local_days()] == [
        (D(2027, 10, 1), False, "国庆节"),
        (D(2027, 10, 2), False, "国庆节"),
        (D(2027, 10, 9), True, "调休"),
        (D(2027, 10, 10), True, "调休"),
    ]


def test_bad_files_are_refused_with_row_errors(personas: Any, client_for: Any, tree: Any) -> None:
    staff = client_for(personas.street_staff)
    cases = [
        (_xlsx([[46296, "休", "序列号"], ["2027-10-02", "", ""]]), "第 3 行：日期“46296”是数字"),
        (
            _xlsx([["2027-10-01", "休", "国庆"], ["2027-10-02", "?", ""]]),
            "第 4 行：类型“?”无法识别",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 .xls 文件"),
        (b"\x00\xff\x00\xfe binary", "文件不是 .xlsx 或 CSV 文本"),
    ]
    for data, message in cases:
        resp = staff.post(
            URL,
            {"what": "import", "region": tree.street_a.pk, "file": SimpleUploadedFile("f", data)},
        )
        assert resp.status_code == 400
        assert message in resp.content.decode()
    assert local_days() == []


def test_reset_goes_back_to_the_national_day(personas: Any, client_for: Any, tree: Any) -> None:
    from lianjian.needs import workdays

    staff = client_for(personas.street_staff)
    place = workdays.Place(tree.district.pk, tree.street_a.pk)
    staff.post(URL, {"region": tree.street_a.pk, "date": "2025-10-08", "kind": "workday"})
    assert workdays.is_workday(D(2025, 10, 8), place)
    resp = staff.post(URL, {"what": "reset", "region": tree.street_a.pk, "date": "2025-10-08"})
    assert resp.status_code == 302
    assert local_days() == []
    assert not workdays.is_workday(D(2025, 10, 8), place)


def test_home_page_warns_admins_when_a_year_has_no_official_schedule(
    personas: Any, client_for: Any
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0)):  # 2027 not yet published
        for user in (personas.district_admin, personas.street_staff):
            body = client_for(user).get("/").content.decode()
            assert 'id="calendar-gaps"' in body and "2027 年的国家节假日" in body
        assert (
            'id="calendar-gaps"' not in client_for(personas.secretary_a1).get("/").content.decode()
        )
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, 0)):  # 2025 and 2026 are loaded
        assert (
            'id="calendar-gaps"'
            not in client_for(personas.district_admin).get("/").content.decode()
        )
