"""Request bodies are refused from their declared length before anything reads them (R7, finding 6)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from lianjian.core.bodylimit import body_limit_for

MB = 1024 * 1024


class Tripwire(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    read_calls = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        Tripwire.read_calls += 1
        raise AssertionError("the body was read")

    readline = read  # type: ignore[assignment]


def _post(path: str, length: int, **extra: Any) -> Any:
    Tripwire.read_calls = 0
    return Client().generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=x",
        **{"CONTENT_LENGTH": str(length), "wsgi.input": Tripwire(), **extra},
    )


@pytest.mark.django_db
def test_a_500_mb_post_to_the_public_need_form_is_refused_unread() -> None:
    response = _post("/needs/submit/", 500 * MB)
    assert response.status_code == 413
    assert Tripwire.read_calls == 0
    text = response.content.decode()
    assert "提交的内容过大（500.0 MB），此处上限为 10.0 MB" in text
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/accounts/login/", 64 * 1024),
        ("/needs/track/AB12CD34/", 64 * 1024),
        ("/needs/new/", 26 * MB),
        ("/orgs/ledger/import/members/", 20 * MB + 256 * 1024),
        ("/api/v1/imports/members", 20 * MB + 256 * 1024),
        ("/api/v1/needs", MB),
        ("/orgs/members/new/", MB),
    ],
)
def test_each_route_has_its_cap(path: str, allowed: int) -> None:
    assert body_limit_for(path) == allowed
    assert _post(path, allowed + 1).status_code == 413
    assert Tripwire.read_calls == 0


@pytest.mark.django_db
def test_api_refusals_are_json_in_chinese() -> None:
    response = _post("/api/v1/needs", 2 * MB)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "提交的内容过大（2.0 MB），此处上限为 1.0 MB；请减少或压缩附件后重试"
    }


@pytest.mark.django_db
def test_a_malformed_length_is_a_400() -> None:
    for bad in ("abc", "-5", "1e9"):
        response = _post("/needs/submit/", 0, CONTENT_LENGTH=bad)
        assert response.status_code == 400
        assert "Content-Length 无效" in response.content.decode()
        assert Tripwire.read_calls == 0


@pytest.mark.django_db
def test_bodies_within_the_cap_reach_the_view() -> None:
    response = Client().post("/accounts/login/", {"username": "nobody", "password": "x" * 20})
    assert response.status_code == 200  # the login form again, with its error
    assert "用户名或密码错误" in response.content.decode()
