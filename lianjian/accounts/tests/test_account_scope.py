"""Where accounts and department grants lie (issue 11 findings 3 and 12, issue 13 item 12).

A department grant is checked against the department's own street (the
`accounts.department_lookup` extension point the needs app contributes);
handler accounts and accounts without grants stay on the administrators'
pages; the security administrator sees and filters lockouts in the list.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import PERSONA_PASSWORD
from lianjian.accounts import services
from lianjian.accounts.models import Grant, User
from lianjian.core.roles import Role
from lianjian.needs.models import Department
from lianjian.orgs.models import Region
from lianjian.orgs.services import region_create


@pytest.fixture
def places(tree: Any) -> dict[str, Any]:
    """Departments in 虹桥 and 程家桥 (长宁区) and in a street of another district, 徐汇区."""
    xuhui = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    tianping = region_create(name="天平路街道", level=Region.Level.STREET, parent=xuhui)
    return {
        "xuhui": xuhui,
        "civil": Department.objects.create(
            street=tree.street_a, key="civil-affairs", name="民政办"
        ),
        "b_civil": Department.objects.create(
            street=tree.street_b, key="b-civil", name="程家桥民政办"
        ),
        "foreign": Department.objects.create(street=tianping, key="xh-civil", name="天平民政科"),
    }


def _security_admin(username: str, region: Any) -> User:
    user = User.objects.create(username=username, must_change_password=False)
    services.grant_add(user, Role.SECURITY_ADMIN, region=region)
    return user


def _listed(client: Client, **params: str) -> set[str]:
    response = client.get("/accounts/users/", params)
    assert response.status_code == 200
    return {u.username for u in response.context["page"].object_list}


# ---------------------------------------------------------------- finding 3


@pytest.mark.django_db
def test_a_district_grants_only_its_own_departments(
    tree: Any, personas: Any, places: dict[str, Any], client_for: Any
) -> None:
    """The probe: 长宁's security admin handed out 徐汇's department (any district grant
    passed). Now the department's street must lie in the admin's subtree."""
    newbie, _ = services.user_create(username="newbie", home_region=tree.street_a)
    sec = client_for(personas.security_admin)
    url = f"/accounts/users/{newbie.pk}/grants/"
    refused = {}
    for key in ("xh-civil", "no-such-dept"):
        response = sec.post(url, {"role": Role.DEPT_HANDLER, "department_key": key})
        assert response.status_code == 400, key
        refused[key] = response.context["grant_form"].non_field_errors()
    # one message for a foreign and an unknown key: no other district's departments leak
    assert refused["xh-civil"] == refused["no-such-dept"]
    assert not newbie.grants.exists()
    with pytest.raises(services.AccountError):
        services.grant_give(
            personas.security_admin, newbie, Role.DEPT_HANDLER, department_key="xh-civil"
        )
    response = sec.post(url, {"role": Role.DEPT_HANDLER, "department_key": "b-civil"})
    assert response.status_code == 302
    assert list(newbie.grants.values_list("department_key", flat=True)) == ["b-civil"]


@pytest.mark.django_db
def test_a_street_admin_grants_its_street_departments_only(
    tree: Any, places: dict[str, Any]
) -> None:
    admin = _security_admin("street_security", tree.street_a)
    newbie, _ = services.user_create(username="newbie", home_region=tree.street_a)
    with pytest.raises(services.AccountError):
        services.grant_give(admin, newbie, Role.DEPT_HANDLER, department_key="b-civil")
    grant = services.grant_give(admin, newbie, Role.DEPT_HANDLER, department_key="civil-affairs")
    # and revokes only there: 徐汇's admin cannot touch it
    xuhui_admin = _security_admin("xuhui_security", places["xuhui"])
    with pytest.raises(services.AccountError):
        services.grant_revoke(xuhui_admin, grant)
    services.grant_revoke(admin, grant)
    assert not Grant.objects.filter(pk=grant.pk).exists()


# ---------------------------------------------------------------- who is listed


@pytest.mark.django_db
def test_the_handler_account_is_listed_where_its_department_lies(
    tree: Any, personas: Any, places: dict[str, Any], client_for: Any
) -> None:
    """Issue 13 item 12: the handler has no home region and a department grant, which the
    list's scope never looked at, so no administrator saw it."""
    handler = personas.dept_handler  # civil-affairs, in 虹桥街道
    for who in (personas.district_admin, personas.security_admin):
        assert handler.username in _listed(client_for(who)), who
    assert handler.username in _listed(client_for(_security_admin("hq_sec", tree.street_a)))
    assert handler.username not in _listed(client_for(_security_admin("cjq_sec", tree.street_b)))
    xuhui = client_for(_security_admin("xuhui_security", places["xuhui"]))
    assert handler.username not in _listed(xuhui)
    assert xuhui.get(f"/accounts/users/{handler.pk}/").status_code == 404


