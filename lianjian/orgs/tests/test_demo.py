"""The demo district reproduces the seed figures, its logins work, and it rebuilds cleanly."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import io
import sys
import types
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import Grant, User
from lianjian.core.audit import audit_verify
from lianjian.core.models import AuditEvent
from lianjian.core.validators import is_valid_credit_code, is_valid_id_number
from lianjian.orgs.access import members_visible_to
from lianjian.orgs.demo import (
    DEFAULT_DEMO_PASSWORD,
    LEDGER_MODULE,
    PeopleFactory,
    build_ledger_if_available,
    demo_build,
)
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit
from lianjian.orgs.services import (
    id_number_index,
    member_create,
    party_org_create,
    region_create,
)

pytestmark = pytest.mark.django_db


def _login(username: str, password: str = DEFAULT_DEMO_PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not log in"
    return client


def test_demo_reproduces_seed_figures_with_valid_fictional_people() -> None:
    result = demo_build()

    park = Region.objects.get(name="莱锦文化创意产业园")
    park_units = Unit.objects.filter(area=park)
    assert park_units.count() == 170
    assert Counter(park_units.values_list("industry", flat=True)) == {
        "传媒": 73,
        "创意设计": 48,
        "广告": 24,
        "动漫": 15,
        "其他文创": 10,
    }
    floating = Member.objects.filter(area=park, is_floating=True)
    assert floating.count() == 132
    assert PartyOrg.objects.filter(area=park).exclude(formation="temporary").count() == 1

    dongyin = Region.objects.get(name="东银中心")
    branches = PartyOrg.objects.filter(area=dongyin, level=PartyOrg.Level.BRANCH)
    assert branches.filter(formation=PartyOrg.Formation.SINGLE).count() == 7
    joint = branches.get(formation=PartyOrg.Formation.JOINT)
    assert joint.name == "东银中心楼宇联合党支部"
    assert joint.members.count() == 45
    covered = OrgUnitCoverage.objects.filter(party_org=joint, until__isnull=True)
    assert covered.count() > 20
    per_unit = Counter(joint.members.values_list("workplace_unit_id", flat=True))
    assert max(per_unit.values()) <= 2  # else the unit would owe its own branch
    for org in branches.filter(formation=PartyOrg.Formation.SINGLE):
        assert org.members.count() >= 3

    cjq = Region.objects.get(name="程家桥街道")
    aviation = Unit.objects.filter(street=cjq, region=cjq)
    assert aviation.count() == 41
    assert aviation.filter(name__contains="东方航空").exists()
    assert aviation.filter(name__contains="虹桥边防检查站", kind="government").exists()

    hongchu_org = PartyOrg.objects.get(name="虹储居民区党总支")
    assert hongchu_org.level == PartyOrg.Level.GENERAL_BRANCH
    groups = PartyOrg.objects.filter(path__startswith=hongchu_org.path, level=PartyOrg.Level.GROUP)
    assert groups.count() == 6

    codes = list(Unit.objects.values_list("credit_code", flat=True))
    assert all(code and is_valid_credit_code(code) for code in codes)
    members = list(Member.objects.select_related("party_org__region"))
    assert len(members) == result.counts["members"]
    for member in members:
        assert is_valid_id_number(member.id_number)
        assert member.id_number_index == id_number_index(member.id_number)
        ancestors = member.party_org.region.ancestor_ids()
        assert (member.district_id, member.street_id, member.community_id, member.area_id) == (
            ancestors["district_id"],
            ancestors["street_id"],
            ancestors["community_id"],
            ancestors["area_id"],
        )
    assert len({m.name for m in members}) > len(members) // 2  # generated, not one name

    if apps.is_installed("lianjian.visits"):
        # seed 001: 1,415 visits in 虹桥街道 reaching 95% of its 两新 units
        visit = apps.get_model("visits", "Visit")
        hq = Region.objects.get(name="虹桥街道")
        assert visit.objects.filter(street=hq).count() == 1415


def test_demo_logins_open_without_forced_password_change_and_are_scoped() -> None:
    result = demo_build()
    roles = {login.role for login in result.logins}
    assert len(roles) == 11  # every role of accounts.roles has a login
    for login in result.logins:
        user = User.objects.get(username=login.username)
        assert not user.must_change_password
        assert user.grants.count() == 1

    client = _login("demo_hongchu")
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 200  # not redirected to the password change page

    secretary = User.objects.get(username="demo_hongchu")
    visible = members_visible_to(secretary)
    hongchu = Region.objects.get(name="虹储居民区")
    assert visible.count() == Member.objects.filter(community=hongchu).count() > 0
    assert not visible.filter(community__name="虹仙居民区").exists()

    handler_grant = Grant.objects.get(user__username="demo_dept")
    if apps.is_installed("lianjian.needs"):
        # the handler answers for a department the needs demo configured
        department = apps.get_model("needs", "Department")
        assert department.objects.filter(key=handler_grant.department_key).exists()

    member_user = User.objects.get(username="demo_member")
    assert member_user.member_profile.community == hongchu


def test_demo_command_rebuilds_without_touching_audit_or_other_districts() -> None:
    other = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    other_org = party_org_create(name="徐汇测试党支部", level="branch", region=other)
    kept = member_create(
        party_org=other_org, name="保留人", id_number=PeopleFactory(1).id_number("310104")
    )

    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "demo_hongchu" in text and DEFAULT_DEMO_PASSWORD in text
    first = {
        "regions": Region.objects.count(),
        "units": Unit.objects.count(),
        "orgs": PartyOrg.objects.count(),
        "members": Member.objects.count(),
        "users": User.objects.count(),
        "grants": Grant.objects.count(),
    }
    audit_rows = AuditEvent.objects.count()

    call_command("demo", "--password", "Other-Demo-Pass-9", stdout=io.StringIO())
    second = {
        "regions": Region.objects.count(),
        "units": Unit.objects.count(),
        "orgs": PartyOrg.objects.count(),
        "members": Member.objects.count(),
        "users": User.objects.count(),
        "grants": Grant.objects.count(),
    }
    assert second == first
    assert AuditEvent.objects.count() > audit_rows  # appended, never deleted
    assert audit_verify().ok
    # the trail names who wrote the demo rows, as it does for people
    rebuilt = AuditEvent.objects.filter(seq__gt=audit_rows)
    assert set(rebuilt.values_list("username", flat=True)) == {"系统：演示数据"}
    assert Region.objects.filter(pk=other.pk).exists()
    assert PartyOrg.objects.filter(pk=other_org.pk).exists()
    assert Member.objects.filter(pk=kept.pk, is_active=True).exists()
    assert Region.objects.filter(name="长宁区").count() == 1
    _login("demo_district", "Other-Demo-Pass-9")


def test_demo_command_refuses_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())
    assert not Region.objects.exists()
    assert not User.objects.exists()


def test_ledger_call_site_reports_missing_module_and_calls_present_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    district = region_create(name="长宁区", level=Region.Level.DISTRICT)
    if importlib.util.find_spec(LEDGER_MODULE) is None:
        assert build_ledger_if_available(district).startswith("unavailable")
    calls: list[Any] = []

    def fake_build(d: Region) -> int:
        calls.append(d)
        return 20000

    fake = types.ModuleType(LEDGER_MODULE)
    fake.__spec__ = importlib.machinery.ModuleSpec(LEDGER_MODULE, None)
    fake.build_liangxin_ledger = fake_build  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, LEDGER_MODULE, fake)
    assert build_ledger_if_available(district) == "built: 20000"
    assert calls == [district]


def test_start_loads_demo_only_into_an_empty_database_then_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lianjian.orgs.management.commands import start

    served: list[tuple[Any, ...]] = []
    real_call_command = start.call_command

    def fake_call_command(name: str, *args: Any, **kwargs: Any) -> None:
        if name == "runserver":
            served.append((*args, kwargs.get("use_reloader")))
            return
        real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(start, "call_command", fake_call_command)
    out = io.StringIO()
    call_command("start", "--addr", "127.0.0.1:8123", stdout=out)
    assert "demo_hongchu" in out.getvalue()
    assert served == [("127.0.0.1:8123", False)]
    regions = Region.objects.count()
    users = User.objects.count()

    again = io.StringIO()
    call_command("start", stdout=again)
    assert "demo_hongchu" not in again.getvalue()  # not rebuilt, logins not reprinted
    assert (Region.objects.count(), User.objects.count()) == (regions, users)
    assert served[-1] == ("127.0.0.1:8000", False)


class FakeWorker:
    """Stands in for the `db_worker` process `start` launches beside the server."""

    launched: list[list[str]] = []
    last: FakeWorker

    def __init__(self, args: list[str]) -> None:
        FakeWorker.launched.append(args)
        self.terminated = False
        self.returncode: int | None = None
        FakeWorker.last = self

    def poll(self) -> int | None:
        return self.returncode

    def terminate(self) -> None:
        self.terminated = True
        self.returncode = -15

    def wait(self, timeout: float | None = None) -> int:
        return 0


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_start_runs_a_task_worker_beside_the_server_and_stops_it(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """With the database queue, big imports and reminders only finish if a worker runs."""
    from lianjian.core import supervisor
    from lianjian.orgs.management.commands import start

    settings.TASKS = DB_TASKS
    FakeWorker.launched = []
    monkeypatch.setattr(supervisor.subprocess, "Popen", FakeWorker)
    running: list[bool] = []
    monkeypatch.setattr(
        start,
        "call_command",
        lambda name, *a, **k: (
            running.append(not FakeWorker.last.terminated) if name == "runserver" else None
        ),
    )
    call_command("start", "--no-demo", stdout=io.StringIO())
    assert len(FakeWorker.launched) == 1
    assert FakeWorker.launched[0][1:] == [
        "-m",
        "lianjian.cli",
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
    ]
    assert running == [True]  # the worker was up while the server ran
    assert FakeWorker.last.terminated  # and is stopped with it

    FakeWorker.launched = []
    call_command("start", "--no-demo", "--no-worker", stdout=io.StringIO())
    assert FakeWorker.launched == []

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("start", "--no-demo", stdout=io.StringIO())
    assert FakeWorker.launched == []  # tasks run at once: nothing to wait for them


def test_the_start_ticker_queues_the_needs_tick(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from lianjian.orgs.management.commands.start import enqueue_needs_tick

    settings.TASKS = DB_TASKS
    enqueue_needs_tick()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "lianjian.needs.tasks.needs_tick_task"
    assert queued.status == "READY"
