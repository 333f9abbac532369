"""Team leaders verify the hours of their team: members' logged hours and the team's events.

One rule (`access.hours_verifiable_by`) serves the desk page, the phone page, the API and
the service; the leader of another team gets 404 and nothing changes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from lianjian.accounts.services import grant_add
from lianjian.activities import access, services
from lianjian.activities.models import HoursRecord
from lianjian.activities.services import ActivityError
from lianjian.activities.tests.factories import make_event, make_volunteer
from lianjian.core.roles import Role

pytestmark = pytest.mark.django_db


def _api(c: Any, method: str, url: str, body: Any = None) -> Any:
    return getattr(c, method)(
        "/api/v1" + url, data=json.dumps(body) if body is not None else None,
        content_type="application/json",
    )  # fmt: skip


def _member(region: Any) -> Any:
    v = make_volunteer(region)
    assert v.user is not None
    grant_add(v.user, Role.MEMBER, region=region)
    return v


def _world(tree: Any) -> dict[str, Any]:
    leader_a, leader_b = _member(tree.community_a1), _member(tree.community_a1)
    mate, outsider = _member(tree.community_a1), _member(tree.community_a1)
    team_a = services.team_create(
        actor=None, region=tree.community_a1, name="护河队", leader=leader_a
    )
    services.team_create(actor=None, region=tree.community_a1, name="助老队", leader=leader_b)
    services.team_member_add(team_a, mate, actor=None)
    today = timezone.localdate()
    logged = services.hours_log(mate, on=today, hours=2, description="巡河", team=team_a)
    own = services.hours_log(leader_a, on=today, hours=1, description="自己巡河", team=team_a)
    personal = services.hours_log(mate, on=today, hours=1, description="个人服务")
    # an event of team A, attended by a volunteer who is in no team
    event = make_event(
        tree.community_a1, organizer_team=team_a, starts_in=dt.timedelta(minutes=10),
        audience="community",
    )  # fmt: skip
    services.signup_create(event, outsider)
    services.checkin_by_token(event.checkin_token, outsider, actor=None)
    attended = HoursRecord.objects.get(event=event)
    return {
        "leader_a": leader_a, "leader_b": leader_b, "mate": mate, "logged": logged,
        "own": own, "personal": personal, "attended": attended,
    }  # fmt: skip


def test_leader_queue_is_the_team_s_hours_only(tree: Any) -> None:
    w = _world(tree)
    mine = set(access.hours_verifiable_by(w["leader_a"].user).values_list("pk", flat=True))
    # the team's logged hours and its event's hours; not the leader's own, nor the mate's
    # service outside the team
    assert mine == {w["logged"].pk, w["attended"].pk}
    assert not access.hours_verifiable_by(w["leader_b"].user).exists()
    assert not access.verifies_hours(w["mate"].user)
    # a withdrawn leader no longer verifies
    services.volunteer_withdraw(w["leader_a"], actor=None)
    w["leader_a"].user.__dict__.pop("_activities_volunteer", None)
    assert not access.hours_verifiable_by(w["leader_a"].user).exists()


def test_service_refuses_the_other_team_s_leader(tree: Any) -> None:
    w = _world(tree)
    with pytest.raises(ActivityError) as err:
        services.hours_verify(w["logged"], actor=w["leader_b"].user, approve=True)
    assert err.value.status == 404
    w["logged"].refresh_from_db()
    assert w["logged"].status == "pending"
    services.hours_verify(w["logged"], actor=w["leader_a"].user, approve=False, reason="当天未排班")
    w["logged"].refresh_from_db()
    assert (w["logged"].status, w["logged"].reason) == ("rejected", "当天未排班")
    assert w["logged"].verified_by == w["leader_a"].user


def test_leader_pages_and_api(tree: Any, client_for: Any) -> None:
    w = _world(tree)
    a, b = client_for(w["leader_a"].user), client_for(w["leader_b"].user)
    mate = client_for(w["mate"].user)
    # the phone home links the queue for a leader only
    assert "team-hours-link" in a.get("/activities/m/").content.decode()
    assert "team-hours-link" not in mate.get("/activities/m/").content.decode()
    page = a.get("/activities/m/team-hours/").content.decode()
    assert "巡河" in page and "自己巡河" not in page and "个人服务" not in page
    desk = a.get("/activities/hours/").content.decode()
    assert "护河队" in desk and "巡河" in desk
    # a member who leads nothing has no queue
    assert mate.get("/activities/m/team-hours/").status_code == 403
    assert mate.get("/activities/hours/").status_code == 403
    # the other team's leader: 404 on the page, the phone page and the API; nothing changes
    rid = w["logged"].pk
    assert (
        b.post("/activities/m/team-hours/", {"record": rid, "action": "verify"}).status_code == 404
    )
    assert b.post("/activities/hours/", {"record": rid, "action": "verify"}).status_code == 404
    r = _api(b, "post", f"/activities/hours/{rid}/verify", {"action": "verify"})
    assert r.status_code == 404
    assert _api(b, "get", "/activities/hours/pending").json()["count"] == 0
    assert HoursRecord.objects.get(pk=rid).status == "pending"
    # the leader: the phone page verifies, the API rejects with a reason
    assert _api(a, "get", "/activities/hours/pending").json()["count"] == 2
    a.post("/activities/m/team-hours/", {"record": rid, "action": "verify", "hours": "2.5"})
    rec = HoursRecord.objects.get(pk=rid)
    assert (rec.status, str(rec.hours)) == ("verified", "2.5")
    aid = w["attended"].pk
    r = _api(a, "post", f"/activities/hours/{aid}/verify", {"action": "reject"})
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = _api(a, "post", f"/activities/hours/{aid}/verify", {"action": "reject", "reason": "未到岗"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    r = _api(a, "post", f"/activities/hours/{aid}/verify", {"action": "verify"})
    assert r.status_code == 409
    # the leader's own record is outside the queue: 404, still pending
    own = w["own"].pk
    assert (
        _api(a, "post", f"/activities/hours/{own}/verify", {"action": "verify"}).status_code == 404
    )
    assert HoursRecord.objects.get(pk=own).status == "pending"
