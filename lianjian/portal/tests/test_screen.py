"""The big screen: who may open it, its figures against the rows, local assets only."""

from __future__ import annotations

import re

from django.urls import reverse


def test_screen_permissions(personas, tree, client_for):
    for name, expected in {
        "district_admin": 200,
        "street_staff": 200,
        "secretary_a1": 403,
        "dept_handler": 403,
        "member": 403,
        "audit_admin": 403,
    }.items():
        client = client_for(getattr(personas, name))
        assert client.get(reverse("portal:screen")).status_code == expected, name
        assert client.get(reverse("portal:screen_data")).status_code == expected, name


def test_screen_figures_follow_the_rows(personas, tree, client_for):
    from lianjian.needs.demo import build_needs_demo
    from lianjian.needs.services import need_submit

    build_needs_demo(tree.street_a)
    for text in ("楼道灯坏了", "想借活动室"):
        need_submit(
            channel="hotline",
            text=text,
            region=tree.community_a1,
            submitter_kind="person",
            submitter_name="王先生",
            contact_phone="13900001111",
        )
    data = client_for(personas.district_admin).get(reverse("portal:screen_data")).json()
    assert data["region"] == "长宁区"
    assert data["needs"]["today"] == {"received": 2, "answered": 0}
    assert data["needs"]["month"]["received"] == 2
    assert data["needs"]["trend"]["received"][-1] == 2 and len(data["needs"]["trend"]["days"]) == 30
    assert {s["name"] for s in data["streets"]} == {"虹桥街道", "程家桥街道"}
    assert sum(s["value"] for s in data["treemap"]) == 3  # the tree's three units
    street = client_for(personas.street_staff).get(reverse("portal:screen_data")).json()
    assert street["region"] == "虹桥街道"
    assert {s["name"] for s in street["streets"]} == {"虹储居民区", "虹仙居民区", "东银中心"}


def test_screen_page_is_dark_full_screen_and_local(personas, tree, client_for):
    html = client_for(personas.district_admin).get(reverse("portal:screen")).content.decode()
    assert 'id="screen-data"' in html and 'data-refresh-seconds="60"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
