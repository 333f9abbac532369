"""Shared fixtures: the persona tree of DESIGN.md, used by every app's tests.

District 长宁区 with two streets; street 虹桥街道 has two sibling communities
(虹储居民区, 虹仙居民区) and an office building (东银中心); street 程家桥街道 has
one community. One user per persona, each holding its grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

PERSONA_PASSWORD = "Persona-Pass-2026!"


def _allow_audit_truncate(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Test flushes TRUNCATE every table; the audit trigger refuses that unless asked (S12)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET lianjian.audit_truncate = 'allow'")


def pytest_configure(config: pytest.Config) -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_allow_audit_truncate, dispatch_uid="lianjian_audit_truncate")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres` tests are skipped when the suite runs on another database (SQLite).

    The marker replaces the per-test `skipif(connection.vendor != ...)`: one
    place decides, from the settings, before any test opens a connection.
    """
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_personal_data_in_logs() -> Any:
    """S13: fail any test during which a log record carried a valid ID number or a mobile."""
    import logging

    from lianjian.core.logging import PersonalDataCollector, redact

    collector = PersonalDataCollector()
    root = logging.getLogger()
    # first in line: the console handler's redaction filter rewrites records in place
    root.handlers.insert(0, collector)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
    if collector.offending:
        name, text, hits = collector.offending[0]
        pytest.fail(
            f"personal data logged by {name!r} ({len(collector.offending)} records); "
            f"first (redacted here): {redact(text)!r} contained {len(hits)} ID/mobile number(s)"
        )


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters live in the cache: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield


@dataclass
class Tree:
    district: Any
    street_a: Any
    street_b: Any
    community_a1: Any
    community_a2: Any
    community_b1: Any
    building_a: Any
    org_a1: Any
    org_a2: Any
    org_b1: Any
    org_building: Any
    unit_a1: Any
    unit_a2: Any
    unit_building: Any
    member_a1: Any
    member_a2: Any
    member_b1: Any


@pytest.fixture
def tree(db: Any) -> Tree:
    from lianjian.orgs.models import PartyOrg, Region
    from lianjian.orgs.services import region_create
    from lianjian.orgs.tests.factories import make_member, make_party_org, make_unit

    district = region_create(name="长宁区", level=Region.Level.DISTRICT)
    street_a = region_create(name="虹桥街道", level=Region.Level.STREET, parent=district)
    street_b = region_create(name="程家桥街道", level=Region.Level.STREET, parent=district)
    community_a1 = region_create(name="虹储居民区", level=Region.Level.COMMUNITY, parent=street_a)
    community_a2 = region_create(name="虹仙居民区", level=Region.Level.COMMUNITY, parent=street_a)
    community_b1 = region_create(
        name="机场新村居民区", level=Region.Level.COMMUNITY, parent=street_b
    )
    building_a = region_create(
        name="东银中心",
        level=Region.Level.AREA,
        parent=street_a,
        area_type=Region.AreaType.BUILDING,
    )
    unit_a1 = make_unit(region=community_a1, name="虹储物业服务中心")
    unit_a2 = make_unit(region=community_a2, name="虹仙便民超市")
    unit_building = make_unit(region=building_a, name="东银科技有限公司")
    org_a1 = make_party_org(
        region=community_a1, name="虹储居民区党总支", level=PartyOrg.Level.GENERAL_BRANCH
    )
    org_a2 = make_party_org(region=community_a2, name="虹仙居民区党支部")
    org_b1 = make_party_org(region=community_b1, name="机场新村居民区党支部")
    org_building = make_party_org(
        region=building_a,
        name="东银中心楼宇联合党支部",
        formation=PartyOrg.Formation.JOINT,
        org_type=PartyOrg.OrgType.BUILDING_JOINT,
        covered_units=[unit_building],
    )
    return Tree(
        district=district,
        street_a=street_a,
        street_b=street_b,
        community_a1=community_a1,
        community_a2=community_a2,
        community_b1=community_b1,
        building_a=building_a,
        org_a1=org_a1,
        org_a2=org_a2,
        org_b1=org_b1,
        org_building=org_building,
        unit_a1=unit_a1,
        unit_a2=unit_a2,
        unit_building=unit_building,
        member_a1=make_member(party_org=org_a1, name="陈一"),
        member_a2=make_member(party_org=org_a2, name="林二"),
        member_b1=make_member(party_org=org_b1, name="周三"),
    )


def _persona(username: str, role: str | None = None, **target: Any) -> Any:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add

    user = User(username=username, display_name=username, must_change_password=False)
    user.set_password(PERSONA_PASSWORD)
    user.save()
    if role:
        grant_add(user, role, **target)
    return user


@dataclass
class Personas:
    district_admin: Any
    street_staff: Any
    secretary_a1: Any
    secretary_a2: Any
    unit_admin: Any
    dept_handler: Any
    member: Any
    merchant: Any
    outsider: Any
    audit_admin: Any
    security_admin: Any

    def all(self) -> dict[str, Any]:
        return dict(self.__dict__)


@pytest.fixture
def personas(tree: Tree) -> Personas:
    from lianjian.core.roles import Role

    member_user = _persona("member", Role.MEMBER, region=tree.community_a1)
    tree.member_a1.user = member_user
    tree.member_a1.save(update_fields=["user"])
    return Personas(
        district_admin=_persona("district_admin", Role.DISTRICT_ADMIN, region=tree.district),
        street_staff=_persona("street_staff", Role.STREET_STAFF, region=tree.street_a),
        secretary_a1=_persona("secretary_a1", Role.COMMUNITY_SECRETARY, region=tree.community_a1),
        secretary_a2=_persona("secretary_a2", Role.COMMUNITY_SECRETARY, region=tree.community_a2),
        unit_admin=_persona("unit_admin", Role.UNIT_ADMIN, party_org=tree.org_building),
        dept_handler=_persona("dept_handler", Role.DEPT_HANDLER, department_key="civil-affairs"),
        member=member_user,
        merchant=_persona("merchant", Role.MERCHANT, region=tree.community_a1),
        outsider=_persona("outsider"),
        audit_admin=_persona("audit_admin", Role.AUDIT_ADMIN, region=tree.district),
        security_admin=_persona("security_admin", Role.SECURITY_ADMIN, region=tree.district),
    )


@pytest.fixture
def client_for(client: Any) -> Any:
    """Log a persona in with a fresh test client: `client_for(personas.street_staff)`."""
    from django.test import Client

    def make(user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make
