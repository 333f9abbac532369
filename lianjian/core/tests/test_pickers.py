"""Type-ahead pickers: scoped, at most 20, members by name only, and the forms behind them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lianjian.core.pickers import LIMIT, pickers
from lianjian.orgs.tests.factories import make_unit

pytestmark = pytest.mark.django_db


def _pick(client: Any, key: str, q: str = "", **params: str) -> Any:
    return client.get(reverse("pick:search", args=[key]), {"q": q, **params})


def test_every_app_declares_its_pickers() -> None:
    keys = set(pickers())
    assert {"orgs.unit", "orgs.party_org", "orgs.region", "orgs.member"} <= keys
    assert {"visits.unit", "accounts.department", "accounts.party_org"} <= keys


def test_units_in_scope_only(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.secretary_a1)
    body = _pick(c, "orgs.unit", "虹").content.decode()
    assert "虹储物业服务中心" in body and "虹仙便民超市" not in body
    # by exact credit code as well
    body = _pick(c, "orgs.unit", tree.unit_a1.credit_code.lower()).content.decode()
    assert "虹储物业服务中心" in body


def test_at_most_twenty_with_a_hint(tree: Any, personas: Any, client_for: Any) -> None:
    for i in range(LIMIT + 3):
        make_unit(region=tree.community_a1, name=f"虹储测试单位{i:02d}")
    body = _pick(client_for(personas.street_staff), "orgs.unit", "测试单位").content.decode()
    assert body.count('class="picker-option"') == LIMIT
    assert "仅显示前 20 条" in body


def test_members_by_name_only(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.street_staff)
    assert "陈一" in _pick(c, "orgs.member", "陈").content.decode()
    # digits never search members (numbers go through the POST search)
    for text in (tree.member_a1.id_number, tree.member_a1.id_number[:6], "138"):
        body = _pick(c, "orgs.member", text).content.decode()
        assert "picker-option" not in body


def test_names_starting_with_the_text_come_first(tree: Any, personas: Any, client_for: Any) -> None:
    make_unit(region=tree.community_a1, name="老超市")
    make_unit(region=tree.community_a1, name="超市虹储店")
    body = _pick(client_for(personas.street_staff), "orgs.unit", "超市").content.decode()
    assert body.index("超市虹储店") < body.index("老超市")


@pytest.mark.parametrize(
    ("persona", "key", "status"),
    [
        ("street_staff", "orgs.unit", 200),
        ("unit_admin", "orgs.unit", 200),
        ("dept_handler", "orgs.unit", 404),
        ("member", "orgs.party_org", 404),
        ("outsider", "orgs.region", 404),
        ("secretary_a1", "visits.unit", 200),
        ("unit_admin", "visits.unit", 404),
        ("security_admin", "accounts.department", 200),
        ("street_staff", "accounts.party_org", 404),
        ("street_staff", "no.such", 404),
    ],
)
def test_picker_permission_matrix(
    personas: Any, client_for: Any, persona: str, key: str, status: int
) -> None:
    assert _pick(client_for(getattr(personas, persona)), key, "虹").status_code == status


def test_a_perm_not_declared_by_the_picker_is_refused(personas: Any, client_for: Any) -> None:
    c = client_for(personas.security_admin)
    # the security admin holds accounts.manage_grants over the district, not orgs.unit's perms
    assert _pick(c, "orgs.unit", "虹", perm="accounts.manage_grants").status_code == 404


def test_visit_form_uses_pickers_and_checks_scope(
    tree: Any, personas: Any, client_for: Any
) -> None:
    c = client_for(personas.secretary_a1)
    page = c.get(reverse("visits:create")).content.decode()
    assert "/pick/visits.unit/" in page and '<select name="unit"' not in page
    # an ISO date the date input accepts
    assert 'type="date"' in page and "/" not in page.split('name="visited_on" value="')[1][:10]


def test_grant_form_has_no_preselected_role_and_department_picker(
    tree: Any, personas: Any, client_for: Any
) -> None:
    c = client_for(personas.security_admin)
    page = c.get(reverse("accounts:user_detail", args=[personas.outsider.pk])).content.decode()
    assert '<option value="" selected>（请选择角色）</option>' in page
    assert "/pick/accounts.department/" in page and "/pick/accounts.party_org/" in page
    response = c.post(
        reverse("accounts:grant_add", args=[personas.outsider.pk]), {"region": tree.street_a.pk}
    )
    assert "请选择角色" in response.content.decode()
    assert not personas.outsider.grants.exists()
