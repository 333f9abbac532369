"""Editing rating schemes on desk pages (issue 19 item 5): district staff create a scheme,
edit thresholds, stars, groups and criteria while it is a draft; edits are refused once
the scheme is published or a round on it has started."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lianjian.ratings import services
from lianjian.ratings.models import Criterion, CriterionGroup, Method, Round, Scheme
from lianjian.ratings.services import RatingError
from lianjian.ratings.tests.factories import make_scheme

pytestmark = pytest.mark.django_db

LIST = "/ratings/schemes/"


def _url(scheme: Any) -> str:
    return f"/ratings/schemes/{scheme.pk}/"


def test_district_staff_build_a_scheme_on_the_pages(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.district_admin)
    assert 'data-testid="scheme-new"' in c.get(LIST).content.decode()
    r = c.post(
        LIST,
        {
            "district": tree.district.pk,
            "year": "2026",
            "name": "2026年度两新组织党组织分类定级",
            "good_min": "90",
            "fair_min": "75",
            "average_min": "60",
            "star_5": "95",
        },
    )
    scheme = Scheme.objects.get(district=tree.district, year=2026)
    assert r.status_code == 302 and r["Location"] == _url(scheme)
    assert scheme.status == Scheme.Status.DRAFT
    assert list(scheme.star_levels.values_list("stars", "min_score")) == [(5, Decimal("95.0"))]
    url = _url(scheme)
    # thresholds and stars
    r = c.post(
        url,
        {
            "action": "update",
            "name": "2026年度分类定级",
            "good_min": "85",
            "fair_min": "70",
            "average_min": "55",
            "star_3": "80",
            "star_4": "88",
            "star_5": "95",
        },
        follow=True,
    )
    assert "已保存等次分数线和星级" in r.content.decode()
    scheme.refresh_from_db()
    assert (scheme.name, scheme.good_min, scheme.average_min) == (
        "2026年度分类定级",
        Decimal("85.0"),
        Decimal("55.0"),
    )
    assert sorted(scheme.star_levels.values_list("stars", flat=True)) == [3, 4, 5]
    # groups
    c.post(url, {"action": "group_add", "name": "组织建设", "weight": "60"})
    c.post(url, {"action": "group_add", "name": "作用发挥", "weight": "30"})
    basics, work = CriterionGroup.objects.filter(scheme=scheme).order_by("order")
    c.post(url, {"action": "group_edit", "group": work.pk, "name": "作用发挥", "weight": "40"})
    work.refresh_from_db()
    assert work.weight == Decimal("40.0")
    # criteria: hand-scored with evidence, computed from a documented indicator
    c.post(
        url,
        {
            "action": "criterion_add",
            "group": basics.pk,
            "name": "组织生活",
            "max_score": "10",
            "method": "manual",
            "evidence_required": "1",
        },
    )
    r = c.post(
        url,
        {
            "action": "criterion_add",
            "group": work.pk,
            "name": "覆盖单位",
            "max_score": "10",
            "method": "computed",
            "indicator": "orgs.units_covered",
            "target": "2",
        },
        follow=True,
    )
    assert "已添加指标" in r.content.decode()
    covered = Criterion.objects.get(scheme=scheme, name="覆盖单位")
    assert (covered.method, covered.indicator, covered.target) == (
        Method.COMPUTED,
        "orgs.units_covered",
        2.0,
    )
    manual = Criterion.objects.get(scheme=scheme, name="组织生活")
    assert manual.evidence_required and manual.indicator == ""
    c.post(
        url,
        {
            "action": "criterion_edit",
            "criterion": manual.pk,
            "name": "组织生活会",
            "max_score": "15",
            "method": "manual",
        },
    )
    manual.refresh_from_db()
    assert (manual.name, manual.max_score, manual.evidence_required) == (
        "组织生活会",
        Decimal("15.0"),
        False,
    )
    # publish, then open the round on the page
    r = c.post(url, {"action": "publish"}, follow=True)
    assert "方案已发布" in r.content.decode()
    r = c.post(url, {"action": "open", "scope": "all"}, follow=True)
    assert "已开始评定" in r.content.decode()
    assert Round.objects.filter(scheme=scheme).exists()


def test_bad_input_is_a_chinese_message_and_writes_nothing(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.district_admin)
    scheme = make_scheme(tree.district, publish=False)
    url = _url(scheme)
    group = scheme.groups.first()
    assert group is not None
    cases = [
        ({"action": "group_add", "name": "组织建设", "weight": "10"}, "同名分组已存在"),
        ({"action": "group_add", "name": "新分组", "weight": "abc"}, "权重应为数字"),
        (
            {
                "action": "criterion_add",
                "group": group.pk,
                "name": "x",
                "max_score": "5",
                "method": "computed",
                "indicator": "nope.unknown",
                "target": "1",
            },
            "未知的数据指标",
        ),
        (
            {"action": "criterion_add", "group": group.pk, "name": "x", "max_score": "500"},
            "满分应在",
        ),
        (
            {
                "action": "update",
                "name": "n",
                "good_min": "70",
                "fair_min": "80",
                "average_min": "60",
            },
            "好 &gt; 较好 &gt; 一般",
        ),
        (
            {
                "action": "update",
                "name": "n",
                "good_min": "90",
                "fair_min": "75",
                "average_min": "60",
                "star_4": "96",
                "star_5": "95",
            },
            "星级越高，分数线不能越低",
        ),
        ({"action": "group_edit", "group": 999999, "name": "n", "weight": "1"}, "指标分组不存在"),
        ({"action": "nope"}, "无效的操作"),
    ]
    before = (CriterionGroup.objects.count(), Criterion.objects.count())
    stars_before = list(scheme.star_levels.values_list("stars", "min_score"))
    for data, message in cases:
        r = c.post(url, data, follow=True)
        assert r.status_code == 200
        assert message in r.content.decode(), data
    assert (CriterionGroup.objects.count(), Criterion.objects.count()) == before
    assert list(scheme.star_levels.values_list("stars", "min_score")) == stars_before
    r = c.post(LIST, {"district": tree.district.pk, "year": "2026", "name": "重复"})
    assert "长宁区2026年度已有评定方案" in r.content.decode()


def test_edits_are_refused_once_a_round_has_started(
    personas: Any, tree: Any, client_for: Any
) -> None:
    scheme = make_scheme(tree.district)
    services.round_open(scheme, orgs=[tree.org_building], scope=Round.Scope.ALL)
    group = scheme.groups.first()
    criterion = scheme.criteria.first()
    assert group is not None and criterion is not None
    stale = Scheme.objects.get(pk=scheme.pk)
    stale.status = Scheme.Status.DRAFT  # a copy read before publication: the rule still holds
    with pytest.raises(RatingError, match="评定已经开始"):
        services.group_update(group, name="改名", weight=60)
    with pytest.raises(RatingError, match="评定已经开始"):
        services.criterion_update(criterion, name="改名", max_score=5)
    with pytest.raises(RatingError, match="评定已经开始"):
        services.scheme_update(
            stale,
            name="改名",
            thresholds={"good_min": 1, "fair_min": 0.5, "average_min": 0},
            stars={},
        )
    c = client_for(personas.district_admin)
    page = c.get(_url(scheme)).content.decode()
    assert "本方案的评定已经开始，指标不能再修改" in page and 'data-testid="group-add"' not in page
    for data in (
        {"action": "group_add", "name": "新分组", "weight": "10"},
        {"action": "group_remove", "group": group.pk},
        {"action": "criterion_remove", "criterion": criterion.pk},
        {"action": "criterion_edit", "criterion": criterion.pk, "name": "改", "max_score": "1"},
    ):
        r = c.post(_url(scheme), data, follow=True)
        assert "本方案的评定已经开始，指标不能再修改" in r.content.decode()
    assert CriterionGroup.objects.filter(scheme=scheme).count() == 2
    assert Criterion.objects.filter(scheme=scheme).count() == 3


def test_published_scheme_refuses_edits_and_removal_works_on_drafts(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.district_admin)
    draft = make_scheme(tree.district, 2025, publish=False)
    group = draft.groups.get(name="作用发挥")
    c.post(_url(draft), {"action": "criterion_remove", "criterion": group.criteria.get().pk})
    assert not group.criteria.exists()
    c.post(_url(draft), {"action": "group_remove", "group": group.pk})
    assert not CriterionGroup.objects.filter(pk=group.pk).exists()
    published = make_scheme(tree.district, 2026)
    r = c.post(
        _url(published), {"action": "group_add", "name": "新分组", "weight": "10"}, follow=True
    )
    assert "方案已发布，指标不能再修改" in r.content.decode()
    # another district's scheme, or a group of another scheme: 404 / refused
    other = published.groups.first()
    assert other is not None
    r = c.post(_url(draft), {"action": "group_remove", "group": other.pk}, follow=True)
    assert "指标分组不存在" in r.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("district_admin", 200),
        ("street_staff", 403),
        ("secretary_a1", 403),
        ("unit_admin", 403),
        ("member", 403),
        ("outsider", 403),
    ],
)
def test_scheme_pages_permission_matrix(
    personas: Any, tree: Any, client_for: Any, persona: str, status: int
) -> None:
    scheme = make_scheme(tree.district, publish=False)
    c = client_for(getattr(personas, persona))
    assert c.get(LIST).status_code == status
    assert c.get(_url(scheme)).status_code == status
    r = c.post(_url(scheme), {"action": "group_add", "name": "越权分组", "weight": "10"})
    assert r.status_code == (302 if status == 200 else status)
    assert CriterionGroup.objects.filter(name="越权分组").exists() == (status == 200)
