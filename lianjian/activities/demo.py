"""Seeds 000–002 for activities: 虹储居民区's 31 volunteer teams and 800 volunteers, events of
2024–2025 with attendance and verified hours, 27 joint Party days of 虹储居民区党总支 and
东银中心楼宇联合党支部 led by the cross-appointed cadres of the visits demo, the 程家桥
aviation alliance's 七夕 空中鹊桥会 and 护航进博 actions, 机场新村's garbage-sorting duty
team, and the community Party school's two lectures open to every alliance unit.

Events go through `services.event_create` (so they are real, audited rows); the bulk rows
(volunteers, memberships, attendance, hours) are written with `bulk_create` with the same
scope ids the services copy, so the whole demo stays quick. The figures are read back
through `selectors.community_report` and `selectors.joint_party_days` as the demo logins.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, cast

from django.utils import timezone

from lianjian.activities import selectors, services
from lianjian.activities.models import (
    CONSENT_VERSION,
    Attendance,
    Audience,
    Event,
    HoursRecord,
    Kind,
    Signup,
    Team,
    TeamMembership,
    Volunteer,
)
from lianjian.activities.services.common import copy_scope, duration_hours
from lianjian.core.demo import DemoContext, DemoFigure
from lianjian.orgs.models import PartyOrg, Region
from lianjian.visits.models import Cadre

if TYPE_CHECKING:
    from lianjian.accounts.models import User
    from lianjian.activities.selectors import CommunityRow


TEAMS = 31  # seed 001: 31 volunteer teams in 虹储居民区
VOLUNTEERS = 800  # seed 001: 800 volunteers of about 3,000 residents
JOINT_PARTY_DAYS = 27  # seed 001: 27 collective Party days through cross-appointment
TEAM_NAMES = [
    "睦邻守望", "助老陪护", "垃圾分类", "平安巡逻", "文明交通", "环境美化", "法律咨询",
    "健康义诊", "理发服务", "家电维修", "四点半课堂", "读书会", "文艺宣传", "心理疏导",
    "帮困结对", "楼道自治", "绿化养护", "防疫宣传", "禁毒宣传", "消防安全", "为老助餐",
    "党员先锋", "青年突击", "巾帼", "银发先锋", "双语服务", "非机动车整治", "小区议事",
    "志愿翻译", "社区摄影", "爱心编织",
]  # fmt: skip
SERVICE_TITLES = ["社区环境整治", "敬老院慰问", "楼道清洁", "义诊咨询", "平安巡逻", "助老送餐"]
LECTURES = (
    ("原区委书记李仁杰“我的入党70年”党课报告", dt.date(2024, 6, 28)),
    ("市委党校周东华教授“社会基层治理”专题报告", dt.date(2024, 9, 20)),
)


E_LESSON = (
    "党章总纲指出，中国共产党始终代表中国最广大人民的根本利益。\n"
    "本课用五分钟回顾“全心全意为人民服务”的由来，并请大家想一想：\n"
    "在楼宇、园区和社区里，我们的支部能为群众办成哪一件实事？"
)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _volunteers(ctx: DemoContext, hongchu: Region) -> list[Volunteer]:
    """799 residents registered on paper, plus the member login's own profile."""
    cn = ctx.objects["changning"]
    rng = random.Random(16)  # noqa: S311 - reproducible demo data, not security
    scope = hongchu.ancestor_ids()
    rows = [
        Volunteer(
            name=ctx.people.name(),
            region=hongchu,
            consent_version=CONSENT_VERSION,
            consent_at=_at(dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 700)), 10),
            qr_token=secrets.token_hex(16),
            **scope,
        )
        for _ in range(VOLUNTEERS - 1)
    ]
    Volunteer.objects.bulk_create(rows, batch_size=500)
    user = cast("User", ctx.objects.get("users.member"))  # the accounts are built first
    member = cn["hongchu_member"]
    own = services.volunteer_join(
        user=user, region=hongchu, name=member.name, member=member, skills="助老", consent=True
    )
    return [*Volunteer.objects.filter(community_id=hongchu.pk).exclude(pk=own.pk), own]


