"""End-to-end: a street's staff member reads the organization coverage figure, imports a
unit ledger and a Party organization ledger that covers some of the new units, and sees
the figure move; a ledger with a bad credit-code checksum shows its row-level error and
changes nothing, and imported again with "仅导入有效行" writes its good row only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from e2e.conftest import DemoServer, login
from lianjian.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

pytestmark = pytest.mark.browser

COVERAGE = "/orgs/ledger/coverage/"


def credit_code(n: int) -> str:
    """A valid GB 32100 code in a range the demo data does not use."""
    body, v = "", n
    for _ in range(9):
        body = CREDIT_CODE_ALPHABET[v % 31] + body
        v //= 31
    first17 = "91310105" + body
    return first17 + credit_code_check_char(first17)


def ledger(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def figures(page: Any, server: DemoServer) -> tuple[int, int, str]:
    """(covered, two-new organizations, coverage rate text) as the report page shows them."""
    page.goto(server.url + COVERAGE)
    assert "组织覆盖统计 · 虹桥街道" in page.inner_text("h1")

    def number(selector: str) -> int:
        return int(page.inner_text(selector).replace(",", ""))

    return number("#fig-covered"), number("#fig-liangxin"), page.inner_text("#rate-org").strip()


def upload(page: Any, server: DemoServer, kind: str, path: Path, valid_only: bool = False) -> str:
    page.goto(f"{server.url}/orgs/ledger/import/{kind}/")
    page.set_input_files("#id_file", str(path))
    if valid_only:
        page.check("#id_valid_only")
    page.click("#ledger-upload button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert re.search(r"/orgs/ledger/jobs/\d+/$", page.url), page.url
    return str(page.inner_text("#job-status"))


def test_street_staff_imports_ledgers_and_coverage_moves(
    page: Any, demo_server: DemoServer, tmp_path: Path
) -> None:
    login(page, demo_server, "demo_street")
    covered, liangxin, rate = figures(page, demo_server)
    assert liangxin > 0 and rate == f"{round(covered * 100 / liangxin, 1)}%"

    # 40 new two-new units: enough to move a street-wide rate shown to one decimal
    codes = [credit_code(9_100_000 + n) for n in range(40)]
    kinds = ["非公企业", "社会组织"]
    units = ledger(
        tmp_path / "两新组织台账.xlsx",
        [["单位名称", "统一社会信用代码", "单位类别", "所在区域", "规模以上", "登记日期"]]
        + [
            [f"联建测试企业{n:02d}", code, kinds[n % 2], "虹储居民区", "否", "2024-03-01"]
            for n, code in enumerate(codes)
        ],
    )
    status = upload(page, demo_server, "units", units)
    assert "导入成功" in status and "新增 40 条" in status, status
    after_units = figures(page, demo_server)
    assert after_units[:2] == (covered, liangxin + 40), "forty uncovered two-new units"
    assert float(after_units[2].rstrip("%")) < float(rate.rstrip("%")), "the rate drops"

    # a joint branch covering 30 of them
    orgs = ledger(
        tmp_path / "党组织台账.xlsx",
        [
            ["组织名称", "层级", "组建方式", "所在区域", "成立日期", "覆盖单位"],
            [
                "联建测试联合党支部",
                "党支部",
                "联合建",
                "虹储居民区",
                "2024-05-01",
                "；".join(codes[:30]),
            ],
        ],
    )
    status = upload(page, demo_server, "party-orgs", orgs)
    assert "导入成功" in status, status
    new_covered, new_liangxin, new_rate = figures(page, demo_server)
    assert (new_covered, new_liangxin) == (covered + 30, liangxin + 40)
    assert new_rate == f"{round(new_covered * 100 / new_liangxin, 1)}%"
    assert float(new_rate.rstrip("%")) > float(after_units[2].rstrip("%")), "and rises again"

    # the figure links to its list, and the list holds exactly that many units
    page.goto(demo_server.url + COVERAGE)
    page.click("#fig-covered")
    page.wait_for_load_state("networkidle")
    assert f"共 {new_covered} 条" in page.inner_text("body")

    good_code, bad = credit_code(9_100_010), credit_code(9_100_011)
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")  # break the check character
    broken = ledger(
        tmp_path / "有错误的台账.xlsx",
        [
            ["单位名称", "统一社会信用代码", "单位类别", "所在区域"],
            ["联建测试正确企业", good_code, "非公企业", "虹储居民区"],
            ["联建测试错误企业", bad, "非公企业", "虹储居民区"],
        ],
    )
    units_before = demo_server.query("SELECT count(*) FROM orgs_unit")
    status = upload(page, demo_server, "units", broken)
    assert "导入失败" in status and "整个文件未导入" in status
    errors = page.inner_text("#job-error-rows")
    assert "第 3 行" in errors and "统一社会信用代码" in errors and "校验码" in errors
    assert demo_server.query("SELECT count(*) FROM orgs_unit") == units_before
    assert not demo_server.query(
        "SELECT id FROM orgs_unit WHERE name IN (?, ?)", "联建测试正确企业", "联建测试错误企业"
    )
    assert figures(page, demo_server) == (new_covered, new_liangxin, new_rate)

    # the same file, importing its valid rows only: the good row (a code imported above,
    # so an update) lands, the bad one waits
    status = upload(page, demo_server, "units", broken, valid_only=True)
    assert "导入成功" in status and "更新 1 条" in status and "跳过 1 行" in status, status
    assert page.inner_text("#job-skipped").strip() == "1"
    assert "第 3 行" in page.inner_text("#job-error-rows")
    assert demo_server.query("SELECT count(*) FROM orgs_unit") == units_before
    assert demo_server.query("SELECT name FROM orgs_unit WHERE credit_code = ?", good_code) == [
        ("联建测试正确企业",)
    ]
    assert not demo_server.query("SELECT id FROM orgs_unit WHERE name = ?", "联建测试错误企业")
