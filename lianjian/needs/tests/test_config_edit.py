"""Editing and deactivating departments and categories: scope, refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.core.models import AuditEvent
from lianjian.needs import services as S
from lianjian.needs.models import Category, Department, StreetSettings


def _dept_row(d: Department) -> tuple[Any, ...]:
    d.refresh_from_db()
    return (d.name, d.phone, d.is_active)


def test_department_edit_page_shows_handlers_and_saves(
    personas: Any, client_for: Any, world: Any
) -> None:
    c = client_for(personas.street_staff)
    url = f"/needs/config/departments/{world.civil.pk}/"
    page = c.get(url).content.decode()
    assert personas.dept_handler.username in page and "civil-affairs" in page
    r = c.post(url, {"what": "edit", "name": "民政事务办", "phone": "021-62000000"})
    assert r.status_code == 302
    assert _dept_row(world.civil) == ("民政事务办", "021-62000000", True)
    assert AuditEvent.objects.filter(
        action="needs.department_update", object_id=str(world.civil.pk)
    ).exists()


def test_department_edit_refusals_change_nothing(
    personas: Any, client_for: Any, world: Any
) -> None:
    c = client_for(personas.street_staff)
    url = f"/needs/config/departments/{world.civil.pk}/"
    before = _dept_row(world.civil)
    # a name another department of the street already has
    c.post(url, {"what": "edit", "name": "文体中心", "phone": ""})
    assert _dept_row(world.civil) == before
    # another street's department: 404, nothing changed
    other = world.other_street_dept
    other_before = _dept_row(other)
    r = c.post(f"/needs/config/departments/{other.pk}/", {"what": "deactivate"})
    assert r.status_code == 404 and _dept_row(other) == other_before
    # roles without needs.configure
    for who in ("dept_handler", "secretary_a1", "outsider"):
        r = client_for(getattr(personas, who)).post(url, {"what": "deactivate"})
        assert r.status_code in (403, 404)
    assert _dept_row(world.civil) == before


def test_deactivate_refused_while_replies_owed_or_fallback(
    personas: Any, client_for: Any, world: Any, submit: Any
) -> None:
    need = submit()
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    c = client_for(personas.street_staff)
    url = f"/needs/config/departments/{world.civil.pk}/"
    page = c.post(url, {"what": "deactivate"}, follow=True).content.decode()
    assert "还有 1 件在办需求" in page and _dept_row(world.civil)[2] is True
    fallback = StreetSettings.objects.get(street=world.civil.street).fallback_department
    assert fallback is not None
    page = c.post(
        f"/needs/config/departments/{fallback.pk}/", {"what": "deactivate"}, follow=True
    ).content.decode()
    assert "兜底部门" in page and _dept_row(fallback)[2] is True
    # once the reply is in, it can go; its categories then route to the fallback
    S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已办理")
    c.post(url, {"what": "deactivate"})
    assert _dept_row(world.civil)[2] is False
    assert S.route_for(world.civil.street_id, world.charity) == fallback
    with pytest.raises(S.NeedError):
        S.need_dispatch(
            submit().pk,
            actor=personas.street_staff,
            category=world.charity,
            department=world.civil,
        )
    c.post(url, {"what": "activate"})
    assert _dept_row(world.civil)[2] is True


def test_category_edit(personas: Any, client_for: Any, world: Any) -> None:
    c = client_for(personas.street_staff)
    cat = world.sports
    url = f"/needs/config/categories/{cat.pk}/"
    assert "文体健身" in c.get(url).content.decode()
    r = c.post(
        url,
        {
            "name": "文体活动",
            "department": world.civil.pk,
            "deadline_workdays": 7,
            "keywords": "活动 比赛",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    cat.refresh_from_db()
    assert (cat.name, cat.department_id, cat.deadline_workdays, cat.keywords, cat.is_active) == (
        "文体活动",
        world.civil.pk,
        7,
        "活动 比赛",
        True,
    )
    snapshot = (cat.name, cat.department_id, cat.deadline_workdays, cat.keywords)
    # refusals: duplicate name, deadline out of range, another street's department
    dup = world.charity.name
    c.post(url, {"name": dup, "department": "", "deadline_workdays": 5, "is_active": "on"})
    c.post(url, {"name": "x", "department": "", "deadline_workdays": 0, "is_active": "on"})
    c.post(
        url,
        {
            "name": "x",
            "department": world.other_street_dept.pk,
            "deadline_workdays": 5,
            "is_active": "on",
        },
    )
    cat.refresh_from_db()
    assert (cat.name, cat.department_id, cat.deadline_workdays, cat.keywords) == snapshot
    # another street's category: 404; a handler: refused
    other_cat = Category.objects.exclude(street=cat.street).first()
    assert other_cat is not None
    assert c.get(f"/needs/config/categories/{other_cat.pk}/").status_code == 404
    assert client_for(personas.dept_handler).post(url, {"name": "y"}).status_code == 403
    cat.refresh_from_db()
    assert cat.name == "文体活动"


def test_district_admin_configures_any_street(personas: Any, client_for: Any, world: Any) -> None:
    c = client_for(personas.district_admin)
    r = c.post(
        f"/needs/config/departments/{world.other_street_dept.pk}/",
        {"what": "edit", "name": "程家桥民政科", "phone": ""},
    )
    assert r.status_code == 302
    assert _dept_row(world.other_street_dept)[0] == "程家桥民政科"