def _teams(hongchu: Region, org: PartyOrg, volunteers: list[Volunteer]) -> list[Team]:
    rng = random.Random(31)  # noqa: S311 - reproducible demo data, not security
    teams = [
        Team(
            name=f"虹储{name}志愿服务队",
            region=hongchu,
            party_org=org,
            leader=volunteers[i],
            **hongchu.ancestor_ids(),
        )
        for i, name in enumerate(TEAM_NAMES[:TEAMS])
    ]
    Team.objects.bulk_create(teams)
    members = []
    for i, v in enumerate(volunteers):
        first = teams[i % TEAMS]  # every volunteer serves in a team; some in two
        chosen = {first.pk}
        if rng.random() < 0.3:
            chosen.add(teams[rng.randrange(TEAMS)].pk)
        joined = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
        members += [TeamMembership(team_id=t, volunteer=v, joined_on=joined) for t in chosen]
    TeamMembership.objects.bulk_create(members, batch_size=1000)
    return teams


def _attend(
    events: list[Event],
    pick: Callable[[Event], list[Volunteer]],
    verifier: User | None,
    rng: random.Random,
) -> int:
    """Sign-ups, attendance and verified hours for held events, in bulk."""
    signups, attendance = [], []
    for event in events:
        for v in pick(event):
            signups.append(
                Signup(event=event, volunteer=v, status="confirmed", **copy_scope(event))
            )
            attendance.append(
                Attendance(
                    event=event,
                    volunteer=v,
                    method=rng.choice(["qr", "qr", "qr", "scan"]),
                    at=event.starts_at + dt.timedelta(minutes=rng.randint(-20, 10)),
                    **copy_scope(event),
                )
            )
    Signup.objects.bulk_create(signups, batch_size=1000)
    Attendance.objects.bulk_create(attendance, batch_size=1000)
    for event in events:
        Event.objects.filter(pk=event.pk).update(
            taken=sum(1 for s in signups if s.event is event), status=Event.Status.DONE
        )
    hours = [
        HoursRecord(
            volunteer=a.volunteer,
            attendance=a,
            event=a.event,
            team=a.event.organizer_team,
            on=timezone.localdate(a.event.starts_at),
            hours=duration_hours(a.event.starts_at, a.event.ends_at),
            description=a.event.title[:200],
            status=HoursRecord.Status.VERIFIED,
            verified_by=verifier,
            verified_at=a.event.ends_at + dt.timedelta(days=1),
            **copy_scope(a.volunteer),
        )
        for a in attendance
    ]
    HoursRecord.objects.bulk_create(hours, batch_size=1000)
    return len(attendance)


def _event(ctx: DemoContext, day: dt.date, hour: int, length: int, **kw: Any) -> Event:
    # `kw`: the rest of `event_create`'s arguments, passed through
    start = _at(day, hour)
    return services.event_create(
        actor=None, starts_at=start, ends_at=start + dt.timedelta(hours=length), publish=True, **kw
    )


