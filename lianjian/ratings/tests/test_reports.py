"""Reports: distribution by street and type, share rated 好/较好, five stars, year on year,
drill-down and Excel; and the pages of each side of the workflow."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from lianjian.ratings import selectors
from lianjian.ratings.models import Grade, Rating, RatingStatus
from lianjian.ratings.tests.factories import open_round


def _confirm(rnd: Any, org: Any, total: str, grade: str, stars: int = 0) -> Rating:
    rating = Rating.objects.get(round=rnd, party_org=org)
    Rating.objects.filter(pk=rating.pk).update(
        status=RatingStatus.CONFIRMED,
        total=Decimal(total),
        grade=grade,
        stars=stars,
        confirmed_at=rating.created_at,
    )
    return rating


def _rated(tree: Any) -> Any:
    rnd = open_round(tree, 2026)
    _confirm(rnd, tree.org_building, "96", Grade.GOOD, 5)
    _confirm(rnd, tree.org_a1, "70", Grade.AVERAGE)
    _confirm(rnd, tree.org_b1, "80", Grade.FAIR, 3)
    old = open_round(tree, 2025)
    _confirm(old, tree.org_building, "70", Grade.AVERAGE)
    _confirm(old, tree.org_a1, "50", Grade.POOR)
    return rnd


def test_distribution_share_five_star_and_trend(personas: Any, tree: Any) -> None:
    _rated(tree)
    district = selectors.grade_distribution(personas.district_admin, 2026, "street")
    assert district.all.rated == 3 and district.all.good_or_fair == 2
    assert district.all.share_good_or_fair == 66.7
    by_street = {r.label: (r.rated, r.share_good_or_fair) for r in district.rows}
    assert by_street == {"虹桥街道": (2, 50.0), "程家桥街道": (1, 100.0)}
    by_type = selectors.grade_distribution(personas.district_admin, 2026, "org_type")
    assert {r.label for r in by_type.rows} == {"楼宇联合型党组织", "独立建制党组织"}
    # the street sees its own street only
    street = selectors.grade_distribution(personas.street_staff, 2026, "street")
    assert street.all.rated == 2 and [r.label for r in street.rows] == ["虹桥街道"]
    assert [r.party_org.name for r in selectors.five_star_orgs(personas.district_admin, 2026)] == [
        "东银中心楼宇联合党支部"
    ]
    history = selectors.ratings_filtered(personas.unit_admin, {"party_org": tree.org_building.pk})
    assert [(r.year, r.grade) for r in history] == [(2026, Grade.GOOD), (2025, Grade.AVERAGE)]
    trend = selectors.year_over_year(personas.district_admin)
    assert [(t.year, t.share, t.change) for t in trend] == [(2025, 0.0, None), (2026, 66.7, 66.7)]


def test_pending_ratings_do_not_count(personas: Any, tree: Any) -> None:
    open_round(tree, 2026)
    dist = selectors.grade_distribution(personas.district_admin, 2026)
    assert dist.all.total == 3 and dist.all.rated == 0 and dist.all.share_good_or_fair is None


def test_report_page_drill_and_excel(personas: Any, tree: Any, client_for: Any) -> None:
    _rated(tree)
    c = client_for(personas.district_admin)
    page = c.get("/ratings/report/?year=2026&by=street")
    assert page.status_code == 200 and "66.7%" in page.content.decode()
    assert 'data-chart="ratings-chart"' in page.content.decode()
    assert page.context["chart"]["series"][0]["data"] == [1, 0]  # 好: 虹桥 1, 程家桥 0
    book = c.get("/ratings/report/?year=2026&by=org_type&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "组织类型" and rows[-1][0] == "合计" and rows[-1][7] == 66.7
    drill = c.get(f"/ratings/report/organizations/?year=2026&by=street&key={tree.street_a.pk}")
    text = drill.content.decode()
    assert "东银中心楼宇联合党支部" in text and "机场新村" not in text
    assert client_for(personas.unit_admin).get("/ratings/report/").status_code == 403
    assert client_for(personas.secretary_a1).get("/ratings/report/").status_code == 403


def test_pages_walk_the_workflow(personas: Any, tree: Any, client_for: Any) -> None:
    rnd = open_round(tree, 2026)
    ids = {c.name: c.pk for c in rnd.scheme.criteria.all()}
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    org = client_for(personas.unit_admin)
    assert org.get("/ratings/?queue=self").content.decode().count("东银中心楼宇联合党支部") == 1
    page = org.get(f"/ratings/ratings/{rating.pk}/")
    assert page.status_code == 200 and 'id="self-form"' in page.content.decode()
    org.post(
        f"/ratings/ratings/{rating.pk}/self/",
        {
            f"score_{ids['组织生活']}": "9",
            f"evidence_{ids['组织生活']}": "会议记录 12 份",
            f"score_{ids['党员教育']}": "8",
            "action": "submit",
            "version": str(rating.version),
        },
    )
    rating.refresh_from_db()
    assert rating.status == RatingStatus.SUBMITTED
    # someone else's rating: 404, and nothing changes
    other = Rating.objects.get(round=rnd, party_org=tree.org_b1)
    assert org.get(f"/ratings/ratings/{other.pk}/").status_code == 404
    assert client_for(personas.street_staff).get(f"/ratings/ratings/{other.pk}/").status_code == 404
    street = client_for(personas.street_staff)
    street.post(f"/ratings/ratings/{rating.pk}/review/", {"decision": "approve", "comment": "同意"})
    rating.refresh_from_db()
    # 60 × 17/20 + 40 × 5/10 = 71
    assert rating.status == RatingStatus.REVIEWED and rating.grade == Grade.AVERAGE
    district = client_for(personas.district_admin)
    assert "确认等次" in district.get(f"/ratings/ratings/{rating.pk}/").content.decode()
    district.post(f"/ratings/ratings/{rating.pk}/confirm/", {"decision": "confirm"})
    rating.refresh_from_db()
    assert rating.status == RatingStatus.CONFIRMED
    text = org.get(f"/ratings/ratings/{rating.pk}/").content.decode()
    assert "已锁定" in text and 'id="appeal-form"' in text and 'id="self-form"' not in text
    # the locked grade refuses a late self-assessment with a message
    resp = org.post(f"/ratings/ratings/{rating.pk}/self/", {"action": "save"}, follow=True)
    assert "锁定" in resp.content.decode()
    assert client_for(personas.member).get("/ratings/").status_code == 403


def test_home_cards_and_list_budget(
    personas: Any, tree: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    from lianjian.ratings import flow
    from lianjian.ratings.registry import REGISTRY

    rnd = open_round(tree, 2026)
    cards = {c.key: c for c in REGISTRY.cards}
    due = cards["ratings.self"].compute(personas.unit_admin)
    assert due is not None and due.value == 1 and due.url == "/ratings/?queue=self"
    assert cards["ratings.review"].compute(personas.street_staff) is None
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    ids = {c.name: c.pk for c in rnd.scheme.criteria.all()}
    flow.self_assessment_save(
        rating,
        scores={
            ids["组织生活"]: {"score": 9, "evidence_text": "记录"},
            ids["党员教育"]: {"score": 9},
        },
        actor=personas.unit_admin,
    )
    flow.rating_submit(rating, actor=personas.unit_admin)
    waiting = cards["ratings.review"].compute(personas.street_staff)
    assert waiting is not None and waiting.value == 1
    assert cards["ratings.self"].compute(personas.unit_admin) is None
    assert cards["ratings.confirm"].compute(personas.district_admin) is None
    c = client_for(personas.district_admin)
    c.get("/ratings/")
    with django_assert_max_num_queries(12):
        assert c.get("/ratings/?year=2026").status_code == 200
