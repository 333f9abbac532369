"""Headers, CSRF, templates and logs (S13, S18, S19, S23, S24)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import PERSONA_PASSWORD
from lianjian.core.logging import PersonalDataCollector, find_personal_data, redact
from lianjian.orgs.models import Unit
from lianjian.orgs.tests.factories import make_id_number, make_mobile

ROOT = Path(__file__).resolve().parents[3]


def _assert_security_headers(response: Any) -> None:
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_security_headers_on_pages(personas: Any, client_for: Any) -> None:
    _assert_security_headers(Client().get("/accounts/login/"))
    staff = client_for(personas.street_staff)
    for path in ("/", "/orgs/units/"):
        response = staff.get(path)
        assert response.status_code == 200
        _assert_security_headers(response)
    not_found = staff.get("/no-such-page/")
    assert not_found.status_code == 404
    _assert_security_headers(not_found)
    assert "未找到" in not_found.content.decode()


@pytest.mark.django_db
def test_generic_403_page(personas: Any, client_for: Any) -> None:
    response = client_for(personas.member).get("/audit/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body and "Traceback" not in body


@pytest.mark.django_db
def test_csrf_enforced_on_browser_posts(personas: Any) -> None:
    anon = Client(enforce_csrf_checks=True)
    response = anon.post(
        "/accounts/login/", {"username": "street_staff", "password": PERSONA_PASSWORD}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in anon.session

    staff = Client(enforce_csrf_checks=True)
    staff.force_login(personas.street_staff)
    assert staff.post("/accounts/logout/").status_code == 403
    assert staff.session.get("_auth_user_id") == str(personas.street_staff.pk)
    before = Unit.objects.count()
    api = staff.post("/api/v1/units", {"name": "无令牌单位"}, content_type="application/json")
    assert api.status_code == 403
    assert Unit.objects.count() == before

    # with the token from the login page the same post succeeds
    fresh = Client(enforce_csrf_checks=True)
    page = fresh.get("/accounts/login/")
    token = page.context["csrf_token"]
    ok = fresh.post(
        "/accounts/login/",
        {"username": "street_staff", "password": PERSONA_PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert ok.status_code == 302


def _project_templates() -> list[Path]:
    return sorted(p for p in (ROOT / "lianjian").rglob("*.html") if "templates" in p.parts)


def test_templates_have_no_inline_script_style_safe_or_external_urls() -> None:
    templates = _project_templates()
    assert len(templates) > 10
    problems = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            problems.append(f"{rel}: inline <script>")
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            problems.append(f"{rel}: inline style")
        if re.search(r"\son[a-z]+\s*=", text):
            problems.append(f"{rel}: inline event handler")
        if "|safe" in text or "autoescape off" in text:
            problems.append(f"{rel}: autoescape bypass")
        if re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE):
            problems.append(f"{rel}: external URL")
    assert problems == []


def test_own_static_and_python_have_no_external_urls_or_mark_safe() -> None:
    problems = []
    for path in (ROOT / "lianjian").rglob("static/*/*.*"):
        if "vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"https?://[^\s'\")]+", text):
            if not url.startswith("http://www.w3.org/"):
                problems.append(f"{path.name}: {url}")
    for path in (ROOT / "lianjian").rglob("*.py"):
        if "tests" in path.parts:
            continue
        if "mark_safe(" in path.read_text(encoding="utf-8"):
            problems.append(f"{path.relative_to(ROOT)}: mark_safe")
    assert problems == []


def test_redaction_and_detection_helpers() -> None:
    id_number, mobile = make_id_number(), make_mobile()
    text = f"member {id_number} phone {mobile} order 123456789012345678"
    assert set(find_personal_data(text)) == {id_number, mobile}
    cleaned = redact(text)
    assert id_number not in cleaned and mobile not in cleaned
    assert "123456789012345678" in cleaned  # not a valid ID: left alone
    assert find_personal_data(cleaned) == []


def test_log_guard_catches_personal_data(_no_personal_data_in_logs: PersonalDataCollector) -> None:
    logger = logging.getLogger("lianjian.tests.probe")
    logger.info("harmless %s", "message")
    assert _no_personal_data_in_logs.offending == []
    logger.warning("lookup for %s", make_id_number())
    try:
        raise ValueError(f"bad mobile {make_mobile()}")
    except ValueError:
        logger.exception("failed")
    assert [name for name, _, _ in _no_personal_data_in_logs.offending] == [
        "lianjian.tests.probe",
        "lianjian.tests.probe",
    ]
    _no_personal_data_in_logs.offending.clear()  # this test's leaks were deliberate


def test_console_filter_redacts_messages_and_tracebacks() -> None:
    from lianjian.core.logging import RedactPersonalDataFilter

    id_number = make_id_number()
    try:
        raise ValueError(f"bad id {id_number}")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "saw %s", (id_number,), sys.exc_info()
        )
    RedactPersonalDataFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert id_number not in formatted
    assert "[身份证号]" in formatted and "ValueError" in formatted


@pytest.mark.django_db
def test_failed_logins_with_a_phone_as_username_leave_it_out_of_logs(
    _no_personal_data_in_logs: PersonalDataCollector,
) -> None:
    mobile = make_mobile()
    for _ in range(6):  # through the lockout, which axes logs at WARNING
        Client().post("/accounts/login/", {"username": mobile, "password": "Wrong-Pass-1"})
    assert _no_personal_data_in_logs.offending == []