def _hongchu(ctx: DemoContext) -> dict[str, int]:
    cn = ctx.objects["changning"]
    hongchu, org, joint = cn["hongchu"], cn["hongchu_org"], cn["joint"]
    rng = random.Random(2024)  # noqa: S311 - reproducible demo data, not security
    volunteers = _volunteers(ctx, hongchu)
    teams = _teams(hongchu, org, volunteers)
    by_team: dict[int, list[Volunteer]] = {}
    for m in TeamMembership.objects.filter(team__in=teams).select_related("volunteer"):
        by_team.setdefault(m.team_id, []).append(m.volunteer)
    held = []
    day = dt.date(2024, 1, 6)
    n = 0
    while day < dt.date(2025, 12, 1):  # a service event every ten days, a team in turn
        team = teams[n % TEAMS]
        held.append(
            _event(
                ctx, day, 9, 3, kind=Kind.SERVICE, title=f"{team.name}·{rng.choice(SERVICE_TITLES)}",
                region=hongchu, organizer_team=team, audience=Audience.TEAM, capacity=30,
            )
        )  # fmt: skip
        day += dt.timedelta(days=10)
        n += 1
    verifier = ctx.objects.get("users.hongchu")

    def crew(event: Event) -> list[Volunteer]:
        pool = by_team[event.organizer_team_id or 0]
        return rng.sample(pool, min(15, len(pool)))

    attended = _attend(held, crew, verifier, rng)
    # 27 joint Party days of the two organizations the cross-appointed cadres serve
    cadres: list[Cadre | None] = [
        *Cadre.objects.filter(posts__party_org=org).filter(posts__party_org=joint).distinct()
    ] or [None]
    party_days = []
    for i in range(JOINT_PARTY_DAYS):
        month = dt.date(2024, 1, 15) + dt.timedelta(days=int(i * 25.5))
        party_days.append(
            _event(
                ctx, month, 14, 2, kind=Kind.PARTY_DAY, title=f"虹储—东银联组主题党日（第{i + 1}次）",
                region=hongchu, organizer_org=org, joint_orgs=[joint], audience=Audience.ORGS,
                cadre=cadres[i % len(cadres)], place="虹储居民区党群服务站",
            )
        )  # fmt: skip
    party_members = [v for v in volunteers if v.member_id] or volunteers[:1]
    attended += _attend(party_days, lambda e: party_members + volunteers[:20], verifier, rng)
    # what the member login sees today: an open event with places, one tomorrow with a waiting list
    today = timezone.localdate()
    _event(
        ctx, today + dt.timedelta(days=3), 9, 2, kind=Kind.SERVICE, title="虹储居民区楼道清洁志愿服务",
        region=hongchu, organizer_org=org, audience=Audience.COMMUNITY, capacity=20,
        place="虹储小区 3 号楼",
    )  # fmt: skip
    _event(
        ctx, today + dt.timedelta(days=10), 19, 2, kind=Kind.SPORTS, title="虹储社区乒乓球友谊赛",
        region=hongchu, organizer_org=org, audience=Audience.COMMUNITY, capacity=16,
    )  # fmt: skip
    return {"teams": len(teams), "volunteers": len(volunteers), "attendance": attended}


