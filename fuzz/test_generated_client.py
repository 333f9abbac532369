"""A client generated from our spec by openapi-python-client calls every route (issue 10, item 5).

The spec is written to a temporary directory, the client generated there
(`--meta none`: just the package) and imported from it; its httpx client is
given a WSGI transport to the project's application, so each call goes
through the real middleware, routing and authentication on the test's
database. Each operation must be callable with its generated signature and
answer a documented status the client parses into its own typed model.

Generating and importing takes about two seconds, once per module; the calls
themselves run on the fuzz world of `conftest.py` (bearer tokens).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import httpx
import pytest
from django.utils import timezone

from fuzz import client_bodies
from fuzz.conftest import FuzzWorld
from lianjian.wsgi import application

PACKAGE = "lianjian_client"


def _spec() -> dict[str, Any]:
    from lianjian.api import api

    spec: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    return spec


OPERATIONS = sorted(op["operationId"] for ops in _spec()["paths"].values() for op in ops.values())


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("generated")
    spec = root / "openapi.json"
    spec.write_text(json.dumps(_spec(), ensure_ascii=False), encoding="utf-8")
    config = root / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")  # no ruff run over the output
    result = subprocess.run(  # noqa: S603 - this interpreter, the pinned generator
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(root / PACKAGE),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # "Warning(s) encountered while generating": some operation or model was left out
    assert "Warning" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _endpoints(package: ModuleType) -> dict[str, ModuleType]:
    """Generated endpoint modules by operation id (one module per operation)."""
    api = importlib.import_module(f"{package.__name__}.api")
    found = {}
    for info in pkgutil.walk_packages(api.__path__, prefix=f"{api.__name__}."):
        module = importlib.import_module(info.name)
        if hasattr(module, "sync_detailed"):
            found[info.name.rsplit(".", 1)[-1]] = module
    return found


def _api_client(package: ModuleType, token: str) -> Any:
    client = package.AuthenticatedClient(
        base_url="http://testserver",
        token=token,
        raise_on_unexpected_status=True,  # an undocumented status fails the call
        httpx_args={"transport": httpx.WSGITransport(app=application)},
    )
    return client


def _xlsx_of_one_unit(tree: Any) -> bytes:
    from lianjian.ledger.tests.ledger_files import xlsx
    from lianjian.orgs.tests.factories import make_credit_code

    header = ["单位名称", "统一社会信用代码", "单位类别", "所在区域", "规模以上", "登记日期"]
    return xlsx([header, ["接口单位", make_credit_code(5901), "非公企业", "虹储居民区", "否", ""]])


# Arguments a call cannot take from its signature alone: request bodies, and the persona
# entitled to the operation (the street staff of 虹桥街道 otherwise).
Args = Callable[[Any, FuzzWorld, Any], dict[str, Any]]
BODIES: dict[str, Args] = {
    "regions_create": lambda m, w, t: {
        "body": m.RegionIn(name="新建楼宇", level=m.RegionLevel.AREA, parent=t.street_a.pk)
    },
    "regions_update": lambda m, w, t: {"body": m.RegionPatch(code="310105001")},
    "units_create": lambda m, w, t: {
        "body": m.UnitIn(
            name="新登记科技公司",
            kind=m.UnitKind.PRIVATE_ENTERPRISE,
            region=t.community_a1.pk,
            registered_on=dt.date(2024, 5, 6),
        )
    },
    "units_update": lambda m, w, t: {"body": m.UnitPatch(employees=12)},
    "party_orgs_create": lambda m, w, t: {
        "body": m.PartyOrgIn(
            name="新建党支部", level=m.PartyOrgLevel.BRANCH, region=t.community_a1.pk
        )
    },
    "party_orgs_update": lambda m, w, t: {"body": m.PartyOrgPatch(secretary_name="王书记")},
    "members_create": lambda m, w, t: {
        "body": m.MemberIn(name="孙四", id_number=_id_number(), party_org=t.org_a1.pk)
    },
    "members_update": lambda m, w, t: {"body": m.MemberPatch(floating_to="浦东新区")},
    "members_search": lambda m, w, t: {"body": m.MemberSearchIn(q="陈")},
    "members_unmask": lambda m, w, t: {"body": m.UnmaskIn(reason="核对党员信息")},
    "needs_create": lambda m, w, t: {
        "body": m.NeedIn(
            text="楼道灯坏了很久，希望尽快维修",
            region=t.community_a1.pk,
            channel=m.NeedChannel.HOTLINE,
            submitter_kind=m.NeedSubmitterKind.PERSON,
            contact_phone="13912345678",
        ),
        "idempotency_key": str(uuid.uuid4()),
    },
    "visits_create": lambda m, w, t: {
        "body": m.VisitIn(
            unit=t.unit_a1.pk,
            visited_on=dt.date(2026, 3, 3),
            visitors="钱干事",
            findings="经营正常",
            method=m.VisitMethod.ON_SITE,
        )
    },
    "visits_raise_need": lambda m, w, t: {
        "body": m.RaiseNeedIn(text="企业希望对接人才公寓政策", contact_phone="13912345678")
    },
    "notices_publish": lambda m, w, t: {
        "body": m.NoticeIn(title="接口通知", body="正文", region=t.street_a.pk),
        "idempotency_key": str(uuid.uuid4()),
    },
    "notices_pin": lambda m, w, t: {"body": m.PinIn(pinned=True)},
    # optional bodies: openapi-python-client 0.29.1 sends `UNSET` as JSON when one is left out
    "units_deactivate": lambda m, w, t: {"body": m.DeactivateIn(on=dt.date(2026, 3, 1))},
    "party_orgs_deactivate": lambda m, w, t: {
        "org_id": _empty_party_org(t),  # one with members may not be dissolved
        "body": m.DeactivateIn(on=dt.date(2026, 3, 1)),
    },
    "regions_deactivate": lambda m, w, t: {"region_id": _empty_region(t)},
    "members_deactivate": lambda m, w, t: {"body": m.MemberDeactivateIn(reason="组织关系转出")},
    "import_file": lambda m, w, t: {
        "kind": m.LedgerKind.UNITS,
        # the generator names an inline multipart body after the operation and its title
        "body": _multipart_model(m, "ImportFile")(
            file=m.File(payload=_xlsx_of_one_unit(t), file_name="units.xlsx")
        ),
    },
}
# values for required query parameters, by name
REQUIRED_QUERY: dict[str, Any] = {"year": timezone.localdate().year}
# Bodies of the projects, alliances and jobs routes; `PERSONA_OF` names who calls each one.
TODAY = timezone.localdate()  # the platform's day (Asia/Shanghai), not the host's
BODIES.update(
    {
        "projects_items_create": lambda m, w, t: {
            "body": m.ItemIn(
                community=t.community_a1.pk,
                kind=m.ProjectKind.WISH,
                title="为独居老人配一辆轮椅",
                description="老人行动不便",
                estimated_value="800.00",
                beneficiary_count=1,
            )
        },
        "projects_items_publish": lambda m, w, t: {"item_id": _draft_item(t)},
        "projects_items_close": lambda m, w, t: {"item_id": _confirmed_item(w)},
        "projects_items_withdraw": lambda m, w, t: {"body": m.ReasonIn(reason="需求已解决")},
        "projects_claims_create": lambda m, w, t: {
            "body": m.ClaimIn(registration=w.in_scope["registration_id"])
        },
        "projects_claims_progress": lambda m, w, t: {
            "body": m.ProgressIn(text="已联系供货商", percent=50)
        },
        "projects_claims_deliver": lambda m, w, t: {
            "body": m.DeliverIn(delivered_value=800.5, people_helped=1, note="轮椅已送到")
        },
        "projects_claims_confirm": lambda m, w, t: {"claim_id": _delivered_claim(w)},
        "projects_claims_return": lambda m, w, t: {
            "claim_id": _delivered_claim(w),
            "body": m.ReasonIn(reason="缺少交付照片"),
        },
        "projects_registrations_create": lambda m, w, t: {
            "body": m.RegistrationIn(community=t.community_a1.pk, skills="理发")
        },
        "projects_registrations_decide": lambda m, w, t: {
            "registration_id": _pending_registration(t),
            "body": m.DecideIn(approve=True),
        },
        "alliances_create": lambda m, w, t: {
            "body": m.AllianceIn(
                name="虹桥街道商圈党建联盟",
                level=m.AllianceLevel.STREET,
                region=t.street_a.pk,
                founded_on=dt.date(2025, 6, 1),
                lead_unit=t.unit_a2.pk,
            )
        },
        "alliances_charters_adopt": lambda m, w, t: {
            "body": m.CharterIn(text="党建共建、资源共享、活动共办", adopted_on=TODAY)
        },
        "alliances_members_add": lambda m, w, t: {
            "body": m.AllianceMemberIn(unit=t.unit_a2.pk, joined_on=dt.date(2025, 1, 1))
        },
        "alliances_bodies_create": lambda m, w, t: {
            "body": m.BodyIn(
                name="虹储社区联席会议", kind=m.BodyKind.COMMUNITY, region=t.community_a1.pk
            )
        },
        "alliances_bodies_member_add": lambda m, w, t: {
            "body": m.AllianceMemberIn(unit=_street_unit(t), joined_on=dt.date(2025, 1, 1))
        },
        "alliances_meetings_create": lambda m, w, t: {
            "body": m.MeetingIn(
                title="第二季度联席会议",
                scheduled_at=dt.datetime.now(dt.UTC),
                place="街道党群服务中心",
            )
        },
        "alliances_meetings_status": lambda m, w, t: {
            "meeting_id": _scheduled_meeting(w),
            "body": m.MeetingActionIn(action=m.MeetingActionInAction.HOLD),
        },
        "alliances_meetings_minutes": lambda m, w, t: {"body": m.MinutesIn(minutes="纪要正文")},
        "alliances_meetings_attend": lambda m, w, t: {
            "meeting_id": _scheduled_meeting(w),
            "body": m.AttendanceIn(unit=t.unit_a1.pk),
        },
        "alliances_proposals_create": lambda m, w, t: {
            "body": m.ProposalIn(
                body=w.in_scope["body_id"],
                unit=t.unit_a1.pk,
                title="增设楼宇共享会议室",
                content="建议开放会议室供成员单位预约",
                category=m.ProposalCategory.GOVERNANCE,
            )
        },
        "alliances_proposals_transition": lambda m, w, t: {
            "body": m.ProposalActionIn(action=m.ProposalAction.ACCEPT)
        },
        "alliances_proposals_vote": lambda m, w, t: {
            "proposal_id": _discussed_proposal(w, t),
            "body": m.VoteIn(unit=t.unit_a1.pk, choice=m.VoteChoice.YES),
        },
        "alliances_tasks_assign": lambda m, w, t: {
            "body": m.TaskIn(title="宣传垃圾分类", due_on=TODAY, unit=t.unit_a2.pk)
        },
        "alliances_tasks_progress": lambda m, w, t: {
            "body": m.TaskProgressIn(percent=50, text="已完成一半")
        },
        "alliances_tasks_review": lambda m, w, t: {
            "task_id": _done_task(w, t),
            "body": m.TaskActionIn(action=m.TaskAction.VERIFY),
        },
        "alliances_agreements_create": lambda m, w, t: {
            "body": m.AgreementIn(
                region=t.community_a1.pk,
                party_org=t.org_a1.pk,
                unit=t.unit_a2.pk,
                title="共驻共建协议书",
                signed_on=dt.date(2025, 1, 1),
                starts_on=dt.date(2025, 1, 1),
                ends_on=dt.date(2027, 12, 31),
                items=[
                    m.AgreementItemIn(
                        side=m.AgreementSide.UNIT, kind=m.AgreementKind.SERVICE, text="提供场地"
                    )
                ],
            )
        },
        "jobs_postings_create": lambda m, w, t: {"body": _posting_in(m)},
        "jobs_postings_update": lambda m, w, t: {"body": _posting_in(m)},
        "jobs_postings_close": lambda m, w, t: {
            "body": m.PostingCloseIn(status=m.PostingCloseStatus.FILLED)
        },
        "jobs_postings_review": lambda m, w, t: {
            "posting_id": _pending_posting(t),
            "body": m.JobReviewIn(approve=True),
        },
        "jobs_resume_save": lambda m, w, t: {
            "body": m.ResumeIn(
                name="赵小六", phone="13800001111", wanted_category=m.JobCategory.LOGISTICS
            )
        },
        "jobs_resume_consent": lambda m, w, t: {"body": m.ResumeConsentIn(discoverable=True)},
        "jobs_resumes_review": lambda m, w, t: {
            "resume_id": _pending_resume(t),
            "body": m.JobReviewIn(approve=True),
        },
        "jobs_apply": lambda m, w, t: {"body": m.JobApplyIn(posting=_live_posting(t))},
        "jobs_application_move": lambda m, w, t: {
            "body": m.ApplicationMoveIn(stage=m.ApplicationStage.INTERVIEW)
        },
    }
)
# username of the persona each operation is for (the street staff of 虹桥街道 otherwise):
# `member` is the Party member 陈一, recruiter_a and resident_a are `fuzz_world`'s
PERSONA_OF: dict[str, str] = {
    **dict.fromkeys(
        ("regions_create", "regions_update", "regions_deactivate", "members_unmask"),
        "district_admin",
    ),
    "system_health": "district_admin",  # core.view_health: district and system admins
    **dict.fromkeys(
        (
            "projects_claims_create",
            "projects_claims_progress",
            "projects_claims_deliver",
            "projects_claims_withdraw",
            "projects_registrations_create",
        ),
        "member",
    ),
    **dict.fromkeys(
        (
            "jobs_postings_create",
            "jobs_postings_update",
            "jobs_postings_close",
            "jobs_my_postings",
            "jobs_posting_applications",
            "jobs_application_move",
        ),
        "recruiter_a",
    ),
    **dict.fromkeys(
        (
            "jobs_resume_save",
            "jobs_resume_get",
            "jobs_resume_consent",
            "jobs_apply",
            "jobs_my_applications",
            "jobs_suggestions",
            "jobs_postings_list",
            "jobs_postings_get",
        ),
        "resident_a",
    ),
}
BODIES.update(client_bodies.BODIES)
PERSONA_OF.update(client_bodies.PERSONA_OF)


def _posting_in(models: Any) -> Any:
    return models.PostingIn(
        title="仓储物流专员",
        description="负责仓库货物收发",
        category=models.JobCategory.LOGISTICS,
        openings=2,
        pay_min=5000,
        pay_max=7000,
        contact_name="王经理",
        contact_phone="13912345678",
        expires_on=TODAY + dt.timedelta(days=30),
    )


def _draft_item(tree: Any) -> int:
    from lianjian.projects.tests.factories import make_item

    return int(make_item(tree.community_a1, publish=False).pk)


def _delivered_claim(world: FuzzWorld) -> int:
    from lianjian.projects import services_delivery
    from lianjian.projects.models import Claim

    claim = Claim.objects.get(pk=world.in_scope["claim_id"])
    services_delivery.claim_deliver(
        claim, delivered_value="800", value_kind="goods", people_helped=1, note="已送到"
    )
    return int(claim.pk)


def _confirmed_item(world: FuzzWorld) -> int:
    from lianjian.projects import services_delivery
    from lianjian.projects.models import Claim

    claim = Claim.objects.get(pk=_delivered_claim(world))
    services_delivery.claim_confirm(claim)
    return int(claim.item_id)


def _pending_registration(tree: Any) -> int:
    from lianjian.projects.tests.factories import register_org

    return int(register_org(tree.org_a2, tree.community_a2, approve=False).pk)


def _street_unit(tree: Any) -> int:
    from lianjian.orgs.tests.factories import make_unit

    return int(make_unit(region=tree.community_a2, name="虹仙物业公司").pk)


def _scheduled_meeting(world: FuzzWorld) -> int:
    from django.utils import timezone

    from lianjian.alliances.models import Body
    from lianjian.alliances.services import meetings

    body = Body.objects.get(pk=world.in_scope["body_id"])
    meeting = meetings.meeting_schedule(
        body, title="临时联席会议", scheduled_at=timezone.now(), place="街道党群服务中心"
    )
    return int(meeting.pk)


def _discussed_proposal(world: FuzzWorld, tree: Any) -> int:
    from lianjian.alliances.models import Meeting, Proposal
    from lianjian.alliances.services import meetings, proposals

    meeting = Meeting.objects.get(pk=_scheduled_meeting(world))
    proposal = proposals.proposal_accept(Proposal.objects.get(pk=world.in_scope["proposal_id"]))
    proposals.proposal_put_on_agenda(proposal, meeting=meeting)
    meetings.attendance_mark(meeting, unit=tree.unit_a1)
    meetings.meeting_hold(meeting)
    return int(proposal.pk)


def _done_task(world: FuzzWorld, tree: Any) -> int:
    from lianjian.alliances.models import Task
    from lianjian.alliances.services import tasks

    task = Task.objects.get(pk=world.in_scope["task_id"])
    tasks.task_report(task, percent=100, note="完成", done=True)
    return int(task.pk)


def _pending_posting(tree: Any) -> int:
    from lianjian.accounts.models import User
    from lianjian.jobs import services
    from lianjian.jobs.tests.factories import make_posting

    posting = make_posting(tree.unit_a1, User.objects.get(username="recruiter_a"), live=False)
    return int(services.posting_submit(posting, actor=None).pk)


def _live_posting(tree: Any) -> int:
    from lianjian.accounts.models import User
    from lianjian.jobs.tests.factories import make_posting

    staff = User.objects.get(username="street_staff")
    recruiter = User.objects.get(username="recruiter_a")
    return int(make_posting(tree.unit_a1, recruiter, reviewer=staff, title="叉车司机").pk)


def _pending_resume(tree: Any) -> int:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.jobs.tests.factories import make_resume

    user = User.objects.create(
        username="resident_pending", display_name="居民", must_change_password=False
    )
    grant_add(user, Role.MEMBER, region=tree.community_a1)
    return int(make_resume(user, tree.community_a1, approved=False).pk)


def _multipart_model(models: Any, operation: str) -> Any:
    names = [n for n in vars(models) if n.startswith(operation) and n.endswith("Params")]
    assert len(names) == 1, f"multipart body model of {operation}: {names}"
    return getattr(models, names[0])


def _empty_party_org(tree: Any) -> int:
    from lianjian.orgs.tests.factories import make_party_org

    return int(make_party_org(region=tree.community_a1, name="待撤销党小组").pk)


def _empty_region(tree: Any) -> int:
    from lianjian.orgs.models import Region
    from lianjian.orgs.services import region_create

    return int(region_create(name="待撤销片区", level=Region.Level.AREA, parent=tree.street_a).pk)


def _id_number() -> str:
    from lianjian.orgs.tests.factories import make_id_number

    return str(make_id_number())


def _arguments(
    name: str, endpoint: ModuleType, package: ModuleType, world: FuzzWorld, tree: Any
) -> dict[str, Any]:
    models = importlib.import_module(f"{package.__name__}.models")
    types = importlib.import_module(f"{package.__name__}.types")
    generated = SimpleNamespace(**vars(models), File=types.File)
    kwargs = BODIES[name](generated, world, tree) if name in BODIES else {}
    for param in inspect.signature(endpoint.sync_detailed).parameters.values():
        if param.name in kwargs or param.name == "client":
            continue
        if param.name in world.in_scope:
            kwargs[param.name] = world.in_scope[param.name]
        elif param.name in REQUIRED_QUERY:
            kwargs[param.name] = REQUIRED_QUERY[param.name]
        elif param.default is inspect.Parameter.empty:
            pytest.fail(f"{name}: no value for required `{param.name}`; add it to BODIES")
    return kwargs


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})")


def _same(a: Any, b: Any) -> bool:
    """Equal JSON, datetimes compared as instants (`…Z` and `…+00:00` alike)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str) and _DATETIME.fullmatch(a):
        return dt.datetime.fromisoformat(a) == dt.datetime.fromisoformat(b)
    return bool(a == b)


