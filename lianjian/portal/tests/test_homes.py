"""Each role's home shows its own to-dos and figures, each linking to the list behind it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from lianjian.core.registry import home_cards


def _card(html: str, key: str) -> str:
    match = re.search(rf'id="card-{key}"[^>]*>.*?class="num">([^<]+)<', html, re.S)
    assert match, key
    return match.group(1)


def _card_url(html: str, key: str) -> str:
    match = re.search(rf'id="card-{key}"[^>]*href="([^"]+)"', html)
    if match is None:
        match = re.search(rf'href="([^"]+)"[^>]*id="card-{key}"', html)
    assert match, key
    return match.group(1).replace("&amp;", "&")


def _home(client_for: Any, user: Any) -> str:
    response = client_for(user).get(reverse("portal:home"))
    assert response.status_code == 200
    return str(response.content.decode())


def _rows(client: Any, url: str) -> int:
    html = client.get(url).content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr")


@pytest.fixture
def needs_world(tree: Any) -> Any:
    from lianjian.needs.demo import build_needs_demo
    from lianjian.needs.services import category_update, department_create, need_submit

    demo = build_needs_demo(tree.street_a)
    civil = department_create(street=tree.street_a, key="civil-affairs", name="民政办")
    charity = demo.categories["慈善关爱"]
    category_update(charity, department=civil, deadline_workdays=5)
    needs = [
        need_submit(
            channel="hotline",
            text=text,
            region=tree.community_a1,
            submitter_kind="person",
            submitter_name="王女士",
            contact_phone="13812345678",
        )
        for text in ("独居老人生活困难希望帮扶", "楼道灯坏了请修理", "想借用活动室开展活动")
    ]
    return civil, charity, needs


def test_every_card_key_is_unique_and_has_a_kind():
    keys = [c.key for c in home_cards()]
    assert len(keys) == len(set(keys))
    assert {c.kind for c in home_cards()} <= {"kpi", "todo"}


def test_dispatcher_and_handler_homes(personas, needs_world, client_for):
    from lianjian.needs.models import Need
    from lianjian.needs.services import need_dispatch

    civil, charity, needs = needs_world
    need_dispatch(needs[0].pk, actor=personas.street_staff, category=charity, department=civil)
    need_dispatch(needs[1].pk, actor=personas.street_staff, category=charity, department=civil)
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    Need.objects.filter(pk=needs[0].pk).update(deadline=tomorrow.replace(hour=17))
    Need.objects.filter(pk=needs[1].pk).update(deadline=timezone.now() - dt.timedelta(hours=1))

    staff = client_for(personas.street_staff)
    html = _home(client_for, personas.street_staff)
    assert _card(html, "needs-to-dispatch") == "1"
    assert _card(html, "needs-overdue") == "1"
    assert _card(html, "needs-open") == "3"
    assert "card-needs-awaiting" not in html  # a dispatcher is not a handler
    # each figure is the length of the list it links to
    assert _rows(staff, _card_url(html, "needs-to-dispatch")) == 1
    assert _rows(staff, _card_url(html, "needs-overdue")) == 1
    assert _rows(staff, _card_url(html, "needs-open")) == 3

    handler = client_for(personas.dept_handler)
    html = _home(client_for, personas.dept_handler)
    assert _card(html, "needs-awaiting") == "2"
    assert _card(html, "needs-due-tomorrow") == "1"
    assert _card(html, "needs-overdue") == "1"
    assert "card-needs-to-dispatch" not in html
    assert "stat-units" not in html  # no registry figures for a department
    assert _rows(handler, _card_url(html, "needs-due-tomorrow")) == 1
    assert _rows(handler, _card_url(html, "needs-awaiting")) == 2


def test_secretary_home_shows_coverage_visits_and_needs(personas, needs_world, client_for):
    html = _home(client_for, personas.secretary_a1)
    for key in ("orgs-coverage", "visits-coverage", "visits-month", "needs-open"):
        assert f'id="card-{key}"' in html, key
    assert _card(html, "needs-open") == "3"
    assert _card(html, "visits-month") == "0"
    other = _home(client_for, personas.secretary_a2)
    assert _card(other, "needs-open") == "0"  # the sibling community's needs are not hers


def test_audit_admin_home(personas, client_for):
    denied = client_for(personas.member)
    assert denied.get(reverse("core:audit_list")).status_code == 403
    html = _home(client_for, personas.audit_admin)
    assert _card(html, "core-chain") == "完整"
    assert _card(html, "core-denied") == "1"
    assert "stat-units" not in html and "chart-kinds" not in html
    audit = client_for(personas.audit_admin)
    assert _rows(audit, _card_url(html, "core-denied")) == 1


def test_security_admin_home(personas, client_for, settings):
    from axes.models import AccessAttempt

    from lianjian.accounts.models import User

    AccessAttempt.objects.create(
        username=personas.secretary_a1.username,
        ip_address="127.0.0.1",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        attempt_time=timezone.now(),
        get_data="",
        post_data="",
    )
    User.objects.filter(pk=personas.street_staff.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=85)
    )
    User.objects.exclude(pk=personas.street_staff.pk).update(password_changed_at=timezone.now())
    html = _home(client_for, personas.security_admin)
    assert _card(html, "accounts-locked") == "1"
    assert _card(html, "accounts-expiring") == "1"
    assert "chart-kinds" not in html
    admin = client_for(personas.security_admin)
    assert _rows(admin, _card_url(html, "accounts-locked")) == 1
    assert _rows(admin, _card_url(html, "accounts-expiring")) == 1


def test_phone_home_for_member(personas, needs_world, client_for):
    from lianjian.needs.services import need_submit

    need_submit(
        channel="online",
        text="希望小区增设充电桩",
        region=personas.member.grants.first().region,
        submitter_kind="person",
        submitter_name="陈一",
        contact_phone="13812345678",
        actor=personas.member,
    )
    html = _home(client_for, personas.member)
    assert 'id="tile-needs-public_submit"' in html
    assert 'id="tile-needs-track"' in html
    assert "希望小区增设充电桩" in html  # her own need, with its tracking code
    assert "陈一" in html and "虹储居民区党总支" in html  # her own record
    assert "13812345678" not in html
    assert "card-needs" not in html
    merchant = _home(client_for, personas.merchant)
    assert 'id="tile-needs-public_submit"' in merchant
    assert 'id="my-record"' not in merchant  # no member record behind a merchant