def _alliance_and_school(ctx: DemoContext) -> int:
    """The aviation alliance's actions, 机场新村's garbage-sorting roster, venues, the Party school."""
    cn = ctx.objects["changning"]
    alliance = ctx.objects.get("alliances", {}).get("alliance")
    made = 0
    if alliance is not None:
        for day, kind, title in (
            (dt.date(2025, 8, 29), Kind.MATCHMAKING, "七夕“空中鹊桥会”青年联谊活动"),
            (dt.date(2024, 7, 1), Kind.PARTY_DAY, "“党员先锋行，护航进博会”主题党日"),
            (dt.date(2024, 8, 1), Kind.SERVICE, "“护航进博”垃圾分类志愿服务行动"),
            (dt.date(2024, 8, 8), Kind.SERVICE, "“护航进博”交通文明志愿服务行动"),
        ):
            _event(
                ctx, day, 14, 3, kind=kind, title=title, region=cn["cjq"],
                organizer_alliance=alliance, audience=Audience.ALLIANCE, capacity=200,
            )  # fmt: skip
            made += 1
    jichang = Region.objects.filter(name="机场新村居民区", street_ref=cn["cjq"]).first()
    if jichang is not None:
        team = services.team_create(
            actor=None, region=jichang, name="机场新村垃圾分类志愿服务队", skills="垃圾分类值守"
        )
        # seed 000: aviation staff cannot sort at the fixed hours, so they take slots
        # around their shifts; this week and next, mornings and evenings, two stations
        today = timezone.localdate()
        roster = services.roster_create(
            actor=None, name="机场新村垃圾分类定时定点值守排班表", region=jichang, team=team,
            posts=["1号垃圾厢房", "2号垃圾厢房"],
            days=[today + dt.timedelta(days=n) for n in range(14)],
            times=[(dt.time(7, 0), dt.time(9, 0)), (dt.time(18, 0), dt.time(20, 0))],
            capacity=2, description="航空企业职工可按航班排班认领早晚时段",
        )  # fmt: skip
        made += roster.slots.count()
    # two bookable venues (seed 000: shared Party-school and activity spaces)
    committee = cn["committee"]
    for name, region, owner, address, capacity in (
        ("虹桥街道社区党校报告厅", cn["hq"], committee, "虹桥街道党群服务中心 3 楼", 120),
        ("虹储居民区党群服务站活动室", cn["hongchu"], cn["hongchu_org"], "虹储小区 1 号楼底层", 30),
    ):
        venue = services.venue_create(
            actor=None, name=name, region=region, owner_org=owner, address=address,
            capacity=capacity, opens_at=dt.time(8, 30), closes_at=dt.time(21, 0),
        )  # fmt: skip
        start = _at(timezone.localdate() + dt.timedelta(days=2), 14)
        booking = services.booking_request(
            venue, actor=None, starts_at=start, ends_at=start + dt.timedelta(hours=2),
            purpose="联盟成员单位支部联学", attendees=min(capacity, 25),
        )  # fmt: skip
        services.booking_decide(booking, actor=None, approve=True)
    # the community Party school, open to every alliance unit: seed 000's two lectures and
    # seed 002's 5-minute e-lesson (携程党委“5分钟电子党课”)
    course = services.course_create(
        actor=None, title="虹桥街道社区党校·联盟成员单位专题课程", organizer_org=cn["committee"],
        description="社区党校资源向联盟成员单位开放，党员不出社区门就能分享党员教育资源",
    )  # fmt: skip
    for title, day in LECTURES:
        teacher = "李仁杰" if "李仁杰" in title else "周东华"
        lesson = services.lecture_add(
            course, actor=None, title=title, teacher=teacher, starts_at=_at(day, 14),
            minutes=120, place="虹桥街道社区党校报告厅",
        )  # fmt: skip
        Event.objects.filter(lesson=lesson).update(status=Event.Status.DONE)
        made += 1
    services.e_lesson_add(
        course, actor=None, title="5分钟电子党课：党章里的“为人民服务”", teacher="社区党校",
        minutes=5, body=E_LESSON,
    )  # fmt: skip
    made += 1
    return made


def _report_of(username: str) -> list[CommunityRow]:
    from lianjian.accounts.models import User

    return selectors.community_report(User.objects.get(username=username))


def _hongchu_row(key: Literal["teams", "volunteers"]) -> Callable[[], int]:
    def read() -> int:
        rows = [r for r in _report_of("demo_hongchu") if r["community"] == "虹储居民区"]
        return rows[0][key] if rows else 0

    return read


def _joint_days() -> int:
    from lianjian.accounts.models import User

    user = User.objects.get(username="demo_street")
    return selectors.joint_party_days(user).filter(cadre__isnull=False).count()


FIGURES = (
    DemoFigure("activities.teams", "虹储居民区志愿服务队", TEAMS, _hongchu_row("teams")),
    DemoFigure("activities.volunteers", "虹储居民区志愿者", VOLUNTEERS, _hongchu_row("volunteers")),
    DemoFigure(
        "activities.joint_party_days", "交叉任职联组主题党日", JOINT_PARTY_DAYS, _joint_days
    ),
)


def build(ctx: DemoContext) -> None:
    counts = _hongchu(ctx)
    others = _alliance_and_school(ctx)
    ctx.counts["activities.attendance"] = counts["attendance"]
    ctx.summaries["activities"] = (
        f"虹储居民区志愿服务队 {counts['teams']} 支、志愿者 {counts['volunteers']} 名，"
        f"签到 {counts['attendance']} 人次；联组主题党日 {JOINT_PARTY_DAYS} 次；"
        f"联盟活动、党校讲座与值守班次共 {others} 个"
    )
