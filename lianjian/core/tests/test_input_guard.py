"""R7: NUL bytes and numbers beyond bigint answer 400 in Chinese, pages and API alike.

Found by fuzzing (issue 11, finding 5): on PostgreSQL each of these was a 500,
some without login, because the value reached a query (PostgreSQL refuses NUL
in text; an OFFSET or id beyond bigint overflows).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from lianjian.core.input_guard import beyond_bigint, has_bad_character, visible
from lianjian.core.models import AuditEvent
from lianjian.core.schemas import BIGINT_MAX

TOO_BIG = "99999999999999999999"


def _refused_as_json(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert "detail" in body and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])
    return body


def _refused_as_page(response: Any, fragment: str) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert fragment in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/units?q=a%00b",
        "/api/v1/needs?q=%00",
        "/api/v1/members?q=%01x",
        "/api/v1/units?%00=1",
    ],
)
def test_nul_in_an_api_query_parameter_is_400(url: str, personas: Any, client_for: Any) -> None:
    body = _refused_as_json(client_for(personas.street_staff).get(url))
    assert "控制字符" in body["detail"]


def test_the_refused_query_parameter_is_named(personas: Any, client_for: Any) -> None:
    body = _refused_as_json(client_for(personas.street_staff).get("/api/v1/units?q=a%00b"))
    assert body["field"] == "q" and "查询参数 q" in body["detail"]


def test_nul_in_a_public_path_segment_is_400_without_login(db: Any) -> None:
    _refused_as_page(Client().get("/needs/track/AB%00CD/"), "控制字符")


def test_nul_in_a_page_query_parameter_is_400(personas: Any, client_for: Any) -> None:
    _refused_as_page(client_for(personas.street_staff).get("/orgs/units/?q=a%00b"), "控制字符")


def test_nul_in_a_page_form_field_is_400_and_writes_nothing(
    personas: Any, client_for: Any, tree: Any
) -> None:
    from lianjian.orgs.models import Unit

    before = Unit.objects.count()
    response = client_for(personas.street_staff).post(
        "/orgs/units/new/",
        {"name": "新\x00单位", "kind": "private_enterprise", "region": tree.community_a1.pk},
    )
    _refused_as_page(response, "表单字段 name")
    assert Unit.objects.count() == before


def test_failed_login_with_a_nul_username_is_400_and_audited(db: Any) -> None:
    response = Client().post("/accounts/login/", {"username": "adm\x00in", "password": "x"})
    _refused_as_page(response, "控制字符")
    event = AuditEvent.objects.filter(action="auth.login_failed").latest("seq")
    assert event.result == "failure"
    assert event.username == "adm\\x00in"  # the NUL written out, never stored


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/units/{TOO_BIG}",
        f"/api/v1/needs/{TOO_BIG}",
        f"/api/v1/units?offset={TOO_BIG}",
        f"/api/v1/needs?offset={TOO_BIG}",
        f"/api/v1/members?offset={TOO_BIG}",
        f"/api/v1/visits?offset={TOO_BIG}",
        f"/api/v1/units?region={TOO_BIG}",
        f"/api/v1/units?offset=-{TOO_BIG}",
    ],
)
def test_numbers_beyond_bigint_in_the_api_are_400(url: str, personas: Any, client_for: Any) -> None:
    body = _refused_as_json(client_for(personas.street_staff).get(url))
    assert "超出允许范围" in body["detail"]


def test_an_id_beyond_bigint_in_a_page_path_is_400(personas: Any, client_for: Any) -> None:
    response = client_for(personas.street_staff).get(f"/orgs/units/{TOO_BIG}/")
    _refused_as_page(response, "超出允许范围")


@pytest.mark.parametrize("offset", ["1e30", "1000000001", "1.5"])
def test_offsets_the_schema_bounds_are_422_in_chinese(
    offset: str, personas: Any, client_for: Any
) -> None:
    response = client_for(personas.street_staff).get(f"/api/v1/units?offset={offset}")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["query", "offset"]
    assert error["msg"].startswith("跳过的条数：")
    assert "Input" not in error["msg"]


def test_the_largest_bigint_id_is_a_plain_404(personas: Any, client_for: Any) -> None:
    response = client_for(personas.street_staff).get(f"/api/v1/units/{BIGINT_MAX}")
    assert response.status_code == 404


def test_nul_in_a_json_body_is_400_naming_the_field(
    personas: Any, tree: Any, client_for: Any
) -> None:
    from lianjian.needs.models import Need

    body = {
        "text": "楼道灯\x00坏了",
        "region": tree.community_a1.pk,
        "contact_phone": "13912345678",
    }
    response = client_for(personas.street_staff).post(
        "/api/v1/needs", json.dumps(body), content_type="application/json"
    )
    refused = _refused_as_json(response)
    assert refused["field"] == "text" and "字段 text" in refused["detail"]
    assert Need.objects.count() == 0


def test_a_lone_surrogate_in_a_json_body_is_400(personas: Any, tree: Any, client_for: Any) -> None:
    region = tree.community_a1.pk
    raw = f'{{"name": "x\\ud800", "kind": "private_enterprise", "region": {region}}}'
    response = client_for(personas.street_staff).post(
        "/api/v1/units", raw, content_type="application/json"
    )
    assert _refused_as_json(response)["field"] == "name"


def test_tabs_and_newlines_pass(personas: Any, client_for: Any) -> None:
    response = client_for(personas.street_staff).get("/api/v1/units?q=a%09b%0Ac")
    assert response.status_code == 200


def test_helpers() -> None:
    assert has_bad_character("a\x00") and has_bad_character("\x1f") and has_bad_character("\ud800")
    assert not has_bad_character("多行\r\n\t文本")
    assert visible("a\x00b\x07") == "a\\x00b\\x07"
    assert not beyond_bigint(str(BIGINT_MAX)) and beyond_bigint(str(BIGINT_MAX + 1))
    assert beyond_bigint("0" * 5 + TOO_BIG) and not beyond_bigint("000123")
    assert not beyond_bigint("1e30") and not beyond_bigint("abc") and not beyond_bigint("")
    assert beyond_bigint("9" * 100_000)  # no int() of a huge literal


def test_a_form_over_djangos_limits_is_a_400_in_kind(
    personas: Any, client_for: Any, settings: Any
) -> None:
    """RequestDataTooBig once fell through to Django's bare HTML 400, under /api/ as well."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    c = client_for(personas.street_staff)
    body = {"name": "长" * 200}
    api = c.post("/api/v1/imports/units", body)
    assert api.status_code == 400 and api["Content-Type"].startswith("application/json")
    assert "过大" in api.json()["detail"]
    _refused_as_page(c.post("/orgs/units/new/", body), "过大")
