"""Fixtures for the API fuzz suite (QUALITY.md R3, S8).

The API is served in-process by the project's own WSGI application; the only
"network" is a WSGI call. Each operation runs on the persona tree of the root
conftest, authenticated as the street staff of 虹桥街道 with a bearer token,
and knows, for every object-id path parameter, one object inside that scope
and the matching objects of the sibling street 程家桥街道.

How an app adds its objects: write one builder `<app>_objects(side: Side)` below that
creates, through the app's services or test factories, one object per id path parameter
of its routes on the given side (its street, community, unit, Party organization, member
and street staff), and returns `{"<param>_id": [pk, ...]}`; then append it to `BUILDERS`.
`fuzz_world` calls each builder twice, for the caller's street (the first id becomes the
in-scope one) and for the sibling street (every id is tried, and must answer 404/403).
An operation whose path names a parameter no builder provides fails
`test_sibling_street_objects_answer_404_and_change_nothing` with that parameter's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

# Tables a refused request may legitimately touch: the audit trail records the
# denial (S11), and token use stamps `last_used_at`.
BOOKKEEPING = {
    "core.AuditEvent",
    "core.AuditHead",
    "accounts.ApiToken",
    "sessions.Session",
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "axes.AccessLog",
    "axes.AccessAttemptExpiration",
    # a refused registration of an ID number held outside the scope is recorded (S25)
    "orgs.IdConflict",
}

# Examples per operation, in process (test_api_fuzz.py) and over HTTP (test_live_server.py):
# the default keeps the fuzz suite near a minute on two cores; raise it for a longer hunt.
EXAMPLES = int(os.environ.get("LIANJIAN_FUZZ_EXAMPLES", "10"))

# Generated cases and requests sent per operation label, printed in the terminal
# summary (without xdist; workers keep their own counts).
CASES: Counter[str] = Counter()
REQUESTS: Counter[str] = Counter()


@dataclass
class FuzzWorld:
    token: str
    # path parameter name -> an id the street staff may see and change
    in_scope: dict[str, int]
    # path parameter name -> ids of the same kind of object in the sibling street
    sibling: dict[str, list[int]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """Serve WSGI requests on the test's own connection and transaction.

    Django's WSGI handler closes "old" connections at the start and end of each
    request, which would end the transaction pytest-django wraps the test in;
    the Django test client disconnects the same receivers for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass
class Side:
    """One street of the fuzz world: the caller's (虹桥街道) or the sibling (程家桥街道)."""

    suffix: str  # "a" or "b": keeps usernames and names unique
    street: Any
    community: Any
    unit: Any  # a unit in `community`
    units: list[Any]  # the units of the street (member units of its joint meeting)
    org: Any  # a Party organization in `community`
    member: Any  # a Party member of `org`
    staff: Any  # the street staff of `street`


# An app's builder: the objects of one side, as path parameter name -> ids (the first one
# is the in-scope id on the caller's side; every id of the sibling side is tried).
Builder = Callable[[Side], dict[str, list[int]]]


def orgs_objects(side: Side) -> dict[str, list[int]]:
    from lianjian.core.models import Notification
    from lianjian.core.notifications import notify
    from lianjian.ledger.jobs import job_reject
    from lianjian.needs.services import need_submit
    from lianjian.visits.services import visit_record

    need = need_submit(
        channel="hotline",
        text="楼道灯坏了很久，晚上出行不便，希望尽快维修",
        region=side.community,
        submitter_kind="person",
        submitter_name="赵女士",
        contact_phone="13912345678",
    )
    visit = visit_record(
        unit=side.unit,
        visited_on=dt.date(2026, 3, 2),
        visitors="钱干事",
        findings="经营正常，希望对接党建指导员",
    )
    job = job_reject("units", user=side.staff, file_name=f"{side.suffix}.xlsx", size=1)
    notify([side.staff], "新派单需求", "请办理", "/needs/", kind="needs")
    notification = Notification.objects.filter(recipient=side.staff).latest("pk")
    return {
        "region_id": [side.community.pk, side.street.pk],
        "unit_id": [side.unit.pk],
        "org_id": [side.org.pk],
        "member_id": [side.member.pk],
        "need_id": [need.pk],
        "visit_id": [visit.pk],
        "job_id": [job.pk],
        "notification_id": [notification.pk],
    }


