"""End-to-end at phone size (375 px): one need through its whole life.

A resident submits it on the public form and keeps the tracking code; the street
dispatcher (demo_street) corrects or confirms the proposed category and dispatches it
to 民政科 with a reply deadline; the department handler (demo_dept) accepts and
replies; the resident rates 不满意, which reopens the case; after a second reply the
resident rates 满意; the dispatcher then reads the history rows. Every step is
checked on what the user sees, and every page must fit the phone without sideways
scrolling.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from e2e.conftest import ARTIFACTS, DemoServer, login

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
NEED_TEXT = "家中独居老人行动不便，生活困难，希望社区帮忙申请困难帮扶和上门关爱"
CATEGORY = "慈善关爱"
DEPARTMENT = "民政科"
STREET = "虹桥街道"
COMMUNITY = "虹储居民区"
FIRST_REPLY = "已联系居委会，下周安排社工上门了解情况"
SECOND_REPLY = "社工已上门核实，困难帮扶申请已受理，每周两次上门关爱"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _phone_page(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _choose_place(page: Any) -> None:
    """Street first (its communities arrive by htmx), then the community."""
    with page.expect_response(lambda r: "/needs/submit/places/" in r.url):
        page.select_option("select[name=street]", label=STREET)
    page.select_option("select[name=region]", label=COMMUNITY)


def _go(page: Any, selector: str) -> None:
    """Click something that loads a new page and wait for that page, not the old one."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state("networkidle")


