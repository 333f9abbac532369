"""Permission matrix: each persona → allowed / 403 / 404, and a refusal changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianjian.alliances.models import Proposal
from lianjian.alliances.tests.factories import World

pytestmark = pytest.mark.django_db

READERS = {"district_admin", "street_staff", "unit_admin"}
# secretary_a1/a2 hold community grants: the street body is above them (404)
NO_ROLE = {"dept_handler", "member", "merchant", "outsider", "audit_admin", "security_admin"}


def _expect(name: str, ok: int = 200) -> int:
    if name in READERS:
        return ok
    if name in NO_ROLE:
        return 403
    return 404


@pytest.mark.parametrize(
    "path",
    [
        "/alliances/bodies/{body}/",
        "/alliances/meetings/{meeting}/",
        "/alliances/proposals/{proposal}/",
        "/api/v1/alliances/bodies/{body}",
        "/api/v1/alliances/proposals/{proposal}",
        "/api/v1/alliances/meetings/{meeting}",
    ],
)
def test_detail_matrix(world: World, personas: Any, client_for: Any, path: str) -> None:
    url = path.format(body=world.body.pk, meeting=world.meeting.pk, proposal=world.proposal.pk)
    got = {name: client_for(user).get(url).status_code for name, user in personas.all().items()}
    assert got == {name: _expect(name) for name in got}


def test_alliance_seen_by_member_unit_admin_not_by_outside_unit(
    world: World, personas: Any, client_for: Any, tree: Any
) -> None:
    from conftest import _persona

    url = f"/alliances/{world.alliance.pk}/"
    assert client_for(personas.unit_admin).get(url).status_code == 200
    other = _persona("other_unit_admin", "unit_admin", party_org=tree.org_b1)
    assert client_for(other).get(url).status_code == 404


def test_refused_writes_change_nothing(world: World, personas: Any, client_for: Any) -> None:
    before = (world.proposal.status, world.proposal.history.count())
    url = f"/api/v1/alliances/proposals/{world.proposal.pk}/transitions"
    body = json.dumps({"action": "accept"})
    got = {}
    for name in ("secretary_a2", "unit_admin", "member", "outsider"):
        r = client_for(getattr(personas, name)).post(url, body, content_type="application/json")
        got[name] = r.status_code
    assert got == {"secretary_a2": 404, "unit_admin": 403, "member": 403, "outsider": 403}
    p = Proposal.objects.get(pk=world.proposal.pk)
    assert (p.status, p.history.count()) == before
    ok = client_for(personas.street_staff).post(url, body, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"


def test_unit_admin_files_proposal_only_for_its_unit(
    world: World, personas: Any, client_for: Any, tree: Any
) -> None:
    c = client_for(personas.unit_admin)
    payload = {
        "body": world.body.pk,
        "unit": tree.unit_a1.pk,
        "title": "代他人提交",
        "content": "x",
        "category": "other",
    }
    r = c.post("/api/v1/alliances/proposals", json.dumps(payload), content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "unit"
    payload["unit"] = tree.unit_building.pk
    r = c.post("/api/v1/alliances/proposals", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "submitted"


def test_pages_render_for_staff(world: World, personas: Any, client_for: Any) -> None:
    c = client_for(personas.street_staff)
    for url in (
        "/alliances/",
        "/alliances/bodies/",
        "/alliances/bodies/?not_met=1",
        "/alliances/cadence/",
        "/alliances/report/",
        "/alliances/proposals/",
        "/alliances/proposals/new/",
        "/alliances/tasks/",
        "/alliances/resolutions/",
        "/alliances/agreements/",
        "/alliances/agreements/?export=xlsx",
        f"/alliances/{world.alliance.pk}/",
        f"/alliances/meetings/{world.meeting.pk}/print/",
        "/api/v1/alliances/reports/cadence?year=2026",
        "/api/v1/alliances/reports/units",
        "/api/v1/alliances/reports/proposals",
    ):
        assert c.get(url).status_code == 200, url
    assert client_for(personas.unit_admin).get("/alliances/m/").status_code == 200
