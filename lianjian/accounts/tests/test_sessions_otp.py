"""Session timeouts (S6) and TOTP for staff (S5, S22)."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PERSONA_PASSWORD
from lianjian.core.models import AuditEvent

T0 = "2026-05-06 08:00 +0800"


def _at(hhmm: str) -> Any:
    return time_machine.travel(f"2026-05-06 {hhmm} +0800", tick=False)


def _login(user: Any) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": PERSONA_PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.mark.django_db
def test_idle_timeout_is_thirty_minutes(personas: Any) -> None:
    with _at("08:00"):
        client = _login(personas.street_staff)
    with _at("08:29"):
        assert client.get("/orgs/units/").status_code == 200
    with _at("08:58"):  # 29 minutes after the last request
        assert client.get("/orgs/units/").status_code == 200
    with _at("09:29"):  # 31 minutes idle
        response = client.get("/orgs/units/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?expired=1"
        assert "_auth_user_id" not in client.session
        # the session is gone for good, not only for this request
        assert client.get("/orgs/units/")["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_idle_timeout_answers_api_with_401(personas: Any) -> None:
    with _at("08:00"):
        client = _login(personas.street_staff)
        assert client.get("/api/v1/units").status_code == 200
    with _at("08:31"):
        response = client.get("/api/v1/units")
        assert response.status_code == 401
        assert "过期" in response.json()["detail"]


@pytest.mark.django_db
def test_absolute_timeout_is_twelve_hours_even_when_active(personas: Any) -> None:
    with _at("08:00"):
        client = _login(personas.street_staff)
    for hour in range(8, 20):
        for minute in ("00", "20", "40"):
            with _at(f"{hour:02d}:{minute}"):
                assert client.get("/orgs/units/").status_code == 200, f"{hour}:{minute}"
    with _at("20:01"):
        response = client.get("/orgs/units/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?expired=1"


def _code(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:0{device.digits}d}"


@pytest.mark.django_db
@override_settings(OTP_REQUIRED_FOR_STAFF=True)
def test_staff_must_enrol_and_verify_totp_codes_are_single_use(personas: Any) -> None:
    staff = personas.street_staff
    with _at("08:00:00"):
        client = _login(staff)
        first = client.get("/orgs/units/")
        assert first["Location"] == "/accounts/otp/verify/"
        assert client.get("/accounts/otp/verify/")["Location"] == "/accounts/otp/setup/"
        assert client.get("/api/v1/units").status_code == 403
        setup = client.get("/accounts/otp/setup/")
        assert setup.status_code == 200
        assert setup.context["qr"].startswith("data:image/svg+xml")
        assert setup["Cache-Control"].startswith("max-age=0")
        device = TOTPDevice.objects.get(user=staff)
        assert not device.confirmed
        bad = client.post("/accounts/otp/setup/", {"token": "000000"})
        assert bad.status_code == 200 and bad.context["form"].errors
    with _at("08:00:05"):
        code = _code(device)
        enrolled = client.post("/accounts/otp/setup/", {"token": code})
        assert enrolled.status_code == 302
        assert client.get("/orgs/units/").status_code == 200
        device.refresh_from_db()
        assert device.confirmed
        assert AuditEvent.objects.filter(action="auth.otp_enrol", user_id_value=staff.pk).exists()

        # a second session with the password replays the same code: refused
        other = _login(staff)
        assert other.get("/orgs/units/")["Location"] == "/accounts/otp/verify/"
        replay = other.post("/accounts/otp/verify/", {"token": code})
        assert replay.status_code == 200
        assert "已使用" in replay.content.decode()
        assert other.get("/orgs/units/").status_code == 302
        assert AuditEvent.objects.filter(action="auth.otp_failed", result="failure").exists()
        # nor may that session bind a device of its own
        assert other.get("/accounts/otp/setup/")["Location"] == "/accounts/otp/verify/"
        assert TOTPDevice.objects.filter(user=staff).count() == 1
    with _at("08:01:05"):  # a later code, after django-otp's throttle delay
        ok = other.post("/accounts/otp/verify/", {"token": _code(device)})
        assert ok.status_code == 302
        assert other.get("/orgs/units/").status_code == 200
        assert AuditEvent.objects.filter(action="auth.otp_verify").count() == 1


@pytest.mark.django_db
@override_settings(OTP_REQUIRED_FOR_STAFF=True)
def test_non_staff_need_no_totp(personas: Any) -> None:
    client = _login(personas.member)
    response = client.get("/")
    assert response.get("Location") != "/accounts/otp/verify/"


@pytest.mark.django_db
@override_settings(OTP_REQUIRED_FOR_STAFF=False)
def test_totp_not_enforced_when_setting_off(personas: Any) -> None:
    assert _login(personas.street_staff).get("/orgs/units/").status_code == 200


@pytest.mark.django_db
@override_settings(OTP_REQUIRED_FOR_STAFF=True)
def test_otp_form_is_rate_limited(personas: Any) -> None:
    from lianjian.accounts.views import OTP_RATE

    staff = personas.street_staff
    TOTPDevice.objects.create(user=staff, name="默认", confirmed=True)
    client = _login(staff)
    for _ in range(OTP_RATE[0]):
        assert client.post("/accounts/otp/verify/", {"token": "123456"}).status_code == 200
    response = client.post("/accounts/otp/verify/", {"token": "123456"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= OTP_RATE[1]
    assert client.get("/orgs/units/").status_code == 302  # still not verified