def notices_objects(side: Side) -> dict[str, list[int]]:
    from lianjian.notices.services import notice_publish

    notice = notice_publish(actor=side.staff, title="通知", body="正文", region=side.street)
    return {"notice_id": [notice.pk]}


def jobs_objects(side: Side) -> dict[str, list[int]]:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.jobs.tests.factories import make_application, make_posting, make_resume, recruiter

    resident = User.objects.create(
        username=f"resident_{side.suffix}", display_name="居民", must_change_password=False
    )
    grant_add(resident, Role.MEMBER, region=side.community)
    posting = make_posting(
        side.unit, recruiter(side.unit, f"recruiter_{side.suffix}"), reviewer=side.staff
    )
    resume = make_resume(resident, side.community)
    application = make_application(resume, posting)
    return {
        "posting_id": [posting.pk],
        "resume_id": [resume.pk],
        "application_id": [application.pk],
    }


def projects_objects(side: Side) -> dict[str, list[int]]:
    from lianjian.projects import services, services_pairs
    from lianjian.projects.tests.factories import make_item, register_member, register_org

    item = make_item(side.community)
    # the member's own registration claims (on the caller's side, the member persona 陈一)
    mine = register_member(side.member, side.community)
    org = register_org(side.org, side.community)
    claim = services.claim_create(make_item(side.community), registration=mine)
    pair = services_pairs.pair_create(
        registration=org,
        household_name="周阿姨",
        people=2,
        consent=True,
        started_on=dt.date(2025, 3, 1),
    )
    return {
        "item_id": [item.pk],
        "claim_id": [claim.pk],
        "registration_id": [mine.pk, org.pk],
        "pair_id": [pair.pk],
    }


def alliances_objects(side: Side) -> dict[str, list[int]]:
    from lianjian.alliances.models import Body
    from lianjian.alliances.services import agreements, meetings, proposals, tasks
    from lianjian.alliances.services import alliances as services

    founded = dt.date(2024, 1, 10)
    alliance = services.alliance_create(
        name=f"{side.street.name}楼宇党建联盟",
        level="street",
        region=side.street,
        founded_on=founded,
        lead_unit=side.unit,
        charter_text="党建共建、资源共享",
    )
    body = services.body_create(
        name=f"{side.street.name}联席会议", kind=Body.Kind.STREET, region=side.street
    )
    services.body_members_add_many(body, side.units, joined_on=founded)
    agreement = agreements.agreement_sign(
        region=side.community,
        party_org=side.org,
        unit=side.unit,
        title="共驻共建协议书",
        signed_on=dt.date(2025, 1, 1),
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        items=[("unit", "service", "提供活动场地")],
    )

    def propose(title: str) -> Any:
        return proposals.proposal_create(
            body=body,
            unit=side.unit,
            title=title,
            content="建议各成员单位按轮班制定排班表",
            category="governance",
        )

    # one proposal through a held meeting to a resolution and its task, one left submitted
    meeting = meetings.meeting_schedule(
        body, title="第一季度联席会议", scheduled_at=timezone.now(), place="街道党群服务中心"
    )
    adopted = proposals.proposal_accept(propose("楼宇职工参与垃圾分类排班"))
    proposals.proposal_put_on_agenda(adopted, meeting=meeting)
    for unit in side.units:
        meetings.attendance_mark(meeting, unit=unit)
    meetings.meeting_hold(meeting)
    for unit in side.units:
        proposals.vote_cast(adopted, unit=unit, choice_value="yes")
    resolution = proposals.proposal_decide(adopted).resolution
    task = tasks.task_assign(
        resolution, title="制定排班表", due_on=timezone.localdate(), unit=side.unit
    )
    return {
        "alliance_id": [alliance.pk],
        "body_id": [body.pk],
        "agreement_id": [agreement.pk],
        "meeting_id": [meeting.pk],
        "proposal_id": [propose("增设楼宇共享会议室").pk],
        "resolution_id": [resolution.pk],
        "task_id": [task.pk],
    }


