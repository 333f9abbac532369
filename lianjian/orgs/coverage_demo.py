"""A Changning-sized 两新 ledger for the demo district, so the coverage report reproduces
seed 002: 13,101 两新 organizations of which 3,098 are covered (23.6%), 6,553 个体工商户
and 903 社区活动团队 outside the denominator, and all 263 规模以上 enterprises covered.

The builder tops up whatever the district already holds (the demo's named units
count too), so the district's figures land exactly on the seed's. It writes
with bulk_create for speed (20k units in seconds) and records one audit event.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from lianjian.core.audit import audit_record
from lianjian.core.demo import DemoContext
from lianjian.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from lianjian.orgs.coverage import region_figures
from lianjian.orgs.models import OrgUnitCoverage, PartyOrg, Region, Unit, UnitKind
from lianjian.orgs.services import party_org_create

SEED_002 = {
    "liangxin": 13_101,
    "liangxin_covered": 3_098,
    "excluded_individual": 6_553,
    "excluded_team": 903,
    "above_scale": 263,
    "orgs": 837,
}
INDUSTRIES = (
    "信息技术", "商务服务", "批发零售", "餐饮住宿", "文化创意", "金融服务",
    "物流运输", "建筑装饰", "教育培训", "医疗健康", "社会服务", "制造业",
)  # fmt: skip
LIAISON_SHARE = 0.45  # uncovered units without members that have a liaison (work coverage)


class LedgerTargetError(ValueError):
    """The district already holds more than the seed's figures; cannot top up."""


def _codes(prefix: str, used: set[str], rng: random.Random) -> Any:
    while True:
        body = "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
        first17 = prefix + body
        code = first17 + credit_code_check_char(first17)
        if code not in used:
            used.add(code)
            yield code


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


