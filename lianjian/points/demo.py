"""Demo data of points (seed 003, 烟台开发区): the red alliance and its cards.

On the zone `orgs` built (`ctx.objects["yantai"]`): each street's scheme and rules,
132 red-alliance merchants (个体工商户 and small enterprises) each with a 发展协议
with all 21 community Party committees, and 700 members who joined the programme
with a year of ledger entries made by the rules (主题党日 attendance, verified
service hours, lessons, delivered claims). Each community then certifies last year
through `services_cards.certify`, which issues the cards: 125 gold and 514 silver
come out of the rows and the thresholds, never from a counter.

`demo_merchant` keeps the first of the shops and `demo_card` (a member of 海信社区)
holds a gold card, so the merchant can verify a demo member's card.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from lianjian.core.demo import DemoContext, DemoFigure
from lianjian.core.roles import Role
from lianjian.orgs.models import Member, PartyOrg, Region, Unit, UnitKind
from lianjian.orgs.services import id_number_index
from lianjian.orgs.services_bulk import member_bulk_upsert, unit_bulk_upsert
from lianjian.points import services, services_cards
from lianjian.points.models import Agreement, Balance, Cause, Enrolment, Entry, Merchant, Rule

if TYPE_CHECKING:
    from lianjian.accounts.models import User

GOLD, SILVER, BELOW = 125, 514, 61
MERCHANTS = 132
THEME_DAY = "主题党日"
_SHOPS = (
    "便民超市",
    "药房",
    "餐馆",
    "理发店",
    "洗衣店",
    "书店",
    "水果店",
    "早餐店",
    "眼镜店",
    "五金店",
    "照相馆",
    "茶叶店",
)
_CATEGORY = {
    "便民超市": "retail",
    "药房": "health",
    "餐馆": "catering",
    "早餐店": "catering",
    "书店": "education",
    "水果店": "retail",
}


def _street_rules(street: Region, start: dt.date) -> dict[str, Rule]:
    services.scheme_save(street, actor=None, gold_threshold=100, silver_threshold=50)

    def rule(cause: str, name: str, points: int, **extra: Any) -> Rule:  # more rule fields
        data = {"cause": cause, "name": name, "points": points, "valid_from": start, **extra}
        return services.rule_create(street, actor=None, data=data)

    return {
        "theme": rule(
            Cause.ATTENDANCE,
            "参加主题党日",
            10,
            event_kind=THEME_DAY,
            period_cap=10,
            cap_period="month",
        ),
        "hours": rule(Cause.SERVICE_HOURS, "志愿服务（每小时）", 2, period_cap=60),
        "lesson": rule(Cause.LESSON, "完成微党课学习", 5, period_cap=40),
        "claim": rule(Cause.CLAIM, "认领微心愿并完成", 20, period_cap=60),
    }


def _plan(i: int) -> list[tuple[str, int, int]]:
    """(rule key, month, units) awards of member i: gold ≥ 100, silver 50–99, below < 50."""
    if i < GOLD:
        months = 8 + i % 5  # 80–120 from theme days
        extra = [("lesson", 3, 1), ("lesson", 6, 1), ("claim", 9, 1)]  # +30
        return [("theme", m, 1) for m in range(1, months + 1)] + extra
    if i < GOLD + SILVER:
        months = 4 + i % 4  # 40–70
        return [("theme", m, 1) for m in range(1, months + 1)] + [("hours", 5, 5)]  # +10
    return [("theme", m, 1) for m in range(1, 1 + i % 4)]  # 0–30


def _members(ctx: DemoContext, orgs: list[PartyOrg], count: int, code: str) -> list[Member]:
    people = ctx.people
    rows: list[dict[str, Any]] = []  # the bulk upsert's rows: field values by name
    for i in range(count):
        idn = people.id_number(code)
        rows.append(
            {
                "party_org": orgs[i % len(orgs)],
                "name": people.name(),
                "id_number": idn,
                "mobile": people.mobile(),
                "joined_on": people.joined_on(idn),
            }
        )
    member_bulk_upsert(rows, [], source="演示数据：积分联盟卡")
    ctx.counts["members"] += count
    index = [id_number_index(r["id_number"]) for r in rows]
    found = {m.id_number_index: m for m in Member.objects.filter(id_number_index__in=index)}
    return [found[k] for k in index]


def _ledger(members: list[Member], rules: dict[int, dict[str, Rule]], year: int) -> int:
    """Entries by the rules (bulk), the programme consent and the balances they sum to."""
    now = timezone.now()
    entries: list[Entry] = []
    for i, m in enumerate(members):
        for key, month, units in _plan(i):
            rule = rules[m.street_id][key]  # type: ignore[index]
            on = dt.date(year, month, 10 + i % 15)
            at = dt.datetime.combine(on, dt.time(10), tzinfo=timezone.get_current_timezone())
            entries.append(
                Entry(
                    member=m,
                    points=rule.points * units,
                    cause=rule.cause,
                    cause_id=f"demo-{m.pk}-{key}-{month}",
                    rule=rule,
                    created_at=at,
                    on=on,
                    note=rule.name,
                    district_id=m.district_id,
                    street_id=m.street_id,
                    community_id=m.community_id,
                    area_id=m.area_id,
                )
            )
    Entry.objects.bulk_create(entries, batch_size=2000)
    totals: dict[int, int] = {}
    for e in entries:
        totals[e.member_id] = totals.get(e.member_id, 0) + e.points
    loc = ("district_id", "street_id", "community_id", "area_id")
    Enrolment.objects.bulk_create(
        Enrolment(
            member=m,
            consent_version=services.CONSENT_VERSION,
            consent_at=now,
            **{k: getattr(m, k) for k in loc},
        )
        for m in members
    )
    Balance.objects.bulk_create(
        Balance(member=m, points=totals.get(m.pk, 0), **{k: getattr(m, k) for k in loc})
        for m in members
    )
    return len(entries)


def _merchants(ctx: DemoContext, communities: list[Region], code: str) -> list[Merchant]:
    rows: list[dict[str, Any]] = []  # the bulk upsert's rows: field values by name
    for i in range(MERCHANTS):
        community = communities[i % len(communities)]
        trade = _SHOPS[i % len(_SHOPS)]
        kind = UnitKind.INDIVIDUAL_BUSINESS if i % 4 else UnitKind.PRIVATE_ENTERPRISE
        rows.append(
            {
                "region": community,
                "name": f"{community.name[:-2]}红心{trade}{i + 1}号",
                "kind": kind,
                "address": f"{community.name}{i % 40 + 1}号商铺",
                "credit_code": ctx.people.credit_code(code, "92" if i % 4 else "91"),
                "employees": 3 + i % 30,
            }
        )
    unit_bulk_upsert(rows, [], source="演示数据：红色联盟商户")
    ctx.counts["units"] += len(rows)
    units = {
        u.credit_code: u
        for u in Unit.objects.filter(credit_code__in=[r["credit_code"] for r in rows])
    }
    today = timezone.localdate()
    shops = []
    for i, r in enumerate(rows):
        unit = units[r["credit_code"]]
        trade = _SHOPS[i % len(_SHOPS)]
        shops.append(
            Merchant(
                unit=unit,
                shop_name=unit.name,
                shop_address=unit.address,
                category=_CATEGORY.get(trade, "service"),
                contact_name=ctx.people.name(),
                contact_phone=ctx.people.mobile(),
                joined_on=today - dt.timedelta(days=400 - i),
                district_id=unit.district_id,
                street_id=unit.street_id,
                community_id=unit.community_id,
                area_id=unit.area_id,
            )
        )
    return Merchant.objects.bulk_create(shops)


def _agreements(merchants: list[Merchant], orgs: list[PartyOrg], today: dt.date) -> int:
    rows = []
    for i, m in enumerate(merchants):
        gold = Decimal("8.0") + Decimal(i % 6) / 2  # 8.0–10.0 折… capped below
        gold = min(gold, Decimal("9.0"))
        for org in orgs:
            rows.append(
                Agreement(
                    merchant=m,
                    party_org=org,
                    starts_on=dt.date(today.year - 1, 1, 1),
                    ends_on=dt.date(today.year + 2, 12, 31),
                    gold_discount=gold,
                    silver_discount=gold + Decimal("0.5"),
                    district_id=org.district_id,
                    street_id=org.street_id,
                    community_id=org.community_id,
                )
            )
    Agreement.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _personas(ctx: DemoContext, shop: Merchant, member: Member, community: Region) -> None:
    """`demo_merchant` keeps the first shop; `demo_card` is a gold card holder of 海信社区."""
    shop.keeper = ctx.objects.get("users.merchant")
    shop.save(update_fields=["keeper"])
    user = ctx.add_login(
        "card", "持卡党员演示", Role.MEMBER, f"本人（{community.name}）", region=community
    )
    member.user = user
    member.save(update_fields=["user"])
    ctx.objects["users.card"] = user


def build(ctx: DemoContext) -> None:
    yt = ctx.objects["yantai"]
    communities: list[Region] = yt["communities"]
    orgs: list[PartyOrg] = yt["community_orgs"]
    today = timezone.localdate()
    last = today.year - 1
    rules = {s.pk: _street_rules(s, dt.date(last, 1, 1)) for s in yt["streets"]}
    members = _members(ctx, orgs, GOLD + SILVER + BELOW, yt["id_region_code"])
    # every community's members are certified together: tiers follow the plan's index
    entries = _ledger(members, rules, last)
    gold = silver = 0
    for community in communities:
        cert = services_cards.certify(
            community,
            start=dt.date(last, 1, 1),
            end=dt.date(last, 12, 31),
            label=f"{last}年度",
            actor=None,
        )
        gold, silver = gold + cert.gold, silver + cert.silver
    shops = _merchants(ctx, communities, yt["id_region_code"])
    agreements = _agreements(shops, orgs, today)
    _personas(ctx, shops[0], members[0], communities[0])
    ctx.counts["points_entries"] += entries
    ctx.counts["points_cards"] += gold + silver
    ctx.counts["points_merchants"] += len(shops)
    ctx.objects["points"] = {"merchants": shops}
    ctx.summaries["points"] = (
        f"积分明细 {entries}，金卡 {gold}，银卡 {silver}，联盟商户 {len(shops)}，"
        f"发展协议 {agreements}"
    )


def _yantai_user() -> User:
    from lianjian.accounts.models import User

    return User.objects.get(username="demo_yantai")


def _read_tiers() -> tuple[int, int]:
    from lianjian.points.selectors import tier_totals

    t = tier_totals(_yantai_user())
    return t["gold"], t["silver"]


def _read_merchants() -> bool:
    from lianjian.points.selectors import merchant_report

    return bool(merchant_report(_yantai_user())["merchants"] >= 130)


def _read_communities() -> int:
    from lianjian.points.selectors import merchant_report

    return int(merchant_report(_yantai_user())["communities"])


# seed 003's figures, read back through the reports as demo_yantai sees them
FIGURES = (
    DemoFigure("points.cards", "红色动力双赢卡：金卡、银卡", (GOLD, SILVER), _read_tiers),
    DemoFigure("points.merchants", "红色联盟商户 130 多家", True, _read_merchants),
    DemoFigure("points.communities", "签订发展协议的社区", 21, _read_communities),
)
