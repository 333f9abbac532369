"""Demo configuration for one street: seed 001's categories, departments, routing,
deadlines, the escalation rule and seed 002's 六个便利 service catalogue (`build`,
idempotent: running it twice for a street changes nothing the second time); then
虹桥街道's work orders (`build_work`): seed 001's 216 handled needs, replayed through
the services on the needs clock over the past year, and today's open ones.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from lianjian.core.demo import DemoContext
from lianjian.core.models import Notification
from lianjian.core.roles import Role
from lianjian.needs import services, workdays
from lianjian.needs.models import (
    Category,
    Channel,
    Department,
    Need,
    NeedEvent,
    Rating,
    ServiceItem,
    ServiceStation,
    Status,
    SubmitterKind,
)
from lianjian.needs.services import (
    category_create,
    department_create,
    need_accept,
    need_callback,
    need_close,
    need_dispatch,
    need_rate_by_code,
    need_reply,
    need_submit,
    service_item_create,
    service_station_create,
    street_settings_save,
)
from lianjian.orgs.models import LIANGXIN_KINDS, Region, Unit

# department key suffix, name
DEPARTMENTS = [
    ("service", "社区服务中心"),
    ("civil", "民政科"),
    ("culture", "文体中心"),
    ("assets", "资产管理办公室"),
    ("labour", "就业和社会保障科"),
    ("health", "社区卫生服务中心"),
    ("youth", "团工委"),
]

# seed 001 categories: name, department suffix, reply deadline in working days, keywords
CATEGORIES = [
    ("咨询服务", "service", 3, "咨询 政策 办理 证明 手续"),
    ("慈善关爱", "civil", 5, "困难 帮扶 救助 慈善 捐赠 关爱"),
    ("文体健身", "culture", 5, "活动 健身 球赛 文艺 比赛 运动"),
    ("场地租赁", "assets", 3, "场地 会议室 租赁 借用 场馆"),
    ("培训服务", "labour", 5, "培训 讲座 课程 技能"),
    ("医疗", "health", 3, "体检 医疗 健康 看病 医生"),
    ("白领交友", "youth", 5, "交友 联谊 相亲 单身"),
    ("人员招聘", "labour", 5, "招聘 招工 求职 用工 岗位"),
]

# seed 002 六个便利 with the category each one answers
SIX_CONVENIENCES = [
    ("融资便利", "融资", "咨询服务", "对接银行为园区企业提供融资咨询"),
    ("午餐便利", "午餐", "咨询服务", "楼宇白领午餐供应"),
    ("培训便利", "培训", "培训服务", "职业技能和党务培训"),
    ("法律便利", "法律", "咨询服务", "律师事务所提供法律咨询"),
    ("卫生保健便利", "卫生保健", "医疗", "社区卫生服务中心上门体检"),
    ("沟通交流便利", "沟通交流", "白领交友", "联谊和沟通交流活动"),
]


@dataclass
class NeedsDemo:
    departments: dict[str, Department] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    station: ServiceStation | None = None
    items: list[ServiceItem] = field(default_factory=list)


def department_key(street: Region, suffix: str) -> str:
    return f"s{street.pk}-{suffix}"


def build_needs_demo(street: Region) -> NeedsDemo:
    """Seed the needs configuration and service catalogue of `street`."""
    demo = NeedsDemo()
    for suffix, name in DEPARTMENTS:
        key = department_key(street, suffix)
        dept = Department.objects.filter(key=key).first() or department_create(
            street=street, key=key, name=name
        )
        demo.departments[suffix] = dept
    for name, suffix, days, keywords in CATEGORIES:
        cat = Category.objects.filter(
            street=street, parent=None, name=name
        ).first() or category_create(
            street=street,
            name=name,
            department=demo.departments[suffix],
            deadline_workdays=days,
            keywords=keywords,
        )
        demo.categories[name] = cat
    street_settings_save(
        street,
        fallback_department=demo.departments["service"],
        default_deadline_workdays=5,
        escalate_after_workdays=0,
        remind_before_workdays=1,
    )
    station_name = f"{street.name}党群服务站"
    demo.station = ServiceStation.objects.filter(
        region=street, name=station_name
    ).first() or service_station_create(name=station_name, region=street, address=street.name)
    for name, kind, category, description in SIX_CONVENIENCES:
        item = ServiceItem.objects.filter(station=demo.station, name=name).first()
        if item is None:
            item = service_item_create(
                station=demo.station,
                name=name,
                kind=kind,
                description=description,
                category=demo.categories[category],
            )
        demo.items.append(item)
    return demo


def build(ctx: DemoContext) -> None:
    """The needs configuration of the two Changning demo streets.

    Publishes `ctx.objects["needs.dept_key"]`: the key of 虹桥街道's 民政科, for which
    the demo department handler answers, and `ctx.objects["needs.hq"]`: 虹桥街道's
    configuration (`NeedsDemo`), which the work orders of `build_work` use.
    """
    changning = ctx.objects["changning"]
    ctx.objects["needs.hq"] = build_needs_demo(changning["hq"])
    build_needs_demo(changning["cjq"])
    ctx.objects["needs.dept_key"] = department_key(changning["hq"], "civil")
    ctx.summaries["needs"] = (
        f"需求类别 {len(CATEGORIES)} 个、职能部门 {len(DEPARTMENTS)} 个（虹桥街道、程家桥街道各一套）"
    )


# ---------------------------------------------------------------- work orders (seed 001)

# seed 001: 216 needs handled, in its eight categories
HANDLED_NEEDS = {
    "咨询服务": 48,
    "慈善关爱": 30,
    "文体健身": 32,
    "场地租赁": 26,
    "培训服务": 24,
    "医疗": 20,
    "白领交友": 18,
    "人员招聘": 18,
}
NEED_TEXTS = {
    "咨询服务": (
        "企业想了解人才引进落户政策，需要办理哪些手续",
        "楼宇白领咨询居住证积分办理流程和所需证明",
        "新设立的企业咨询如何组建党组织、党费如何收缴",
        "外资企业咨询员工社保转移接续的手续",
        "企业咨询小微企业房租补贴政策的申请条件",
    ),
    "慈善关爱": (
        "小区有几位独居老人生活困难，希望街道给予帮扶",
        "企业员工家属患重病，家庭困难，希望申请临时救助",
        "楼宇企业想参与社区慈善捐赠，希望对接困难家庭",
        "居民区失业协保人员生活困难，希望获得关爱帮扶",
    ),
    "文体健身": (
        "楼宇白领希望组织羽毛球比赛，需要协调比赛场馆",
        "企业工会想报名参加街道的文艺汇演活动",
        "希望在楼宇开设午间健身操课程",
        "居民希望在小区增设健身器材，方便老人运动",
    ),
    "场地租赁": (
        "企业党支部开展主题党日活动，需要借用会议室",
        "社会组织举办公益讲座，希望借用社区活动场地",
        "楼宇联合党支部召开组织生活会，需要借用场地",
        "企业年会希望租用街道文化活动中心的礼堂",
    ),
    "培训服务": (
        "企业希望为新员工开展职业技能培训",
        "新任党务工作者希望参加党务知识培训课程",
        "企业财务人员希望参加税收政策讲座",
        "社会组织希望获得项目管理方面的培训",
    ),
    "医疗": (
        "楼宇白领希望社区卫生服务中心上门体检",
        "企业员工希望开展颈椎病预防的健康讲座",
        "老人希望签约家庭医生，定期上门看病",
        "企业希望配置急救设备并培训员工使用",
    ),
    "白领交友": (
        "楼宇单身青年希望参加联谊活动，扩大交友圈",
        "企业团委希望与其他楼宇联合举办青年交友活动",
        "白领希望组织读书沙龙，结识更多朋友",
    ),
    "人员招聘": (
        "企业招聘困难，希望对接人才服务机构",
        "企业希望参加街道组织的专场招聘会",
        "企业有残疾人就业岗位，希望发布招聘信息",
        "社区失业人员希望推荐合适的就业岗位",
    ),
}
REPLIES = {
    "咨询服务": "已电话联系提出人，说明办理流程和所需材料，并提供窗口预约方式。",
    "慈善关爱": "已上门走访核实情况，申请临时救助，并对接楼宇爱心企业结对帮扶。",
    "文体健身": "已协调街道文体中心场馆和教练，活动安排已告知联系人。",
    "场地租赁": "已安排党群服务站会议室，使用时间和借用手续已告知联系人。",
    "培训服务": "已纳入本季度培训计划，开课时间和报名方式已通知企业。",
    "医疗": "社区卫生服务中心已安排医生，上门服务时间已与联系人确认。",
    "白领交友": "团工委已将需求纳入楼宇青年联谊活动，报名方式已告知。",
    "人员招聘": "已将岗位推送至就业服务平台，并邀请企业参加下月专场招聘会。",
}
OTHER_CHANNELS = (
    (Channel.HOTLINE, 4),
    (Channel.WINDOW, 3),
    (Channel.ONLINE, 2),
    (Channel.SURVEY, 1),
)
HISTORY_DAYS = 365
# the newest handled need was submitted this long ago: its reply, rating and close fit before today
SETTLED_DAYS = 21
# today's work: (category, how long ago it came in, how far it got)
OPEN_WORK = (
    ("咨询服务", dt.timedelta(hours=3), Status.RECEIVED),
    ("场地租赁", dt.timedelta(hours=20), Status.RECEIVED),
    ("人员招聘", dt.timedelta(hours=5), Status.RECEIVED),
    ("慈善关爱", dt.timedelta(days=2), Status.DISPATCHED),
    ("文体健身", dt.timedelta(days=1), Status.ACCEPTED),
    ("培训服务", dt.timedelta(days=3), Status.ACCEPTED),
    ("医疗", dt.timedelta(hours=26), Status.DISPATCHED),
    # overdue: dispatched weeks ago, still owing a reply
    ("慈善关爱", dt.timedelta(days=25), Status.ACCEPTED),
    ("白领交友", dt.timedelta(days=30), Status.DISPATCHED),
    ("场地租赁", dt.timedelta(days=28), Status.ACCEPTED),
)


@contextmanager
def needs_clock(moment: dt.datetime) -> Iterator[None]:
    """The needs services' clock (`services.clock.now`) set to `moment` while the demo replays.

    Every event, deadline, reply and rating time a service writes comes from that
    clock, so history replayed on it looks as if it happened then; the audit trail
    keeps the real moment the demo wrote it. Only the demo build uses this, in the one
    thread that builds.
    """
    with mock.patch.object(services.clock, "now", lambda: moment):
        yield


def local_moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@dataclass
class _Work:
    """What `build_work` needs: the street, its configuration and the people who act."""

    street: Region
    config: NeedsDemo
    dispatcher: Any
    handlers: dict[int, Any]  # department id -> handler account
    rng: random.Random
    now: dt.datetime
    places: list[Region]
    units: list[Unit]
    phones: Any  # () -> a fresh mobile number
    names: Any  # () -> a fresh person name
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _handler_logins(ctx: DemoContext, street: Region, config: NeedsDemo) -> dict[int, Any]:
    """A handler for every department of the street (民政科's is the base demo login)."""
    handlers = {config.departments["civil"].pk: ctx.objects["users.dept"]}
    for suffix, dept in config.departments.items():
        if dept.pk in handlers:
            continue
        handlers[dept.pk] = ctx.add_login(
            f"dept_{suffix}",
            f"{dept.name}演示",
            Role.DEPT_HANDLER,
            f"{street.name}{dept.name}",
            department_key=dept.key,
        )
    return handlers


def _submit(work: _Work, category: str, at: dt.datetime) -> Need:
    """A need from a channel other than visits, by a unit or a resident of the street."""
    rng = work.rng
    channel = rng.choices([c for c, _ in OTHER_CHANNELS], [w for _, w in OTHER_CHANNELS])[0]
    text = rng.choice(NEED_TEXTS[category])
    with needs_clock(at):
        if rng.random() < 0.6:
            unit = rng.choice(work.units)
            return need_submit(
                channel=channel,
                text=text,
                region=unit.region,
                submitter_kind=SubmitterKind.UNIT,
                submitter_name=unit.name,
                contact_phone=work.phones(),
                unit=unit,
            )
        return need_submit(
            channel=channel,
            text=text,
            region=rng.choice(work.places),
            submitter_kind=SubmitterKind.PERSON,
            submitter_name=work.names(),
            contact_phone=work.phones(),
        )


def _dispatch(work: _Work, need: Need, category: str, at: dt.datetime) -> Need:
    with needs_clock(at):
        return need_dispatch(
            need.pk,
            actor=work.dispatcher,
            category=work.config.categories[category],
            department=None,  # the street's routing rule
            note="按类别派单",
        )


def _office(work: _Work, at: dt.datetime, after: dt.datetime) -> dt.datetime:
    """`at`, or the next moment in office hours (9:00 to 18:00 of a working day): staff
    dispatch, answer and close at work. Never later than the build, never before `after`."""
    local = timezone.localtime(at)
    day, moved = local.date(), local.hour >= 18
    if moved:
        day += dt.timedelta(days=1)
    while not workdays.is_workday(day):
        day += dt.timedelta(days=1)
        moved = True
    if moved or local.hour < 9:
        local = local_moment(day, 9, work.rng.randint(0, 59))
    return _between(work, local, after)


def _between(work: _Work, at: dt.datetime, after: dt.datetime) -> dt.datetime:
    """`at`, kept after the previous step and before the build (history stays in order)."""
    latest = work.now - dt.timedelta(hours=1)
    return max(min(at, latest), after + dt.timedelta(minutes=1))


def _handle(work: _Work, need: Need, category: str) -> None:
    """Dispatch, reply, rating (a reopening when unsatisfied) and close, each at its moment."""
    rng = work.rng
    submitted = need_submitted_at(need)
    at = _office(work, submitted + dt.timedelta(minutes=rng.randint(20, 240)), submitted)
    need = _dispatch(work, need, category, at)
    handler = work.handlers[need.department_id or 0]
    assert need.deadline is not None
    if rng.random() < 0.07:  # a few answered late
        reply_at = need.deadline + dt.timedelta(hours=rng.randint(10, 60))
    else:
        reply_at = at + (need.deadline - at) * rng.uniform(0.1, 0.8)
    reply_at = _office(work, reply_at, at + dt.timedelta(minutes=30))
    with needs_clock(reply_at):
        need_reply(need.pk, actor=handler, reply_text=REPLIES[category])
    work.counts["handled"] += 1
    # submitters rate later that day or in the next two
    at = _between(work, reply_at + dt.timedelta(hours=rng.randint(3, 50)), reply_at)
    rating = rng.choices(Rating.values, [78, 14, 8])[0]
    _rate(work, need, rating, at)
    if rating == Rating.UNSATISFIED:  # reopened: answered again, rated again
        work.counts["reopened"] += 1
        at = _office(work, at + dt.timedelta(hours=rng.randint(20, 60)), at)
        with needs_clock(at):
            need_reply(need.pk, actor=handler, reply_text="补充答复：" + REPLIES[category])
        at = _between(work, at + dt.timedelta(hours=rng.randint(4, 48)), at)
        _rate(work, need, rng.choices(Rating.values, [45, 15, 40])[0], at)
    with needs_clock(_office(work, at + dt.timedelta(hours=rng.randint(1, 30)), at)):
        need_close(need.pk, actor=work.dispatcher, note="已答复并评价，办结")


def _rate(work: _Work, need: Need, rating: str, at: dt.datetime) -> None:
    """Most submitters rate through the tracking link; some are called back by the street."""
    with needs_clock(at):
        if work.rng.random() < 0.85:
            need_rate_by_code(need.tracking_code, rating=rating)
        else:
            need_callback(need.pk, actor=work.dispatcher, rating=rating, note="电话回访")
    work.counts["rated"] += 1


def need_submitted_at(need: Need) -> dt.datetime:
    at = need.events.filter(action="submit").values_list("at", flat=True).first()
    return at or need.created_at


def _open_work(work: _Work) -> None:
    """Today's needs: waiting for dispatch, with a department, and overdue."""
    for category, age, status in OPEN_WORK:
        at = work.now - age
        need = _submit(work, category, at)
        work.counts["open"] += 1
        if status == Status.RECEIVED:
            continue
        need = _dispatch(work, need, category, at + dt.timedelta(minutes=40))
        if status == Status.ACCEPTED:
            with needs_clock(at + dt.timedelta(hours=2)):
                need_accept(need.pk, actor=work.handlers[need.department_id or 0])
        if need.deadline is not None and need.deadline < work.now:
            work.counts["overdue"] += 1


def build_work(ctx: DemoContext) -> None:
    """虹桥街道's work orders: seed 001's 216 handled needs over the past year, then today's.

    Needs raised from visits (`ctx.objects["visits.needs"]`, published by the visits
    builder as (need, category) pairs) count among the 216; the rest come in by the
    other channels. Every step goes through the services on the needs clock; the
    in-app notifications of the replayed history are marked read, today's are not.
    """
    changning = ctx.objects["changning"]
    street: Region = changning["hq"]
    config: NeedsDemo = ctx.objects["needs.hq"]
    work = _Work(
        street=street,
        config=config,
        dispatcher=ctx.objects["users.street"],
        handlers=_handler_logins(ctx, street, config),
        rng=random.Random(2017),  # noqa: S311 - reproducible demo data, not secrets
        now=timezone.now(),
        places=[changning["hongchu"], changning["hongxian"], changning["joint"].region],
        units=list(
            Unit.objects.filter(street=street, kind__in=LIANGXIN_KINDS, is_active=True)
            .select_related("region")
            .order_by("pk")
        ),
        phones=ctx.people.mobile,
        names=ctx.people.name,
    )
    first_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    raised: list[tuple[Need, str]] = list(ctx.objects.get("visits.needs", []))
    left = dict(HANDLED_NEEDS)
    for _, category in raised:
        left[category] -= 1
    today = timezone.localdate()
    plan = [category for category, n in left.items() for _ in range(n)]
    for category in plan:
        day = today - dt.timedelta(days=work.rng.randint(SETTLED_DAYS, HISTORY_DAYS - 1))
        at = local_moment(day, work.rng.randint(9, 16), work.rng.randint(0, 59))
        raised.append((_submit(work, category, at), category))
    for need, category in raised:
        _handle(work, need, category)
    Notification.objects.filter(pk__gt=first_notification or 0, read_at__isnull=True).update(
        read_at=work.now
    )
    _open_work(work)
    # the row's own creation time is the submission the services stamped on its event
    submitted = NeedEvent.objects.filter(need=OuterRef("pk"), action="submit").values("at")[:1]
    Need.objects.filter(street=street).update(created_at=Subquery(submitted))
    c = work.counts
    ctx.summaries["needs.work"] = (
        f"虹桥街道近一年已答复需求 {c['handled']} 件（{len(HANDLED_NEEDS)} 类，评价 {c['rated']} 次，"
        f"重新办理 {c['reopened']} 件），当前在办 {c['open']} 件，其中逾期 {c['overdue']} 件"
    )
