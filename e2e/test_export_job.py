"""End-to-end: a district admin exports the district's unit list, too long for one request.

The export becomes a background job (the e2e server runs tasks at once and
sets EXPORT_SYNC_MAX_ROWS low); the browser lands on the job's page, sees it
done and downloads the workbook, which holds every unit of the list.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from openpyxl import load_workbook

from e2e.conftest import DemoServer, login

pytestmark = pytest.mark.browser


def test_district_admin_downloads_a_background_export(
    page: Any, demo_server: DemoServer, tmp_path: Any
) -> None:
    login(page, demo_server, "demo_district")
    page.goto(demo_server.url + "/orgs/units/")
    page.click("#export-link")
    page.wait_for_load_state("networkidle")
    assert re.search(r"/orgs/ledger/exports/\d+/$", page.url), page.url
    assert "导出完成" in page.inner_text("#export-status")
    with page.expect_download() as info:
        page.click("#export-download")
    saved = tmp_path / "units.xlsx"
    info.value.save_as(saved)
    rows = list(load_workbook(saved, read_only=True).worksheets[0].iter_rows(values_only=True))
    (live_units,) = demo_server.query(
        "SELECT COUNT(*) FROM orgs_unit u JOIN orgs_region d ON d.id = u.district_id "
        "WHERE u.is_active AND d.name = '长宁区'"
    )[0]
    assert rows[0][:2] == ("单位名称", "统一社会信用代码")
    assert len(rows) - 1 == live_units > 1000
    # the page lists it among the user's background exports
    page.goto(demo_server.url + "/orgs/ledger/")
    assert "我的后台导出" in page.content()
