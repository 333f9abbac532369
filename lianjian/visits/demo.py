"""Seed 001's visit ledger for 虹桥街道: cross-appointed cadres (交叉任职) and 1,415 visits
reaching 95% of the street's 两新 units over the past year, with needs raised from some.

The cadres hold posts through the cadre services: five hold one in 虹储居民区党总支
and one in 东银中心楼宇联合党支部 at once (seed 001: "居民区书记、楼宇专职党群工作者
交叉任职"), so their visits and the needs raised from them roll up to both
organizations in the cross-appointment report; 虹仙's secretary and the street's Party
building instructors visit for one organization each. Every visit goes through
`services.visit_record` and every need through `services.visit_raise_need`, on the needs
clock of the visit day; `lianjian.needs.demo.build_work` then handles those needs.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.core.demo import DemoContext
from lianjian.needs import demo as needs_demo
from lianjian.orgs.access import LEVEL_FIELD
from lianjian.orgs.models import LIANGXIN_KINDS, Member, PartyOrg, Region, Unit
from lianjian.orgs.services import party_org_update
from lianjian.visits.models import Cadre, Visit
from lianjian.visits.services import cadre_create, cadre_post_add, visit_raise_need, visit_record

FINDINGS = [
    "企业经营正常，了解党员情况和用工需求",
    "社会组织活动开展良好，希望获得场地支持",
    "企业反映招聘困难，希望对接人才服务",
    "宣传区域化党建联盟服务项目，登记联络员",
    "了解流动党员情况，提醒按时参加组织生活",
]
VISITORS = ["街道党建指导员", "社区党组织书记", "楼宇党建工作站", "街道党工委委员"]
# the five cross-appointed cadres: (post in 虹储居民区党总支, post in 东银中心楼宇联合党支部)
CROSS_POSTS = (
    ("党总支书记", "联合党支部副书记（交叉任职）"),
    ("党总支委员（交叉任职）", "联合党支部书记"),
    ("党总支兼职委员（交叉任职）", "楼宇专职党群工作者"),
    ("党总支副书记", "联合党支部委员（交叉任职）"),
    ("党总支兼职委员（交叉任职）", "联合党支部组织委员"),
)
CROSS_SINCE = dt.date(2016, 3, 1)  # seed 001: promoted district-wide in 2016
CROSS_SHARE = 0.8  # of visits to 东银中心 and 虹储 units, those a cross-appointed cadre made
VISIT_NEEDS = 72  # of seed 001's 216 needs, those raised on cross-appointed cadres' visits


@dataclass
class VisitsDemo:
    units: int
    visited: int
    visits: int
    recorded: list[Visit] = field(default_factory=list)


# who made a visit to a unit: (cadre, the organization they went for, the visitors line)
Visitor = tuple[Cadre | None, PartyOrg | None, str]


def build_visits_demo(
    region: Region,
    *,
    visits: int = 1415,
    coverage: float = 0.95,
    days: int = 365,
    seed: int = 20171231,
    visitor: Callable[[Unit, random.Random], Visitor] | None = None,
) -> VisitsDemo:
    """Visit `coverage` of the active 两新 units in `region`: `visits` visits in the `days`
    days up to today (what the coverage report counts: its denominator is every active
    两新 unit of the region). `visitor` says who went; by default nobody in particular."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    units = list(
        Unit.objects.filter(
            kind__in=LIANGXIN_KINDS,
            is_active=True,
            **{LEVEL_FIELD[Region.Level(region.level)]: region.pk},
        )
        .select_related("region")
        .order_by("pk")
    )
    chosen = rng.sample(units, round(len(units) * coverage)) if units else []
    plan = list(chosen) + [rng.choice(chosen) for _ in range(max(0, visits - len(chosen)))]
    today = timezone.localdate()
    recorded = []
    with transaction.atomic():
        for unit in plan:
            cadre, party_org, visitors = (
                visitor(unit, rng) if visitor else (None, None, rng.choice(VISITORS))
            )
            recorded.append(
                visit_record(
                    unit=unit,
                    visited_on=today - dt.timedelta(days=rng.randrange(days)),
                    visitors=visitors,
                    findings=rng.choice(FINDINGS),
                    method=rng.choice([Visit.Method.ON_SITE] * 3 + [Visit.Method.MEETING]),
                    cadre=cadre,
                    party_org=party_org,
                )
            )
    return VisitsDemo(units=len(units), visited=len(chosen), visits=len(plan), recorded=recorded)


