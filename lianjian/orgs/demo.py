"""The registries of the demo districts (the first builder the composition layer calls).

Built only through the registry and account services, so the rows look
exactly like real ones (encrypted ID numbers with blind indexes, ancestor
ids, coverage history, audit events). The organizations and figures follow
the public facts of the seed articles; every person is fictional, with a
generated name, a checksum-valid ID number and a mobile number.

`demo_clear` deletes the previous demo rows (both demo districts and every
row of any app scoped to them) but never touches the audit trail, which is
append-only: the new build's events are appended to the same chain. The
logins and the order of the builders belong to `lianjian.portal.demo`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.db import models

from lianjian.core.demo import DemoContext, force_delete
from lianjian.orgs.models import (
    Member,
    OrgUnitCoverage,
    PartyOrg,
    Region,
    ScopedModel,
    Unit,
    UnitKind,
)
from lianjian.orgs.services import party_org_create, region_create, unit_create
from lianjian.orgs.services_members import member_create

DEMO_DISTRICTS = ("长宁区", "朝阳区", "烟台开发区")

# seed 004: industry mix of the 170 enterprises in 莱锦文化创意产业园
LAIJIN_INDUSTRY_MIX = (
    ("传媒", 43),
    ("创意设计", 28),
    ("广告", 14),
    ("动漫", 9),
    ("其他文创", 6),
)
LAIJIN_ENTERPRISES = 170
LAIJIN_FLOATING_MEMBERS = 132
DONGYIN_INDEPENDENT_BRANCHES = 7
DONGYIN_JOINT_MEMBERS = 45
# 东银中心's units: 7 with their own branch, 24 in the joint branch, the rest without
# members; with 虹储's and 虹仙's one each, 虹桥街道 holds 40 两新 units, so seed 001's 95%
# visit coverage is 38 of them visited
DONGYIN_UNITS = 38
DONGYIN_JOINT_UNITS = 24

# home-region codes for floating members who came to Beijing from elsewhere
_HOME_REGIONS = ("410102", "510104", "430102", "370102", "320102", "130102", "420102", "610102")


# ---------------------------------------------------------------- clearing


def demo_clear() -> int:
    """Delete both demo districts and every row of any app scoped to them."""
    districts = list(
        Region.objects.filter(level=Region.Level.DISTRICT, name__in=DEMO_DISTRICTS).values_list(
            "pk", flat=True
        )
    )
    if not districts:
        return 0
    registry = {Member, PartyOrg, Unit}
    for model in apps.get_models():
        if issubclass(model, ScopedModel) and model not in registry:
            force_delete(model._default_manager.filter(district_id__in=districts))
    force_delete(Member.objects.filter(district_id__in=districts))
    force_delete(OrgUnitCoverage.objects.filter(party_org__district_id__in=districts))
    # children before parents: the Party-organization tree, then the region tree
    for depth in sorted(
        set(PartyOrg.objects.filter(district_id__in=districts).values_list("depth", flat=True)),
        reverse=True,
    ):
        force_delete(PartyOrg.objects.filter(district_id__in=districts, depth=depth))
    force_delete(Unit.objects.filter(district_id__in=districts))
    region_q = models.Q(pk__in=districts) | models.Q(district_ref_id__in=districts)
    for depth in sorted(
        set(Region.objects.filter(region_q).values_list("depth", flat=True)), reverse=True
    ):
        force_delete(Region.objects.filter(region_q, depth=depth))
    return len(districts)


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(self, ctx: DemoContext) -> None:
        self.people = ctx.people
        self.counts = ctx.counts

    def region(self, name: str, level: str, parent: Region | None = None, **kw: Any) -> Region:
        self.counts["regions"] += 1
        return region_create(name=name, level=level, parent=parent, **kw)

    def unit(self, region: Region, name: str, kind: str, region_code: str, **extra: Any) -> Unit:
        org_kind = {
            UnitKind.GOVERNMENT: "11",
            UnitKind.INSTITUTION: "12",
            UnitKind.SOCIAL_ORG: "52",
            UnitKind.INDIVIDUAL_BUSINESS: "92",
        }.get(UnitKind(kind), "91")
        self.counts["units"] += 1
        return unit_create(
            region=region,
            name=name,
            kind=kind,
            credit_code=self.people.credit_code(region_code, org_kind),
            **extra,
        )

    def org(self, region: Region, name: str, level: str, **extra: Any) -> PartyOrg:
        self.counts["party_orgs"] += 1
        extra.setdefault("secretary_name", self.people.name())
        extra.setdefault("founded_on", dt.date(2012 + self.people.rng.randint(0, 8), 7, 1))
        return party_org_create(region=region, name=name, level=level, **extra)

    def members(
        self,
        org: PartyOrg,
        count: int,
        region_code: str,
        *,
        units: list[Unit] | None = None,
        residence: Region | None = None,
        per_unit_cap: int | None = None,
        **extra: Any,
    ) -> list[Member]:
        made = []
        load: dict[int, int] = defaultdict(int)
        for i in range(count):
            idn = self.people.id_number(region_code)
            workplace = None
            if units:
                workplace = units[i % len(units)]
                if per_unit_cap is not None and load[workplace.pk] >= per_unit_cap:
                    raise ValueError("per-unit cap too small for the requested member count")
                load[workplace.pk] += 1
            status = (
                Member.Status.PROBATIONARY
                if self.people.rng.random() < 0.05
                else Member.Status.FULL
            )
            made.append(
                member_create(
                    party_org=org,
                    name=self.people.name(),
                    id_number=idn,
                    mobile=self.people.mobile(),
                    joined_on=self.people.joined_on(idn),
                    status=status,
                    workplace_unit=workplace,
                    residence_community=residence,
                    **extra,
                )
            )
        self.counts["members"] += count
        return made


# 程家桥街道航空行业党建联盟 member units named in seed 000 (kind, employees)
AVIATION_UNITS: tuple[tuple[str, str, int, bool], ...] = (
    ("上海机场（集团）有限公司虹桥机场公司", UnitKind.STATE_ENTERPRISE, 3200, True),
    ("中国东方航空股份有限公司", UnitKind.STATE_ENTERPRISE, 5200, True),
    ("中国南方航空股份有限公司上海分公司", UnitKind.STATE_ENTERPRISE, 1800, True),
    ("春秋航空股份有限公司", UnitKind.PRIVATE_ENTERPRISE, 1600, True),
    ("上海吉祥航空股份有限公司", UnitKind.PRIVATE_ENTERPRISE, 1400, True),
    ("中国民用航空华东地区管理局", UnitKind.GOVERNMENT, 600, False),
    ("民航华东地区空中交通管理局", UnitKind.INSTITUTION, 1200, False),
    ("上海虹桥边防检查站", UnitKind.GOVERNMENT, 500, False),
    ("上海世贸商城有限公司", UnitKind.PRIVATE_ENTERPRISE, 350, True),
    ("上海机场集团沪港联合发展有限公司", UnitKind.STATE_ENTERPRISE, 260, True),
)
# the rest of the 41 founding members are aviation service firms; these names are invented
_AVIATION_PREFIXES = (
    "虹翔",
    "临空",
    "程航",
    "云程",
    "翔宇",
    "航安",
    "凌云",
    "远航",
    "蓝天",
    "启航",
)
_AVIATION_SERVICES = (
    "航空配餐",
    "航空物流",
    "机务工程",
    "航空票务代理",
    "航空培训",
    "地面服务",
    "航材供应",
    "航空信息技术",
    "客舱用品",
    "航空货运代理",
    "机场保洁服务",
)
ALLIANCE_FOUNDING_MEMBERS = 41


def _build_changning(b: _Builder) -> dict[str, Any]:
    code = "310105"
    district = b.region("长宁区", Region.Level.DISTRICT, code=code)

    # ------------------------------------------------ 程家桥街道: the aviation alliance (seed 000)
    cjq = b.region("程家桥街道", Region.Level.STREET, district)
    jichang = b.region("机场新村居民区", Region.Level.COMMUNITY, cjq)
    cjq_committee = b.org(cjq, "中共程家桥街道工作委员会", PartyOrg.Level.COMMITTEE)
    jichang_org = b.org(
        jichang,
        "机场新村居民区党总支",
        PartyOrg.Level.GENERAL_BRANCH,
        parent=cjq_committee,
        org_type=PartyOrg.OrgType.REGIONAL,
    )
    for n in ("第一", "第二"):
        branch = b.org(
            jichang, f"机场新村居民区{n}党支部", PartyOrg.Level.BRANCH, parent=jichang_org
        )
        b.members(branch, 14, code, residence=jichang)

    aviation: list[Unit] = []
    for name, kind, employees, above in AVIATION_UNITS:
        aviation.append(
            b.unit(
                cjq,
                name,
                kind,
                code,
                industry="航空运输",
                employees=employees,
                is_above_scale=above,
                address="上海市长宁区程家桥街道",
            )
        )
    names = [f"上海{p}{s}有限公司" for p in _AVIATION_PREFIXES for s in _AVIATION_SERVICES]
    b.people.rng.shuffle(names)
    for name in names[: ALLIANCE_FOUNDING_MEMBERS - len(AVIATION_UNITS)]:
        aviation.append(
            b.unit(
                cjq,
                name,
                UnitKind.PRIVATE_ENTERPRISE,
                code,
                industry="航空服务",
                employees=b.people.rng.randint(15, 260),
                is_above_scale=b.people.rng.random() < 0.3,
                address="上海市长宁区程家桥街道",
            )
        )
    # the big units run their own organizations; the small ones mostly have
    # three or more members and their own branch (seed 002's 3+ rule)
    for unit in aviation[: len(AVIATION_UNITS)]:
        level = PartyOrg.Level.COMMITTEE if unit.employees >= 1000 else PartyOrg.Level.BRANCH
        suffix = "委员会" if level == PartyOrg.Level.COMMITTEE else "支部委员会"
        org = b.org(
            cjq,
            f"中共{unit.name}{suffix}",
            level,
            covered_units=[unit],
            org_type=PartyOrg.OrgType.INDUSTRY
            if unit.kind == UnitKind.PRIVATE_ENTERPRISE
            else PartyOrg.OrgType.INDEPENDENT,
        )
        b.members(org, b.people.rng.randint(6, 12), code, units=[unit])
    # every other service firm has its own branch, and every 规模以上 one (seed 002: all
    # 263 规模以上 enterprises of the district covered)
    small = aviation[len(AVIATION_UNITS) :]
    for unit in [u for i, u in enumerate(small) if i % 2 == 0 or u.is_above_scale]:
        org = b.org(
            cjq,
            f"{unit.name}党支部",
            PartyOrg.Level.BRANCH,
            parent=cjq_committee,
            covered_units=[unit],
        )
        b.members(org, b.people.rng.randint(3, 6), code, units=[unit])

    # ------------------------------------------------ 虹桥街道: 虹储 and 东银中心 (seeds 001, 002)
    hq = b.region("虹桥街道", Region.Level.STREET, district)
    hongchu = b.region("虹储居民区", Region.Level.COMMUNITY, hq)
    hongxian = b.region("虹仙居民区", Region.Level.COMMUNITY, hq)
    dongyin = b.region("东银中心", Region.Level.AREA, hq, area_type=Region.AreaType.BUILDING)
    hq_committee = b.org(hq, "中共虹桥街道工作委员会", PartyOrg.Level.COMMITTEE)

    hongchu_org = b.org(
        hongchu,
        "虹储居民区党总支",
        PartyOrg.Level.GENERAL_BRANCH,
        parent=hq_committee,
        org_type=PartyOrg.OrgType.REGIONAL,
    )
    hongchu_members: list[Member] = []
    for n in ("第一", "第二", "第三"):
        branch = b.org(hongchu, f"虹储居民区{n}党支部", PartyOrg.Level.BRANCH, parent=hongchu_org)
        for g in (1, 2):
            group = b.org(hongchu, f"虹储{n}支部第{g}党小组", PartyOrg.Level.GROUP, parent=branch)
            hongchu_members += b.members(group, 9, code, residence=hongchu)
    hongchu_unit = b.unit(
        hongchu, "虹储物业服务中心", UnitKind.PRIVATE_ENTERPRISE, code, industry="物业管理"
    )

    hongxian_org = b.org(hongxian, "虹仙居民区党支部", PartyOrg.Level.BRANCH, parent=hq_committee)
    hongxian_members = b.members(hongxian_org, 16, code, residence=hongxian)
    b.unit(hongxian, "虹仙便民服务社", UnitKind.SOCIAL_ORG, code, industry="社区服务", employees=8)

    # seed 001: eight branches in the building, seven independent and one joint
    # branch whose 45 members work in many small units
    dy_industries = ("金融服务", "信息技术", "商务咨询", "国际贸易", "会计审计", "法律服务")
    dy_words = ("汇通", "恒信", "嘉程", "博远", "瑞丰", "华景", "联拓", "中和", "宏略", "诚达")
    dy_names = [
        f"上海{w}{ind}有限公司"
        for w in dy_words
        for ind in ("投资管理", "信息科技", "商务咨询", "国际贸易", "财务顾问", "律师事务所")
    ]
    b.people.rng.shuffle(dy_names)
    dy_units = []
    for i, name in enumerate(dy_names[:DONGYIN_UNITS]):
        kind = UnitKind.SOCIAL_ORG if name.endswith("律师事务所") else UnitKind.PRIVATE_ENTERPRISE
        if kind == UnitKind.SOCIAL_ORG:
            name = name.replace("有限公司", "")
        dy_units.append(
            b.unit(
                dongyin,
                name,
                kind,
                code,
                industry=dy_industries[i % len(dy_industries)],
                employees=b.people.rng.randint(8, 600),
                is_above_scale=i < DONGYIN_INDEPENDENT_BRANCHES,
                is_foreign_invested=b.people.rng.random() < 0.4,
                address="上海市长宁区延安西路（东银中心）",
            )
        )
    for unit in dy_units[:DONGYIN_INDEPENDENT_BRANCHES]:
        org = b.org(dongyin, f"{unit.name}党支部", PartyOrg.Level.BRANCH, covered_units=[unit])
        b.members(org, b.people.rng.randint(3, 8), code, units=[unit])
    joint_end = DONGYIN_INDEPENDENT_BRANCHES + DONGYIN_JOINT_UNITS
    joint_units = dy_units[DONGYIN_INDEPENDENT_BRANCHES:joint_end]
    joint = b.org(
        dongyin,
        "东银中心楼宇联合党支部",
        PartyOrg.Level.BRANCH,
        formation=PartyOrg.Formation.JOINT,
        org_type=PartyOrg.OrgType.BUILDING_JOINT,
        covered_units=joint_units,
    )
    # at most two per unit: a unit with three would owe an independent branch
    joint_members = b.members(joint, DONGYIN_JOINT_MEMBERS, code, units=joint_units, per_unit_cap=2)
    for unit in dy_units[joint_end:]:
        # units without members: work coverage through a liaison
        unit.liaison_name = b.people.name()
        unit.save(update_fields=["liaison_name"])

    return {
        "district": district,
        "cjq": cjq,
        "hq": hq,
        "hongchu": hongchu,
        "hongxian": hongxian,
        "committee": hq_committee,
        "hongchu_org": hongchu_org,
        "hongxian_org": hongxian_org,
        "joint": joint,
        "hongchu_member": hongchu_members[0],
        "hongchu_members": hongchu_members,
        "joint_members": joint_members,
        "hongxian_member": hongxian_members[0],
        "recruiter_unit": dy_units[0],
        "merchant_unit": hongchu_unit,
    }


_LAIJIN_NAMED = (
    ("央视创造传媒有限公司", "传媒"),
    ("华策影视（北京）有限公司", "传媒"),
    ("北京正午阳光影视有限公司", "传媒"),
    ("蓝海电视台", "传媒"),
    ("北京唯品会电子商务有限公司", "其他文创"),
    ("北京艾利艾互联网科技有限公司", "其他文创"),
)
_LAIJIN_WORDS = (
    "锦程",
    "棉纺",
    "八里",
    "星河",
    "青禾",
    "墨白",
    "拾光",
    "木棉",
    "云帆",
    "知行",
    "素言",
    "朗月",
    "弦歌",
    "繁星",
    "长歌",
    "清川",
    "见山",
    "远岫",
)
_LAIJIN_SUFFIX = {
    "传媒": ("文化传媒", "影视制作", "传媒科技"),
    "创意设计": ("创意设计", "建筑设计", "品牌设计"),
    "广告": ("广告", "营销策划"),
    "动漫": ("动漫科技", "动画制作"),
    "其他文创": ("文化艺术", "数字科技"),
}


def _build_chaoyang(b: _Builder) -> dict[str, Any]:
    code = "110105"
    district = b.region("朝阳区", Region.Level.DISTRICT, code=code)
    blz = b.region("八里庄街道", Region.Level.STREET, district)
    park = b.region("莱锦文化创意产业园", Region.Level.AREA, blz, area_type=Region.AreaType.PARK)
    committee = b.org(blz, "中共八里庄街道工作委员会", PartyOrg.Level.COMMITTEE)

    # 170 enterprises in seed 004's industry mix; 8 listed companies
    industries: list[str] = []
    for industry, share in LAIJIN_INDUSTRY_MIX:
        industries += [industry] * round(LAIJIN_ENTERPRISES * share / 100)
    industries = industries[:LAIJIN_ENTERPRISES]
    while len(industries) < LAIJIN_ENTERPRISES:
        industries.append(LAIJIN_INDUSTRY_MIX[0][0])
    named = list(_LAIJIN_NAMED)
    used: set[str] = set()
    units: list[Unit] = []
    for i, industry in enumerate(industries):
        match = next((n for n in named if n[1] == industry), None)
        if match is not None:
            named.remove(match)
            name = match[0]
        else:
            while True:
                word = b.people.rng.choice(_LAIJIN_WORDS) + b.people.rng.choice(_LAIJIN_WORDS)
                name = f"北京{word}{b.people.rng.choice(_LAIJIN_SUFFIX[industry])}有限公司"
                if name not in used and word[:2] != word[2:]:
                    break
        used.add(name)
        units.append(
            b.unit(
                park,
                name,
                UnitKind.PRIVATE_ENTERPRISE,
                code,
                industry=industry,
                employees=b.people.rng.randint(6, 90),
                is_above_scale=i % 21 == 0,
                address="北京市朝阳区朝阳路八里庄（莱锦文化创意产业园）",
            )
        )
    # the one Party organization found in the park (seed 004); the seed does not
    # say which company, so it goes to an invented one
    real_names = {n for n, _ in _LAIJIN_NAMED}
    with_org = next(u for u in units if u.name not in real_names)
    existing = b.org(
        park,
        f"{with_org.name}党支部",
        PartyOrg.Level.BRANCH,
        parent=committee,
        covered_units=[with_org],
    )
    b.members(existing, 5, code, units=[with_org])
    # 132 floating members found by the visits, kept in a temporary park branch
    floating = b.org(
        park,
        "莱锦园区流动党员临时党支部",
        PartyOrg.Level.BRANCH,
        parent=committee,
        formation=PartyOrg.Formation.TEMPORARY,
        org_type=PartyOrg.OrgType.PARK_JOINT,
    )
    for i in range(LAIJIN_FLOATING_MEMBERS):
        home = _HOME_REGIONS[i % len(_HOME_REGIONS)]
        idn = b.people.id_number(home, born_from=1978, born_to=1998)
        member_create(
            party_org=floating,
            name=b.people.name(),
            id_number=idn,
            mobile=b.people.mobile(),
            joined_on=b.people.joined_on(idn),
            workplace_unit=units[1 + (i * 7) % (len(units) - 1)],
            is_floating=True,
            floating_to="北京市朝阳区八里庄街道莱锦文化创意产业园",
            floating_reason="外出务工经商（流入）",
        )
    b.counts["members"] += LAIJIN_FLOATING_MEMBERS
    return {"district": district, "street": blz, "park": park}


# seed 003: 烟台开发区 governs 4 streets and 1 town; 21 of its communities are urban.
# 海信社区 is named in the seed; the other community names are invented for the demo.
YANTAI_STREETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("长江路街道", Region.Level.STREET, ("海信社区", "长江社区", "金沙江社区", "珠江社区", "嵩山社区", "泰山社区")),
    ("黄河路街道", Region.Level.STREET, ("黄河社区", "淮河社区", "天山社区", "华山社区", "衡山社区")),
    ("福莱山街道", Region.Level.STREET, ("福莱社区", "鑫海社区", "红旗社区", "金海社区")),
    ("大季家街道", Region.Level.STREET, ("大季家社区", "季家社区", "东海社区")),
    ("古现镇", Region.Level.STREET, ("古现社区", "八角湾社区", "金港社区")),
)  # fmt: skip
YANTAI_URBAN_COMMUNITIES = 21


def _build_yantai(b: _Builder) -> dict[str, Any]:
    """The zone's region tree, its 两新 committee and the 21 community Party committees.

    Points (the red alliance card) and jobs (拉勾计划) build their merchants,
    enterprises and residents on top of it; `communities` lists the 21 urban
    communities, `community_orgs` their 党总支 in the same order.
    """
    district = b.region("烟台开发区", Region.Level.DISTRICT, code="370600")
    committee = b.org(district, "中共烟台开发区工作委员会", PartyOrg.Level.COMMITTEE)
    streets: list[Region] = []
    communities: list[Region] = []
    community_orgs: list[PartyOrg] = []
    for street_name, level, names in YANTAI_STREETS:
        street = b.region(street_name, level, district)
        streets.append(street)
        for name in names:
            community = b.region(name, Region.Level.COMMUNITY, street)
            communities.append(community)
            community_orgs.append(
                b.org(
                    community,
                    f"{name}党总支",
                    PartyOrg.Level.GENERAL_BRANCH,
                    parent=committee,
                    org_type=PartyOrg.OrgType.REGIONAL,
                )
            )
    assert len(communities) == YANTAI_URBAN_COMMUNITIES
    return {
        "district": district,
        "committee": committee,
        "streets": streets,
        "communities": communities,
        "community_orgs": community_orgs,
        # people of the zone get ID numbers of a real division code of Yantai (芝罘区)
        "id_region_code": "370602",
    }


def build(ctx: DemoContext) -> None:
    """The registries of both demo districts; publishes the objects later builders use.

    `ctx.objects["changning"]`, `["chaoyang"]` and `["yantai"]` hold the named regions,
    organizations, units and members of each district (see the three builders).
    """
    builder = _Builder(ctx)
    ctx.objects["changning"] = _build_changning(builder)
    ctx.objects["chaoyang"] = _build_chaoyang(builder)
    ctx.objects["yantai"] = _build_yantai(builder)
    c = ctx.counts
    ctx.summaries["orgs"] = (
        f"区域 {c['regions']}，单位 {c['units']}，党组织 {c['party_orgs']}，党员 {c['members']}"
    )
