"""Need searches are rate-limited on the list page and the API, which share one count (S22)."""

from __future__ import annotations

from lianjian.needs import selectors


def test_need_searches_are_rate_limited(personas, tree, world, submit, client_for, monkeypatch):
    monkeypatch.setattr(selectors, "NEED_SEARCH_RATE", (3, 60))
    submit()
    client = client_for(personas.street_staff)
    codes = [client.get("/needs/", {"q": "老人"}).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    response = client.get("/api/v1/needs", {"q": "老人"})
    assert response.status_code == 429
    assert response.json() == {"detail": "请求过于频繁，请稍后再试"}
    assert client.get("/needs/", {"q": "老人"}).status_code == 429
    # the list without a search is not counted
    assert client.get("/needs/").status_code == 200
