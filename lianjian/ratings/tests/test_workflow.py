"""The rating workflow: the transition map, the happy path, and every refusal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lianjian.core.models import Notification
from lianjian.ratings import flow, services, workflow
from lianjian.ratings.models import Grade, Rating, RatingEvent, RatingStatus, Scheme
from lianjian.ratings.services import RatingError
from lianjian.ratings.tests.factories import make_scheme, manual_ids, open_round

S = RatingStatus


def test_every_status_is_in_the_map_and_reachable() -> None:
    assert set(workflow.ALLOWED_TRANSITIONS) == set(S.values)
    reachable = {t for moves in workflow.ALLOWED_TRANSITIONS.values() for t in moves}
    assert reachable == set(S.values) - {S.PENDING}
    for a, b in workflow.MOVE_LABELS:
        assert b in workflow.ALLOWED_TRANSITIONS[a]
    for a, moves in workflow.ALLOWED_TRANSITIONS.items():
        for b in moves:
            assert (a, b) in workflow.MOVE_LABELS


def test_locked_refusal_names_the_lock() -> None:
    assert "锁定" in workflow.refusal(S.CONFIRMED, S.SUBMITTED)


def _rating(rnd: Any, org: Any) -> Rating:
    return Rating.objects.get(round=rnd, party_org=org)


def _self_assess(rating: Rating, ids: dict[str, int], actor: Any, a: int = 10, b: int = 9) -> None:
    flow.self_assessment_save(
        rating,
        scores={
            ids["组织生活"]: {"score": a, "evidence_text": "全年组织生活会 12 次，记录齐全"},
            ids["党员教育"]: {"score": b},
        },
        summary="按要求开展",
        actor=actor,
    )


def test_self_assess_review_confirm_and_appeal(personas: Any, tree: Any) -> None:
    rnd = open_round(tree)
    ids = manual_ids(rnd)
    rating = _rating(rnd, tree.org_building)
    # the computed criterion: the building branch covers one unit of a target of two
    computed = rating.scores.get(criterion_id=ids["覆盖单位"])
    assert computed.value == 1.0 and computed.self_score == Decimal("5.0")

    _self_assess(rating, ids, personas.unit_admin)
    rating = flow.rating_submit(rating, actor=personas.unit_admin)
    assert rating.status == S.SUBMITTED
    # 60 × 19/20 + 40 × 5/10 = 57 + 20
    assert rating.self_total == Decimal("77.0")
    assert Notification.objects.filter(recipient=personas.street_staff, kind="ratings.submitted")

    rating = flow.rating_review(
        rating,
        scores={ids["党员教育"]: {"score": 10, "comment": "材料充分"}},
        comment="同意",
        actor=personas.street_staff,
    )
    assert rating.status == S.REVIEWED
    assert rating.total == Decimal("80.0") and rating.grade == Grade.FAIR and rating.stars == 3

    rating = flow.rating_confirm(rating, actor=personas.district_admin)
    assert rating.status == S.CONFIRMED and rating.confirmed_at is not None
    assert Notification.objects.filter(recipient=personas.unit_admin, kind="ratings.confirmed")

    # locked: no more self-assessment, no review
    with pytest.raises(RatingError, match="锁定"):
        flow.self_assessment_save(rating, scores={}, actor=personas.unit_admin)
    with pytest.raises(RatingError, match="锁定"):
        flow.rating_review(rating, actor=personas.street_staff)
    with pytest.raises(RatingError, match="申诉理由"):
        flow.rating_appeal(rating, reason="不", actor=personas.unit_admin)
    rating = flow.rating_appeal(
        rating, reason="覆盖单位数未计入新建联合支部", actor=personas.unit_admin
    )
    assert rating.status == S.APPEALED and rating.grade == Grade.FAIR
    rating = flow.rating_send_back(rating, note="请街道复核覆盖情况", actor=personas.district_admin)
    assert rating.status == S.SUBMITTED and rating.grade == ""
    moves = list(RatingEvent.objects.filter(rating=rating).values_list("to_status", flat=True))
    assert moves == [S.SUBMITTED, S.REVIEWED, S.CONFIRMED, S.APPEALED, S.SUBMITTED]


def test_refusals_write_nothing(personas: Any, tree: Any) -> None:
    rnd = open_round(tree)
    ids = manual_ids(rnd)
    rating = _rating(rnd, tree.org_building)
    # evidence required and scores missing
    with pytest.raises(RatingError, match="自评打分"):
        flow.rating_submit(rating, actor=personas.unit_admin)
    flow.self_assessment_save(
        rating, scores={ids["党员教育"]: {"score": 8}}, actor=personas.unit_admin
    )
    flow.self_assessment_save(
        rating, scores={ids["组织生活"]: {"score": 8}}, actor=personas.unit_admin
    )
    with pytest.raises(RatingError, match="佐证"):
        flow.rating_submit(rating, actor=personas.unit_admin)
    with pytest.raises(RatingError, match="0 到 10"):
        flow.self_assessment_save(
            rating, scores={ids["党员教育"]: {"score": 11}}, actor=personas.unit_admin
        )
    with pytest.raises(RatingError, match="数字"):
        flow.self_assessment_save(
            rating, scores={ids["党员教育"]: {"score": "NaN-ish"}}, actor=personas.unit_admin
        )
    # the street cannot review what was not submitted; the district cannot confirm it
    with pytest.raises(RatingError, match="待自评"):
        flow.rating_review(rating, actor=personas.street_staff)
    with pytest.raises(RatingError, match="不能转为"):
        flow.rating_confirm(rating, actor=personas.district_admin)
    # the organization's admin may not review its own rating
    _self_assess(rating, ids, personas.unit_admin)
    flow.rating_submit(rating, actor=personas.unit_admin)
    with pytest.raises(RatingError, match="权限"):
        flow.rating_review(rating, actor=personas.unit_admin)
    with pytest.raises(RatingError, match="审核意见"):
        flow.rating_review(rating, approve=False, actor=personas.street_staff)
    # a stale form
    with pytest.raises(RatingError, match="刷新"):
        flow.rating_review(rating, actor=personas.street_staff, version=1)
    rating.refresh_from_db()
    assert rating.status == S.SUBMITTED and rating.total is None
    assert RatingEvent.objects.filter(rating=rating).count() == 1


def test_return_and_resubmit(personas: Any, tree: Any) -> None:
    rnd = open_round(tree)
    ids = manual_ids(rnd)
    rating = _rating(rnd, tree.org_building)
    _self_assess(rating, ids, personas.unit_admin)
    flow.rating_submit(rating, actor=personas.unit_admin)
    rating = flow.rating_review(
        rating, approve=False, comment="请补充组织生活记录", actor=personas.street_staff
    )
    assert rating.status == S.RETURNED
    assert Notification.objects.filter(recipient=personas.unit_admin, kind="ratings.returned")
    _self_assess(rating, ids, personas.unit_admin, a=10, b=10)
    rating = flow.rating_submit(rating, actor=personas.unit_admin)
    assert rating.status == S.SUBMITTED and rating.self_total == Decimal("80.0")


def test_scheme_rules(tree: Any) -> None:
    scheme = make_scheme(tree.district, 2025, publish=False)
    services.group_add(scheme, name="额外", weight=5)
    with pytest.raises(RatingError, match="100"):
        services.scheme_publish(scheme)
    with pytest.raises(RatingError, match="已有评定方案"):
        services.scheme_create(district=tree.district, year=2025, name="重复")
    with pytest.raises(RatingError, match="好 > 较好"):
        services.scheme_create(
            district=tree.district, year=2024, name="x", thresholds={"fair_min": 95}
        )
    with pytest.raises(RatingError, match="按区"):
        services.scheme_create(district=tree.street_a, year=2024, name="x")
    group = scheme.groups.first()
    assert group is not None
    with pytest.raises(RatingError, match="未知的数据指标"):
        services.criterion_add(
            group, name="y", max_score=5, method="computed", indicator="nope", target=1
        )
    with pytest.raises(RatingError, match="发布后"):
        services.round_open(scheme)


def test_grade_thresholds(tree: Any) -> None:
    scheme = make_scheme(tree.district, 2023)
    assert scheme.grade_for(Decimal("90")) == Grade.GOOD
    assert scheme.grade_for(Decimal("89.9")) == Grade.FAIR
    assert scheme.grade_for(Decimal("60")) == Grade.AVERAGE
    assert scheme.grade_for(Decimal("59.9")) == Grade.POOR
    assert services.stars_for(scheme, Decimal("95")) == 5
    assert services.stars_for(scheme, Decimal("79.9")) == 0


def test_scheme_copy_to_next_year(personas: Any, tree: Any, client_for: Any) -> None:
    scheme = make_scheme(tree.district, 2026)
    c = client_for(personas.district_admin)
    resp = c.post(f"/ratings/schemes/{scheme.pk}/", {"action": "copy", "year": "2027"})
    assert resp.status_code == 302
    copy = Scheme.objects.get(district=tree.district, year=2027)
    assert copy.status == "draft" and copy.name == "2027年度两新组织党组织分类定级"
    assert [c.name for c in copy.criteria.all()] == [c.name for c in scheme.criteria.all()]
    assert list(copy.star_levels.values_list("stars", "min_score")) == list(
        scheme.star_levels.values_list("stars", "min_score")
    )
    again = c.post(
        f"/ratings/schemes/{scheme.pk}/", {"action": "copy", "year": "2027"}, follow=True
    )
    assert "已有评定方案" in again.content.decode()
    assert (
        client_for(personas.street_staff).get(f"/ratings/schemes/{scheme.pk}/").status_code == 403
    )
