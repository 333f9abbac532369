"""No membership oracle (QUALITY.md S8, S25; issue 11 finding 1).

An ID number held by a member outside the actor's scope gets one generic answer
wherever it is held; the attempt is recorded for the holding district, audited
and rate-limited; a ledger file reports at most a few such rows, and beyond that
fails whole without naming any.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from lianjian.core.models import AuditEvent
from lianjian.ledger.importer import import_ledger
from lianjian.ledger.jobs import job_submit
from lianjian.ledger.models import ImportJob
from lianjian.ledger.safety import LedgerFileError
from lianjian.ledger.tests.ledger_files import xlsx
from lianjian.orgs import conflicts
from lianjian.orgs.models import IdConflict, Member
from lianjian.orgs.tests.factories import make_id_number, make_member

pytestmark = pytest.mark.django_db

MEMBER_HEADER = ["姓名", "身份证号", "手机号", "所在党组织", "工作单位", "入党日期"]


def _post_member(client: Any, tree: Any, id_number: str) -> Any:
    body = {"name": "钱六", "id_number": id_number, "party_org": tree.org_a1.pk}
    return client.post("/api/v1/members", data=json.dumps(body), content_type="application/json")


def test_api_answer_is_generic_and_the_same_wherever_the_number_is_held(
    personas: Any, tree: Any, client_for: Any
) -> None:
    client = client_for(personas.secretary_a1)
    sibling = _post_member(client, tree, tree.member_a2.id_number)  # sibling community
    other_street = _post_member(client, tree, tree.member_b1.id_number)
    assert sibling.status_code == other_street.status_code == 400
    assert sibling.json() == other_street.json()
    assert sibling.json()["detail"] == conflicts.GENERIC
    assert "其他党员" not in sibling.content.decode()
    assert Member.objects.count() == 3


def test_conflict_is_recorded_for_the_holding_district_and_audited(
    personas: Any, tree: Any, client_for: Any
) -> None:
    _post_member(client_for(personas.secretary_a1), tree, tree.member_b1.id_number)
    conflict = IdConflict.objects.get()
    assert conflict.member == tree.member_b1
    assert conflict.actor == personas.secretary_a1
    assert conflict.via == IdConflict.Via.API
    assert conflict.attempted_org == tree.org_a1
    assert (conflict.district_id, conflict.street_id) == (tree.district.pk, tree.street_b.pk)
    event = AuditEvent.objects.filter(action="member.id_conflict").get()
    assert event.username == "secretary_a1"
    assert event.result == "denied"
    assert event.object_id == str(tree.member_b1.pk)


def test_in_scope_duplicate_is_told_plainly_without_a_conflict(
    personas: Any, tree: Any, client_for: Any
) -> None:
    response = _post_member(client_for(personas.district_admin), tree, tree.member_b1.id_number)
    assert response.status_code == 400
    assert response.json()["detail"] == conflicts.IN_SCOPE
    assert not IdConflict.objects.exists()


def test_form_answer_is_generic_and_recorded(personas: Any, tree: Any, client_for: Any) -> None:
    response = client_for(personas.secretary_a1).post(
        reverse("orgs:member_create"),
        {
            "name": "吴小青",
            "id_number": tree.member_b1.id_number,
            "status": "full",
            "party_org": tree.org_a1.pk,
        },
    )
    assert conflicts.GENERIC in response.content.decode()
    assert IdConflict.objects.get().via == IdConflict.Via.FORM


def test_edit_to_a_number_held_elsewhere_is_generic(
    personas: Any, tree: Any, client_for: Any
) -> None:
    body = json.dumps({"id_number": tree.member_b1.id_number})
    response = client_for(personas.secretary_a1).patch(
        f"/api/v1/members/{tree.member_a1.pk}", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == conflicts.GENERIC
    assert Member.objects.get(pk=tree.member_a1.pk).id_number != tree.member_b1.id_number


def test_conflicts_are_rate_limited_then_every_id_registration_refused(
    personas: Any, tree: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conflicts, "RATE", (3, 3600))
    client = client_for(personas.secretary_a1)
    held = [make_member(party_org=tree.org_b1).id_number for _ in range(3)]
    assert [_post_member(client, tree, idn).status_code for idn in held] == [400, 400, 400]
    # spent: a number nobody holds is refused exactly like one somebody holds
    fresh = _post_member(client, tree, make_id_number(777001))
    again = _post_member(client, tree, tree.member_b1.id_number)
    assert fresh.status_code == again.status_code == 429
    assert fresh.json() == again.json()
    assert fresh.json()["detail"] == conflicts.THROTTLED
    assert int(fresh["Retry-After"]) > 0
    assert IdConflict.objects.count() == 3  # refusals while spent are not conflicts
    assert AuditEvent.objects.filter(action="member.id_conflict_throttled").count() == 2
    # another user is not held back by the first one's allowance
    other = _post_member(client_for(personas.street_staff), tree, make_id_number(777002))
    assert other.status_code == 201


def _ledger(tree: Any, numbers: list[str]) -> bytes:
    rows: list[list[Any]] = [MEMBER_HEADER]
    rows += [[f"候选{i}", idn, "", "虹储居民区党总支", "", ""] for i, idn in enumerate(numbers)]
    return xlsx(rows)


def test_ledger_with_known_number_and_many_candidates_flags_none(personas: Any, tree: Any) -> None:
    """The probe: one number known to be registered first, then candidates. Before the fix
    the error report named exactly the registered rows."""
    held = [make_member(party_org=tree.org_b1).id_number for _ in range(8)]
    candidates = [make_id_number(880000 + i) for i in range(120)]
    for position, idn in zip(range(7, 120, 15), held, strict=False):
        candidates[position] = idn
    numbers = [tree.member_b1.id_number, *candidates]
    members_before = Member.objects.count()
    with pytest.raises(LedgerFileError) as refused:
        import_ledger("members", _ledger(tree, numbers), user=personas.secretary_a1)
    assert refused.value.message == conflicts.OVER_CAP
    assert not any(ch.isdigit() for ch in refused.value.message)
    assert Member.objects.count() == members_before
    # the holding district sees one record for the file, with the count and no member
    record = IdConflict.objects.get()
    assert (record.count, record.member, record.district_id) == (9, None, tree.district.pk)
    # and the allowance is spent: the next single attempt is refused whatever the number
    with pytest.raises(LedgerFileError) as second:
        import_ledger("members", _ledger(tree, candidates[:3]), user=personas.secretary_a1)
    assert second.value.message == conflicts.THROTTLED


def test_ledger_job_report_has_one_row_over_the_cap(personas: Any, tree: Any) -> None:
    held = [make_member(party_org=tree.org_b1).id_number for _ in range(conflicts.LEDGER_CAP + 1)]
    job = job_submit(
        "members",
        _ledger(tree, [make_id_number(881000), *held]),
        user=personas.secretary_a1,
        file_name="probe.xlsx",
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert job.message == conflicts.OVER_CAP
    assert job.error_count == 1


def test_ledger_under_the_cap_answers_generic_per_row(personas: Any, tree: Any) -> None:
    outcome = import_ledger(
        "members",
        _ledger(tree, [make_id_number(882000), tree.member_b1.id_number]),
        user=personas.secretary_a1,
        file_name="two.xlsx",
    )
    assert [(e.row, e.reason) for e in outcome.errors] == [(3, conflicts.GENERIC)]
    record = IdConflict.objects.get()
    assert (record.member, record.via, record.file_name) == (
        tree.member_b1,
        IdConflict.Via.LEDGER,
        "two.xlsx",
    )


def test_district_admin_sees_conflicts_others_do_not(
    personas: Any, tree: Any, client_for: Any
) -> None:
    _post_member(client_for(personas.secretary_a1), tree, tree.member_b1.id_number)
    url = reverse("orgs:conflict_list")
    page = client_for(personas.district_admin).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "secretary_a1" in text and tree.member_b1.name in text
    for persona in ("street_staff", "secretary_a1", "unit_admin", "member", "outsider"):
        assert client_for(getattr(personas, persona)).get(url).status_code == 403, persona