def ratings_objects(side: Side) -> dict[str, list[int]]:
    """A scheme of the district with a round rating the side's organization. Schemes are
    the district's: the sibling side's scheme is another district's (虹桥's staff may read
    their own district's schemes), its rating one of 长宁区's other street."""
    from lianjian.orgs.models import Region
    from lianjian.orgs.services import region_create
    from lianjian.ratings import services
    from lianjian.ratings.models import Round
    from lianjian.ratings.tests.factories import make_scheme

    district = Region.objects.get(pk=side.street.ancestor_ids()["district_id"])
    own = make_scheme(district, 2026 if side.suffix == "a" else 2025)
    rnd = services.round_open(own, orgs=[side.org], scope=Round.Scope.ALL)
    rating = rnd.ratings.get(party_org=side.org)
    if side.suffix == "a":
        return {"scheme_id": [own.pk], "rating_id": [rating.pk]}
    elsewhere = region_create(name="徐汇区", level=Region.Level.DISTRICT)
    return {"scheme_id": [make_scheme(elsewhere, 2026).pk], "rating_id": [rating.pk]}


def surveys_objects(side: Side) -> dict[str, list[int]]:
    """An open questionnaire of the side's street, sent to its units."""
    from lianjian.surveys import services
    from lianjian.surveys.tests.factories import DEFINITION

    survey = services.survey_create(
        actor=side.staff,
        region=side.street,
        title=f"{side.street.name}企业需求调查问卷",
        audience="units",
        definition=DEFINITION,
    )
    return {"survey_id": [services.survey_open(survey, actor=side.staff).pk]}


def activities_objects(side: Side) -> dict[str, list[int]]:
    """An event with a sign-up and hours, a venue with a booking, a roster, a lesson."""
    from lianjian.activities.tests.fuzz_objects import activities_objects as build

    return {name: [pk] for name, pk in build(side.community, side.org, side.suffix).items()}


# Every app's builder, called once per side. A new app with object routes appends its own.
BUILDERS: list[Builder] = [
    orgs_objects,
    notices_objects,
    jobs_objects,
    projects_objects,
    alliances_objects,
    ratings_objects,
    surveys_objects,
    activities_objects,
]


@pytest.fixture
def fuzz_world(tree: Any, personas: Any) -> FuzzWorld:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add, token_create
    from lianjian.core.roles import Role
    from lianjian.orgs.tests.factories import make_unit

    staff_b = User.objects.create(username="street_staff_b", display_name="程家桥工作人员")
    grant_add(staff_b, Role.STREET_STAFF, region=tree.street_b)
    unit_b = make_unit(region=tree.community_b1, name="机场物流有限公司")
    caller = Side(
        suffix="a",
        street=tree.street_a,
        community=tree.community_a1,
        unit=tree.unit_a1,
        units=[tree.unit_a1, tree.unit_a2, tree.unit_building],
        org=tree.org_a1,
        member=tree.member_a1,
        staff=personas.street_staff,
    )
    sibling = Side(
        suffix="b",
        street=tree.street_b,
        community=tree.community_b1,
        unit=unit_b,
        units=[unit_b],
        org=tree.org_b1,
        member=tree.member_b1,
        staff=staff_b,
    )
    world = FuzzWorld(token=token_create(personas.street_staff, "fuzz"), in_scope={})
    for build in BUILDERS:
        for name, ids in build(caller).items():
            assert name not in world.in_scope, f"{build.__name__}: {name} built twice"
            world.in_scope[name] = ids[0]
        for name, ids in build(sibling).items():
            world.sibling[name] = ids
    return world


def database_digest() -> dict[str, str]:
    """A digest of every business table, to prove a refused request changed nothing."""
    digest: dict[str, str] = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.label in BOOKKEEPING or meta.proxy or not meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest[meta.label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse duplicate node ids here: pytest-xdist would silently run one of them."""
    ids = Counter(item.nodeid for item in items if item.nodeid.startswith("fuzz/"))
    duplicated = [nodeid for nodeid, n in ids.items() if n > 1]
    if duplicated:
        raise pytest.UsageError(
            f"duplicate fuzz test ids (one operation each expected): {duplicated}"
        )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REQUESTS:
        terminalreporter.write_line(
            f"API fuzz: {len(CASES)} operations, {sum(CASES.values())} generated cases, "
            f"{sum(REQUESTS.values())} requests sent by the tests (schemathesis' own "
            "auth and method probes not counted)"
        )