@pytest.mark.django_db
def test_an_account_without_grants_stays_listed_and_flagged(
    tree: Any, personas: Any, client_for: Any
) -> None:
    admin = client_for(personas.district_admin)
    # placed nowhere (made on the command line): shown to the administrators of the tree
    page = admin.get("/accounts/users/", {"q": "outsider"})
    assert [u.username for u in page.context["page"].object_list] == ["outsider"]
    assert "无授权" in page.content.decode()
    # an account whose only grant is revoked keeps the place of its first grant
    lone = User.objects.create(username="lone", must_change_password=False)
    grant = services.grant_add(lone, Role.STREET_STAFF, region=tree.street_b)
    lone.refresh_from_db()
    assert lone.home_region == tree.street_b
    services.grant_revoke(personas.security_admin, grant)
    street_b_admin = User.objects.create(username="cjq_admin", must_change_password=False)
    services.grant_add(street_b_admin, Role.DISTRICT_ADMIN, region=tree.street_b)
    page = client_for(street_b_admin).get("/accounts/users/", {"q": "lone"})
    assert [u.username for u in page.context["page"].object_list] == ["lone"]
    assert "无授权" in page.content.decode()


@pytest.mark.django_db
def test_an_unplaced_account_is_not_shown_below_the_top(
    tree: Any, personas: Any, client_for: Any
) -> None:
    street_admin = User.objects.create(username="hq_admin", must_change_password=False)
    services.grant_add(street_admin, Role.DISTRICT_ADMIN, region=tree.street_a)
    assert "outsider" not in _listed(client_for(street_admin))


# ---------------------------------------------------------------- lockouts in the list


def _lock_out(username: str) -> None:
    for _ in range(5):
        Client().post("/accounts/login/", {"username": username, "password": "Wrong-Pass-1"})


@pytest.mark.django_db
def test_the_security_admin_sees_and_filters_lockouts(personas: Any, client_for: Any) -> None:
    _lock_out("secretary_a2")
    sec = client_for(personas.security_admin)
    response = sec.get("/accounts/users/")
    body = response.content.decode()
    assert "登录锁定" in body and "已锁定" in body
    rows = {u.username: u.is_locked for u in response.context["page"].object_list}
    assert rows["secretary_a2"] is True and rows["secretary_a1"] is False
    assert _listed(sec, locked="1") == {"secretary_a2"}
    assert "secretary_a2" not in _listed(sec, locked="0")
    assert "secretary_a1" in _listed(sec, locked="0")
    # unlocked, it leaves the filter
    services.user_unlock(personas.secretary_a2, actor=personas.security_admin)
    assert _listed(sec, locked="1") == set()
    # the user administrator has no unlock duty: no column, the filter is ignored
    admin = client_for(personas.district_admin)
    _lock_out("secretary_a2")
    response = admin.get("/accounts/users/", {"locked": "1"})
    assert "登录锁定" not in response.content.decode()
    assert len(response.context["page"].object_list) > 1


@pytest.mark.django_db
def test_a_lockout_past_its_cooloff_is_not_shown(personas: Any, client_for: Any) -> None:
    import datetime as dt

    from axes.models import AccessAttempt
    from django.utils import timezone

    _lock_out("secretary_a2")
    login = {"username": "secretary_a2", "password": PERSONA_PASSWORD}
    assert Client().post("/accounts/login/", login).status_code == 429
    sec = client_for(personas.security_admin)
    assert _listed(sec, locked="1") == {"secretary_a2"}
    # 31 minutes later axes lets the user in again: the list must say so too
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert _listed(sec, locked="1") == set()
    assert sec.get(f"/accounts/users/{personas.secretary_a2.pk}/").context["locked"] is False
    assert Client().post("/accounts/login/", login).status_code == 302