def test_every_operation_has_a_generated_function(client_package: ModuleType) -> None:
    assert sorted(_endpoints(client_package)) == OPERATIONS


def test_the_generated_client_takes_the_idempotency_key(client_package: ModuleType) -> None:
    endpoint = _endpoints(client_package)["needs_create"]
    assert "idempotency_key" in inspect.signature(endpoint.sync_detailed).parameters


class _Rollback(Exception):
    pass


def test_the_generated_client_calls_every_route(
    client_package: ModuleType, fuzz_world: FuzzWorld, tree: Any, personas: Any
) -> None:
    """One world for all operations, each call rolled back: ~35 calls in a few seconds."""
    from django.db import transaction

    from lianjian.accounts.models import User
    from lianjian.accounts.services import token_create

    endpoints = _endpoints(client_package)
    tokens = {
        username: token_create(User.objects.get(username=username), "generated client")
        for username in set(PERSONA_OF.values())
    }
    failures: dict[str, str] = {}
    for name in OPERATIONS:
        token = tokens[PERSONA_OF[name]] if name in PERSONA_OF else fuzz_world.token
        try:
            with transaction.atomic():
                problem = _call(name, endpoints[name], client_package, fuzz_world, tree, token)
                raise _Rollback
        except _Rollback:
            pass
        if problem:
            failures[name] = problem
    assert failures == {}


