"""帮扶对子 pages: the permission matrix per persona, the main path, refusals, scope, masking."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lianjian.projects.models import Pair, PairVisit
from lianjian.projects.tests.factories import EVERYONE, IN_SCOPE, VIEWERS, PairWorld, register_org

pytestmark = pytest.mark.django_db


def _expected(page: str, who: str) -> int:
    if page == "list":
        return 200 if who in VIEWERS else 403
    if page == "create":
        return 200 if who in VIEWERS else 403  # manage or claim: the same personas
    if page in ("detail", "visit"):
        ok = 200 if page == "detail" else 302
        if who in IN_SCOPE:
            return ok
        return 404 if who in {"secretary_a2", "member"} else 403
    raise AssertionError(page)


@pytest.mark.parametrize("who", EVERYONE)
def test_pairs_permission_matrix(pw: PairWorld, personas: Any, client_for: Any, who: str) -> None:
    c = client_for(getattr(personas, who))
    got = {
        "list": c.get("/projects/pairs/").status_code,
        "create": c.get("/projects/pairs/new/").status_code,
        "detail": c.get(f"/projects/pairs/{pw.pair.pk}/").status_code,
        "visit": c.post(
            f"/projects/pairs/{pw.pair.pk}/visits/",
            {"visited_on": timezone.localdate().isoformat(), "note": "上门看望", "value": "50"},
        ).status_code,
    }
    assert got == {page: _expected(page, who) for page in got}
    visits = PairVisit.objects.filter(pair=pw.pair).count()
    assert visits == (2 if who in IN_SCOPE else 1)


def test_main_path_through_the_pages(tree: Any, personas: Any, client_for: Any) -> None:
    reg = register_org(tree.org_building, tree.community_a1)
    unit = client_for(personas.unit_admin)
    today = timezone.localdate()
    page = unit.get("/projects/pairs/new/").content.decode()
    assert "东银中心楼宇联合党支部（虹储居民区）" in page and "本人可随时要求结束" in page
    form = {
        "registration": reg.pk,
        "household_name": "吴家",
        "people": 4,
        "started_on": (today - dt.timedelta(days=10)).isoformat(),
        "household_note": "孩子上学困难",
    }
    r = unit.post("/projects/pairs/new/", form)
    assert r.status_code == 200 and "登记帮扶对象须经本人同意" in r.content.decode()
    assert not Pair.objects.exists()
    r = unit.post("/projects/pairs/new/", {**form, "consent": "on"})
    pair = Pair.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/projects/pairs/{pair.pk}/"
    assert pair.consent_version and pair.household_note == "孩子上学困难"
    visit = f"/projects/pairs/{pair.pk}/visits/"
    early = (today - dt.timedelta(days=11)).isoformat()
    r = unit.post(visit, {"visited_on": early, "note": "早到", "value": "10"}, follow=True)
    assert "帮扶日期不能早于结对日期" in r.content.decode()
    r = unit.post(visit, {"visited_on": "明天", "note": "x", "value": "1"}, follow=True)
    assert "帮扶日期" in r.content.decode() and r.status_code == 200
    unit.post(visit, {"visited_on": today.isoformat(), "note": "助学金", "value": "1000"})
    unit.post(visit, {"visited_on": today.isoformat(), "note": "送书包", "value": "150.5"})
    assert PairVisit.objects.filter(pair=pair).count() == 2
    listed = unit.get("/projects/pairs/?state=active").content.decode()
    assert "吴家" in listed and "1150.50" in listed
    # the street sees the pair, its household masked
    street = client_for(personas.street_staff).get(f"/projects/pairs/{pair.pk}/").content.decode()
    assert "吴*" in street and "吴家" not in street and "孩子上学困难" not in street
    assert "仅结对单位和所在社区可见" in street
    r = unit.post(f"/projects/pairs/{pair.pk}/end/", {"ended_on": "2001-01-01"}, follow=True)
    assert "结束日期不能早于结对日期" in r.content.decode()
    r = unit.post(f"/projects/pairs/{pair.pk}/end/", {"ended_on": today.isoformat()}, follow=True)
    assert "帮扶对子已结束" in r.content.decode()
    pair.refresh_from_db()
    assert pair.ended_on == today and pair.household_note == ""
    r = unit.post(
        visit, {"visited_on": today.isoformat(), "note": "再来", "value": "1"}, follow=True
    )
    assert "该帮扶对子已结束" in r.content.decode()
    assert PairVisit.objects.filter(pair=pair).count() == 2
    r = unit.post(f"/projects/pairs/{pair.pk}/end/", {"ended_on": today.isoformat()}, follow=True)
    assert "该帮扶对子已结束" in r.content.decode()
    assert "已结束" in unit.get("/projects/pairs/?state=ended").content.decode()
    assert "吴家" not in unit.get("/projects/pairs/?state=active").content.decode()


def test_secretary_creates_for_a_registered_unit(tree: Any, personas: Any, client_for: Any) -> None:
    reg = register_org(tree.org_a1, tree.community_a1)
    other = register_org(tree.org_a2, tree.community_a2)
    pending = register_org(tree.org_building, tree.community_a1, approve=False)
    sec = client_for(personas.secretary_a1)
    page = sec.get("/projects/pairs/new/").content.decode()
    assert "虹储居民区党总支" in page and "虹仙居民区党支部" not in page
    assert f'value="{pending.pk}"' not in page
    form = {
        "household_name": "郑家",
        "people": 2,
        "started_on": timezone.localdate().isoformat(),
        "consent": "on",
    }
    # a forged registration (the sibling community's, or a pending one): refused, nothing written
    for forged in (other.pk, pending.pk, 999999):
        r = sec.post("/projects/pairs/new/", {**form, "registration": forged})
        assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not Pair.objects.exists()
    r = sec.post("/projects/pairs/new/", {**form, "registration": reg.pk})
    assert r.status_code == 302 and Pair.objects.get().party_org_id == tree.org_a1.pk


def test_scope_and_masking(pw: PairWorld, personas: Any, client_for: Any) -> None:
    street = client_for(personas.street_staff)
    # the sibling street's pair does not exist for 虹桥街道: 404, nothing written
    assert street.get(f"/projects/pairs/{pw.pair_b.pk}/").status_code == 404
    today = timezone.localdate().isoformat()
    r = street.post(
        f"/projects/pairs/{pw.pair_b.pk}/visits/", {"visited_on": today, "note": "x", "value": "1"}
    )
    assert r.status_code == 404
    r = street.post(f"/projects/pairs/{pw.pair_b.pk}/end/", {"ended_on": today})
    assert r.status_code == 404 and Pair.objects.get(pk=pw.pair_b.pk).ended_on is None
    assert not PairVisit.objects.filter(pair=pw.pair_b).exists()
    assert street.get("/projects/pairs/999999/").status_code == 404
    listed = street.get("/projects/pairs/").content.decode()
    assert "周*" in listed and "周家" not in listed and "孙" not in listed
    district = client_for(personas.district_admin).get("/projects/pairs/").content.decode()
    assert "周*" in district and "孙*" in district and "孙家" not in district
    for who in ("secretary_a1", "unit_admin"):
        c = client_for(getattr(personas, who))
        assert "周家" in c.get("/projects/pairs/").content.decode()
        detail = c.get(f"/projects/pairs/{pw.pair.pk}/").content.decode()
        assert "母亲重病" in detail and 'id="log-visit"' in detail
    detail = street.get(f"/projects/pairs/{pw.pair.pk}/").content.decode()
    assert "母亲重病" not in detail and "周*" in detail
    assert "周家" not in client_for(personas.secretary_a2).get("/projects/pairs/").content.decode()
    assert "社区无效" in street.get("/projects/pairs/?community=abc").content.decode()
    assert "状态无效" in street.get("/projects/pairs/?state=x").content.decode()
    filtered = street.get(f"/projects/pairs/?community={pw.pair.community_id}").content.decode()
    assert "周*" in filtered


def test_report_drills_down_to_the_pairs(pw: PairWorld, personas: Any, client_for: Any) -> None:
    street = client_for(personas.street_staff)
    page = street.get("/projects/report/").content.decode()
    link = f'/projects/pairs/?community={pw.pair.community_id}"'
    assert link in page and "<title>认领统计" in page and "<title>认领统计<h2>" not in page
    listed = street.get(link.rstrip('"')).content.decode()
    assert "共 1 个帮扶对子" in listed and "300.00" in listed
