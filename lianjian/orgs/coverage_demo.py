"""A Changning-sized 两新 ledger for the demo district, so the coverage report reproduces
seed 002: 13,101 两新 organizations of which 3,098 are covered (23.6%) by 837 Party
organizations, 6,553 个体工商户 and 903 社区活动团队 outside the denominator, and all
263 规模以上 enterprises covered.

The builder tops up whatever the district already holds (the demo's named units and
organizations count too), so the district's figures land exactly on the seed's. Its
units and organizations go to the district's other streets (`LEDGER_STREETS`, created
when missing), never to the streets the demo describes unit by unit: 虹桥街道's visit
coverage (seed 001) counts that street's 两新 units, and 20k ledger units there would
swamp its forty. It writes with bulk_create for speed (20k units in seconds) and
records one audit event.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.demo import DemoContext
from lianjian.core.naturalsort import natural_sort_key
from lianjian.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from lianjian.orgs import events
from lianjian.orgs.coverage import region_figures
from lianjian.orgs.models import (
    LIANGXIN_KINDS,
    OrgUnitCoverage,
    PartyOrg,
    Region,
    Unit,
    UnitKind,
)
from lianjian.orgs.services import party_org_create, region_create

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
# 长宁区's streets and town besides 虹桥街道 and 程家桥街道, which keep only their named units
LEDGER_STREETS = (
    "华阳路街道", "江苏路街道", "新华路街道", "周家桥街道",
    "天山路街道", "仙霞新村街道", "北新泾街道", "新泾镇",
)  # fmt: skip


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


def _ledger_streets(district: Region) -> list[Region]:
    """The streets the ledger fills, created under the district when missing."""
    existing = {
        r.name: r
        for r in Region.objects.filter(
            district_ref=district, level=Region.Level.STREET, name__in=LEDGER_STREETS
        )
    }
    return [
        existing.get(name) or region_create(name=name, level=Region.Level.STREET, parent=district)
        for name in LEDGER_STREETS
    ]


def _org(
    name: str, formation: str, region: Region, parent: PartyOrg, at: int, founded: dt.date
) -> PartyOrg:
    return PartyOrg(
        name=name,
        sort_key=natural_sort_key(name),
        level=PartyOrg.Level.BRANCH,
        formation=formation,
        org_type=PartyOrg.OrgType.INDEPENDENT
        if formation == PartyOrg.Formation.SINGLE
        else PartyOrg.OrgType.REGIONAL,
        region=region,
        founded_on=founded,
        path=PartyOrg._get_path(parent.path, parent.depth + 1, at),
        depth=parent.depth + 1,
        numchild=0,
        **region.ancestor_ids(),
    )


def _shares(total: int, weights: list[int]) -> list[int]:
    """`total` branches over streets holding `weights` units each: one for every street with
    units, each further one where a branch would otherwise cover the most units."""
    shares = [1 if w else 0 for w in weights]
    while sum(shares) < total:
        room = [i for i, w in enumerate(weights) if shares[i] < w]
        if not room:
            break
        shares[max(room, key=lambda i: weights[i] / shares[i])] += 1
    if sum(shares) != total:
        raise LedgerTargetError("联合党支部数与待覆盖单位数不匹配，无法补足台账")
    return shares


@transaction.atomic
def build_liangxin_ledger(district: Region, *, seed: int = 2012) -> dict[str, int]:
    """Top the district up to seed 002's figures as of today; returns what was created."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    today = timezone.localdate()
    recent = today - dt.timedelta(days=30)
    streets = _ledger_streets(district)

    # an existing 规模以上 unit not covered yet gets its own branch (seed: 100% covered)
    district_q = Unit.objects.filter(district=district)
    now = region_figures(district, today)
    existing_uncovered_above = [
        u
        for u in district_q.filter(kind__in=LIANGXIN_KINDS, is_above_scale=True, is_active=True)
        .select_related("region")
        .order_by("pk")
        if not u.coverages.filter(until__isnull=True).exists()
    ]
    new_lx = SEED_002["liangxin"] - now["liangxin"]
    new_above = SEED_002["above_scale"] - now["above_scale"]
    new_covered = (
        SEED_002["liangxin_covered"] - now["liangxin_covered"] - len(existing_uncovered_above)
    )
    new_individual = SEED_002["excluded_individual"] - now["excluded_individual"]
    new_team = SEED_002["excluded_team"] - now["excluded_team"]
    singles = new_above + len(existing_uncovered_above)
    new_joint = SEED_002["orgs"] - now["covering_orgs"] - singles
    covered_by_joint = new_covered - new_above
    if (
        min(new_lx, new_above, new_individual, new_team, covered_by_joint) < 0
        or not 0 < new_joint <= covered_by_joint
    ):
        raise LedgerTargetError("该区现有单位已超过 seed 002 的数字，无法补足台账")

    used = {
        c or ""
        for c in Unit.objects.exclude(credit_code=None).values_list("credit_code", flat=True)
    }
    enterprise_codes = _codes("91310105", used, rng)
    social_codes = _codes("52310105", used, rng)
    individual_codes = _codes("92310105", used, rng)

    def unit(n: int, kind: str, name: str, code: str | None, **extra: Any) -> Unit:
        region = streets[n % len(streets)]
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
    above_units: list[Unit] = []
    joint_by_street: dict[int, list[Unit]] = {s.pk: [] for s in streets}
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
            joint_by_street[u.region.pk].append(u)
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

    # organizations: one 单独建 branch per 规模以上 enterprise, in its street; each street's
    # other covered units shared among that street's joint branches
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
    specs: list[tuple[str, str, Region, list[Unit]]] = []
    for u in [*above_units, *existing_uncovered_above]:
        specs.append((f"{u.name}党支部", PartyOrg.Formation.SINGLE, u.region, [u]))
    counts = _shares(new_joint, [len(joint_by_street[s.pk]) for s in streets])
    for street, count in zip(streets, counts, strict=True):
        groups: list[list[Unit]] = [[] for _ in range(count)]
        for i, u in enumerate(joint_by_street[street.pk]):
            groups[i % count].append(u)
        for i, group in enumerate(groups):
            specs.append(
                (f"{street.name}两新联合党支部{i + 1:03d}", PartyOrg.Formation.JOINT, street, group)
            )
    specs.sort(key=lambda spec: spec[0])  # treebeard keeps siblings in name order
    start = committee.numchild
    orgs = [
        _org(name, formation, region, committee, start + i + 1, founded)
        for i, (name, formation, region, _) in enumerate(specs)
        for founded in [_date(rng, today - dt.timedelta(days=900), recent)]
    ]
    PartyOrg.objects.bulk_create(orgs, batch_size=1000)
    PartyOrg.objects.filter(pk=committee.pk).update(numchild=start + len(orgs))
    links = [
        OrgUnitCoverage(party_org=org, unit_id=item.pk, since=org.founded_on)
        for org, (_, _, _, group) in zip(orgs, specs, strict=True)
        for item in group
    ]
    OrgUnitCoverage.objects.bulk_create(links, batch_size=2000)
    # bulk writes send no post_save: the auth cache learns of them here (ADR 0004)
    events.places_bulk_written("orgs.unit", len(units))
    events.places_bulk_written("orgs.partyorg", len(orgs) + 1)
    created = {
        "streets": len(streets),
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
        f"在{LEDGER_STREETS[0]}等 {created['streets']} 个街道（镇）新增单位 "
        f"{created['units']:,} 家、党组织 {created['party_orgs']} 个、"
        f"覆盖关系 {created['coverage_links']:,} 条"
    )
