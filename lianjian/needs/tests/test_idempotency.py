"""R2: an Idempotency-Key binds its first submission (draft-ietf-httpapi-idempotency-key-header).

A retry with the same key and the same body returns the first need; the
same key with a different body was silently answered with the first need
(issue 10) and now answers 422 with a Chinese message, creating nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianjian.needs.models import Need

URL = "/api/v1/needs"


@pytest.fixture
def body(tree: Any) -> dict[str, Any]:
    return {
        "channel": "hotline",
        "text": "企业咨询人才公寓申请政策",
        "region": tree.community_a1.pk,
        "contact_phone": "13600003333",
    }


def _post(client: Any, body: dict[str, Any], key: str | None = "k-1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_same_key_same_body_returns_the_first_need(
    personas: Any, client_for: Any, body: dict[str, Any]
) -> None:
    c = client_for(personas.street_staff)
    first = _post(c, body)
    # the same submission written differently: other key order, padding the service strips
    again = _post(c, {**dict(reversed(list(body.items()))), "text": f" {body['text']} "})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Need.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"text": "另一件事：小区门口路灯不亮"},
        {"channel": "window"},
        {"contact_phone": "13600004444"},
        {"submitter_kind": "anonymous"},
    ],
    ids=["text", "channel", "phone", "submitter_kind"],
)
def test_same_key_different_body_is_422_and_creates_nothing(
    change: dict[str, Any], personas: Any, client_for: Any, body: dict[str, Any]
) -> None:
    c = client_for(personas.street_staff)
    first = _post(c, body)
    assert first.status_code == 201
    reused = _post(c, {**body, **change})
    assert reused.status_code == 422
    payload = reused.json()
    assert payload["field"] == "idempotency_key" and "幂等键" in payload["detail"]
    assert "Idempotent-Replayed" not in reused
    assert list(Need.objects.values_list("pk", "text")) == [(first.json()["id"], body["text"])]


def test_keys_are_per_user(personas: Any, client_for: Any, body: dict[str, Any]) -> None:
    first = _post(client_for(personas.street_staff), body)
    other = _post(client_for(personas.district_admin), {**body, "text": "区里另提的一件事"})
    assert (first.status_code, other.status_code) == (201, 201)


def test_the_fingerprint_is_keyed_and_holds_no_phone(
    personas: Any, client_for: Any, body: dict[str, Any]
) -> None:
    _post(client_for(personas.street_staff), body)
    need = Need.objects.get()
    assert (
        len(need.idempotency_fingerprint) == 64
        and "13600003333" not in need.idempotency_fingerprint
    )
    assert Need.objects.filter(idempotency_fingerprint="").count() == 0


def test_a_need_from_before_fingerprints_is_still_replayed(
    personas: Any, client_for: Any, body: dict[str, Any]
) -> None:
    c = client_for(personas.street_staff)
    first = _post(c, body)
    Need.objects.update(idempotency_fingerprint="")  # as rows stored before the migration
    again = _post(c, {**body, "text": "已无法比较的重试"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


@pytest.mark.parametrize("key", ["", "x" * 101, "含中文", "a b"])
def test_malformed_keys_are_422(
    key: str, personas: Any, client_for: Any, body: dict[str, Any]
) -> None:
    response = _post(client_for(personas.street_staff), body, key=key)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert error["msg"].startswith("幂等键")
    assert Need.objects.count() == 0


def test_without_a_key_each_post_creates_a_need(
    personas: Any, client_for: Any, body: dict[str, Any]
) -> None:
    c = client_for(personas.street_staff)
    assert [_post(c, body, key=None).status_code for _ in range(2)] == [201, 201]
    assert Need.objects.count() == 2
