"""S8 as a property: on random small trees, grants and objects, every API list equals
the user's scope (so is always a subset of it) and every detail outside it is 404.

The expected scope is computed here from the tree paths and the role table,
independently of the ancestor-id columns the chokepoint filters on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianjian.accounts.models import User
from lianjian.accounts.services import grant_add
from lianjian.core.registry import role_permissions
from lianjian.core.roles import Role
from lianjian.orgs.models import PartyOrg, Region
from lianjian.orgs.services import region_create
from lianjian.orgs.tests.factories import make_id_number, make_member, make_party_org, make_unit

API = "/api/v1"
ROLES = [Role.DISTRICT_ADMIN, Role.STREET_STAFF, Role.COMMUNITY_SECRETARY, Role.UNIT_ADMIN]
index = st.integers(min_value=0, max_value=50)

specs = st.fixed_dictionaries(
    {
        "streets": st.lists(st.integers(0, 2), min_size=1, max_size=2),
        "areas": st.lists(index, max_size=2),
        "units": st.lists(index, max_size=5),
        "orgs": st.lists(
            st.tuples(index, st.none() | index, st.lists(index, max_size=2)), max_size=4
        ),
        "members": st.lists(st.tuples(index, st.none() | index), max_size=5),
        "grants": st.lists(
            st.tuples(
                st.sampled_from(ROLES), st.sampled_from(["region", "party_org", "unit"]), index
            ),
            max_size=3,
        ),
    }
)


@dataclass
class World:
    regions: list[Region] = field(default_factory=list)
    units: list[Any] = field(default_factory=list)
    orgs: list[PartyOrg] = field(default_factory=list)
    members: list[Any] = field(default_factory=list)
    coverage: dict[int, set[int]] = field(default_factory=dict)  # org pk -> unit pks


def build(spec: dict[str, Any]) -> World:
    w = World()
    district = region_create(name="测试区", level=Region.Level.DISTRICT)
    w.regions.append(district)
    for s, n_communities in enumerate(spec["streets"]):
        street = region_create(name=f"街道{s}", level=Region.Level.STREET, parent=district)
        w.regions.append(street)
        for c in range(n_communities):
            w.regions.append(
                region_create(name=f"社区{s}-{c}", level=Region.Level.COMMUNITY, parent=street)
            )
    hosts = [r for r in w.regions if r.level != Region.Level.DISTRICT]
    for a, i in enumerate(spec["areas"]):
        w.regions.append(
            region_create(
                name=f"楼宇{a}",
                level=Region.Level.AREA,
                parent=hosts[i % len(hosts)],
                area_type=Region.AreaType.BUILDING,
            )
        )
    located = [r for r in w.regions if r.level != Region.Level.DISTRICT]
    for i in spec["units"]:
        w.units.append(make_unit(region=located[i % len(located)]))
    child_level = {
        PartyOrg.Level.COMMITTEE: PartyOrg.Level.BRANCH,
        PartyOrg.Level.BRANCH: PartyOrg.Level.GROUP,
    }
    for region_i, parent_i, covered_is in spec["orgs"]:
        parent = w.orgs[parent_i % len(w.orgs)] if parent_i is not None and w.orgs else None
        if parent is not None and parent.level not in child_level:
            parent = None
        picked = [w.units[i % len(w.units)] for i in covered_is] if w.units else []
        covered = list({u.pk: u for u in picked}.values())
        org = make_party_org(
            region=located[region_i % len(located)],
            parent=parent,
            level=child_level[PartyOrg.Level(parent.level)] if parent else PartyOrg.Level.COMMITTEE,
            formation=PartyOrg.Formation.JOINT,
            covered_units=covered,
        )
        w.orgs.append(org)
        w.coverage[org.pk] = {u.pk for u in covered}
    if w.orgs:
        for n, (org_i, unit_i) in enumerate(spec["members"]):
            unit = w.units[unit_i % len(w.units)] if unit_i is not None and w.units else None
            w.members.append(
                make_member(
                    party_org=w.orgs[org_i % len(w.orgs)],
                    workplace_unit=unit,
                    id_number=make_id_number(n, birth=f"19{60 + n:02d}0101"),
                )
            )
    # treebeard keeps siblings sorted by name, so a later insert can shift the
    # path of a node built earlier: read every path back before comparing
    for node in [*w.regions, *w.orgs]:
        node.refresh_from_db()
    return w


def grant_user(w: World, grants: list[tuple[str, str, int]]) -> tuple[User, list[Any]]:
    user = User.objects.create(username="prop_user", must_change_password=False)
    made: list[tuple[str, str, Any]] = []
    for role, kind, i in grants:
        pool = {"region": w.regions, "party_org": w.orgs, "unit": w.units}[kind]
        if not pool:
            continue
        target = pool[i % len(pool)]
        if (role, kind, target.pk) in {(g[0], g[1], g[2].pk) for g in made}:
            continue
        grant_add(user, role, **{kind: target})
        made.append((role, kind, target))
    return user, made


def _within(path: str, prefix: str) -> bool:
    return path.startswith(prefix)


def expected(w: World, grants: list[Any], what: str) -> set[int] | None:
    """The ids `what` the grants reach, or None when no grant's role may list `what`."""
    perm = {
        "regions": "orgs.view_region",
        "units": "orgs.view_unit",
        "party-orgs": "orgs.view_partyorg",
        "members": "orgs.view_member",
    }[what]
    active = [(kind, target) for role, kind, target in grants if perm in role_permissions()[role]]
    if not active:
        return None
    seen: set[int] = set()
    for kind, t in active:
        if what == "regions":
            if kind == "region":
                seen |= {r.pk for r in w.regions if _within(r.path, t.path)}
        elif what == "units":
            if kind == "region":
                seen |= {u.pk for u in w.units if _within(u.region.path, t.path)}
            elif kind == "party_org":
                for o in w.orgs:
                    if _within(o.path, t.path):
                        seen |= w.coverage[o.pk]
            else:
                seen.add(t.pk)
        elif what == "party-orgs":
            if kind == "region":
                seen |= {o.pk for o in w.orgs if _within(o.region.path, t.path)}
            elif kind == "party_org":
                seen |= {o.pk for o in w.orgs if _within(o.path, t.path)}
            else:
                seen |= {o.pk for o in w.orgs if t.pk in w.coverage[o.pk]}
        elif kind == "region":
            seen |= {m.pk for m in w.members if _within(m.party_org.region.path, t.path)}
        elif kind == "party_org":
            seen |= {m.pk for m in w.members if _within(m.party_org.path, t.path)}
        else:
            seen |= {m.pk for m in w.members if m.workplace_unit_id == t.pk}
    return seen


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=specs)
def test_api_lists_and_details_stay_in_scope(db: Any, spec: dict[str, Any]) -> None:
    with transaction.atomic():
        w = build(spec)
        user, grants = grant_user(w, spec["grants"])
        client = Client()
        client.force_login(user)
        everything = {
            "regions": [r.pk for r in w.regions],
            "units": [u.pk for u in w.units],
            "party-orgs": [o.pk for o in w.orgs],
            "members": [m.pk for m in w.members],
        }
        for what, all_ids in everything.items():
            want = expected(w, grants, what)
            resp = client.get(f"{API}/{what}?limit=100")
            if want is None:
                assert resp.status_code == 403, (what, resp.content)
                continue
            assert resp.status_code == 200, (what, resp.content)
            got = {row["id"] for row in resp.json()["items"]}
            assert got == want, (what, spec)
            for pk in all_ids:
                status = client.get(f"{API}/{what}/{pk}").status_code
                assert status == (200 if pk in want else 404), (what, pk, spec)
        transaction.set_rollback(True)
