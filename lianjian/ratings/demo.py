"""The ratings demo (seed 002): 长宁区's 两新 Party organizations graded for 2011 and 2012,
about 80% rated 好/较好 in 2012 with 晨讯科技党委, 置信集团党委 and 仙霞社区太阳市场党支部
the five-star organizations, and an open 2026 round waiting for self-assessments.

Every grade is computed from the criterion scores by the scheme (`services.total_from`,
`Scheme.grade_for`); the figures are read back through the grade report as the
district's demo login sees it. Rows are written in bulk: a Changning-sized ledger
holds some 870 两新 organizations.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.demo import DemoContext, DemoFigure
from lianjian.orgs.models import PartyOrg, Region, UnitKind
from lianjian.orgs.services import party_org_create, party_org_update, region_create, unit_create
from lianjian.ratings import services
from lianjian.ratings.models import (
    Criterion,
    CriterionScore,
    Method,
    Rating,
    RatingEvent,
    RatingStatus,
    Round,
    Scheme,
)

if TYPE_CHECKING:
    from lianjian.accounts.models import User

FIVE_STAR = ("晨讯科技党委", "置信集团党委", "仙霞社区太阳市场党支部")
SHARE_2012 = 80  # seed 002: 约占总数的80%
SHARE_2011 = 72
XIANXIA = "仙霞新村街道"

# (group, weight, [(criterion, evidence required)]); every criterion out of 10
_MANUAL_GROUPS = (
    ("组织建设", 40, (("组织设置规范", False), ("组织生活正常", True), ("班子队伍健全", False))),
    ("作用发挥", 40, (("服务企业发展", True), ("服务职工群众", False))),
    ("基础保障", 20, (("活动阵地经费", False), ("制度台账完备", False))),
)
# each grade's band of the criterion level s (the total is 10 × s)
_BANDS = {
    "good": (90, 96),
    "fair": (75, 89),
    "average": (60, 74),
    "poor": (45, 59),
}


def _scheme(district: Region, year: int, computed: bool = False) -> Scheme:
    groups: list[dict[str, Any]] = [  # `services.scheme_build`'s description, as the API's body
        {
            "name": name,
            "weight": weight,
            "criteria": [
                {"name": c, "max_score": 10, "evidence_required": ev} for c, ev in criteria
            ],
        }
        for name, weight, criteria in _MANUAL_GROUPS
    ]
    if computed:
        groups[1]["weight"] = 30
        groups.append(
            {
                "name": "平台数据",
                "weight": 10,
                "criteria": [
                    {
                        "name": "参加联席会议",
                        "max_score": 10,
                        "method": Method.COMPUTED,
                        "indicator": "alliances.meetings_attended",
                        "target": 4,
                    },
                    {
                        "name": "认领项目完成",
                        "max_score": 10,
                        "method": Method.COMPUTED,
                        "indicator": "projects.claims_delivered",
                        "target": 2,
                    },
                    {
                        "name": "覆盖单位",
                        "max_score": 10,
                        "method": Method.COMPUTED,
                        "indicator": "orgs.units_covered",
                        "target": 1,
                    },
                ],
            }
        )
    return services.scheme_build(
        district=district,
        data={
            "year": year,
            "name": f"长宁区{year}年度两新组织党组织分类定级",
            "good_min": 90,
            "fair_min": 75,
            "average_min": 60,
            "stars": [
                {"stars": 5, "min_score": 97},
                {"stars": 4, "min_score": 93},
                {"stars": 3, "min_score": 90},
            ],
            "groups": groups,
            "publish": True,
        },
    )


def _street(district: Region, name: str) -> Region:
    found = Region.objects.filter(district_ref=district, level=Region.Level.STREET, name=name)
    return found.first() or region_create(name=name, level=Region.Level.STREET, parent=district)


def _named_orgs(district: Region) -> list[PartyOrg]:
    """Seed 002's five-star organizations. With the 两新 ledger built, three of its
    organizations take their names (the coverage figures stay those of the seed);
    without it they are created in 仙霞新村街道 with the units they cover."""
    found = {o.name: o for o in PartyOrg.objects.filter(district=district, name__in=FIVE_STAR)}
    if len(found) == len(FIVE_STAR):
        return [found[n] for n in FIVE_STAR]
    base = PartyOrg.objects.filter(district=district, is_active=True)
    singles = list(
        base.filter(name__startswith="长宁两新台账规上企业", formation="single").order_by("pk")[:2]
    )
    market = base.filter(name__startswith=f"{XIANXIA}两新联合党支部").order_by("pk").first()
    if len(singles) == 2 and market is not None:
        renames = (
            (singles[0], FIVE_STAR[0], PartyOrg.Level.COMMITTEE, PartyOrg.OrgType.INDEPENDENT),
            (singles[1], FIVE_STAR[1], PartyOrg.Level.COMMITTEE, PartyOrg.OrgType.INDEPENDENT),
            (market, FIVE_STAR[2], PartyOrg.Level.BRANCH, PartyOrg.OrgType.MARKET_JOINT),
        )
        return [
            party_org_update(org, name=name, level=level, org_type=kind)
            for org, name, level, kind in renames
        ]
    street = _street(district, XIANXIA)
    market_area = region_create(
        name="太阳市场",
        level=Region.Level.AREA,
        parent=street,
        area_type=Region.AreaType.MARKET,
    )
    made = []
    for name, unit_name, region, level, kind, formation in (
        (FIVE_STAR[0], "晨讯科技集团有限公司", street, "committee", "independent", "single"),
        (FIVE_STAR[1], "置信集团有限公司", street, "committee", "independent", "single"),
        (FIVE_STAR[2], "仙霞太阳市场经营管理有限公司", market_area, "branch", "market_joint", "joint"),
    ):  # fmt: skip
        unit = unit_create(
            name=unit_name, kind=UnitKind.PRIVATE_ENTERPRISE, region=region, employees=300
        )
        made.append(
            party_org_create(
                name=name,
                level=level,
                region=region,
                org_type=kind,
                formation=formation,
                covered_units=[unit],
                founded_on=dt.date(2005, 7, 1),
            )
        )
    return made


def _levels(
    orgs: list[PartyOrg], share: int, rng: random.Random, named: set[int]
) -> dict[int, int]:
    """The criterion level (10 × the total) of every organization: exactly `share` percent
    (rounded) in the 好/较好 bands, the five-star ones at 98."""
    others = [o for o in orgs if o.pk not in named]
    rng.shuffle(others)
    good_or_fair = max(0, round(len(orgs) * share / 100) - len(named))
    good = round(good_or_fair * 0.4)
    rest = len(others) - good_or_fair
    poor = round(rest * 0.25)
    bands = (
        ["good"] * good
        + ["fair"] * (good_or_fair - good)
        + ["average"] * (rest - poor)
        + ["poor"] * poor
    )
    out = {o.pk: 98 for o in orgs if o.pk in named}
    for org, band in zip(others, bands, strict=True):
        low, high = _BANDS[band]
        out[org.pk] = rng.randint(low, high)
    return out


def _scores_for(level: int, criteria: list[Criterion]) -> dict[int, Decimal]:
    """Scores averaging `level / 10` in every group (so the total is exactly `level`)."""
    s = Decimal(level) / 10
    d = min(Decimal("0.3"), Decimal(10) - s)
    out: dict[int, Decimal] = {}
    by_group: dict[int, list[Criterion]] = {}
    for c in criteria:
        by_group.setdefault(c.group_id, []).append(c)
    for crits in by_group.values():
        shifts = [d, -d, Decimal(0)] if len(crits) == 3 else [d, -d]
        for c, shift in zip(crits, shifts, strict=True):
            out[c.pk] = (s + shift).quantize(services.ONE_DECIMAL)
    return out


def _at(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 10, 0))


def _rated_round(
    district: Region, year: int, orgs: list[PartyOrg], share: int, named: set[int]
) -> int:
    scheme = _scheme(district, year)
    rnd = services.round_open(scheme, orgs=[], scope=Round.Scope.LIANGXIN)
    structure = services.scheme_structure(scheme)
    criteria = list(scheme.criteria.all())
    stars = sorted(((s.min_score, s.stars) for s in scheme.star_levels.all()), reverse=True)
    levels = _levels(orgs, share, random.Random(year), named)  # noqa: S311 (demo data)
    ratings, all_scores = [], []
    for org in orgs:
        scores = _scores_for(levels[org.pk], criteria)
        total = services.total_from(structure, scores)
        ratings.append(
            Rating(
                round=rnd,
                party_org=org,
                year=year,
                org_type=org.org_type,
                district_id=org.district_id,
                street_id=org.street_id,
                community_id=org.community_id,
                area_id=org.area_id,
                status=RatingStatus.CONFIRMED,
                self_total=total,
                total=total,
                grade=scheme.grade_for(total),
                stars=next((n for floor, n in stars if total >= floor), 0),
                summary="按照分类定级标准逐项自评。",
                review_comment="材料齐全，同意评定。",
                submitted_at=_at(year, 12, 10),
                reviewed_at=_at(year, 12, 20),
                confirmed_at=_at(year + 1, 1, 15),
                version=4,
            )
        )
        all_scores.append(scores)
    Rating.objects.bulk_create(ratings, batch_size=1000)
    CriterionScore.objects.bulk_create(
        [
            CriterionScore(
                rating=r,
                criterion_id=pk,
                self_score=score,
                review_score=score,
                evidence_text="见党建工作台账",
            )
            for r, scores in zip(ratings, all_scores, strict=True)
            for pk, score in scores.items()
        ],
        batch_size=2000,
    )
    moves = ((RatingStatus.PENDING, RatingStatus.SUBMITTED, "demo_dongyin"),
             (RatingStatus.SUBMITTED, RatingStatus.REVIEWED, "demo_street"),
             (RatingStatus.REVIEWED, RatingStatus.CONFIRMED, "demo_district"))  # fmt: skip
    RatingEvent.objects.bulk_create(
        [
            RatingEvent(rating=r, from_status=a, to_status=b, actor_name=who)
            for r in ratings
            for a, b, who in moves
        ],
        batch_size=2000,
    )
    Round.objects.filter(pk=rnd.pk).update(status=Round.Status.CLOSED)
    return len(ratings)


def build(ctx: DemoContext) -> None:
    district: Region = ctx.objects["changning"]["district"]
    named = _named_orgs(district)
    orgs = list(services.orgs_in_scope(district, Round.Scope.LIANGXIN).order_by("pk"))
    named_ids = {o.pk for o in named}
    rated_2011 = _rated_round(district, 2011, orgs, SHARE_2011, set())
    rated = _rated_round(district, 2012, orgs, SHARE_2012, named_ids)
    # this year's round: open, computed criteria filled, waiting for self-assessments
    current = _scheme(district, 2026, computed=True)
    services.round_open(current, scope=Round.Scope.LIANGXIN, self_due=dt.date(2026, 12, 31))
    audit_record("rating.demo_build", obj=district, detail={"2011": rated_2011, "2012": rated})
    ctx.counts["ratings"] += rated_2011 + rated + len(orgs)
    ctx.summaries["ratings"] = (
        f"长宁区两新党组织分类定级：2011、2012 年度各 {rated} 个已确认，"
        f"2012 年度好/较好约 {SHARE_2012}%，五星级 {len(FIVE_STAR)} 个；2026 年度定级待自评"
    )


def _district_user() -> User:
    from lianjian.accounts.models import User

    return User.objects.get(username="demo_district")


def _share_2012() -> int | None:
    from lianjian.ratings.selectors import share_good_or_fair

    share = share_good_or_fair(_district_user(), 2012)
    return None if share is None else round(share)


def _five_star_2012() -> tuple[str, ...]:
    from lianjian.ratings.selectors import five_star_orgs

    return tuple(sorted(r.party_org.name for r in five_star_orgs(_district_user(), 2012)))


def _rated_everywhere() -> bool:
    """Every 两新 organization of the district holds a confirmed 2012 grade."""
    from lianjian.ratings.selectors import grade_distribution

    dist = grade_distribution(_district_user(), 2012, "district")
    return (
        dist.all.rated == dist.all.total > 0
        and not Rating.objects.filter(Q(year=2012) & ~Q(status=RatingStatus.CONFIRMED)).exists()
    )


FIGURES = (
    DemoFigure(
        "ratings.share_good_fair_2012", "2012 年度好/较好占比（%，取整）", SHARE_2012, _share_2012
    ),
    DemoFigure("ratings.five_star_2012", "五星级党组织", tuple(sorted(FIVE_STAR)), _five_star_2012),
    DemoFigure(
        "ratings.all_confirmed_2012", "2012 年度两新党组织全部定级", True, _rated_everywhere
    ),
)
