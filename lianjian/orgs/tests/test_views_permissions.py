"""Permission matrix over every registry page, for every persona (S7, S8).

Reads: allowed personas get 200, personas without the permission 403, and
personas with the permission but outside the object's scope 404. Writes:
every refused persona leaves the registries exactly as they were; then one
allowed persona succeeds.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import get_resolver, reverse

from lianjian.core.models import AuditEvent
from lianjian.orgs import urls as orgs_urls
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Region, Unit
from lianjian.orgs.tests.factories import make_credit_code, make_id_number

ALL = (
    "district_admin",
    "street_staff",
    "secretary_a1",
    "secretary_a2",
    "unit_admin",
    "dept_handler",
    "member",
    "merchant",
    "outsider",
    "audit_admin",
    "security_admin",
)
REGION_READERS = {"district_admin", "street_staff", "secretary_a1", "secretary_a2"}
A1_SCOPE = {"district_admin", "street_staff", "secretary_a1"}


def snapshot() -> dict[str, Any]:
    """Every registry row with the fields a write would touch."""
    return {
        "regions": list(Region.objects.order_by("pk").values_list("pk", "name", "is_active")),
        "units": list(
            Unit.objects.order_by("pk").values_list("pk", "name", "is_active", "updated_at")
        ),
        "orgs": list(
            PartyOrg.objects.order_by("pk").values_list("pk", "name", "is_active", "updated_at")
        ),
        "members": list(
            Member.objects.order_by("pk").values_list("pk", "name", "is_active", "updated_at")
        ),
        "coverage": list(OrgUnitCoverage.objects.order_by("pk").values_list("pk", "until")),
        # an export (the coverage PDF) is audited but changes nothing
        "writes": AuditEvent.objects.exclude(action="access.denied")
        .exclude(action__startswith="export.")
        .count(),
    }


# (url name, object on the a1 side or None, personas allowed, personas 404 instead of 403)
READ_MATRIX: list[tuple[str, str | None, set[str], set[str]]] = [
    ("region_list", None, REGION_READERS, set()),
    ("region_detail", "community_a1", A1_SCOPE, {"secretary_a2"}),
    ("region_create", "community_a1", {"district_admin"}, set()),
    ("region_edit", "community_a1", {"district_admin"}, set()),
    ("region_deactivate", "community_a1", {"district_admin"}, set()),
    ("unit_list", None, REGION_READERS | {"unit_admin"}, set()),
    ("unit_detail", "unit_a1", A1_SCOPE, {"secretary_a2", "unit_admin"}),
    ("unit_create", None, REGION_READERS, set()),
    ("unit_edit", "unit_a1", A1_SCOPE, {"secretary_a2"}),
    ("unit_deactivate", "unit_a1", A1_SCOPE, {"secretary_a2"}),
    ("partyorg_list", None, REGION_READERS | {"unit_admin"}, set()),
    ("partyorg_detail", "org_a1", A1_SCOPE, {"secretary_a2", "unit_admin"}),
    ("partyorg_create", None, REGION_READERS, set()),
    ("partyorg_edit", "org_a1", A1_SCOPE, {"secretary_a2"}),
    ("partyorg_deactivate", "org_a1", A1_SCOPE, {"secretary_a2"}),
    ("member_list", None, REGION_READERS | {"unit_admin"}, set()),
    ("member_detail", "member_a1", A1_SCOPE, {"secretary_a2", "unit_admin"}),
    ("member_create", None, REGION_READERS | {"unit_admin"}, set()),
    ("member_edit", "member_a1", A1_SCOPE, {"secretary_a2", "unit_admin"}),
    ("member_deactivate", "member_a1", A1_SCOPE, {"secretary_a2", "unit_admin"}),
    ("partyorg_tree", None, REGION_READERS | {"unit_admin"}, set()),
    ("partyorg_tree_children", "org_a1", A1_SCOPE, {"secretary_a2", "unit_admin"}),
    ("region_tree", None, REGION_READERS, set()),
    ("region_tree_children", "community_a1", A1_SCOPE, {"secretary_a2"}),
    ("coverage_pdf", None, REGION_READERS, set()),
    # the ID-number conflicts of the district (orgs.conflicts, S25)
    ("conflict_list", None, {"district_admin"}, set()),
]
POST_ONLY = {"member_unmask"}


def _url(name: str, tree: Any, obj: str | None) -> str:
    return reverse(f"orgs:{name}", args=[getattr(tree, obj).pk] if obj else None)


def test_matrix_covers_every_orgs_route():
    names = {p.name for p in orgs_urls.urlpatterns}
    assert names == {row[0] for row in READ_MATRIX} | POST_ONLY


def test_every_orgs_view_declares_a_permission():
    resolver = get_resolver()
    for pattern in orgs_urls.urlpatterns:
        view = resolver.resolve(
            reverse(
                f"orgs:{pattern.name}", args=[1] if "<int:pk>" in str(pattern.pattern) else None
            )
        ).func
        assert getattr(view, "lianjian_permission", "").startswith("orgs."), pattern.name


@pytest.mark.parametrize("name,obj,allowed,hidden", READ_MATRIX, ids=[r[0] for r in READ_MATRIX])
def test_get_matrix(name, obj, allowed, hidden, personas, tree, client_for):
    url = _url(name, tree, obj)
    before = snapshot()
    for persona in ALL:
        response = client_for(getattr(personas, persona)).get(url)
        expected = 200 if persona in allowed else 404 if persona in hidden else 403
        assert response.status_code == expected, (persona, response.status_code)
    assert snapshot() == before


def test_anonymous_is_sent_to_login(tree, client):
    for name, obj, _, _ in READ_MATRIX:
        response = client.get(_url(name, tree, obj))
        assert response.status_code == 302
        assert "/accounts/login" in response["Location"]


def _post_cases(tree: Any) -> dict[str, tuple[str, dict[str, Any], str]]:
    """name → (url, POST data, persona who may do it)."""
    unit = {
        "name": "改名后的物业中心",
        "credit_code": tree.unit_a1.credit_code,
        "kind": "private_enterprise",
        "employees": "12",
        "region": tree.community_a1.pk,
    }
    org = {
        "name": "改名后的党总支",
        "level": "general_branch",
        "formation": "single",
        "org_type": "independent",
        "region": tree.community_a1.pk,
        "covered_units": [tree.unit_a1.pk],
    }
    member = {
        "name": "陈新",
        "status": "full",
        "party_org": tree.org_a1.pk,
    }
    confirm = {"confirm": "on", "reason": "测试"}
    a1 = tree.community_a1.pk
    return {
        "region_create": (
            reverse("orgs:region_create", args=[a1]),
            {"name": "新楼宇", "level": "area", "area_type": "building"},
            "district_admin",
        ),
        "region_edit": (
            reverse("orgs:region_edit", args=[a1]),
            {"name": "虹储社区", "area_type": "residential"},
            "district_admin",
        ),
        "unit_create": (
            reverse("orgs:unit_create"),
            {**unit, "name": "新单位", "credit_code": make_credit_code(9001)},
            "secretary_a1",
        ),
        "unit_edit": (reverse("orgs:unit_edit", args=[tree.unit_a1.pk]), unit, "secretary_a1"),
        "unit_deactivate": (
            reverse("orgs:unit_deactivate", args=[tree.unit_a1.pk]),
            confirm,
            "street_staff",
        ),
        "partyorg_create": (
            reverse("orgs:partyorg_create"),
            {**org, "name": "新党支部", "level": "branch", "parent": tree.org_a1.pk},
            "secretary_a1",
        ),
        "partyorg_edit": (
            reverse("orgs:partyorg_edit", args=[tree.org_a1.pk]),
            org,
            "secretary_a1",
        ),
        "member_create": (
            reverse("orgs:member_create"),
            {**member, "id_number": make_id_number(9002)},
            "secretary_a1",
        ),
        "member_edit": (
            reverse("orgs:member_edit", args=[tree.member_a1.pk]),
            member,
            "secretary_a1",
        ),
        "member_deactivate": (
            reverse("orgs:member_deactivate", args=[tree.member_a1.pk]),
            confirm,
            "district_admin",
        ),
        "member_unmask": (
            reverse("orgs:member_unmask", args=[tree.member_a1.pk]),
            {"reason": "核对党员组织关系转接"},
            "street_staff",
        ),
    }


POST_NAMES = [
    "region_create",
    "region_edit",
    "unit_create",
    "unit_edit",
    "unit_deactivate",
    "partyorg_create",
    "partyorg_edit",
    "member_create",
    "member_edit",
    "member_deactivate",
    "member_unmask",
]


@pytest.mark.parametrize("name", POST_NAMES)
def test_post_matrix_refused_personas_change_nothing(name, personas, tree, client_for):
    url, data, winner = _post_cases(tree)[name]
    rows = {row[0]: row for row in READ_MATRIX}
    if name == "member_unmask":
        succeed = holders = {"district_admin", "street_staff"}
    else:
        succeed = rows[name][2]
        holders = (
            rows[name][2] | rows[name][3] | ({"secretary_a2"} if rows[name][1] is None else set())
        )
        if name == "member_create":
            holders |= {"unit_admin"}
    before = snapshot()
    for persona in ALL:
        if persona in succeed:
            continue
        response = client_for(getattr(personas, persona)).post(url, data)
        # no permission: 403; permission but the object or a chosen id out of scope: 404 / form error
        expected = 403 if persona not in holders else 404 if rows[name][1] else 200
        assert response.status_code == expected, (persona, response.status_code)
        assert snapshot() == before, persona
    response = client_for(getattr(personas, winner)).post(url, data)
    expected = 200 if name == "member_unmask" else 302
    assert response.status_code == expected, response.content.decode()[:2000]
    assert snapshot() != before


def test_partyorg_deactivate_matrix(personas, tree, client_for):
    """Deactivation needs an empty organization: refused personas first, then the secretary."""
    tree.member_a1.is_active = False
    tree.member_a1.save(update_fields=["is_active"])
    url = reverse("orgs:partyorg_deactivate", args=[tree.org_a1.pk])
    before = snapshot()
    for persona in ALL:
        if persona in A1_SCOPE:
            continue
        response = client_for(getattr(personas, persona)).post(url, {"confirm": "on"})
        assert response.status_code in (403, 404), persona
    assert snapshot() == before
    response = client_for(personas.secretary_a1).post(url, {"confirm": "on"})
    assert response.status_code == 302
    tree.org_a1.refresh_from_db()
    assert tree.org_a1.is_active is False


def test_region_deactivate_matrix(personas, tree, client_for):
    from lianjian.orgs.services import region_create

    empty = region_create(name="待撤销楼宇", level="area", parent=tree.street_a)
    url = reverse("orgs:region_deactivate", args=[empty.pk])
    before = snapshot()
    for persona in ALL:
        if persona == "district_admin":
            continue
        response = client_for(getattr(personas, persona)).post(url, {"confirm": "on"})
        assert response.status_code in (403, 404), persona
    assert snapshot() == before
    response = client_for(personas.district_admin).post(url, {"confirm": "on"})
    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.is_active is False
