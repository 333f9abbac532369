"""Separation of duties (S10, issue 11 finding 2): conflicting roles never share an
account, and no administrator takes over a peer's or a superior's credentials."""

from __future__ import annotations

import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PERSONA_PASSWORD
from lianjian.accounts import services
from lianjian.accounts.models import Grant, User
from lianjian.core.models import AuditEvent
from lianjian.core.roles import Role

ADMINS = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def _account(username: str, role: str | None = None, **target: Any) -> User:
    user = User(username=username, display_name=username, must_change_password=False)
    user.set_password(PERSONA_PASSWORD)
    user.save()
    if role:
        services.grant_add(user, role, **target)
    return user


@pytest.fixture
def sysadmin(tree: Any) -> User:
    return _account("sysadmin", Role.SYSTEM_ADMIN, region=tree.district)


# ---------------------------------------------------------------- conflicting roles


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("held", "new"),
    [
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
        (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN),
        (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
        (Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN),
        (Role.SYSTEM_ADMIN, Role.DISTRICT_ADMIN),
        (Role.SECURITY_ADMIN, Role.STREET_STAFF),
        (Role.AUDIT_ADMIN, Role.MEMBER),
        (Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN),
        (Role.STREET_STAFF, Role.AUDIT_ADMIN),
    ],
)
def test_conflicting_roles_are_refused_by_the_service(tree: Any, held: str, new: str) -> None:
    user = _account("someone", held, region=tree.district)
    with pytest.raises(services.AccountError, match="职责分离"):
        services.grant_add(user, new, region=tree.street_a)
    assert list(user.grants.values_list("role", flat=True)) == [held]
    assert AuditEvent.objects.filter(action="grant.add").count() == 1


@pytest.mark.django_db
def test_compatible_roles_are_granted(tree: Any) -> None:
    staff = _account("both", Role.STREET_STAFF, region=tree.street_a)
    services.grant_add(staff, Role.MEMBER, region=tree.community_a1)
    services.grant_add(staff, Role.DISTRICT_ADMIN, region=tree.district)
    admin = _account("two_regions", Role.SECURITY_ADMIN, region=tree.street_a)
    services.grant_add(admin, Role.SECURITY_ADMIN, region=tree.street_b)
    assert staff.grants.count() == 3 and admin.grants.count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_conflicting_grant(tree: Any) -> None:
    """Any write that goes around the service meets the trigger (migration 0004)."""
    user = _account("direct", Role.SYSTEM_ADMIN, region=tree.district)
    for role in (Role.SECURITY_ADMIN, Role.STREET_STAFF):
        with pytest.raises(IntegrityError), transaction.atomic():
            Grant.objects.create(user=user, role=role, region=tree.district)
    grant = Grant.objects.create(
        user=_account("plain"), role=Role.STREET_STAFF, region=tree.street_a
    )
    Grant.objects.create(user=grant.user, role=Role.MEMBER, region=tree.community_a1)
    grant.role = Role.AUDIT_ADMIN
    with pytest.raises(IntegrityError), transaction.atomic():
        grant.save()
    # the same administrator role twice is one duty
    Grant.objects.create(user=user, role=Role.SYSTEM_ADMIN, region=tree.street_a)
    assert sorted(user.grants.values_list("role", flat=True)) == [Role.SYSTEM_ADMIN] * 2


