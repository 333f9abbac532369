"""Demo data of alliances (seeds 000 and 003), written through the services.

- 程家桥街道航空行业党建联盟: the 41 founding units the orgs builder made, a
  charter written for the demo around the five principles and four
  mechanisms, two assemblies of 2018 with proposals, votes, resolutions and
  tasks (some verified, one awaiting verification, one overdue).
- 虹桥街道: joint-meeting bodies at district, street and community level meeting
  every quarter since 2024, one quarter missed, and this quarter not yet
  everywhere (the "not met" card shows); a meeting of the street body today.
- 海信社区 (烟台开发区): co-building agreements with 11 units (seed 003).
Historical rows get their historical dates (done, verified) after the
service call that made them: the services stamp today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lianjian.alliances import cadence
from lianjian.alliances.models import Attendance, Body, Meeting, Resolution, Task, TaskProgress
from lianjian.alliances.models.alliances import Position
from lianjian.alliances.services import agreements as agreement_services
from lianjian.alliances.services import alliances as alliance_services
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services import proposals as proposal_services
from lianjian.alliances.services import tasks as task_services
from lianjian.core.demo import DemoContext
from lianjian.orgs.models import PartyOrg, Unit, UnitKind
from lianjian.orgs.services import unit_create

AVIATION_FOUNDED = dt.date(2017, 12, 28)
AVIATION_FOUNDING_UNITS = 41
HAIXIN_AGREEMENTS = 11

CHARTER = """第一章 总则
第一条 本联盟由程家桥街道党工委牵头，辖区航空行业主管部门、机场、航空公司及配套服务企业党组织自愿组成。
第二条 联盟坚持“党建共建、资源共享、决策共商、合作共赢、服务共推”五项原则。
第二章 工作机制
第三条 联盟实行会议活动制度、建议议案制度、双向交流机制和民主协商机制。
第四条 联盟大会每半年召开一次，由牵头单位召集；成员单位过半数到会方可表决，议案经到会单位过半数赞成即为通过。
第五条 成员单位党组织均可提出建议议案，经联盟大会讨论形成决议，由成员单位共同遵守、分工落实。
第三章 成员单位
第六条 成员单位享有提出议案、参加表决、共享资源的权利，承担执行决议、报告落实情况的义务。"""

# (title, proposing unit index, category, held at assembly 0/1, task rows, outcome)
# task rows: (title, assignee unit index, due, state: verified / done / open)
AVIATION_PROPOSALS: tuple[tuple[str, int, str, int, tuple[tuple[str, int, dt.date, str], ...], str], ...] = (
    ("航空企业职工参与垃圾分类排班", 1, "governance", 0, (
        ("按轮班制定居住小区垃圾分类排班表", 1, dt.date(2018, 6, 30), "verified"),
        ("组织团员青年开展垃圾分类宣传", 2, dt.date(2018, 7, 31), "verified"),
    ), "adopted"),
    ("党员先锋行 护航进博志愿服务", 0, "service", 1, (
        ("在T1航站楼设立党团员志愿服务站", 0, dt.date(2018, 10, 31), "verified"),
        ("企业服务站开展进博会专业观众登记咨询", 8, dt.date(2018, 10, 31), "done"),
        ("为机场新村外来民工子女开设暑期辅导", 7, dt.date(2018, 12, 31), "open"),
    ), "adopted"),
    ("组织航空服务业上下游沙龙", 3, "economy", 1, (), "deferred"),
)  # fmt: skip

HAIXIN_UNITS = (
    ("昆仑山医院", UnitKind.INSTITUTION),
    ("华安国际酒店", UnitKind.PRIVATE_ENTERPRISE),
    ("海信电子科技有限公司", UnitKind.PRIVATE_ENTERPRISE),
    ("长江路小学", UnitKind.INSTITUTION),
    ("开发区供电服务站", UnitKind.STATE_ENTERPRISE),
    ("海滨物业管理有限公司", UnitKind.PRIVATE_ENTERPRISE),
    ("金沙饭店", UnitKind.INDIVIDUAL_BUSINESS),
    ("惠民饭店", UnitKind.INDIVIDUAL_BUSINESS),
    ("新城机械制造有限公司", UnitKind.PRIVATE_ENTERPRISE),
    ("开发区邮政支局", UnitKind.STATE_ENTERPRISE),
    ("蓝海食品有限公司", UnitKind.PRIVATE_ENTERPRISE),
)
_COMMITMENTS = (
    ("unit", "service", "结对帮扶辖区困难家庭"),
    ("unit", "resource", "开放会议室供社区党组织活动"),
    ("community", "service", "协助企业开展职工子女入学咨询"),
    ("unit", "project", "认领社区“暖心午餐”送餐项目"),
    ("community", "resource", "开放社区党校课程"),
)


def _at(day: dt.date, hour: int = 14) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 30))


def _hold_with(meeting: Meeting, day: dt.date, units: list[Unit], bulk: bool = False) -> Meeting:
    meeting = meeting_services.meeting_hold(meeting, held_on=day)
    if bulk:
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, unit=u, method=Attendance.Method.STAFF) for u in units]
        )
    else:
        for unit in units:
            meeting_services.attendance_mark(meeting, unit=unit)
    return meeting


def _backdate(task: Task, day: dt.date) -> None:
    Task.objects.filter(pk=task.pk).update(
        done_on=day if task.status != Task.Status.OPEN else None,
        verified_on=day if task.status == Task.Status.VERIFIED else None,
    )
    TaskProgress.objects.filter(task=task).update(at=_at(day, 10))


def _aviation(ctx: DemoContext) -> dict[str, Any]:
    cjq = ctx.objects["changning"]["cjq"]
    units = list(
        Unit.objects.filter(region=cjq, industry__in=["航空运输", "航空服务"]).order_by("pk")
    )[:AVIATION_FOUNDING_UNITS]
    lead = units[0]
    lead_org = PartyOrg.objects.filter(covered_units=lead).first()
    alliance = alliance_services.alliance_create(
        name="程家桥街道航空行业党建联盟",
        level="industry",
        region=cjq,
        founded_on=AVIATION_FOUNDED,
        purpose="加强区域化党建引领、服务区域经济、促进社会治理、惠及社区百姓",
        lead_unit=lead,
        lead_party_org=lead_org,
        charter_text=CHARTER,
    )
    alliance_services.alliance_members_add_many(
        alliance, units[1:3], joined_on=AVIATION_FOUNDED, position=Position.VICE_CHAIR
    )
    alliance_services.alliance_members_add_many(
        alliance, units[3:10], joined_on=AVIATION_FOUNDED, position=Position.COUNCIL
    )
    alliance_services.alliance_members_add_many(alliance, units[10:], joined_on=AVIATION_FOUNDED)
    assembly = alliance.bodies.get()
    days = (dt.date(2018, 3, 20), dt.date(2018, 8, 15))
    meetings = [
        meeting_services.meeting_schedule(
            assembly,
            title=f"2018年{half}联盟大会",
            scheduled_at=_at(day),
            place="虹桥机场T1航站楼会议室",
            agenda=["通报联盟工作", "审议成员单位建议议案"],
        )
        for half, day in zip(("上半年", "下半年"), days, strict=True)
    ]
    proposals = []
    for title, by, category, at, tasks, outcome in AVIATION_PROPOSALS:
        p = proposal_services.proposal_create(
            body=assembly,
            unit=units[by],
            title=title,
            content=f"建议联盟成员单位共同推进“{title}”，明确分工、按期落实。",
            category=category,
        )
        proposal_services.proposal_accept(p)
        proposal_services.proposal_put_on_agenda(p, meeting=meetings[at])
        proposals.append((p, tasks, outcome, at))
    for i, meeting in enumerate(meetings):
        # most founding units attend; a few send apologies
        present = [u for n, u in enumerate(units) if (n + i) % 9 != 4]
        _hold_with(meeting, days[i], present)
        meeting_services.minutes_save(
            meeting, minutes=f"会议通报了联盟工作，审议了成员单位议案。到会单位 {len(present)} 家。"
        )
    for p, tasks, outcome, at in proposals:
        if outcome == "deferred":
            proposal_services.proposal_defer(p)
            continue
        voters = list(meetings[at].attendance.values_list("unit_id", flat=True))
        for n, unit_id in enumerate(voters):
            choice = "abstain" if n % 11 == 5 else "yes"
            proposal_services.vote_cast(p, unit=Unit(pk=unit_id), choice_value=choice)
        proposal_services.proposal_decide(p)
        resolution = Resolution.objects.get(proposal=p)
        made = [
            (
                task_services.task_assign(resolution, title=t, due_on=due, unit=units[who]),
                due,
                state,
            )
            for t, who, due, state in tasks
        ]
        for task, due, state in made:
            if state in ("done", "verified"):
                task_services.task_report(task, percent=60, note="已按分工推进")
                task_services.task_report(task, percent=100, note="已完成，附活动照片", done=True)
            if state == "verified":
                task = task_services.task_verify(task)
            else:
                task.refresh_from_db()
            _backdate(task, due - dt.timedelta(days=10))
        if resolution.tasks.exclude(status=Task.Status.VERIFIED).exists() is False:
            last = max(t[2] for t in tasks) - dt.timedelta(days=10)
            Resolution.objects.filter(pk=resolution.pk).update(implemented_on=last)
    for meeting in meetings:
        meeting_services.minutes_approve(meeting)
    alliance_services.charter_adopt(
        alliance,
        text_body=CHARTER
        + "\n第七条 联盟设秘书处于街道党群服务中心，负责议案收集与决议落实的跟踪。",
        adopted_on=days[0],
        meeting=meetings[0],
    )
    ctx.counts["alliances.founding_units"] = len(units)
    return {"alliance": alliance, "assembly": assembly}


def _quarter_day(start: dt.date, offset: int = 40) -> dt.date:
    return start + dt.timedelta(days=offset)


def _hongqiao(ctx: DemoContext) -> dict[str, Any]:
    cn = ctx.objects["changning"]
    today = timezone.localdate()
    hq_units = list(Unit.objects.filter(street=cn["hq"], is_active=True).order_by("pk"))
    joint_units = list(
        Unit.objects.filter(
            coverages__party_org=cn["joint"], coverages__until__isnull=True
        ).order_by("pk")
    )
    hongchu_unit = cn["merchant_unit"]
    hongxian_unit = Unit.objects.filter(region=cn["hongxian"]).first()
    since = dt.date(2024, 1, 1)
    district = alliance_services.body_create(
        name="长宁区区域化党建联席会议", kind=Body.Kind.DISTRICT, region=cn["district"],
        established_on=since,
    )  # fmt: skip
    street = alliance_services.body_create(
        name="虹桥街道区域化党建联席会议", kind=Body.Kind.STREET, region=cn["hq"],
        quorum_percent=30, established_on=since,
    )  # fmt: skip
    hongchu = alliance_services.body_create(
        name="虹储居民区联席会议", kind=Body.Kind.COMMUNITY, region=cn["hongchu"],
        established_on=since,
    )  # fmt: skip
    hongxian = alliance_services.body_create(
        name="虹仙居民区联席会议", kind=Body.Kind.COMMUNITY, region=cn["hongxian"],
        established_on=since,
    )  # fmt: skip
    members = {
        district: hq_units[:6],
        street: [
            hongchu_unit,
            *joint_units[:6],
            *[u for u in hq_units if u not in joint_units][:3],
        ],
        hongchu: [hongchu_unit, *joint_units[:2]],
        hongxian: [u for u in (hongxian_unit, *joint_units[2:4]) if u is not None],
    }
    for body, units in members.items():
        alliance_services.body_members_add_many(body, list(dict.fromkeys(units)), joined_on=since)
    current = cadence.period_start(today)
    missed = (hongxian, dt.date(2025, 7, 1))
    for body, units in members.items():
        units = list(dict.fromkeys(units))
        for start in cadence.periods(since, today):
            day = _quarter_day(start)
            if (body, start) == missed:
                continue
            if start == current and (body in (hongxian, street) or day > today):
                continue
            m = meeting_services.meeting_schedule(
                body, title=f"{cadence.period_label(start)}联席会议", scheduled_at=_at(day),
                place="虹桥街道党群服务中心",
            )  # fmt: skip
            present = [u for n, u in enumerate(units) if (n + start.month) % 7 != 3]
            _hold_with(m, day, present, bulk=True)
            Meeting.objects.filter(pk=m.pk).update(
                minutes="通报本季度区域化党建工作，协商辖区治理事项。",
                status=Meeting.Status.APPROVED,
            )
    today_meeting = meeting_services.meeting_schedule(
        street,
        title=f"{cadence.period_label(current)}联席会议",
        scheduled_at=timezone.localtime().replace(hour=14, minute=30, second=0, microsecond=0),
        place="虹桥街道党群服务中心",
        agenda=["通报本季度需求办理情况"],
    )
    # proposals of the building's units: one waiting, one accepted from needs
    joint = joint_units[0]
    proposal_services.proposal_create(
        body=street, unit=joint, title="楼宇白领午间党课进楼宇",
        content="建议街道党校每月在东银中心开设一次午间党课。", category="party",
    )  # fmt: skip
    from lianjian.needs.access import needs_visible_to

    needs = list(needs_visible_to(ctx.objects["users.street"]).order_by("pk")[:2])
    p = proposal_services.proposal_create(
        body=street, unit=hongchu_unit, title="居民区停车难协调共享车位",
        content="民意征求窗口收集的停车意见，建议协调楼宇夜间开放车位。",
        category="governance", needs=needs,
    )  # fmt: skip
    proposal_services.proposal_accept(p)
    return {"street_body": street, "today_meeting": today_meeting}


def _haixin(ctx: DemoContext) -> int:
    yt = ctx.objects["yantai"]
    community, org = yt["communities"][0], yt["community_orgs"][0]
    today = timezone.localdate()
    made = 0
    for i, (name, kind) in enumerate(HAIXIN_UNITS):
        unit = unit_create(
            region=community,
            name=name,
            kind=kind,
            credit_code=ctx.people.credit_code("370600", "12" if kind == "institution" else "91"),
            industry="共建单位",
        )
        signed = dt.date(2018 + i % 2, 3 + i % 9, 10)
        ends = dt.date(signed.year + 3, signed.month, signed.day)
        agreement = agreement_services.agreement_sign(
            region=community,
            party_org=org,
            unit=unit,
            title=f"海信社区与{name}共驻共建协议书",
            signed_on=signed,
            starts_on=signed,
            ends_on=ends,
            items=[_COMMITMENTS[(i + k) % len(_COMMITMENTS)] for k in range(3)],
        )
        # renewed agreements run on; one ends within two months (renewal reminder)
        renewed = today + dt.timedelta(days=40) if i == 0 else dt.date(2027, 12, 31)
        agreement_services.agreement_renew(agreement, ends_on=renewed)
        made += 1
    ctx.counts["alliances.haixin_agreements"] = made
    return made


def build(ctx: DemoContext) -> None:
    aviation = _aviation(ctx)
    hongqiao = _hongqiao(ctx)
    agreements = _haixin(ctx)
    ctx.objects["alliances"] = {**aviation, **hongqiao}
    ctx.summaries["alliances"] = (
        f"航空行业党建联盟首批成员单位 {ctx.counts['alliances.founding_units']} 家，"
        f"虹桥街道联席会议 4 个，海信社区共建协议 {agreements} 份"
    )
