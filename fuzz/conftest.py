"""Fixtures for the API fuzz suite (QUALITY.md R3, S8).

The API is served in-process by the project's own WSGI application; the only
"network" is a WSGI call. Each operation runs on the persona tree of the root
conftest, authenticated as the street staff of 虹桥街道 with a bearer token,
and knows, for every object-id path parameter, one object inside that scope
and the matching objects of the sibling street 程家桥街道.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

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


@pytest.fixture
def fuzz_world(tree: Any, personas: Any) -> FuzzWorld:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add, token_create
    from lianjian.core.models import Notification
    from lianjian.core.notifications import notify
    from lianjian.core.roles import Role
    from lianjian.ledger.jobs import job_reject
    from lianjian.needs.services import need_submit
    from lianjian.notices.services import notice_publish
    from lianjian.orgs.tests.factories import make_unit
    from lianjian.visits.services import visit_record

    unit_b = make_unit(region=tree.community_b1, name="机场物流有限公司")

    def need(region: Any) -> Any:
        return need_submit(
            channel="hotline",
            text="楼道灯坏了很久，晚上出行不便，希望尽快维修",
            region=region,
            submitter_kind="person",
            submitter_name="赵女士",
            contact_phone="13912345678",
        )

    def visit(unit: Any) -> Any:
        return visit_record(
            unit=unit,
            visited_on=dt.date(2026, 3, 2),
            visitors="钱干事",
            findings="经营正常，希望对接党建指导员",
        )

    staff_b = User.objects.create(username="street_staff_b", display_name="程家桥工作人员")
    grant_add(staff_b, Role.STREET_STAFF, region=tree.street_b)

    def notice(actor: Any, region: Any) -> int:
        return int(notice_publish(actor=actor, title="通知", body="正文", region=region).pk)

    def jobs_objects(unit: Any, community: Any, reviewer: Any, suffix: str) -> dict[str, int]:
        from lianjian.jobs.tests.factories import (
            make_application,
            make_posting,
            make_resume,
            recruiter,
        )

        resident = User.objects.create(username=f"resident_{suffix}", display_name="居民")
        grant_add(resident, Role.MEMBER, region=community)
        posting = make_posting(unit, recruiter(unit, f"recruiter_{suffix}"), reviewer=reviewer)
        resume = make_resume(resident, community)
        application = make_application(resume, posting)
        return {"posting_id": posting.pk, "resume_id": resume.pk, "application_id": application.pk}

    jobs_a = jobs_objects(tree.unit_a1, tree.community_a1, personas.street_staff, "a")
    jobs_b = jobs_objects(unit_b, tree.community_b1, staff_b, "b")

    def notification(user: Any) -> int:
        notify([user], "新派单需求", "请办理", "/needs/", kind="needs")
        return int(Notification.objects.filter(recipient=user).latest("pk").pk)

    return FuzzWorld(
        token=token_create(personas.street_staff, "fuzz"),
        in_scope={
            "region_id": tree.community_a1.pk,
            "unit_id": tree.unit_a1.pk,
            "org_id": tree.org_a1.pk,
            "member_id": tree.member_a1.pk,
            "need_id": need(tree.community_a1).pk,
            "visit_id": visit(tree.unit_a1).pk,
            "job_id": job_reject(
                "units", user=personas.street_staff, file_name="a.xlsx", size=1
            ).pk,
            "notice_id": notice(personas.street_staff, tree.street_a),
            "notification_id": notification(personas.street_staff),
            **jobs_a,
        },
        sibling={
            "region_id": [tree.street_b.pk, tree.community_b1.pk],
            "unit_id": [unit_b.pk],
            "org_id": [tree.org_b1.pk],
            "member_id": [tree.member_b1.pk],
            "need_id": [need(tree.community_b1).pk],
            "visit_id": [visit(unit_b).pk],
            "job_id": [job_reject("units", user=staff_b, file_name="b.xlsx", size=1).pk],
            "notice_id": [notice(staff_b, tree.street_b)],
            "notification_id": [notification(staff_b)],
            **{name: [pk] for name, pk in jobs_b.items()},
        },
    )


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