@dataclass
class DemoCadres:
    """虹桥街道's cadres and the organizations they visit for."""

    hongchu_org: PartyOrg
    joint: PartyOrg
    hongxian_org: PartyOrg
    committee: PartyOrg
    # cadre, title in 虹储居民区党总支, title in 东银中心楼宇联合党支部
    cross: list[tuple[Cadre, str, str]]
    hongxian: Cadre
    instructors: list[Cadre]

    def visitor(self, unit: Unit, rng: random.Random) -> Visitor:
        """A cross-appointed cadre for most visits to 东银中心 and 虹储 units (for the
        organization where the unit is), 虹仙's secretary in 虹仙, else an instructor."""
        in_building = unit.area_id == self.joint.region_id
        if (in_building or unit.community_id == self.hongchu_org.region_id) and (
            rng.random() < CROSS_SHARE
        ):
            cadre, residential, building = rng.choice(self.cross)
            if in_building:
                return cadre, self.joint, f"{cadre.name}（{building}）"
            return cadre, self.hongchu_org, f"{cadre.name}（{residential}）"
        if unit.community_id == self.hongxian_org.region_id and rng.random() < 0.7:
            return self.hongxian, self.hongxian_org, f"{self.hongxian.name}（居民区党支部书记）"
        instructor = rng.choice(self.instructors)
        return instructor, self.committee, f"{instructor.name}（街道党建指导员）"


def build_cadres(changning: dict[str, Any]) -> DemoCadres:
    """Five cross-appointed cadres (members of the two organizations), 虹仙's secretary and
    two instructors; each organization's secretary is the cadre holding that post."""
    hongchu_org: PartyOrg = changning["hongchu_org"]
    joint: PartyOrg = changning["joint"]
    hongchu_members: list[Member] = changning["hongchu_members"][1:]  # [0] is the login's
    joint_members: list[Member] = changning["joint_members"]
    cross = []
    for i, (residential, building) in enumerate(CROSS_POSTS):
        # a residential secretary living in 虹储, or a building worker of 东银中心
        member = hongchu_members[i] if i % 3 == 0 else joint_members[i]
        cadre = cadre_create(
            name=member.name,
            member=member,
            party_org=hongchu_org,
            title=residential,
            since=CROSS_SINCE + dt.timedelta(days=30 * i),
        )
        cadre_post_add(
            cadre, party_org=joint, title=building, since=CROSS_SINCE + dt.timedelta(days=30 * i)
        )
        for org, title in ((hongchu_org, residential), (joint, building)):
            if title.startswith(("党总支书记", "联合党支部书记")):
                # a fresh row: the published instance's tree counters are stale
                party_org_update(PartyOrg.objects.get(pk=org.pk), secretary_name=cadre.name)
        cross.append((cadre, residential, building))
    hongxian_org: PartyOrg = changning["hongxian_org"]
    hongxian = cadre_create(
        name=hongxian_org.secretary_name,
        party_org=hongxian_org,
        title="党支部书记",
        since=dt.date(2015, 9, 1),
    )
    committee: PartyOrg = changning["committee"]
    instructors = [
        cadre_create(
            name=member.name,
            member=member,
            party_org=committee,
            title="党建指导员",
            since=dt.date(2015, 3, 1),
        )
        for member in hongchu_members[-2:]
    ]
    return DemoCadres(hongchu_org, joint, hongxian_org, committee, cross, hongxian, instructors)


def raise_needs(
    cadres: DemoCadres, recorded: list[Visit], phones: Callable[[], str]
) -> list[tuple[Any, str]]:
    """Needs raised on cross-appointed cadres' visits, one in every category in turn, each
    on its visit day (settled: old enough for its reply and rating to fit before today)."""
    rng = random.Random(216)  # noqa: S311 - reproducible demo data, not security
    cross_ids = {cadre.pk for cadre, _, _ in cadres.cross}
    latest = timezone.localdate() - dt.timedelta(days=needs_demo.SETTLED_DAYS)
    eligible = [v for v in recorded if v.cadre_id in cross_ids and v.visited_on <= latest]
    chosen = sorted(rng.sample(eligible, min(VISIT_NEEDS, len(eligible))), key=lambda v: v.pk)
    categories = list(needs_demo.HANDLED_NEEDS)
    raised = []
    for i, visit in enumerate(chosen):
        category = categories[i % len(categories)]
        moment = needs_demo.local_moment(visit.visited_on, 16, rng.randint(0, 59))
        with needs_demo.needs_clock(moment):
            need = visit_raise_need(
                visit,
                text=rng.choice(needs_demo.NEED_TEXTS[category]),
                contact_phone=phones(),
            )
        raised.append((need, category))
    return raised


def build(ctx: DemoContext) -> None:
    """虹桥街道's cadres, its visit ledger and the needs raised on visits (after the logins).

    Publishes `ctx.objects["visits.needs"]`: (need, category) pairs, handled by the
    needs builder that runs next.
    """
    changning = ctx.objects["changning"]
    cadres = build_cadres(changning)
    outcome = build_visits_demo(changning["hq"], visitor=cadres.visitor)
    raised = raise_needs(cadres, outcome.recorded, ctx.people.mobile)
    ctx.objects["visits.needs"] = raised
    share = f"{outcome.visited / outcome.units:.0%}" if outcome.units else "—"
    ctx.summaries["visits"] = (
        f"虹桥街道近一年走访两新组织 {outcome.visits:,} 次，覆盖 {outcome.units} 家中的 "
        f"{outcome.visited} 家（{share}）；交叉任职干部 {len(cadres.cross)} 名，"
        f"走访中提出需求 {len(raised)} 件"
    )