@pytest.mark.django_db
def test_the_probe_path_is_closed(tree: Any, personas: Any, sysadmin: User) -> None:
    """The finding: the system admin resets the security admin's password, signs in as
    them and grants itself audit, security and district roles. Each step now fails."""
    sys_client = Client()
    sys_client.force_login(sysadmin)
    sec = personas.security_admin
    # 1. the reset button is not offered, and the POST is refused with nothing changed
    page = sys_client.get(f"/accounts/users/{sec.pk}/")
    assert page.status_code == 200 and page.context["can_manage"] is False
    assert "重置密码" not in page.content.decode()
    response = sys_client.post(f"/accounts/users/{sec.pk}/reset-password/", follow=True)
    assert "职责分离" in response.content.decode()
    sec.refresh_from_db()
    assert sec.check_password(PERSONA_PASSWORD) and not sec.must_change_password
    assert not AuditEvent.objects.filter(action="account.password_reset").exists()
    # 2. even signed in as the security admin, the system admin's account takes no
    #    second duty and no business role
    as_sec = Client()
    as_sec.force_login(sec)
    for role, target in (
        (Role.AUDIT_ADMIN, {"region": tree.district.pk}),
        (Role.SECURITY_ADMIN, {"region": tree.district.pk}),
        (Role.DISTRICT_ADMIN, {"region": tree.district.pk}),
    ):
        response = as_sec.post(f"/accounts/users/{sysadmin.pk}/grants/", {"role": role, **target})
        assert response.status_code == 400, role
        assert "职责分离" in response.content.decode()
    assert list(sysadmin.grants.values_list("role", flat=True)) == [Role.SYSTEM_ADMIN]


# ---------------------------------------------------------------- credential order


