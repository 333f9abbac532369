"""Demo configuration for one street: seed 001's categories, departments, routing,
deadlines, the escalation rule and seed 002's 六个便利 service catalogue.

Idempotent: running it twice for a street changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lianjian.core.demo import DemoContext
from lianjian.needs.models import Category, Department, ServiceItem, ServiceStation
from lianjian.needs.services import (
    category_create,
    department_create,
    service_item_create,
    service_station_create,
    street_settings_save,
)
from lianjian.orgs.models import Region

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
    the demo department handler answers.
    """
    changning = ctx.objects["changning"]
    for street in (changning["hq"], changning["cjq"]):
        build_needs_demo(street)
    ctx.objects["needs.dept_key"] = department_key(changning["hq"], "civil")
    ctx.summaries["needs"] = (
        f"需求类别 {len(CATEGORIES)} 个、职能部门 {len(DEPARTMENTS)} 个（虹桥街道、程家桥街道各一套）"
    )