def _check_fits(page: Any, what: str) -> None:
    """The page must fit the phone: wide tables scroll inside their wrapper, never the page."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{what} scrolls sideways by {overflow}px at 375px"


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"needs-{name}-375.png"), full_page=True)


def _messages(page: Any) -> str:
    box = page.locator("ul.messages")
    return box.inner_text() if box.count() else ""


def _status_badge(page: Any) -> str:
    return str(page.locator("h1 .badge").inner_text()).strip()


def _open_from_list(page: Any, server: DemoServer, code: str) -> None:
    """Staff reach the need the way a user would: menu → 需求工单 → search by code → click."""
    page.goto(server.url + reverse("portal:home"))
    page.click("label.nav-toggle-label")
    _go(page, "nav.mainnav >> text=需求工单")
    assert urlparse(page.url).path == reverse("needs:list")
    page.fill("form.filters input[name=q]", code)
    _go(page, "form.filters button[type=submit]")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1, f"searching {code} lists exactly that need"
    _go(page, f"table.list a:text-is('{code}')")
    assert page.locator("h1").inner_text().startswith(f"需求 {code}")


def _track(page: Any, server: DemoServer, code: str) -> None:
    """The resident types the code into the public tracking form."""
    page.goto(server.url + reverse("needs:track"))
    page.fill("input[name=code]", code)
    _go(page, "form.stacked button[type=submit]")
    assert urlparse(page.url).path == reverse("needs:track_detail", args=[code])


def _rate(page: Any, label: str, comment: str) -> None:
    form = page.locator("form.stacked:has(button:text-is('提交评价'))")
    form.get_by_label(label, exact=True).check()
    form.locator("textarea[name=comment]").fill(comment)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "感谢您的评价" in _messages(page)


def _select_by_text(page: Any, selector: str, text: str) -> None:
    """Pick the option whose label starts with `text` (labels may carry a suffix)."""
    options = page.locator(f"{selector} option")
    values = [
        options.nth(i).get_attribute("value")
        for i in range(options.count())
        if str(options.nth(i).inner_text()).strip().startswith(text)
    ]
    assert len(values) == 1, f"{selector} offers exactly one {text}: {values}"
    page.select_option(selector, values[0])


def _selected(page: Any, selector: str) -> str:
    return str(page.eval_on_selector(selector, "e => e.options[e.selectedIndex].text")).strip()


def _dept_stats(page: Any, server: DemoServer) -> dict[str, str]:
    """The street's 需求统计 page (grouped by department, this month) as 民政科's row."""
    page.goto(server.url + reverse("portal:home"))
    page.click("label.nav-toggle-label")
    _go(page, "nav.mainnav >> text=需求统计")
    assert page.inner_text("h1").strip() == "需求统计"
    headers = [str(h).strip() for h in page.locator("table.list thead th").all_inner_texts()]
    for row in page.locator("table.list tbody tr").all():
        cells = [str(c).strip() for c in row.locator("td").all_inner_texts()]
        if cells and cells[0] == DEPARTMENT:
            return dict(zip(headers, cells, strict=True))
    return {}


def _count(row: dict[str, str], column: str) -> int:
    return int(row.get(column, "0"))


def _need_row(server: DemoServer, code: str) -> tuple[Any, ...]:
    rows = server.query(
        "SELECT n.status, n.reopen_count, n.rating, n.deadline, d.name, c.name"
        " FROM needs_need n LEFT JOIN needs_department d ON d.id = n.department_id"
        " LEFT JOIN needs_category c ON c.id = n.category_id WHERE n.tracking_code = ?",
        code,
    )
    assert len(rows) == 1
    return rows[0]


def test_need_from_phone_form_to_satisfied_rating(browser: Any, demo_server: DemoServer) -> None:
    resident_ctx, resident = _phone_page(browser)
    staff_ctx, staff = _phone_page(browser)
    handler_ctx, handler = _phone_page(browser)
    try:
        # 1. the resident submits a need without an account and gets a tracking code
        resident.goto(demo_server.url + reverse("needs:public_submit"))
        assert "提交需求" in resident.inner_text("h1")
        resident.fill("textarea[name=text]", NEED_TEXT)
        _choose_place(resident)
        resident.select_option("select[name=submitter_kind]", "person")
        resident.fill("input[name=submitter_name]", "王阿姨（演示）")
        resident.fill("input[name=contact_phone]", "13900008888")
        _check_fits(resident, "the public form")
        _shot(resident, "1-submit")
        _go(resident, "form button[type=submit]")
        assert "提交成功" in resident.inner_text("h1")
        code = resident.inner_text("#tracking-code").strip()
        assert re.fullmatch(r"[0-9A-Z]{10}", code), code
        _check_fits(resident, "the confirmation page")
        _shot(resident, "2-code")
        assert _need_row(demo_server, code)[0] == "received"

        # 2. the street dispatcher sees the proposal and dispatches to 民政科 with a deadline
        login(staff, demo_server, "demo_street")
        assert urlparse(staff.url).path == reverse("portal:home")
        stats_before = _dept_stats(staff, demo_server)
        _open_from_list(staff, demo_server, code)
        assert _status_badge(staff) == "已受理"
        detail = staff.inner_text("dl.detail")
        assert NEED_TEXT in detail
        assert "139****8888" in detail, "the resident's phone is shown masked to staff"
        assert "13900008888" not in staff.content()
        proposal = staff.locator("dt:text-is('智能分拣建议') + dd").inner_text().strip()
        assert proposal != "无", "triage proposes a category and department at once"
        proposed_category, proposed_department = (
            part.strip() for part in proposal.split("（")[0].split("→")
        )
        # the dispatch form starts from the proposal; the dispatcher confirms or corrects it
        assert _selected(staff, "#d-cat").startswith(proposed_category)
        assert _selected(staff, "#d-dept") == proposed_department
        _select_by_text(staff, "#d-cat", CATEGORY)
        _select_by_text(staff, "#d-dept", DEPARTMENT)
        staff.fill("#d-note", "请核实老人家庭情况")
        _check_fits(staff, "the dispatcher's need page")
        _shot(staff, "3-dispatch")
        _go(staff, "button:text-is('确认派单')")
        assert "操作成功" in _messages(staff)
        assert _status_badge(staff) == "已派单"
        assert staff.locator("dt:text-is('类别') + dd").inner_text().strip() == CATEGORY
        assert staff.locator("dt:text-is('责任部门') + dd").inner_text().strip() == DEPARTMENT
        deadline_shown = staff.locator("dt:text-is('答复期限') + dd").inner_text().strip()
        match = DATE.match(deadline_shown)
        assert match, f"a reply deadline is set at dispatch, got {deadline_shown!r}"
        deadline = dt.date.fromisoformat(match.group(0))
        # 慈善关爱 answers within 5 working days: at least five days ahead, under three weeks
        today = dt.date.today()
        assert today + dt.timedelta(days=5) <= deadline <= today + dt.timedelta(days=21)
        assert staff.locator("button:text-is('确认派单')").count() == 0
        status, _, _, _, dept_name, cat_name = _need_row(demo_server, code)
        assert (status, dept_name, cat_name) == ("dispatched", DEPARTMENT, CATEGORY)
        confirmed = demo_server.query(
            "SELECT t.corrected FROM needs_triagecorrection t JOIN needs_need n"
            " ON n.id = t.need_id WHERE n.tracking_code = ?",
            code,
        )
        assert confirmed == [(int(proposed_category != CATEGORY),)]

        # 3. the department handler logs in, accepts and replies
        login(handler, demo_server, "demo_dept")
        _open_from_list(handler, demo_server, code)
        assert _status_badge(handler) == "已派单"
        assert handler.locator("button:text-is('确认派单')").count() == 0, (
            "handlers do not dispatch"
        )
        _go(handler, "button:text-is('签收')")
        assert "操作成功" in _messages(handler)
        assert _status_badge(handler) == "办理中"
        assert handler.locator("button:text-is('签收')").count() == 0
        handler.fill("#r-text", FIRST_REPLY)
        _check_fits(handler, "the handler's need page")
        _shot(handler, "4-reply")
        _go(handler, "button:text-is('提交答复')")
        assert "操作成功" in _messages(handler)
        assert _status_badge(handler) == "已答复"
        assert FIRST_REPLY in handler.inner_text("dl.detail")

        # 4. the resident tracks the need by code and rates 不满意, which reopens it
        _track(resident, demo_server, code)
        assert resident.inner_text("#need-status").strip() == "已答复"
        assert resident.inner_text("#reply-text").strip() == FIRST_REPLY
        assert DEPARTMENT in resident.inner_text("dl.detail")
        assert "13900008888" not in resident.content()
        _check_fits(resident, "the tracking page")
        _shot(resident, "5-track-replied")
        _rate(resident, "不满意", "只说下周上门，没有解决实际困难")
        assert resident.inner_text("#need-status").strip() == "重新办理"
        assert resident.locator("button:text-is('提交评价')").count() == 0, (
            "a reopened need cannot be rated again before the next reply"
        )
        _shot(resident, "6-reopened")
        assert _need_row(demo_server, code)[:3] == ("reopened", 1, "unsatisfied")

        # 5. the handler sees it reopened and replies a second time
        handler.reload()
        handler.wait_for_load_state("networkidle")
        assert _status_badge(handler) == "重新办理"
        assert "不满意" in handler.inner_text("dl.detail")
        handler.fill("#r-text", SECOND_REPLY)
        _go(handler, "button:text-is('提交答复')")
        assert "操作成功" in _messages(handler)
        assert _status_badge(handler) == "已答复"

        # 6. the resident rates the second reply 满意
        resident.reload()
        resident.wait_for_load_state("networkidle")
        assert resident.inner_text("#need-status").strip() == "已答复"
        assert resident.inner_text("#reply-text").strip() == SECOND_REPLY
        _rate(resident, "满意", "社工很负责，谢谢")
        assert resident.inner_text("#need-status").strip() == "已评价"
        assert resident.locator("dt:text-is('您的评价') + dd").inner_text().strip() == "满意"
        assert resident.locator("button:text-is('提交评价')").count() == 0
        _check_fits(resident, "the rated tracking page")
        _shot(resident, "7-rated")
        assert _need_row(demo_server, code)[:3] == ("rated", 1, "satisfied")

        # 7. the dispatcher reads the need's history, one row per transition
        staff.reload()
        staff.wait_for_load_state("networkidle")
        assert _status_badge(staff) == "已评价"
        history = staff.locator("section.card:has(h2:text-is('办理记录')) table.list tbody tr")
        cells = [
            [str(c).strip() for c in history.nth(i).locator("td").all_inner_texts()]
            for i in range(history.count())
        ]
        transitions = [row[2] for row in cells]
        assert transitions == [
            "— → 已受理",
            "已受理 → 已派单",
            "已派单 → 办理中",
            "办理中 → 已答复",
            "已答复 → 已评价",
            "已评价 → 重新办理",
            "重新办理 → 已答复",
            "已答复 → 已评价",
        ], cells
        assert all(DATE.match(row[0]) for row in cells), "every row carries its time"
        actors = [row[3] for row in cells]
        assert "系统/提出人" in actors[0], "the public submission has no staff actor"
        assert all(a != "系统/提出人" for a in (actors[1], actors[2], actors[3], actors[6]))
        assert actors[1] != actors[2], "dispatcher and handler are different people"
        assert DEPARTMENT in cells[1][4], "the dispatch row names the department"
        assert any("只说下周上门" in row[5] for row in cells), "the unsatisfied comment is kept"
        _check_fits(staff, "the need history")
        _shot(staff, "8-history")

        # 8. the street's statistics count the case once for 民政科 (each need is one case:
        # first reply, latest rating), with its reopening in the reopen rate
        stats_after = _dept_stats(staff, demo_server)
        assert stats_after, "民政科 appears in the department statistics"
        deltas = {
            column: _count(stats_after, column) - _count(stats_before, column)
            for column in ("受理", "答复", "评价")
        }
        assert deltas == {"受理": 1, "答复": 1, "评价": 1}, (stats_before, stats_after)
        assert stats_after["满意率"] != "—"
        assert stats_after["重办率"] != "—"
        if not stats_before:  # the only 民政科 case: its latest rating is 满意 and it reopened once
            assert float(stats_after["满意率"]) == 100.0
            assert float(stats_after["重办率"]) == 100.0
        _check_fits(staff, "the needs statistics")
        _shot(staff, "9-stats")
    finally:
        for context in (resident_ctx, staff_ctx, handler_ctx):
            context.close()


def test_dispatcher_corrects_the_proposed_category(browser: Any, demo_server: DemoServer) -> None:
    """A proposal the dispatcher overrides: the final labels win and are kept as a
    correction for retraining triage."""
    resident_ctx, resident = _phone_page(browser)
    staff_ctx, staff = _phone_page(browser)
    try:
        resident.goto(demo_server.url + reverse("needs:public_submit"))
        resident.fill("textarea[name=text]", "想借用社区会议室场地，周末组织居民健身球赛活动")
        _choose_place(resident)
        resident.fill("input[name=contact_phone]", "13900006666")
        _go(resident, "form button[type=submit]")
        code = resident.inner_text("#tracking-code").strip()

        login(staff, demo_server, "demo_street")
        _open_from_list(staff, demo_server, code)
        proposed = _selected(staff, "#d-cat")
        target = "文体健身" if not proposed.startswith("文体健身") else "场地租赁"
        target_dept = "文体中心" if target == "文体健身" else "资产管理办公室"
        _select_by_text(staff, "#d-cat", target)
        _select_by_text(staff, "#d-dept", target_dept)
        _go(staff, "button:text-is('确认派单')")
        assert "操作成功" in _messages(staff)
        assert _status_badge(staff) == "已派单"
        assert staff.locator("dt:text-is('类别') + dd").inner_text().strip() == target
        assert staff.locator("dt:text-is('责任部门') + dd").inner_text().strip() == target_dept
        # the proposal stays visible next to the final labels
        proposal = staff.locator("dt:text-is('智能分拣建议') + dd").inner_text()
        assert proposed.split("（")[0] in proposal
        rows = demo_server.query(
            "SELECT c.name, t.corrected FROM needs_triagecorrection t"
            " JOIN needs_need n ON n.id = t.need_id"
            " JOIN needs_category c ON c.id = t.category_id WHERE n.tracking_code = ?",
            code,
        )
        assert rows == [(target, 1)]
        _, _, _, _, dept_name, cat_name = _need_row(demo_server, code)
        assert (dept_name, cat_name) == (target_dept, target)
    finally:
        for context in (resident_ctx, staff_ctx):
            context.close()