@transaction.atomic
def build_liangxin_ledger(district: Region, *, seed: int = 2012) -> dict[str, int]:
    """Top the district up to seed 002's figures as of today; returns what was created."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    today = dt.date.today()
    recent = today - dt.timedelta(days=30)
    places = list(
        Region.objects.filter(
            district_ref=district, level__in=[Region.Level.COMMUNITY, Region.Level.AREA]
        ).order_by("path")
    ) or list(Region.objects.filter(district_ref=district, level=Region.Level.STREET))
    if not places:
        raise LedgerTargetError("该区没有街道或社区，无法分布台账单位")

    # cover any existing 规模以上 unit that is not covered yet (seed: 100% covered)
    district_q = Unit.objects.filter(district=district)
    now = region_figures(district, today)
    existing_uncovered_above = [
        u.pk
        for u in district_q.filter(
            kind__in=[UnitKind.PRIVATE_ENTERPRISE, UnitKind.SOCIAL_ORG], is_above_scale=True
        )
        if not u.coverages.filter(until__isnull=True).exists()
    ]
    new_lx = SEED_002["liangxin"] - now["liangxin"]
    new_above = SEED_002["above_scale"] - now["above_scale"]
    new_covered = (
        SEED_002["liangxin_covered"] - now["liangxin_covered"] - len(existing_uncovered_above)
    )
    new_individual = SEED_002["excluded_individual"] - now["excluded_individual"]
    new_team = SEED_002["excluded_team"] - now["excluded_team"]
    if min(new_lx, new_above, new_covered, new_individual, new_team) < 0 or new_covered < new_above:
        raise LedgerTargetError("该区现有单位已超过 seed 002 的数字，无法补足台账")

    used = {
        c or ""
        for c in Unit.objects.exclude(credit_code=None).values_list("credit_code", flat=True)
    }
    enterprise_codes = _codes("91310105", used, rng)
    social_codes = _codes("52310105", used, rng)
    individual_codes = _codes("92310105", used, rng)

    def unit(n: int, kind: str, name: str, code: str | None, **extra: Any) -> Unit:
        region = places[n % len(places)]
        return Unit(
            name=name,
            credit_code=code,
            kind=kind,
            industry=INDUSTRIES[n % len(INDUSTRIES)] if kind != UnitKind.COMMUNITY_TEAM else "",
            employees=extra.pop("employees", rng.randint(3, 80)),
            region=region,
            registered_on=_date(rng, dt.date(2003, 1, 1), recent),
            **region.ancestor_ids(),
            **extra,
        )

    units: list[Unit] = []
    covered_units: list[Unit] = []
    above_units: list[Unit] = []
    for n in range(new_lx):
        is_social = n % 9 == 8  # about one in nine 两新 organizations is a social organization
        kind = UnitKind.SOCIAL_ORG if is_social else UnitKind.PRIVATE_ENTERPRISE
        above = n < new_above
        covered = n < new_covered
        u = unit(
            n,
            UnitKind.PRIVATE_ENTERPRISE if above else kind,
            f"长宁两新台账{'规上企业' if above else '社会组织' if is_social and not above else '企业'}{n + 1:05d}",
            next(enterprise_codes) if above or not is_social else next(social_codes),
            is_above_scale=above,
            employees=rng.randint(300, 3000) if above else rng.randint(3, 120),
            liaison_name=""
            if covered or rng.random() > LIAISON_SHARE
            else f"党建指导员{n % 97 + 1:02d}",
        )
        units.append(u)
        if above:
            above_units.append(u)
        elif covered:
            covered_units.append(u)
    for n in range(new_individual):
        units.append(
            unit(
                n,
                UnitKind.INDIVIDUAL_BUSINESS,
                f"长宁个体工商户{n + 1:05d}",
                next(individual_codes),
                employees=rng.randint(1, 8),
            )
        )
    for n in range(new_team):
        units.append(
            unit(n, UnitKind.COMMUNITY_TEAM, f"长宁社区活动团队{n + 1:04d}", None, employees=0)
        )
    Unit.objects.bulk_create(units, batch_size=2000)

    # organizations: one 单独建 branch per 规模以上 enterprise, joint branches for the rest
    committee = PartyOrg.objects.filter(district=district, name="长宁区两新组织综合党委").first()
    if committee is None:
        committee = party_org_create(
            name="长宁区两新组织综合党委",
            level=PartyOrg.Level.COMMITTEE,
            formation=PartyOrg.Formation.JOINT,
            org_type=PartyOrg.OrgType.REGIONAL,
            region=district,
            founded_on=dt.date(2005, 7, 1),
        )
    covering_now = (
        OrgUnitCoverage.objects.filter(unit__district=district, until__isnull=True)
        .values("party_org_id")
        .distinct()
        .count()
    )
    joint_count = max(1, SEED_002["orgs"] - covering_now - len(above_units))
    joint_count = min(joint_count, max(1, len(covered_units) + len(existing_uncovered_above)))
    specs: list[tuple[str, str, list[Any]]] = []
    for i, u in enumerate(above_units):
        specs.append((f"长宁两新党支部{i + 1:04d}", PartyOrg.Formation.SINGLE, [u]))
    joint_members: list[list[Any]] = [[] for _ in range(joint_count)]
    for i, item in enumerate([*covered_units, *existing_uncovered_above]):
        joint_members[i % joint_count].append(item)
    for i, group in enumerate(joint_members):
        specs.append((f"长宁两新联合党支部{i + 1:04d}", PartyOrg.Formation.JOINT, group))
    specs.sort(key=lambda spec: spec[0])  # treebeard keeps siblings in name order
    start = committee.numchild
    orgs = []
    for i, (name, formation, _) in enumerate(specs):
        region = places[i % len(places)]
        orgs.append(
            PartyOrg(
                name=name,
                level=PartyOrg.Level.BRANCH,
                formation=formation,
                org_type=PartyOrg.OrgType.INDEPENDENT
                if formation == PartyOrg.Formation.SINGLE
                else PartyOrg.OrgType.REGIONAL,
                region=region,
                founded_on=_date(rng, today - dt.timedelta(days=900), recent),
                path=PartyOrg._get_path(committee.path, committee.depth + 1, start + i + 1),
                depth=committee.depth + 1,
                numchild=0,
                **region.ancestor_ids(),
            )
        )
    PartyOrg.objects.bulk_create(orgs, batch_size=1000)
    PartyOrg.objects.filter(pk=committee.pk).update(numchild=start + len(orgs))
    links = []
    for org, (_, _, group) in zip(orgs, specs, strict=True):
        for item in group:
            links.append(
                OrgUnitCoverage(
                    party_org=org,
                    unit_id=item if isinstance(item, int) else item.pk,
                    since=org.founded_on,
                )
            )
    OrgUnitCoverage.objects.bulk_create(links, batch_size=2000)
    created = {
        "units": len(units),
        "party_orgs": len(orgs),
        "coverage_links": len(links),
    }
    audit_record("ledger.demo_build", obj=district, detail=created)
    return created


def build(ctx: DemoContext) -> None:
    """The Changning-sized 两新 ledger, when the build asks for it."""
    if not ctx.with_ledger:
        ctx.summaries["ledger"] = "未生成（--without-ledger）"
        return
    created = build_liangxin_ledger(ctx.objects["changning"]["district"])
    ctx.summaries["ledger"] = (
        f"新增单位 {created['units']} 家、党组织 {created['party_orgs']} 个、"
        f"覆盖关系 {created['coverage_links']} 条"
    )
