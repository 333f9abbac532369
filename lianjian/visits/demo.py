"""Demo visits reproducing the seed figure: 1,415 visits reaching 95% of 两新 units.

Call `build_visits_demo(region)` after the registry demo exists; every visit
goes through `services.visit_record`, so demo rows obey the same rules and
leave the same audit trail as real ones.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lianjian.core.demo import DemoContext
from lianjian.orgs.access import LEVEL_FIELD
from lianjian.orgs.models import LIANGXIN_KINDS, Region, Unit
from lianjian.visits.models import Visit
from lianjian.visits.services import visit_record

FINDINGS = [
    "企业经营正常，了解党员情况和用工需求",
    "社会组织活动开展良好，希望获得场地支持",
    "企业反映招聘困难，希望对接人才服务",
    "宣传区域化党建联盟服务项目，登记联络员",
    "了解流动党员情况，提醒按时参加组织生活",
]
VISITORS = ["街道党建指导员", "社区党组织书记", "楼宇党建工作站", "街道党工委委员"]


@dataclass(frozen=True)
class VisitsDemo:
    units: int
    visited: int
    visits: int


def build_visits_demo(
    region: Region,
    *,
    visits: int = 1415,
    coverage: float = 0.95,
    days: int = 330,
    seed: int = 20171231,
) -> VisitsDemo:
    """Visit `coverage` of the active 两新 units in `region`: `visits` visits over `days` days."""
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
    with transaction.atomic():
        for unit in plan:
            visit_record(
                unit=unit,
                visited_on=today - dt.timedelta(days=rng.randrange(days)),
                visitors=rng.choice(VISITORS),
                findings=rng.choice(FINDINGS),
                method=rng.choice([Visit.Method.ON_SITE] * 3 + [Visit.Method.MEETING]),
            )
    return VisitsDemo(units=len(units), visited=len(chosen), visits=len(plan))


def build(ctx: DemoContext) -> None:
    """Seed 001's visit ledger for 虹桥街道 (after the registries exist)."""
    outcome = build_visits_demo(ctx.objects["changning"]["hq"])
    ctx.summaries["visits"] = (
        f"虹桥街道两新单位 {outcome.units} 家，走访 {outcome.visits} 次，覆盖 {outcome.visited} 家"
    )