def _call(
    name: str, endpoint: ModuleType, package: ModuleType, world: FuzzWorld, tree: Any, token: str
) -> str:
    """What is wrong with calling `name` through the generated client ("" when nothing)."""
    kwargs = _arguments(name, endpoint, package, world, tree)
    with _api_client(package, token) as client:
        response = endpoint.sync_detailed(client=client, **kwargs)
    if not 200 <= response.status_code < 300:
        return f"{response.status_code}: {response.content[:300]!r}"
    parsed = response.parsed
    items = parsed if isinstance(parsed, list) else [parsed]  # needs_stats answers a list
    for item in items:
        if not type(item).__module__.startswith(f"{PACKAGE}.models"):
            return f"not a generated model: {item!r}"
        if type(item).__name__ in ("ErrorOut", "ValidationErrorOut"):
            return f"an error model for a success: {item!r}"
    # typed all the way down: the JSON the server sent reads back from the client's models
    sent = json.loads(response.content)
    if not _same([item.to_dict() for item in items], sent if isinstance(sent, list) else [sent]):
        return f"the client's models lost or changed data: {response.content[:300]!r}"
    return ""


def test_the_generated_client_reads_errors_as_typed_models(
    client_package: ModuleType, fuzz_world: FuzzWorld
) -> None:
    endpoints = _endpoints(client_package)
    models = importlib.import_module(f"{PACKAGE}.models")
    with _api_client(client_package, fuzz_world.token) as client:
        missing = endpoints["units_get"].sync_detailed(client=client, unit_id=2**62)
        invalid = endpoints["units_list"].sync_detailed(client=client, limit=1000)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.ErrorOut)
    assert invalid.status_code == 422 and isinstance(invalid.parsed, models.ValidationErrorOut)
    (error,) = invalid.parsed.errors
    assert error.loc == ["query", "limit"] and error.msg.startswith("每页条数：")
