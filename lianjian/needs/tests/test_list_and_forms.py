"""The needs list (sorting, jumping, filters in the URL, Excel export), the public
form (street cascade, phone input, every error at once) and the detail page's one
primary action with confirmations."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from lianjian.core.models import AuditEvent
from lianjian.needs import services as S
from lianjian.needs.models import Need


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def three(world: Any, personas: Any, submit: Any) -> list[Need]:
    needs = [submit(text=f"第{i}件：小区路灯不亮，晚上出行不便") for i in range(3)]
    S.need_dispatch(
        needs[1].pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    return needs


def _codes(body: str) -> list[str]:
    return re.findall(r'href="/needs/\d+/">([A-Z0-9]{10})</a>', body)


def test_sorting_keeps_filters_and_orders_rows(
    personas: Any, client_for: Any, three: list[Need]
) -> None:
    c = client_for(personas.street_staff)
    newest = _codes(c.get("/needs/?channel=hotline").content.decode())
    assert newest == [n.tracking_code for n in reversed(three)]
    oldest = c.get("/needs/?channel=hotline&sort=created")
    body = oldest.content.decode()
    assert _codes(body) == [n.tracking_code for n in three]
    # the header links keep the filter and flip the direction
    assert 'href="?channel=hotline&amp;sort=-created"' in body
    assert 'aria-sort="ascending"' in body
    # only the dispatched one has a deadline: it comes first ascending, and empties last
    by_deadline = _codes(c.get("/needs/?sort=deadline").content.decode())
    assert by_deadline[0] == three[1].tracking_code
    # an unknown sort key is the default order, not an error
    assert c.get("/needs/?sort=text;drop").status_code == 200


def test_jump_to_page_keeps_filters(
    personas: Any, client_for: Any, three: list[Need], monkeypatch: Any
) -> None:
    from lianjian.needs import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    body = client_for(personas.street_staff).get("/needs/?channel=hotline&sort=created&page=2")
    text = body.content.decode()
    assert _codes(text) == [three[1].tracking_code]
    assert 'name="page"' in text and 'max="3"' in text
    assert '<input type="hidden" name="channel" value="hotline">' in text
    assert '<input type="hidden" name="sort" value="created">' in text


def _sheet(resp: Any) -> list[tuple[Any, ...]]:
    data = b"".join(resp.streaming_content)
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


def test_export_masks_phones_unless_allowed_and_is_audited(
    personas: Any, client_for: Any, three: list[Need]
) -> None:
    rows = _sheet(client_for(personas.secretary_a1).get("/needs/export.xlsx?channel=hotline"))
    assert rows[0][0] == "查询码" and len(rows) == 4
    assert {r[7] for r in rows[1:]} == {"138****5678"}
    # asking for full numbers without the permission still gets masked ones
    rows = _sheet(client_for(personas.secretary_a1).get("/needs/export.xlsx?full=1&reason=回访"))
    assert {r[7] for r in rows[1:]} == {"138****5678"}
    staff = client_for(personas.street_staff)
    # full numbers need a stated reason
    refused = staff.get("/needs/export.xlsx?full=1")
    assert refused.status_code == 302
    rows = _sheet(staff.get("/needs/export.xlsx?full=1&reason=电话回访&status=dispatched"))
    assert [r[0] for r in rows[1:]] == [three[1].tracking_code]
    assert rows[1][7] == "13812345678"
    events = AuditEvent.objects.filter(action="needs.list_export").order_by("id")
    assert events.count() == 3
    assert events.last().detail["full_phones"] is True  # type: ignore[union-attr]
    assert client_for(personas.member).get("/needs/export.xlsx").status_code == 403


def test_public_form_offers_streets_that_take_needs_and_preselects_nothing(
    world: Any, tree: Any
) -> None:
    from lianjian.needs.models import Category

    Category.objects.filter(street=tree.street_b).update(is_active=False)
    body = Client().get("/needs/submit/").content.decode()
    street_select = body.split('name="street"')[1].split("</select>")[0]
    assert tree.street_a.name in street_select and tree.street_b.name not in street_select
    assert " selected" not in street_select.replace('value="" selected', "")
    region_select = body.split('name="region"')[1].split("</select>")[0]
    assert " selected" not in region_select.replace('value="" selected', "")
    assert 'type="tel"' in body and 'inputmode="tel"' in body
    assert "所在街道：" in body and "您的需求：" in body
    assert 'hx-get="/needs/submit/places/"' in body
    # the cascade: one street's places only
    options = Client().get(f"/needs/submit/places/?street={tree.street_a.pk}").content.decode()
    assert tree.community_a1.name in options and tree.street_b.name not in options
    empty = Client().get(f"/needs/submit/places/?street={tree.street_b.pk}").content.decode()
    assert "请先选择街道" in empty and '<option value="' in empty


def test_public_form_shows_every_error_on_the_first_submit(world: Any, tree: Any) -> None:
    resp = Client().post(
        "/needs/submit/",
        {"text": "", "street": tree.street_a.pk, "submitter_kind": "person", "contact_phone": "12"},
    )
    body = resp.content.decode()
    assert resp.status_code == 200 and not Need.objects.exists()
    assert body.count('class="errorlist') >= 3  # text, region, phone at once
    assert "联系电话应为 11 位手机号码" in body
    # a community of another street than the one chosen
    resp = Client().post(
        "/needs/submit/",
        {
            "text": "楼道灯坏了",
            "street": tree.street_a.pk,
            "region": tree.community_b1.pk,
            "submitter_kind": "anonymous",
        },
    )
    assert resp.status_code == 200 and not Need.objects.exists()


def test_detail_has_one_primary_action_and_confirms_the_irreversible(
    world: Any, personas: Any, submit: Any, client_for: Any
) -> None:
    need = submit()
    body = client_for(personas.street_staff).get(f"/needs/{need.pk}/").content.decode()
    primary = body.split('class="primary-action"')[1].split("</div>")[0]
    assert "确认派单" in primary and "不予受理" not in primary
    more = body.split('class="more"')[1]
    for action in ("reject", "merge"):
        form = more.split(f"/needs/{need.pk}/{action}/")[1].split(">")[0]
        assert "data-confirm=" in form, action
    # the primary button is the only one not styled secondary
    work = body.split('class="card work')[1].split("</section>")[0]
    assert work.count('<button type="submit">') == 1
    assert "工单打印" in body
