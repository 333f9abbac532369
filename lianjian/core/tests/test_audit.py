"""The audit trail: append-only, chained, verified, transactional (S11, S12)."""

from __future__ import annotations

import datetime as dt
import itertools
from io import StringIO
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from lianjian.accounts import services
from lianjian.accounts.models import User
from lianjian.core.audit import audit_record, audit_verify
from lianjian.core.models import AuditEvent, AuditHead
from lianjian.orgs.tests.factories import make_id_number, make_mobile


def _events(n: int) -> list[AuditEvent]:
    return [audit_record("test.event", detail={"i": i}, object_id=i) for i in range(n)]


def _drop_triggers() -> None:
    """Only for tamper tests: undone with the test's transaction rollback."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditevent_no_update ON core_auditevent")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
            cursor.execute("DROP TRIGGER core_auditevent_no_delete")


def _verify_exit_code() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            ManagementUtility(["lianjian", "audit", "verify"]).execute()
        except SystemExit as exc:
            return int(exc.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.mark.django_db
def test_events_chain_and_verify_ok() -> None:
    events = _events(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.row_hash
    assert AuditHead.objects.get(id=1).seq == 5
    result = audit_verify()
    assert (result.ok, result.checked) == (True, 5)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip() == "OK 5 rows verified"
    assert _verify_exit_code()[0] == 0


@pytest.mark.django_db
def test_update_and_delete_are_refused_by_the_database() -> None:
    event = _events(2)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET result = 'failure'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 2
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
    assert audit_verify().ok


@pytest.mark.django_db
def test_tampered_row_is_reported_with_its_seq() -> None:
    _events(6)
    _drop_triggers()
    AuditEvent.objects.filter(seq=4).update(detail={"i": 999})
    result = audit_verify()
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 4, 3)
    with pytest.raises(CommandError, match="seq 4"):
        call_command("audit", "verify")
    code, output = _verify_exit_code()
    assert code == 2
    assert "BROKEN at seq 4" in output


@pytest.mark.django_db
def test_deleted_row_and_rehashed_forgery_are_reported() -> None:
    _events(5)
    _drop_triggers()
    AuditEvent.objects.filter(seq=3).delete()
    assert audit_verify().first_broken_seq == 3
    # a forger who recomputes a row's hash without the key still breaks the next link
    import hashlib

    AuditEvent.objects.filter(seq=2).update(row_hash=hashlib.sha256(b"x").hexdigest())
    assert audit_verify().first_broken_seq == 2


@pytest.mark.django_db
def test_truncated_tail_is_reported() -> None:
    _events(4)
    _drop_triggers()
    AuditEvent.objects.filter(seq=4).delete()
    result = audit_verify()
    assert not result.ok and result.first_broken_seq == 4


@pytest.mark.django_db
def test_audit_shares_the_business_transaction() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        User.objects.create(username="rolledback")
        audit_record("account.create", detail={"username": "rolledback"})
        raise Boom
    assert not User.objects.filter(username="rolledback").exists()
    assert not AuditEvent.objects.exists()
    assert AuditHead.objects.filter(seq__gt=0).count() == 0
    # and the chain continues cleanly afterwards
    _events(1)
    assert audit_verify().ok


@pytest.mark.django_db
def test_failed_audit_write_rolls_the_change_back(monkeypatch: Any) -> None:
    def failing_save(self: AuditEvent, *args: Any, **kwargs: Any) -> None:
        raise DatabaseError("audit table unavailable")

    monkeypatch.setattr(AuditEvent, "save", failing_save)
    with pytest.raises(DatabaseError):
        services.user_create(username="unaudited")
    assert not User.objects.filter(username="unaudited").exists()


@pytest.mark.django_db
def test_event_fields_and_personal_data_redaction(rf: Any) -> None:
    user = User.objects.create(username="auditor_probe")
    request = rf.get("/x", REMOTE_ADDR="192.0.2.7")
    request.user = user
    id_number, mobile = make_id_number(), make_mobile()
    event = audit_record(
        "orgs.member_view",
        request=request,
        obj=user,
        scope="district:1",
        detail={"note": f"looked up {id_number} / {mobile}"},
    )
    event.refresh_from_db()
    assert event.username == "auditor_probe"
    assert event.user_id_value == user.pk
    assert event.source_ip == "192.0.2.7"
    assert (event.object_type, event.object_id) == ("accounts.user", str(user.pk))
    assert event.occurred_at.utcoffset() == dt.timedelta(0)  # stored in UTC
    assert id_number not in str(event.detail) and mobile not in str(event.detail)
    assert "[身份证号]" in event.detail["note"] and "[手机号]" in event.detail["note"]


@pytest.mark.django_db
def test_audit_page_is_for_the_audit_admin_only(personas: Any, client_for: Any) -> None:
    response = client_for(personas.audit_admin).get("/audit/")
    assert response.status_code == 200
    assert response.context["verify"].ok
    assert "链校验" in response.content.decode()
    filtered = client_for(personas.audit_admin).get("/audit/", {"action": "grant."})
    assert filtered.status_code == 200
    assert all(e.action.startswith("grant.") for e in filtered.context["page"].object_list)
    assert filtered.context["page"].paginator.count > 0
    for name, persona in personas.all().items():
        if name == "audit_admin":
            continue
        assert client_for(persona).get("/audit/").status_code == 403, name
    assert client_for(personas.audit_admin).get("/audit/").status_code == 200


@pytest.mark.django_db
def test_events_carry_the_actor_scope(personas: Any, tree: Any) -> None:
    event = audit_record("test.scoped", user=personas.street_staff)
    assert event.scope == "street_staff@虹桥街道"
    assert audit_record("test.anonymous").scope == ""
    assert audit_record("test.explicit", user=personas.street_staff, scope="x").scope == "x"


def test_client_ip_behind_the_proxy_trusts_only_the_last_hop(rf: Any, settings: Any) -> None:
    from lianjian.core.audit import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]  # nginx's address
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.9"
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.9")) == "10.0.0.9"


@pytest.mark.django_db
def test_audit_page_query_budget(
    personas: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    _events(120)
    client = client_for(personas.audit_admin)
    with django_assert_max_num_queries(12):
        response = client.get("/audit/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50
