"""End-to-end: a proposal from a unit admin's phone to a verified task.

The building's unit admin (demo_dongyin) files a proposal at 375 px; street staff
(demo_street) accept it and put it on today's meeting of the street's joint-meeting
body, mark two units present; the unit admin checks in through the meeting's QR page
and votes on the phone; staff record the other votes and close the vote, which adopts
it; staff assign a task to the unit, which reports it done on the phone; staff verify
it, the resolution is implemented and the report's figure moves.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from e2e.conftest import DemoServer, login

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
TITLE = "楼宇职工参与社区垃圾分类排班"
BODY = "虹桥街道区域化党建联席会议"


def _context(browser: Any, phone: bool) -> tuple[Any, Any]:
    kw: dict[str, Any] = {"locale": "zh-CN"}
    if phone:
        kw.update(viewport=PHONE, is_mobile=True, has_touch=True)
    context = browser.new_context(**kw)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _submit(page: Any, form: Any, button: str = "button[type=submit]") -> None:
    with page.expect_navigation():
        form.locator(button).first.click()
    page.wait_for_load_state("networkidle")


def _fits(page: Any, what: str) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{what} scrolls sideways by {overflow}px at 375px"


def _messages(page: Any) -> str:
    box = page.locator("ul.messages")
    return str(box.inner_text()) if box.count() else ""


def test_proposal_to_verified_task(browser: Any, demo_server: DemoServer) -> None:
    server = demo_server
    phone_ctx, phone = _context(browser, True)
    desk_ctx, desk = _context(browser, False)
    try:
        # -- the unit admin files a proposal on the phone
        login(phone, server, "demo_dongyin")
        phone.goto(server.url + "/alliances/m/")
        _fits(phone, "phone home")
        with phone.expect_navigation():
            phone.click("text=提交建议议案")
        pick = phone.locator("select#id_body_pick")
        if pick.count():
            value = pick.locator(f"option:has-text('{BODY}')").get_attribute("value")
            pick.select_option(value)
            _submit(phone, phone.locator("form.stacked"))
        form = phone.locator("form.stacked")
        unit_name = str(form.locator("#id_unit option:checked").inner_text()).strip()
        if not unit_name or unit_name.startswith("---"):
            form.locator("#id_unit").select_option(index=1)
            unit_name = str(form.locator("#id_unit option:checked").inner_text()).strip()
        form.locator("#id_title").fill(TITLE)
        form.locator("#id_content").fill(
            "建议楼宇企业按轮班制定排班表，休息日的职工到居住小区值守。"
        )
        form.locator("#id_category").select_option("governance")
        _fits(phone, "proposal form")
        _submit(phone, form)
        assert "议案已提交" in _messages(phone)
        assert phone.locator("#proposal-status").inner_text() == "已提交"
        proposal_url = phone.url

        # -- street staff accept it and put it on today's meeting
        login(desk, server, "demo_street")
        desk.goto(server.url + "/alliances/report/")
        implemented_before = int(desk.locator("#resolutions-implemented").inner_text())
        desk.goto(proposal_url)
        _submit(desk, desk.locator("form:has(button[value=accept])"), "button[value=accept]")
        assert desk.locator("#proposal-status").inner_text() == "已受理"
        _submit(desk, desk.locator("form:has(button[value=agenda])"), "button[value=agenda]")
        assert desk.locator("#proposal-status").inner_text() == "已列入议程"
        with desk.expect_navigation():
            desk.click("dd a[href*='/alliances/meetings/']")
        meeting_url = desk.url
        checkin_url = str(desk.locator("img.qr + p.muted").inner_text()).strip()
        assert re.search(r"/alliances/checkin/\w+/$", checkin_url)
        # two other member units are marked present by staff
        for _ in range(2):
            row = desk.locator(
                f"table.list tr:has(button:text-is('登记到会')):not(:has-text('{unit_name}'))"
            ).first
            _submit(desk, row.locator("form"))
            assert "已登记到会" in _messages(desk)

        # -- the unit admin checks in by the QR code's page
        phone.goto(checkin_url)
        _fits(phone, "check-in page")
        card = phone.locator(f"section.card:has(h2:text-is('{unit_name}'))")
        _submit(phone, card.locator("form"))
        assert "签到成功" in _messages(phone)

        # -- the meeting is held; votes
        desk.goto(meeting_url)
        assert desk.locator("#present-count").inner_text() == "3"
        _submit(desk, desk.locator("form:has(input[value=hold])"))
        phone.goto(server.url + "/alliances/m/")
        vote = phone.locator("form.vote").first
        unit_value = vote.locator(f"select option:text-is('{unit_name}')").get_attribute("value")
        vote.locator("select").select_option(unit_value)
        _submit(phone, vote, "button[value=yes]")
        assert "已记录表决" in _messages(phone)
        desk.goto(meeting_url)
        card = desk.locator(f"div.card:has(h3:has-text('{TITLE}'))")
        staff_form = card.locator("form:has(button:text-is('记录表决'))")
        options = staff_form.locator("select[name=unit] option")
        others = [
            options.nth(i).get_attribute("value")
            for i in range(options.count())
            if str(options.nth(i).inner_text()).strip() != unit_name
        ]
        for value in others:
            staff_form = desk.locator(f"div.card:has(h3:has-text('{TITLE}'))").locator(
                "form:has(button:text-is('记录表决'))"
            )
            staff_form.locator("select[name=unit]").select_option(value)
            staff_form.locator("select[name=choice]").select_option("yes")
            _submit(desk, staff_form)
        card = desk.locator(f"div.card:has(h3:has-text('{TITLE}'))")
        _submit(desk, card.locator("form:has(input[value=decide])"))
        assert "表决结果：已通过" in _messages(desk)

        # -- a task for the unit, reported on the phone, verified by staff
        desk.goto(proposal_url)
        with desk.expect_navigation():
            desk.click("a[href*='/alliances/resolutions/']")
        task_form = desk.locator("form:has(button:text-is('分派任务'))")
        task_form.locator("#id_title").fill("制定楼宇职工垃圾分类排班表")
        task_form.locator("#id_due_on").fill((dt.date.today() + dt.timedelta(days=30)).isoformat())
        value = task_form.locator(f"#id_unit option:text-is('{unit_name}')").get_attribute("value")
        task_form.locator("#id_unit").select_option(value)
        _submit(desk, task_form)
        assert "已分派任务" in _messages(desk)
        phone.goto(server.url + "/alliances/m/")
        with phone.expect_navigation():
            phone.click("text=制定楼宇职工垃圾分类排班表")
        report = phone.locator("form:has(input[value=report])")
        report.locator("#id_percent").fill("100")
        report.locator("#id_text").fill("排班表已制定，18 名职工认领值守")
        report.locator("#id_done").check()
        _fits(phone, "task page")
        _submit(phone, report)
        assert phone.locator("#task-status").inner_text() == "待核验"
        desk.goto(phone.url)
        _submit(desk, desk.locator("form:has(button[value=verify])"), "button[value=verify]")
        assert desk.locator("#task-status").inner_text() == "已核验"
        desk.goto(server.url + "/alliances/report/")
        assert int(desk.locator("#resolutions-implemented").inner_text()) == implemented_before + 1
    finally:
        phone_ctx.close()
        desk_ctx.close()
