"""The audit page (issue 13.10): Chinese labels, filters kept in the URL, audited export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from lianjian.core.audit import audit_record
from lianjian.core.audit_labels import EVENTS, event_label, object_label
from lianjian.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_every_event_code_in_the_code_has_a_label() -> None:
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    codes: set[str] = set()
    call = re.compile(r'audit_record\(\s*"([a-z_]+\.[a-z_.-]+)"')
    for path in root.rglob("*.py"):
        if "/tests/" in str(path):
            continue
        codes.update(call.findall(path.read_text(encoding="utf-8")))
    missing = sorted(code for code in codes if code not in EVENTS)
    assert not missing, f"audit codes without a Chinese label in core/audit_labels.py: {missing}"


def test_labels_for_codes_and_object_types() -> None:
    assert event_label("auth.login") == "登录成功"
    assert event_label("need.some_new_step") == "需求工单：need.some_new_step"
    assert object_label("orgs.unit") == "单位"
    assert object_label("nothing.here") == "nothing.here"


def _events() -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC), tick=False):
        audit_record("auth.login", username="alice")
    with time_machine.travel(dt.datetime(2026, 3, 5, 2, tzinfo=dt.UTC), tick=False):
        audit_record("unit.create", username="bob", object_type="orgs.unit", object_id="7")
        audit_record("auth.login_failed", username="bob", result="failure")


def test_filters_by_date_user_event_object(personas: Any, client_for: Any) -> None:
    _events()
    c = client_for(personas.audit_admin)

    def seen(**params: str) -> list[str]:
        response = c.get("/audit/", params)
        assert response.status_code == 200
        return [
            e.action for e in response.context["page"].object_list if e.username in {"alice", "bob"}
        ]

    assert seen(start="2026-03-02", end="2026-03-05") == ["auth.login_failed", "unit.create"]
    assert seen(end="2026-03-01") == ["auth.login"]
    assert seen(username="BOB") == ["auth.login_failed", "unit.create"]
    assert seen(action="auth.") == ["auth.login_failed", "auth.login"]
    assert seen(action="auth.login") == ["auth.login"]
    assert seen(object_type="orgs.unit", object_id="7") == ["unit.create"]
    assert seen(result="failure") == ["auth.login_failed"]
    body = c.get("/audit/", {"username": "bob"}).content.decode()
    assert "登录失败" in body and "单位 #7" in body
    # a reversed range is refused with a message, not a 500
    bad = c.get("/audit/", {"start": "2026-03-09", "end": "2026-03-01"})
    assert bad.status_code == 200 and "开始日期不能晚于结束日期" in bad.content.decode()
    assert c.get("/audit/", {"start": "not-a-date", "sort": "nonsense"}).status_code == 200


def test_sortable_and_jump_to_page(personas: Any, client_for: Any) -> None:
    _events()
    c = client_for(personas.audit_admin)
    rows = c.get("/audit/", {"sort": "user", "username": "alice"}).context["page"].object_list
    assert [e.username for e in rows] == ["alice"]
    body = c.get("/audit/", {"sort": "-time"}).content.decode()
    assert 'aria-sort="descending"' in body


def test_export_for_the_audit_admin_is_itself_audited(personas: Any, client_for: Any) -> None:
    _events()
    audit_record("test.event", username="bob", detail={"note": "电话 13812345678"})
    c = client_for(personas.audit_admin)
    response = c.get("/audit/export/", {"username": "bob"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "时间", "用户", "操作")
    assert {r[3] for r in rows[1:]} >= {"登录失败", "登记单位"}
    assert all("13812345678" not in str(r) for r in rows)
    export = AuditEvent.objects.filter(action="audit.export").get()
    assert export.username == "audit_admin" and export.detail["filters"] == {"username": "bob"}


@pytest.mark.parametrize("persona", ["district_admin", "security_admin", "street_staff", "member"])
def test_export_refused_to_others(personas: Any, client_for: Any, persona: str) -> None:
    assert client_for(getattr(personas, persona)).get("/audit/export/").status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()
