"""The default demo (ledger included, as `lianjian start` builds it): every seed figure at
once, read through the platform's own reports and API as a demo login sees it; valid
fictional people; scoped logins; a clean rebuild.

Building the default demo takes a while (about 20 s of CPU, a minute on a busy machine),
so the module builds it once (`default_demo`) inside a transaction rolled back when the
module ends; each test runs in a savepoint of it, as usual. The figures test collects
every figure first and compares them at once, so a failure names all that differ.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.accounts.models import Grant, User
from lianjian.core.audit import audit_verify
from lianjian.core.demo import PeopleFactory
from lianjian.core.models import AuditEvent
from lianjian.core.registry import extension
from lianjian.core.validators import is_valid_credit_code, is_valid_id_number
from lianjian.orgs.access import members_visible_to
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit, UnitKind
from lianjian.orgs.services import id_number_index, party_org_create, region_create
from lianjian.orgs.services_members import member_create
from lianjian.portal.demo import DEFAULT_DEMO_PASSWORD, DemoResult, demo_build
from lianjian.portal.management.commands.demo import print_logins, print_summaries

# the default demo takes minutes to build on two cores: CI's PostgreSQL stage runs it (P7);
# conftest keeps the module on one xdist worker
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@dataclass
class Built:
    result: DemoResult
    output: str  # what `lianjian demo` / `lianjian start` print after the build
    seconds: float


@pytest.fixture(scope="module")
def default_demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Built]:
    """The default build once for the module, rolled back (audit rows included) at its end."""
    import time

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            started = time.monotonic()
            result = demo_build(with_ledger=True)
            seconds = time.monotonic() - started
            out = io.StringIO()
            print_summaries(_Writer(out), result)
            print_logins(_Writer(out), result)
            yield Built(result, out.getvalue(), seconds)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


class _Writer:
    """The management command's `stdout.write`: one line each."""

    def __init__(self, out: io.StringIO) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text + "\n")


