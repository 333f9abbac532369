"""Demo: items, 双报到 and claims in Changning (seed 000) and 烟台开发区 (seed 003).

Changning goes through the services, as a community would: 程家桥's aviation
alliance units register at 机场新村 — 虹桥机场公司's special Party dues for 17
poor member households (1.7万元, confirmed), 边检站's weekly summer lectures
for migrant workers' children (in progress) — and 虹储居民区 publishes
micro-wishes, a project, a hard problem and service slots, with the demo
member and 东银中心's joint branch registered there.

烟台开发区 is bulk-written (a few thousand rows, built in well under a second)
with the figures of seed 003 coming out of the rows: the "益路同行" brand's
pairs (each confirmed claim pairs a unit with a person), 123 people helped and
3,556,000 yuan summed from the claims; 海信社区's 11 co-building units, 6 of
which help 12 families; and more than 110 hard problems solved under "1+1".
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from lianjian.core.demo import DemoContext, DemoFigure
from lianjian.orgs.models import Member, PartyOrg, Region, UnitKind
from lianjian.orgs.services import party_org_create, unit_create
from lianjian.projects import (
    services,
    services_delivery,
    services_pairs,
    services_reg,
    services_tally,
)
from lianjian.projects.models import (
    Claim,
    ClaimStatus,
    Item,
    ItemEvent,
    ItemStatus,
    Kind,
    Pair,
    PairVisit,
    Registration,
    RegStatus,
    ValueKind,
)

YILU = "益路同行"
YILU_PEOPLE = 123
YILU_PAIRS = 206  # seed 003: "200多个帮扶对子"
YILU_VALUE = Decimal("3556000.00")  # seed 003: 355.6万元
HAIXIN_UNITS = 11
HAIXIN_HELPERS = 6
HAIXIN_FAMILIES = 12
PROBLEMS_SOLVED = 112  # seed 003: "110多个"
HAIXIN_NAMED = ("昆仑山医院", "华安国际酒店")
_WORDS = "瑞德恒信泰和鼎盛华润海港万邦金桥天元中信宏远东方新港鲁信卓越海岸"
_TRADES = (
    "科技有限公司",
    "物流有限公司",
    "建设集团",
    "商贸有限公司",
    "食品有限公司",
    "电子有限公司",
)
PROBLEM_TITLES = (
    "流浪狗清理",
    "垃圾站建设",
    "楼道堆物清理",
    "老旧小区路灯维修",
    "小区停车秩序整治",
    "雨污管道疏通",
    "健身器材更新",
    "空中飞线整治",
)
PEOPLE_KINDS = ("残疾人", "下岗职工", "困难老人", "低保户", "重病患者家属")


def _spread(total: Decimal, n: int, rng: random.Random) -> list[Decimal]:
    """`n` amounts in whole yuan that add up to `total` exactly."""
    weights = [rng.uniform(0.3, 3.0) for _ in range(n)]
    scale = total / Decimal(str(sum(weights)))
    amounts = [(Decimal(str(w)) * scale).quantize(Decimal("1")) for w in weights]
    amounts[-1] += total - sum(amounts)
    return amounts


def _moment(rng: random.Random, start: dt.date, end: dt.date) -> dt.datetime:
    days = max((end - start).days, 0)
    day = start + dt.timedelta(days=rng.randint(0, days))
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=tz)


# ---------------------------------------------------------------- Changning, via the services


def _org_of(unit_name: str, district: Region) -> PartyOrg:
    return PartyOrg.objects.filter(
        coverages__unit__name=unit_name, district_id=district.pk
    ).first() or PartyOrg.objects.get(name__contains=unit_name, district_id=district.pk)


def _changning(ctx: DemoContext) -> dict[str, int]:
    cn = ctx.objects["changning"]
    today = timezone.localdate()
    soon = today + dt.timedelta(days=30)
    jichang = Region.objects.get(name="机场新村居民区", street_ref=cn["cjq"])
    airport = _org_of("上海机场（集团）有限公司虹桥机场公司", cn["district"])
    border = _org_of("上海虹桥边防检查站", cn["district"])
    reg_airport = services_reg.registration_decide(
        services_reg.registration_submit(
            region=jichang, party_org=airport, resources="特殊党费、党员志愿者", skills="航空服务"
        ),
        approve=True,
    )
    reg_border = services_reg.registration_decide(
        services_reg.registration_submit(
            region=jichang, party_org=border, resources="英语、科普讲师", skills="青少年辅导"
        ),
        approve=True,
    )
    dues = services.item_create(
        region=jichang,
        kind=Kind.PROJECT,
        title="“七一”特殊党费：慰问 17 户贫困党员家庭",
        description="社区公益项目认领平台发布，联盟单位认领",
        beneficiary_count=17,
        estimated_value="17000",
        wanted_by=soon,
        publish_now=True,
    )
    claim = services.claim_create(dues, registration=reg_airport, promised_by=soon)
    services_delivery.claim_confirm(
        services_delivery.claim_deliver(
            claim,
            delivered_value="17000",
            value_kind=ValueKind.MONEY,
            people_helped=17,
            note="为 17 户贫困党员家庭捐赠特殊党费 1.7 万元",
        )
    )
    lectures = services.item_create(
        region=jichang,
        kind=Kind.SERVICE,
        title="“虹心”大讲堂：暑期每周为外来民工子女辅导",
        description="英文、科普等内容的辅导讲座，每周一次",
        beneficiary_count=40,
        estimated_value="8000",
        wanted_by=soon,
        capacity=2,
        publish_now=True,
    )
    lecture = services.claim_create(lectures, registration=reg_border, promised_by=soon)
    services_delivery.progress_report(
        lecture, text_="已开讲 4 次，每次 30 余名孩子参加", percent=40
    )

    hongchu: Region = cn["hongchu"]
    member: Member = cn["hongchu_member"]
    reg_member = services_reg.registration_decide(
        services_reg.registration_submit(region=hongchu, member=member, skills="理发、修理家电"),
        approve=True,
    )
    reg_joint = services_reg.registration_decide(
        services_reg.registration_submit(
            region=hongchu, party_org=cn["joint"], resources="楼宇会议室、青年志愿者"
        ),
        approve=True,
    )
    # 帮扶对子: the building's joint branch helps an elderly resident of 虹储 (demo_dongyin
    # reads the household in full, as demo_hongchu does; demo_street sees it masked)
    joint_pair = services_pairs.pair_create(
        registration=reg_joint,
        household_name=ctx.people.name(),
        people=2,
        consent=True,
        started_on=today - dt.timedelta(days=90),
        household_note="高龄独居，行动不便",
    )
    for days, note, value in (
        (80, "上门看望，送米面油", "300"),
        (50, "陪同就医", "0"),
        (20, "修缮房屋", "1200"),
    ):
        services_pairs.pair_visit_log(
            joint_pair, visited_on=today - dt.timedelta(days=days), note=note, value=value
        )
    # a second resident member asks to register: the secretary's to-do
    services_reg.registration_submit(region=hongchu, member=cn["hongchu_members"][1], skills="书法")
    wishes = [
        ("为独居的王阿姨配一辆轮椅", 1, "1200"),
        ("给行动不便的李老伯装一个扶手", 1, "600"),
        ("为社区儿童之家添置一批图书", 25, "2000"),
    ]
    items = [
        services.item_create(
            region=hongchu,
            kind=Kind.WISH,
            title=t,
            beneficiary_count=n,
            estimated_value=v,
            wanted_by=soon,
            publish_now=True,
        )
        for t, n, v in wishes
    ]
    services.item_create(
        region=hongchu,
        kind=Kind.PROBLEM,
        title="虹储小区垃圾箱房改造",
        description="箱房老旧、异味大，需共建单位出资出力改造",
        beneficiary_count=600,
        estimated_value="50000",
        wanted_by=today + dt.timedelta(days=90),
        publish_now=True,
    )
    services.item_create(
        region=hongchu,
        kind=Kind.SERVICE,
        title="周末为高龄老人上门理发",
        beneficiary_count=30,
        estimated_value="1500",
        wanted_by=soon,
        capacity=5,
        publish_now=True,
    )
    books = services.claim_create(items[2], registration=reg_joint, promised_by=soon)
    services_delivery.claim_deliver(
        books,
        delivered_value="2300",
        value_kind=ValueKind.GOODS,
        people_helped=25,
        note="捐赠图书 180 册",
    )
    services.item_create(
        region=hongchu,
        kind=Kind.WISH,
        title="为困难家庭孩子添一台学习电脑（草稿）",
        beneficiary_count=1,
        estimated_value="3000",
        wanted_by=soon,
    )
    ctx.objects["projects.hongchu_member_reg"] = reg_member
    return {"items": Item.objects.filter(district_id=cn["district"].pk).count()}


# ---------------------------------------------------------------- 烟台开发区, bulk rows


def _enterprise(ctx: DemoContext, community: Region, name: str, kind: str) -> PartyOrg:
    code = ctx.objects["yantai"]["id_region_code"]
    unit = unit_create(
        region=community,
        name=name,
        kind=kind,
        credit_code=ctx.people.credit_code(code, "12" if kind == UnitKind.INSTITUTION else "91"),
        industry="医疗卫生" if "医院" in name else "综合",
        employees=ctx.people.rng.randint(30, 900),
    )
    ctx.counts["units"] += 1
    ctx.counts["party_orgs"] += 1
    return party_org_create(
        region=community,
        name=f"{name}党支部",
        level=PartyOrg.Level.BRANCH,
        formation=PartyOrg.Formation.SINGLE,
        org_type=PartyOrg.OrgType.INDEPENDENT,
        covered_units=[unit],
        secretary_name=ctx.people.name(),
    )


def _yantai(ctx: DemoContext) -> dict[str, int]:
    rng = random.Random(3556)  # noqa: S311 - demo data
    yt = ctx.objects["yantai"]
    communities: list[Region] = yt["communities"]
    today = timezone.localdate()
    year_start = min(dt.date(today.year, 1, 2), today)
    names = [f"烟台{a}{b}{t}" for a in _WORDS[::2] for b in _WORDS[1::2] for t in _TRADES]
    rng.shuffle(names)
    haixin = communities[0]
    orgs: list[tuple[PartyOrg, Region]] = []
    for i in range(HAIXIN_UNITS):
        name = HAIXIN_NAMED[i] if i < len(HAIXIN_NAMED) else names.pop()
        kind = UnitKind.INSTITUTION if name.endswith("医院") else UnitKind.PRIVATE_ENTERPRISE
        orgs.append((_enterprise(ctx, haixin, name, kind), haixin))
    for n in range(40):
        community = communities[1 + n % (len(communities) - 1)]
        orgs.append(
            (_enterprise(ctx, community, names.pop(), UnitKind.PRIVATE_ENTERPRISE), community)
        )
    now = timezone.now()
    regs = Registration.objects.bulk_create(
        [
            Registration(
                party_org=org,
                region=community,
                status=RegStatus.APPROVED,
                resources="资金、物资、专业服务",
                decided_at=now,
                **community.ancestor_ids(),
            )
            for org, community in orgs
        ]
    )
    reg_of = {r.party_org_id: r for r in regs}

    items: list[Item] = []
    # (item index, claimants, value per claim or None for the brand's spread, people)
    plan: list[tuple[int, list[PartyOrg], Decimal | None, int]] = []

    def item(
        community: Region, kind: str, title: str, capacity: int, programme: str, people: int
    ) -> int:
        items.append(
            Item(
                region=community,
                kind=kind,
                title=title,
                programme=programme,
                beneficiary_count=people,
                capacity=capacity,
                claimed_count=capacity,
                status=ItemStatus.CONFIRMED,
                people_helped=people,
                estimated_value=0,
                published_at=_moment(rng, year_start, today),
                **community.ancestor_ids(),
            )
        )
        return len(items) - 1

    # 益路同行: 123 people, each paired with one or both units registered in their
    # community (two per community): 206 pairs
    doubles = YILU_PAIRS - YILU_PEOPLE
    by_community: dict[int, list[PartyOrg]] = {}
    for org, community in orgs[HAIXIN_UNITS:]:
        by_community.setdefault(community.pk, []).append(org)
    spots = [c for c in communities if len(by_community.get(c.pk, ())) >= 2]
    for n in range(YILU_PEOPLE):
        community = spots[n % len(spots)]
        pair = by_community[community.pk]
        capacity = 2 if n < doubles else 1
        idx = item(
            community,
            Kind.PROJECT,
            f"点对点帮扶：{PEOPLE_KINDS[n % len(PEOPLE_KINDS)]}{n + 1:03d}",
            capacity,
            YILU,
            1,
        )
        plan.append((idx, pair[:capacity] if n % 2 == 0 else pair[::-1][:capacity], None, 1))
    # "1+1": units solve hard problems one at a time, each confirmed before the next
    for n in range(PROBLEMS_SOLVED):
        org, community = orgs[n % len(orgs)]
        idx = item(
            community,
            Kind.PROBLEM,
            PROBLEM_TITLES[n % len(PROBLEM_TITLES)],
            1,
            "",
            rng.randint(20, 400),
        )
        plan.append((idx, [org], Decimal(rng.randint(2, 30) * 1000), items[idx].people_helped))
    Item.objects.bulk_create(items)

    yilu_claims = sum(len(c) for i, c, v, p in plan if items[i].programme == YILU)
    amounts = iter(_spread(YILU_VALUE, yilu_claims, rng))
    claims: list[Claim] = []
    for idx, claimants, value, people in plan:
        it = items[idx]
        for org in claimants:
            reg = reg_of[org.pk]
            confirmed = _moment(rng, it.published_at.date(), today)  # type: ignore[union-attr]
            claims.append(
                Claim(
                    item=it,
                    registration=reg,
                    party_org=org,
                    kind=it.kind,
                    status=ClaimStatus.CONFIRMED,
                    promised_by=confirmed.date() + dt.timedelta(days=rng.randint(0, 20)),
                    percent=100,
                    delivered_value=next(amounts) if value is None else value,
                    value_kind=ValueKind.MONEY if rng.random() < 0.5 else ValueKind.GOODS,
                    people_helped=people,
                    delivered_at=confirmed - dt.timedelta(days=1),
                    confirmed_at=confirmed,
                    on_time=rng.random() < 0.93,
                    district_id=it.district_id,
                    street_id=it.street_id,
                    community_id=it.community_id,
                )
            )
    Claim.objects.bulk_create(claims)
    for it in items:
        it.confirmed_at = max(c.confirmed_at for c in claims if c.item is it)  # type: ignore[type-var]
        it.helped_at = min(c.confirmed_at for c in claims if c.item is it)  # type: ignore[type-var]
    Item.objects.bulk_update(items, ["confirmed_at", "helped_at"])
    # rows written around the services: their figures join the report's tallies here
    services_tally.tally_add_rows(it.pk for it in items)
    ItemEvent.objects.bulk_create(
        [
            ItemEvent(item=it, action="publish", from_status="draft", to_status="published")
            for it in items
        ]
        + [
            ItemEvent(
                item=c.item,
                claim=c,
                action="confirm",
                from_status="delivered",
                to_status="confirmed",
            )
            for c in claims
        ]
    )
    pairs = _haixin_pairs(ctx, rng, [reg_of[o.pk] for o, _ in orgs[:HAIXIN_HELPERS]], year_start)
    return {
        "items": len(items),
        "claims": len(claims),
        "registrations": len(regs),
        "pairs": pairs,
    }


def _haixin_pairs(
    ctx: DemoContext, rng: random.Random, regs: list[Registration], since: dt.date
) -> int:
    """海信社区: 6 of its co-building units each pair with two families in difficulty and
    help them month by month (seed 003's 6 enterprises helping 12 families)."""
    today = timezone.localdate()
    now = timezone.now()
    pairs = Pair.objects.bulk_create(
        [
            Pair(
                registration=regs[n % HAIXIN_HELPERS],
                party_org=regs[n % HAIXIN_HELPERS].party_org,
                region_id=regs[n % HAIXIN_HELPERS].region_id,
                household_name=ctx.people.name(),
                people=rng.randint(2, 5),
                consent_version=services.CONSENT_VERSION,
                consented_at=now,
                started_on=since,
                district_id=regs[0].district_id,
                street_id=regs[0].street_id,
                community_id=regs[0].community_id,
            )
            for n in range(HAIXIN_FAMILIES)
        ]
    )
    visits = []
    for pair in pairs:
        day = since
        while day <= today:
            visits.append(
                PairVisit(
                    pair=pair,
                    visited_on=day,
                    note=rng.choice(("送米面油", "上门看望", "助学金", "代缴医药费", "修缮房屋")),
                    value=Decimal(rng.randint(2, 20) * 100),
                )
            )
            day += dt.timedelta(days=30)
    PairVisit.objects.bulk_create(visits)
    return len(pairs)


def build(ctx: DemoContext) -> None:
    cn = _changning(ctx)
    yt = _yantai(ctx)
    ctx.counts["project_items"] += cn["items"] + yt["items"]
    ctx.counts["project_claims"] += yt["claims"]
    ctx.summaries["projects"] = (
        f"认领项目 {cn['items'] + yt['items']}（烟台开发区确认交付 {yt['claims']} 项，"
        f"“{YILU}”{YILU_PAIRS} 个帮扶对子、{YILU_PEOPLE} 人、{YILU_VALUE / 10000} 万元；"
        f"海信社区 {yt['pairs']} 户结对帮扶）"
    )


def _read_yilu() -> tuple[int, int, Decimal]:
    from lianjian.accounts.models import User
    from lianjian.projects import selectors

    user = User.objects.get(username="demo_yantai")
    start, end = selectors.period({})
    total = selectors.community_report(user, start, end, programme=YILU).total
    return (total.pairs, total.people, total.value)


def _read_haixin() -> tuple[int, int]:
    from lianjian.accounts.models import User
    from lianjian.projects import selectors

    user = User.objects.get(username="demo_yantai")
    start, end = selectors.period({})
    rows = {r.name: r for r in selectors.pairs_report(user, start, end)}
    return (rows["海信社区"].pairs, rows["海信社区"].units)


def _read_problems() -> bool:
    from lianjian.accounts.models import User
    from lianjian.projects import selectors

    user = User.objects.get(username="demo_yantai")
    start, end = selectors.period({})
    return selectors.community_report(user, start, end).total.problems_solved > 110


# seed 003's figures, read back through the reports as demo_yantai sees them
FIGURES = (
    DemoFigure(
        "projects.yilu",
        "益路同行：帮扶对子、帮扶人数、帮扶价值（元）",
        (YILU_PAIRS, YILU_PEOPLE, YILU_VALUE),
        _read_yilu,
    ),
    DemoFigure("projects.haixin", "海信社区：帮扶家庭、结对企业", (12, 6), _read_haixin),
    DemoFigure("projects.problems", "双认领解决难题 110 多个", True, _read_problems),
)
