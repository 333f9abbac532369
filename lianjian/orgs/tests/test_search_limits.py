"""Full numbers stay out of page URLs (S13, finding 9); unit searches and unmasking are
rate-limited like member searches (S22, finding 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from lianjian.core.models import AuditEvent
from lianjian.orgs import selectors


def test_a_full_id_number_in_the_member_list_url_is_refused(personas, tree, client_for, caplog):
    client = client_for(personas.secretary_a1)
    for number in (tree.member_a1.id_number, tree.member_a1.mobile):
        response = client.get(reverse("orgs:member_list"), {"q": number})
        assert response.status_code == 400
        page = response.content.decode()
        assert "身份证号、手机号不能放在网址中" in page
        assert tree.member_a1.name not in page
    # nothing was searched: no result, no search counted, nothing logged with the number
    assert not AuditEvent.objects.filter(action__contains="search").exists()
    # the search box still works: it posts, and the URL carries the blind index
    location = client.post(reverse("orgs:member_list"), {"q": tree.member_a1.id_number})["Location"]
    assert client.get(location).status_code == 200
    # a name search in the URL stays allowed
    assert client.get(reverse("orgs:member_list"), {"q": "陈"}).status_code == 200


def _limit(monkeypatch: Any, name: str, limit: int) -> None:
    monkeypatch.setattr(selectors, name, (limit, 60))


def test_unit_searches_are_rate_limited_on_the_page_and_the_api(
    personas, tree, client_for, monkeypatch
):
    _limit(monkeypatch, "UNIT_SEARCH_RATE", 3)
    client = client_for(personas.street_staff)
    codes = [client.get(reverse("orgs:unit_list"), {"q": "虹"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # the API shares the count
    response = client.get("/api/v1/units", {"q": "虹"})
    assert response.status_code == 429
    assert response.json() == {"detail": "请求过于频繁，请稍后再试"}
    assert int(response["Retry-After"]) > 0
    # browsing without a search is not counted
    assert client.get(reverse("orgs:unit_list")).status_code == 200


@pytest.mark.parametrize("via", ["page", "api"])
def test_unmasking_is_rate_limited(personas, tree, client_for, monkeypatch, via):
    _limit(monkeypatch, "UNMASK_RATE", 2)
    client = client_for(personas.street_staff)
    member = tree.member_a1
    codes = []
    for _ in range(3):
        if via == "page":
            response = client.post(
                reverse("orgs:member_unmask", args=[member.pk]), {"reason": "核对党费缴纳记录"}
            )
        else:
            response = client.post(
                f"/api/v1/members/{member.pk}/unmask",
                {"reason": "核对党费缴纳记录"},
                content_type="application/json",
            )
        codes.append(response.status_code)
    assert codes == [200, 200, 429]
    # only the two unmaskings that happened are audited
    assert AuditEvent.objects.filter(action="member.unmask").count() == 2