@pytest.mark.django_db
def test_reset_and_deactivate_follow_the_rank_order(
    tree: Any, personas: Any, sysadmin: User
) -> None:
    other_sys = _account("sysadmin2", Role.SYSTEM_ADMIN, region=tree.street_a)
    other_district = _account("district2", Role.DISTRICT_ADMIN, region=tree.district)
    allowed = {
        personas.district_admin: [personas.street_staff, personas.secretary_a1],
        sysadmin: [personas.district_admin, personas.street_staff],
    }
    refused = {
        personas.district_admin: [other_district, sysadmin, personas.security_admin],
        sysadmin: [other_sys, personas.security_admin, personas.audit_admin],
    }
    for actor, targets in refused.items():
        for target in targets:
            with pytest.raises(services.AccountError, match="职责分离"):
                services.password_reset(target, actor)
            with pytest.raises(services.AccountError, match="职责分离"):
                services.user_deactivate(target, actor=actor)
            target.refresh_from_db()
            assert target.is_active and target.check_password(PERSONA_PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_reset").exists()
    for actor, targets in allowed.items():
        for target in targets:
            initial = services.password_reset(target, actor)
            target.refresh_from_db()
            assert target.check_password(initial)


@pytest.mark.django_db
def test_the_pages_offer_only_what_the_order_allows(
    tree: Any, personas: Any, client_for: Any
) -> None:
    admin = client_for(personas.district_admin)
    peer = _account("district2", Role.DISTRICT_ADMIN, region=tree.district)
    assert admin.get(f"/accounts/users/{personas.street_staff.pk}/").context["can_manage"]
    assert not admin.get(f"/accounts/users/{peer.pk}/").context["can_manage"]
    admin.post(f"/accounts/users/{peer.pk}/deactivate/")
    peer.refresh_from_db()
    assert peer.is_active


# ---------------------------------------------------------------- second factors


def _enrol(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.mark.django_db
@override_settings(OTP_REQUIRED_FOR_STAFF=True)
def test_a_password_reset_keeps_the_second_factor(personas: Any, sysadmin: User) -> None:
    """The resetter learns the new password, yet still cannot pass the user's TOTP."""
    target = personas.district_admin
    device = _enrol(target)
    initial = services.password_reset(target, sysadmin)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    c = Client()
    assert (
        c.post("/accounts/login/", {"username": target.username, "password": initial}).status_code
        == 302
    )
    new = "Changed-Pass-2026!"
    c.post(
        "/accounts/password/",
        {"old_password": initial, "new_password": new, "new_password2": new},
    )
    response = c.get("/orgs/units/")
    assert response.status_code == 302 and response["Location"] == "/accounts/otp/verify/"
    # enrolling a new device is refused too: the confirmed one must be passed first
    assert c.get("/accounts/otp/setup/")["Location"] == "/accounts/otp/verify/"


@pytest.mark.django_db
def test_only_the_security_admin_clears_a_second_factor(
    personas: Any, sysadmin: User, client_for: Any
) -> None:
    target = personas.district_admin
    _enrol(target)
    # the password resetter may not
    assert client_for(sysadmin).post(f"/accounts/users/{target.pk}/reset-otp/").status_code == 403
    with pytest.raises(services.AccountError):
        services.second_factor_reset(target, actor=sysadmin)
    assert TOTPDevice.objects.filter(user=target).count() == 1
    # the security admin may, and the user's sessions end
    session = client_for(target)
    sec = client_for(personas.security_admin)
    page = sec.get(f"/accounts/users/{target.pk}/")
    assert page.context["can_reset_otp"] and "重置双因素认证" in page.content.decode()
    assert sec.post(f"/accounts/users/{target.pk}/reset-otp/").status_code == 302
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert session.get("/orgs/units/")["Location"].startswith("/accounts/login/")
    event = AuditEvent.objects.get(action="account.otp_reset")
    assert event.user_id_value == personas.security_admin.pk
    assert event.object_id == str(target.pk) and event.detail["devices_removed"] == 1


@pytest.mark.django_db
def test_the_security_admin_clears_no_peer_nor_self(personas: Any, client_for: Any) -> None:
    sec = personas.security_admin
    for target in (personas.audit_admin, sec):
        _enrol(target)
        with pytest.raises(services.AccountError):
            services.second_factor_reset(target, actor=sec)
        client_for(sec).post(f"/accounts/users/{target.pk}/reset-otp/")
        assert TOTPDevice.objects.filter(user=target).exists()
    assert not AuditEvent.objects.filter(action="account.otp_reset").exists()


@pytest.mark.django_db
def test_the_operator_resets_a_top_rank_account_on_the_server(personas: Any) -> None:
    target = personas.security_admin
    _enrol(target)
    out, err = StringIO(), StringIO()
    call_command("resetpassword", "Security_Admin", "--otp", stdout=out, stderr=err)
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(out.getvalue().strip())
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert "只显示这一次" in err.getvalue()
    for action in ("account.password_reset", "account.otp_reset"):
        event = AuditEvent.objects.get(action=action)
        assert event.username == "系统：命令行 resetpassword" and event.user_id_value is None


@pytest.mark.django_db
@override_settings(OTP_REQUIRED_FOR_STAFF=True)
def test_a_cleared_user_enrols_again(personas: Any) -> None:
    target = personas.street_staff
    _enrol(target)
    services.second_factor_reset(target, actor=personas.security_admin)
    c = Client()
    c.post("/accounts/login/", {"username": target.username, "password": PERSONA_PASSWORD})
    assert c.get("/accounts/otp/verify/")["Location"] == "/accounts/otp/setup/"
    c.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=target)
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    token = f"{value:0{device.digits}d}"
    assert c.post("/accounts/otp/setup/", {"token": token}).status_code == 302
    assert c.get("/orgs/units/").status_code == 200


# ---------------------------------------------------------------- concurrency


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_conflicting_grants_leave_one_duty(tree: Any) -> None:
    """16 threads grant different duties to one account at once: one duty survives."""
    for round_ in range(3):
        user = _account(f"raced{round_}")
        roles = [ADMINS[i % 3] if i % 4 else Role.STREET_STAFF for i in range(16)]
        barrier = threading.Barrier(len(roles), timeout=60)
        outcomes: list[str] = []
        lock = threading.Lock()

        def fire(
            role: str,
            user: User = user,
            barrier: threading.Barrier = barrier,
            outcomes: list[str] = outcomes,
            lock: Any = lock,
        ) -> None:
            from django.db import connections

            try:
                barrier.wait()
                services.grant_add(user, role, region=tree.street_a)
                outcome = "granted"
            except services.AccountError as exc:
                outcome = "refused: " + exc.message[:20]
            except Exception as exc:  # recorded, so the assertion shows it
                outcome = f"error: {exc!r}"[:200]
            finally:
                connections.close_all()
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=fire, args=(r,)) for r in roles]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        held = set(Grant.objects.filter(user=user).values_list("role", flat=True))
        assert len(outcomes) == 16 and not [o for o in outcomes if o.startswith("error")]
        assert len(held) == 1, (held, outcomes)