def _login(username: str, password: str = DEFAULT_DEMO_PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not log in"
    return client


SEED_CATEGORIES = {"咨询服务", "慈善关爱", "文体健身", "场地租赁", "培训服务", "医疗", "白领交友", "人员招聘"}  # fmt: skip

CHANGNING_STREETS = {
    "虹桥街道", "程家桥街道", "华阳路街道", "江苏路街道", "新华路街道",
    "周家桥街道", "天山路街道", "仙霞新村街道", "北新泾街道", "新泾镇",
}  # fmt: skip


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def _region(name: str) -> int:
    return Region.objects.get(name=name).pk


def _changning(seen: dict[str, Any]) -> None:
    """Seed 002, for the district admin: the coverage report (API and page)."""
    district = _as("demo_district")
    report = _get(district, f"/api/v1/coverage?region={_region('长宁区')}")
    f = {key: value["count"] for key, value in report["figures"].items()}
    seen["changning"] = {
        "liangxin": f["liangxin"],
        "covered": f["liangxin_covered"],
        "rate": report["rates"]["organization_coverage"],
        "above_scale": f["above_scale"],
        "above_scale_covered": f["above_scale_covered"],
        "individual": f["excluded_individual"],
        "team": f["excluded_team"],
        "covering_orgs": f.get("covering_orgs"),
    }
    streets = {row["label"] for row in report["breakdowns"]["street"]}
    seen["changning_streets"] = streets
    page = district.get(f"/orgs/ledger/coverage/?region={_region('长宁区')}").content.decode()
    covering = re.search(r'id="fig-covering-orgs"[^>]*>([\d,]+)<', page)
    seen["changning_page_covering_orgs"] = covering and covering.group(1)


def _hongqiao(seen: dict[str, Any]) -> None:
    """Seed 001, for 虹桥街道's staff: visits, 东银中心's branches, needs, cross-appointment."""
    street = _as("demo_street")
    today = timezone.localdate()
    year = f"start={today - dt.timedelta(days=364)}&end={today}"
    visits = _get(street, f"/api/v1/visits/coverage?region={_region('虹桥街道')}&{year}")
    seen["hongqiao_visits"] = (visits["visits"], visits["rate"])

    dongyin = _region("东银中心")
    branches = _get(street, f"/api/v1/party-orgs?region={dongyin}&level=branch&limit=100")
    formations = sorted(item["formation"] for item in branches["items"])
    joints = [i for i in branches["items"] if i["formation"] == PartyOrg.Formation.JOINT]
    members = _get(street, f"/api/v1/members?party_org={joints[0]['id']}&limit=1")
    seen["dongyin"] = (branches["count"], formations, joints[0]["name"], members["count"])

    rows = _get(street, "/api/v1/needs/stats?by=category")
    handled = {row["label"]: row["replied"] for row in rows if row["replied"]}
    seen["needs_handled"] = (sum(handled.values()), set(handled))
    seen["needs_rated"] = sum(row["rated"] for row in rows) > 0.8 * sum(handled.values())
    page = street.get(f"/needs/stats/?by=category&start={today - dt.timedelta(days=364)}")
    cells = re.findall(r"<tr><td>([^<]+)</td><td>\d+</td><td>(\d+)</td>", page.content.decode())
    seen["needs_page_handled"] = sum(int(n) for label, n in cells if label in SEED_CATEGORIES)
    board = _get(street, "/api/v1/needs?limit=1")
    seen["needs_open_work"] = board["count"] > seen["needs_handled"][0]

    cross = _get(street, f"/api/v1/visits/cross-appointments?cross=true&{year}")
    orgs = {row["name"]: row for row in cross["orgs"]}
    both = ("虹储居民区党总支", "东银中心楼宇联合党支部")
    seen["cross"] = {
        "cadres": len(cross["cadres"]) >= 3,
        "each_in_both": all(
            {p["party_org_name"] for p in c["posts"]} >= set(both) for c in cross["cadres"]
        ),
        "rolled_up_to_both": all(
            name in orgs and orgs[name]["via_cadres"] > 0 and orgs[name]["needs"] > 0
            for name in both
        ),
        "needs_follow_visits": sum(c["needs"] for c in cross["cadres"]) > 0,
    }


def _others(seen: dict[str, Any]) -> None:
    """Seed 000 (程家桥街道's aviation alliance) and seed 004 (莱锦 park in 八里庄街道)."""
    district = _as("demo_district")
    cjq = _get(district, f"/api/v1/units?region={_region('程家桥街道')}&limit=1")
    seen["chengjiaqiao_units"] = cjq["count"]
    balizhuang = _as("demo_balizhuang")
    park = _region("莱锦文化创意产业园")
    report = _get(balizhuang, f"/api/v1/coverage?region={park}")
    seen["laijin"] = (
        report["figures"]["liangxin"]["count"],
        report["floating_members"]["total"],
    )


def test_the_default_demo_shows_every_seed_figure_at_once(default_demo: Built) -> None:
    seen: dict[str, Any] = {}
    _changning(seen)
    _hongqiao(seen)
    _others(seen)
    # each builder's line is a Chinese sentence, never a Python repr
    lines = [line for line in default_demo.output.splitlines() if "：" in line]
    summaries = lines[: len(default_demo.result.summaries)]
    seen["summaries"] = [
        (bool(re.search(r"[\u4e00-\u9fff]{2}", line)), any(c in line for c in "{}[]'\"<>"))
        for line in summaries
    ]
    print(f"default demo built in {default_demo.seconds:.1f} s")

    assert seen == {
        "changning": {
            "liangxin": 13_101,
            "covered": 3_098,
            "rate": 23.6,
            "above_scale": 263,
            "above_scale_covered": 263,
            "individual": 6_553,
            "team": 903,
            "covering_orgs": 837,
        },
        "changning_streets": CHANGNING_STREETS,
        "changning_page_covering_orgs": "837",
        "hongqiao_visits": (1_415, 95.0),
        "dongyin": (
            8,
            ["joint"] + ["single"] * 7,
            "东银中心楼宇联合党支部",
            45,
        ),
        "needs_handled": (216, SEED_CATEGORIES),
        "needs_rated": True,
        "needs_page_handled": 216,
        "needs_open_work": True,
        "cross": {
            "cadres": True,
            "each_in_both": True,
            "rolled_up_to_both": True,
            "needs_follow_visits": True,
        },
        "chengjiaqiao_units": 41,
        "laijin": (170, 132),
        "summaries": [(True, False)] * len(default_demo.result.summaries),  # one per builder
    }


def test_every_figure_the_apps_declare_reads_back_from_the_demo(default_demo: Built) -> None:
    """Each app's seed figures (extension point "portal.demo_figures"), read through its report."""
    figures = list(extension("portal.demo_figures"))
    assert figures, "no app declares demo figures"
    seen = {f.key: f.read() for f in figures}
    assert seen == {f.key: f.expected for f in figures}


def test_demo_reproduces_seed_figures_with_valid_fictional_people(default_demo: Built) -> None:
    result = default_demo.result

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
    assert aviation.count() == 41 == Unit.objects.filter(street=cjq).count()
    assert aviation.filter(name__contains="东方航空").exists()
    assert aviation.filter(name__contains="虹桥边防检查站", kind="government").exists()

    hongchu_org = PartyOrg.objects.get(name="虹储居民区党总支")
    assert hongchu_org.level == PartyOrg.Level.GENERAL_BRANCH
    groups = PartyOrg.objects.filter(path__startswith=hongchu_org.path, level=PartyOrg.Level.GROUP)
    assert groups.count() == 6

    # every unit has a valid credit code but the ledger's 社区活动团队, which register none
    teams = Unit.objects.filter(kind=UnitKind.COMMUNITY_TEAM)
    codes = list(Unit.objects.exclude(pk__in=teams).values_list("credit_code", flat=True))
    assert all(code and is_valid_credit_code(code) for code in codes)
    assert set(teams.values_list("credit_code", flat=True)) == {None}
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


def test_demo_logins_open_without_forced_password_change_and_are_scoped(
    default_demo: Built,
) -> None:
    result = default_demo.result
    assert "demo_hongchu" in default_demo.output and DEFAULT_DEMO_PASSWORD in default_demo.output
    roles = {login.role for login in result.logins}
    assert len(roles) == 11  # every role of accounts.roles has a login
    for login in result.logins:
        user = User.objects.get(username=login.username)
        assert not user.must_change_password
        assert user.grants.count() == 1

    client = _login("demo_hongchu")
    home = client.get(reverse("portal:home"))
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


# a second full build of the default demo: CI's PostgreSQL stage runs it (.ci/run)
@pytest.mark.slow
def test_demo_command_rebuilds_without_touching_audit_or_other_districts(
    default_demo: Built,
) -> None:
    other = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    other_org = party_org_create(name="徐汇测试党支部", level="branch", region=other)
    kept = member_create(
        party_org=other_org, name="保留人", id_number=PeopleFactory(1).id_number("310104")
    )
    first = {
        "regions": Region.objects.count(),
        "units": Unit.objects.count(),
        "orgs": PartyOrg.objects.count(),
        "members": Member.objects.count(),
        "users": User.objects.count(),
        "grants": Grant.objects.count(),
    }
    audit_rows = AuditEvent.objects.count()

    out = io.StringIO()
    call_command("demo", "--password", "Other-Demo-Pass-9", stdout=out)  # ledger included
    text = out.getvalue()
    assert "demo_hongchu" in text and "Other-Demo-Pass-9" in text
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
    # the trail names who wrote the demo rows, as it does for people: the build itself,
    # and the demo accounts on whose authority the work orders and notices were replayed
    # (the needs, notices, activities and surveys services check the acting account), for those rows only; an
    # app whose demo replays through its services as a demo account adds its code here
    rebuilt = AuditEvent.objects.filter(seq__gt=audit_rows)
    by_accounts = rebuilt.exclude(username="系统：演示数据")
    assert rebuilt.filter(username="系统：演示数据").exists()
    assert {u[:5] for u in by_accounts.values_list("username", flat=True)} == {"demo_"}
    replayed = {a.split(".")[0] for a in by_accounts.values_list("action", flat=True)}
    assert "need" in replayed and replayed <= {"need", "notice", "activity", "survey"}, replayed
    assert Region.objects.filter(pk=other.pk).exists()
    assert PartyOrg.objects.filter(pk=other_org.pk).exists()
    assert Member.objects.filter(pk=kept.pk, is_active=True).exists()
    assert Region.objects.filter(name="长宁区").count() == 1
    _login("demo_district", "Other-Demo-Pass-9")


def test_demo_role_homes_and_notices_match_the_demo_rows(default_demo: Built) -> None:
    """Each demo role's home figures equal the rows behind them; the demo notices' receipts."""
    import re

    from lianjian.needs.models import Need, Status
    from lianjian.notices.models import Notice, NoticeRead

    def card(html: str, key: str) -> str:
        match = re.search(rf'id="card-{key}"[^>]*>.*?class="num">([^<]+)<', html, re.S)
        assert match, key
        return match.group(1).replace(",", "")

    street = Region.objects.get(name="虹桥街道")
    home = _as("demo_street").get(reverse("portal:home")).content.decode()
    waiting = Need.objects.filter(street=street, status=Status.RECEIVED).count()
    assert card(home, "needs-to-dispatch") == str(waiting)
    dept = _as("demo_dept").get(reverse("portal:home")).content.decode()
    assert "card-needs-awaiting" in dept and "stat-units" not in dept
    assert (
        card(_as("demo_audit").get(reverse("portal:home")).content.decode(), "core-chain") == "完整"
    )
    assert (
        "card-accounts-locked" in _as("demo_security").get(reverse("portal:home")).content.decode()
    )
    phone = _as("demo_member").get(reverse("portal:home")).content.decode()
    assert 'id="tile-needs-public_submit"' in phone and 'id="my-record"' in phone

    assert Notice.objects.count() == default_demo.result.counts["notices"] == 3
    first = Notice.objects.get(pinned=True)
    receipts = _get(_as("demo_street"), f"/api/v1/notices/{first.pk}/receipts")
    assert receipts["read"] == NoticeRead.objects.filter(notice=first).count() == 2
    member_list = _get(_as("demo_member"), "/api/v1/notices")
    assert {n["title"] for n in member_list["items"]} == {
        n.title for n in Notice.objects.exclude(orgs__isnull=False)
    }
