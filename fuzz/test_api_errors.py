"""Every answer of the API is JSON with a Chinese message (issue 10, item 5; QUALITY.md R3, R7).

Validation errors keep pydantic's `type` and `loc` and say in Chinese what is
wrong with which field; a 500 inside a route, an unknown path and an
unsupported method answer JSON too, never the HTML error page.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

API = "/api/v1"


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _unit(tree: Any, **fields: Any) -> dict[str, Any]:
    return {
        "name": "测试单位",
        "kind": "private_enterprise",
        "region": tree.community_a1.pk,
        **fields,
    }


# body change -> (loc, the Chinese message expected)
INVALID_UNITS: dict[str, tuple[dict[str, Any], list[str], str]] = {
    "missing": ({"kind": None}, ["body", "payload", "kind"], "单位类别：应为以下取值之一"),
    "absent": ({"name": ...}, ["body", "payload", "name"], "单位名称：必须填写"),
    "too_long": ({"name": "长" * 201}, ["body", "payload", "name"], "单位名称：长度不能超过 200"),
    "not_in_enum": (
        {"kind": "bank"},
        ["body", "payload", "kind"],
        "单位类别：应为以下取值之一：government、institution",
    ),
    "wrong_type": ({"name": 12}, ["body", "payload", "name"], "单位名称：应为文本"),
    "bad_integer": ({"region": "东区"}, ["body", "payload", "region"], "所在区域 id：应为整数"),
    "fraction": ({"employees": 1.5}, ["body", "payload", "employees"], "从业人员数：应为整数"),
    "too_big": ({"employees": 2**31}, ["body", "payload", "employees"], "从业人员数：不能大于"),
    "id_beyond_bigint": ({"region": 2**63}, ["body", "payload", "region"], "所在区域 id：不能大于"),
    "bad_date": (
        {"registered_on": "2020-13-01"},
        ["body", "payload", "registered_on"],
        "成立日期：应为日期，格式为 YYYY-MM-DD",
    ),
    "timestamp_as_date": (
        {"registered_on": 0},
        ["body", "payload", "registered_on"],
        "成立日期：应为日期，格式为 YYYY-MM-DD",
    ),
    "extra_field": ({"credit_cod": "x"}, ["body", "payload", "credit_cod"], "不是可接受的字段"),
    "bad_boolean": (
        {"is_above_scale": "也许"},
        ["body", "payload", "is_above_scale"],
        "true 或 false",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID_UNITS))
def test_validation_errors_are_chinese_per_field(
    case: str, personas: Any, tree: Any, client_for: Any
) -> None:
    from lianjian.orgs.models import Unit

    change, loc, message = INVALID_UNITS[case]
    body = {k: v for k, v in _unit(tree, **change).items() if v is not ...}
    before = Unit.objects.count()
    response = client_for(personas.street_staff).post(
        f"{API}/units", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content[:300]
    payload = response.json()
    assert set(payload) == {"detail", "errors"}
    (error,) = payload["errors"]
    assert error["loc"] == loc and set(error) == {"type", "loc", "msg"}
    assert message in error["msg"], error["msg"]
    assert "Input should" not in error["msg"] and "Field required" not in error["msg"]
    assert error["msg"] in payload["detail"]
    assert Unit.objects.count() == before


def test_query_and_path_errors_are_chinese(personas: Any, client_for: Any) -> None:
    c = client_for(personas.street_staff)
    (error,) = c.get(f"{API}/units?kind=bank").json()["errors"]
    assert error["loc"] == ["query", "kind"] and error["msg"].startswith(
        "单位类别：应为以下取值之一"
    )
    (error,) = c.get(f"{API}/units/abc").json()["errors"]
    assert error["loc"] == ["path", "unit_id"] and error["msg"] == "unit_id：应为整数"
    (error,) = c.get(f"{API}/visits?start=0").json()["errors"]
    assert error["loc"] == ["query", "start"] and "YYYY-MM-DD" in error["msg"]


def test_several_errors_are_listed_each_with_its_field(
    personas: Any, tree: Any, client_for: Any
) -> None:
    body = {"name": "长" * 201, "kind": "bank", "region": "x"}
    response = client_for(personas.street_staff).post(
        f"{API}/units", json.dumps(body), content_type="application/json"
    )
    errors = response.json()["errors"]
    assert [e["loc"][-1] for e in errors] == ["name", "kind", "region"]
    assert all(_has_chinese(e["msg"]) for e in errors)


def test_a_500_inside_a_route_answers_json_and_logs_the_traceback(
    personas: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from lianjian.orgs import selectors

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "units_filtered", broken)
    client = Client(raise_request_exception=False)
    client.force_login(personas.street_staff)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get(f"{API}/units")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert _has_chinese(response.json()["detail"]) and "boom" not in response.content.decode()
    logged = [r for r in caplog.records if r.exc_info and "boom" in str(r.exc_info[1])]
    assert len(logged) == 1


def test_an_unknown_api_path_is_a_json_404(db: Any) -> None:
    for path in (f"{API}/nothing", f"{API}/units/", f"{API}/units/1/extra"):
        response = Client().get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path
        assert "/api/v1/docs" in response.json()["detail"]


def test_the_api_root_redirects_to_the_docs(db: Any) -> None:
    response = Client().get(f"{API}/")
    assert response.status_code == 302 and response["Location"] == f"{API}/docs"


def test_an_unsupported_method_is_a_json_405(personas: Any, client_for: Any) -> None:
    response = client_for(personas.street_staff).delete(f"{API}/units")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    assert _has_chinese(response.json()["detail"])


def test_outputs_carry_enum_values_and_null_for_unset_choices(
    personas: Any, tree: Any, client_for: Any
) -> None:
    from lianjian.needs.services import need_submit

    need = need_submit(
        channel="hotline",
        text="楼道灯坏了很久，晚上出行不便，希望尽快维修",
        region=tree.community_a1,
        submitter_kind="person",
        submitter_name="赵女士",
        contact_phone="13912345678",
    )
    body = client_for(personas.street_staff).get(f"{API}/needs/{need.pk}").json()
    assert body["channel"] == "hotline" and body["status"] == "received"
    assert body["rating"] is None  # not rated yet: null, not ""


def test_errors_raised_before_the_api_answer_json_under_api(db: Any) -> None:
    """A failure in a middleware never reaches ninja: Django's handlers answer JSON there too."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from lianjian.core.views import error_403, error_404, error_500

    factory = RequestFactory()
    for handler, status in ((error_403, 403), (error_404, 404), (error_500, 500)):
        response = handler(factory.get(f"{API}/units"))
        assert response.status_code == status
        assert response["Content-Type"].startswith("application/json")
        assert _has_chinese(json.loads(response.content)["detail"])
    request = factory.get("/orgs/units/")
    request.user = AnonymousUser()
    assert error_500(request)["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("error", ["BadRequest", "RequestDataTooBig"])
def test_djangos_own_refusals_inside_a_route_stay_400(
    error: str, personas: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catch-all 500 handler must not turn what Django answers with 400 into a 500."""
    from django.core import exceptions

    from lianjian.orgs import selectors

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise getattr(exceptions, error)("too big")

    monkeypatch.setattr(selectors, "units_filtered", refuse)
    response = client_for(personas.street_staff).get(f"{API}/units")
    assert response.status_code == 400 and _has_chinese(response.json()["detail"])
