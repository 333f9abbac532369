"""User and grant administration pages: duties separated, scope enforced (S8, S10, S11)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from conftest import PERSONA_PASSWORD
from lianjian.accounts import services
from lianjian.accounts.models import Grant, User
from lianjian.core.models import AuditEvent
from lianjian.core.roles import Role
from lianjian.orgs.models import Region
from lianjian.orgs.services import region_create


def _street_security_admin(tree: Any) -> User:
    """A security administrator whose grant covers only 虹桥街道."""
    user = User.objects.create(username="street_security", must_change_password=False)
    services.grant_add(user, Role.SECURITY_ADMIN, region=tree.street_a)
    return user


@pytest.mark.django_db
def test_user_list_by_duty(personas: Any, client_for: Any) -> None:
    for persona in ("district_admin", "security_admin"):
        response = client_for(getattr(personas, persona)).get("/accounts/users/")
        assert response.status_code == 200, persona
        names = {u.username for u in response.context["page"].object_list}
        assert {"street_staff", "secretary_a1", "secretary_a2", "unit_admin"} <= names
        assert "账户与授权" in response.content.decode()
    assert client_for(personas.district_admin).get("/accounts/users/").context["can_create"]
    assert not client_for(personas.security_admin).get("/accounts/users/").context["can_create"]
    for persona in ("audit_admin", "street_staff", "secretary_a1", "member", "outsider"):
        response = client_for(getattr(personas, persona)).get("/accounts/users/")
        assert response.status_code == 403, persona
    denied = AuditEvent.objects.filter(action="access.denied", result="denied")
    assert denied.count() == 5


@pytest.mark.django_db
def test_user_list_filters(personas: Any, client_for: Any) -> None:
    client = client_for(personas.district_admin)
    page = client.get("/accounts/users/", {"q": "secretary"}).context["page"]
    assert {u.username for u in page.object_list} == {"secretary_a1", "secretary_a2"}
    services.user_deactivate(personas.secretary_a2, actor=personas.district_admin)
    page = client.get("/accounts/users/", {"active": "0"}).context["page"]
    assert [u.username for u in page.object_list] == ["secretary_a2"]


@pytest.mark.django_db
def test_create_user_shows_one_time_password_once(
    tree: Any, personas: Any, client_for: Any
) -> None:
    client = client_for(personas.district_admin)
    form = client.get("/accounts/users/new/")
    assert form.status_code == 200
    response = client.post(
        "/accounts/users/new/",
        {"username": "ZhaoLei", "display_name": "赵磊", "home_region": tree.street_a.pk},
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert escape(password) in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    user = User.objects.get(username="zhaolei")
    assert user.must_change_password and user.home_region == tree.street_a
    assert user.check_password(password)
    event = AuditEvent.objects.get(action="account.create")
    assert event.user_id_value == personas.district_admin.pk
    assert password not in str(event.detail)
    # the detail page never shows it again
    assert escape(password) not in client.get(f"/accounts/users/{user.pk}/").content.decode()


@pytest.mark.django_db
def test_create_user_refuses_duplicates_and_bad_names(
    tree: Any, personas: Any, client_for: Any
) -> None:
    client = client_for(personas.district_admin)
    before = User.objects.count()
    for username in ("Street_Staff", "bad name!", ""):
        response = client.post(
            "/accounts/users/new/", {"username": username, "home_region": tree.street_a.pk}
        )
        assert response.status_code == 200
        assert response.context["form"].errors, username
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action="account.create").exists()


@pytest.mark.django_db
def test_separation_of_duties(tree: Any, personas: Any, client_for: Any) -> None:
    target = personas.secretary_a1
    grants_before = Grant.objects.count()
    # the user administrator may not grant roles
    response = client_for(personas.district_admin).post(
        f"/accounts/users/{target.pk}/grants/",
        {"role": Role.DISTRICT_ADMIN, "region": tree.district.pk},
    )
    assert response.status_code == 403
    # the security administrator may not create accounts nor reset passwords
    sec = client_for(personas.security_admin)
    assert sec.post("/accounts/users/new/", {"username": "x1"}).status_code == 403
    assert sec.post(f"/accounts/users/{target.pk}/reset-password/").status_code == 403
    assert sec.post(f"/accounts/users/{target.pk}/deactivate/").status_code == 403
    # the audit administrator may do none of it
    audit = client_for(personas.audit_admin)
    assert audit.post(f"/accounts/users/{target.pk}/unlock/").status_code == 403
    assert Grant.objects.count() == grants_before
    assert not User.objects.filter(username="x1").exists()
    target.refresh_from_db()
    assert target.is_active and target.check_password(PERSONA_PASSWORD)
    # and nobody grants themselves
    with pytest.raises(services.AccountError):
        services.grant_give(
            personas.security_admin,
            personas.security_admin,
            Role.DISTRICT_ADMIN,
            region=tree.district,
        )


@pytest.mark.django_db
def test_grant_and_revoke_within_scope(tree: Any, personas: Any, client_for: Any) -> None:
    newbie, _ = services.user_create(username="newbie", home_region=tree.street_a)
    client = client_for(personas.security_admin)
    response = client.post(
        f"/accounts/users/{newbie.pk}/grants/",
        {"role": Role.COMMUNITY_SECRETARY, "region": tree.community_a2.pk},
    )
    assert response.status_code == 302
    grant = Grant.objects.get(user=newbie)
    assert (grant.role, grant.region_id) == (Role.COMMUNITY_SECRETARY, tree.community_a2.pk)
    added = AuditEvent.objects.get(action="grant.add", object_id=str(grant.pk))
    assert added.user_id_value == personas.security_admin.pk
    assert added.detail["role"] == Role.COMMUNITY_SECRETARY

    # party-organization grants too
    response = client.post(
        f"/accounts/users/{newbie.pk}/grants/",
        {"role": Role.UNIT_ADMIN, "party_org": tree.org_a1.pk},
    )
    assert response.status_code == 302
    assert Grant.objects.filter(user=newbie, party_org=tree.org_a1).exists()

    detail = client.get(f"/accounts/users/{newbie.pk}/")
    assert grant.pk in detail.context["revocable"]
    response = client.post(f"/accounts/grants/{grant.pk}/revoke/")
    assert response.status_code == 302
    assert not Grant.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(action="grant.remove", object_id=str(grant.pk)).exists()


@pytest.mark.django_db
def test_grant_outside_own_scope_is_refused(tree: Any, personas: Any, client_for: Any) -> None:
    admin = _street_security_admin(tree)
    client = client_for(admin)
    target = personas.secretary_a1  # holds a grant inside 虹桥街道: visible
    before = set(Grant.objects.values_list("pk", flat=True))
    for data in (
        {"role": Role.STREET_STAFF, "region": tree.street_b.pk},
        {"role": Role.DISTRICT_ADMIN, "region": tree.district.pk},
        {"role": Role.COMMUNITY_SECRETARY, "party_org": tree.org_b1.pk},
        {"role": Role.DEPT_HANDLER, "department_key": "civil-affairs"},
        {"role": Role.STREET_STAFF},
        {"role": Role.STREET_STAFF, "region": tree.street_a.pk, "party_org": tree.org_a1.pk},
        {"role": "emperor", "region": tree.street_a.pk},
    ):
        response = client.post(f"/accounts/users/{target.pk}/grants/", data)
        assert response.status_code == 400, data
    assert set(Grant.objects.values_list("pk", flat=True)) == before
    assert not AuditEvent.objects.filter(action="grant.add", user_id_value=admin.pk).exists()
    # the service refuses the same even when called directly
    with pytest.raises(services.AccountError):
        services.grant_give(admin, target, Role.STREET_STAFF, region=tree.street_b)
    # revoking a grant of another street's user: that user is not even visible (404)
    foreign = personas.district_admin.grants.get()
    assert client.post(f"/accounts/grants/{foreign.pk}/revoke/").status_code == 404
    assert Grant.objects.filter(pk=foreign.pk).exists()


@pytest.mark.django_db
def test_out_of_scope_user_answers_404_and_nothing_changes(tree: Any, client_for: Any) -> None:
    other_district = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    stranger, _ = services.user_create(username="stranger", home_region=other_district)
    admin = _street_security_admin(tree)
    manager = User.objects.create(username="street_manager", must_change_password=False)
    services.grant_add(manager, Role.SYSTEM_ADMIN, region=tree.street_a)
    mc, sc = client_for(manager), client_for(admin)
    assert mc.get(f"/accounts/users/{stranger.pk}/").status_code == 404
    assert mc.post(f"/accounts/users/{stranger.pk}/deactivate/").status_code == 404
    assert mc.post(f"/accounts/users/{stranger.pk}/reset-password/").status_code == 404
    assert sc.post(f"/accounts/users/{stranger.pk}/unlock/").status_code == 404
    assert (
        sc.post(
            f"/accounts/users/{stranger.pk}/grants/",
            {"role": Role.STREET_STAFF, "region": tree.street_a.pk},
        ).status_code
        == 404
    )
    stranger.refresh_from_db()
    assert stranger.is_active and not stranger.grants.exists()
    assert (
        AuditEvent.objects.filter(action="access.denied", object_id=str(stranger.pk)).count() == 5
    )
    assert "stranger" not in {u.username for u in mc.get("/accounts/users/").context["page"]}


@pytest.mark.django_db
def test_deactivate_reset_and_unlock_pages(personas: Any, client_for: Any) -> None:
    target = personas.secretary_a2
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "secretary_a2", "password": "Wrong-Pass-1"})
    sec = client_for(personas.security_admin)
    assert sec.get(f"/accounts/users/{target.pk}/").context["locked"] is True
    assert sec.post(f"/accounts/users/{target.pk}/unlock/").status_code == 302
    assert sec.get(f"/accounts/users/{target.pk}/").context["locked"] is False
    assert AuditEvent.objects.filter(action="account.unlock", object_id=str(target.pk)).exists()

    admin = client_for(personas.district_admin)
    reset = admin.post(f"/accounts/users/{target.pk}/reset-password/")
    assert reset.status_code == 200
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(reset.context["password"])

    assert admin.post(f"/accounts/users/{target.pk}/deactivate/").status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    # self-service is refused: an administrator cannot deactivate or reset themselves here
    me = personas.district_admin
    admin.post(f"/accounts/users/{me.pk}/deactivate/")
    admin.post(f"/accounts/users/{me.pk}/reset-password/")
    me.refresh_from_db()
    assert me.is_active and me.check_password(PERSONA_PASSWORD)


@pytest.mark.django_db
def test_management_writes_need_csrf(tree: Any, personas: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.district_admin)
    response = client.post(
        "/accounts/users/new/", {"username": "csrfless", "home_region": tree.district.pk}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="csrfless").exists()


@pytest.mark.django_db
def test_user_list_query_budget(
    tree: Any, personas: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(40):
        user, _ = services.user_create(username=f"bulk{i:02d}", home_region=tree.street_a)
        services.grant_add(user, Role.COMMUNITY_SECRETARY, region=tree.community_a1)
    client = client_for(personas.district_admin)
    with django_assert_max_num_queries(12):
        response = client.get("/accounts/users/")
    assert response.status_code == 200
    # 40 new accounts + the 9 personas inside 长宁区 + the outsider, placed nowhere and so
    # shown to the district (root) administrator (not the department handler: its department
    # "civil-affairs" does not exist in this test, so its grant lies nowhere)
    assert len(response.context["page"].object_list) == 50
