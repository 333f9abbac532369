"""Demo rows of surveys: seed 004's three questionnaires in 莱锦, seed 003's quarterly evaluation.

八里庄街道 sends 《入园企业情况调查表》《园区企业党建情况调查表》《园区企业需求调查问卷》
to the 170 enterprises of 莱锦文化创意产业园; 157 answer each. In the needs
questionnaire 146 of the 157 (93.0%) ask for Party-mass services and 146 for
legal services, and all 157 for economic, cultural and health services.
虹桥街道 runs a quarterly satisfaction evaluation of its departments over the
four quarters of the demo year. Every figure is read back through
`selectors.results` / `satisfaction.department_trend` as the demo logins see them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from lianjian.core.demo import DemoContext, DemoFigure
from lianjian.orgs.models import Region, Unit
from lianjian.surveys import satisfaction, services

if TYPE_CHECKING:
    from lianjian.accounts.models import User


RESPONSES = 157
WANT_PARTY = 146  # 93.0 %
WANT_LEGAL = 146  # 93.0 %
NEEDS_TITLE = "园区企业需求调查问卷"
SATISFACTION_DEPARTMENTS = [
    "社区服务中心",
    "民政科",
    "文体中心",
    "就业和社会保障科",
    "社区卫生服务中心",
]
SATISFACTION_ITEMS = ["午餐服务", "法律咨询", "培训服务"]
# satisfied ratings (4–5) of each department per quarter, of QUARTER_RESPONSES
QUARTER_RESPONSES = 30
SATISFIED = {"Q1": 21, "Q2": 23, "Q3": 25, "Q4": 27}  # 70.0, 76.7, 83.3, 90.0 %


def _choices(*labels: str) -> list[dict[str, str]]:
    return [{"key": f"o{i}", "label": label} for i, label in enumerate(labels, 1)]


NEEDS_DEFINITION = {
    "questions": [
        {
            "key": "services",
            "kind": "multiple",
            "title": "贵企业希望园区和街道提供哪些服务？（可多选）",
            "required": True,
            "options": [
                {"key": "party", "label": "党群服务"},
                {"key": "legal", "label": "法律服务"},
                {"key": "economic", "label": "经济服务"},
                {"key": "culture", "label": "文化服务"},
                {"key": "health", "label": "健康服务"},
                {"key": "talent", "label": "人才招聘"},
            ],
        },
        {
            "key": "legal_topics",
            "kind": "multiple",
            "title": "需要哪些法律服务？",
            "required": True,
            "options": _choices("劳动用工", "知识产权", "合同审查", "融资法律"),
            "show_if": {"question": "services", "in": ["legal"]},
        },
        {
            "key": "satisfaction",
            "kind": "scale",
            "title": "您对园区现有服务的满意程度（1–5 分）",
            "required": True,
            "min": 1,
            "max": 5,
        },
        {"key": "advice", "kind": "text", "title": "其他需求和建议"},
    ]
}
INFO_DEFINITION = {
    "questions": [
        {
            "key": "nature",
            "kind": "single",
            "title": "企业性质",
            "required": True,
            "options": _choices("民营企业", "外资企业", "国有企业", "其他"),
        },
        {"key": "staff", "kind": "number", "title": "从业人员数", "required": True, "min": 0},
        {
            "key": "has_members",
            "kind": "single",
            "title": "企业内是否有党员",
            "required": True,
            "options": _choices("有", "没有"),
        },
        {
            "key": "members",
            "kind": "number",
            "title": "党员人数",
            "min": 0,
            "show_if": {"question": "has_members", "in": ["o1"]},
        },
    ]
}
PARTY_DEFINITION = {
    "questions": [
        {
            "key": "org",
            "kind": "single",
            "title": "是否已建立党组织",
            "required": True,
            "options": _choices("已单独建立", "已联合建立", "未建立"),
        },
        {
            "key": "floating",
            "kind": "single",
            "title": "是否有组织关系不在本企业的流动党员",
            "required": True,
            "options": _choices("有", "没有", "不清楚"),
        },
        {
            "key": "activities",
            "kind": "multiple",
            "title": "希望园区党组织开展哪些活动",
            "options": _choices("主题党日", "党员学习", "志愿服务", "联谊交流"),
        },
        {
            "key": "support",
            "kind": "matrix",
            "title": "对园区党建工作的评价",
            "rows": _choices("组织覆盖", "活动开展", "服务企业"),
            "options": _choices("好", "较好", "一般"),
        },
    ]
}
ADVICE = (
    "希望多组织法律咨询讲座",
    "园区午餐选择较少，希望改善",
    "希望提供人才招聘对接活动",
    "建议增加文化交流活动",
    "希望定期开展健康体检服务",
    "融资对接服务需要加强",
)


# answers are JSON by question key, as a respondent posts them (`surveys.definition`)
def _needs_answers(i: int, rng: random.Random) -> dict[str, Any]:
    chosen = ["economic", "culture", "health"]
    if i < WANT_PARTY:
        chosen.append("party")
    # the 11 that do not want Party-mass services are not the same 11 as for legal ones
    if (i + 11) % RESPONSES < WANT_LEGAL:
        chosen.append("legal")
    if rng.random() < 0.4:
        chosen.append("talent")
    answers: dict[str, Any] = {"services": chosen, "satisfaction": rng.choice([3, 4, 4, 5, 5])}
    if "legal" in chosen:
        answers["legal_topics"] = rng.sample(["o1", "o2", "o3", "o4"], rng.randint(1, 2))
    if rng.random() < 0.5:
        answers["advice"] = rng.choice(ADVICE)
    return answers


def _info_answers(unit: Unit, rng: random.Random) -> dict[str, Any]:
    has = rng.random() < 0.55
    out: dict[str, Any] = {
        "nature": "o1",
        "staff": unit.employees,
        "has_members": "o1" if has else "o2",
    }
    if has:
        out["members"] = rng.randint(1, 6)
    return out


def _party_answers(rng: random.Random) -> dict[str, Any]:
    return {
        "org": rng.choice(["o2", "o3", "o3"]),
        "floating": rng.choice(["o1", "o2", "o3"]),
        "activities": rng.sample(["o1", "o2", "o3", "o4"], 2),
        "support": {"o1": "o2", "o2": "o1", "o3": rng.choice(["o1", "o2", "o3"])},
    }


def _park_surveys(ctx: DemoContext, rng: random.Random) -> int:
    cy = ctx.objects["chaoyang"]
    street: Region = cy["street"]
    park: Region = cy["park"]
    actor = ctx.objects.get("users.balizhuang")
    units = list(Unit.objects.filter(area_id=park.pk, is_active=True).order_by("pk"))
    answering = units[:RESPONSES]
    opened = timezone.now() - dt.timedelta(days=60)
    made = 0

    def info(i: int, u: Unit) -> dict[str, Any]:
        return _info_answers(u, rng)

    def party(i: int, u: Unit) -> dict[str, Any]:
        return _party_answers(rng)

    def needs(i: int, u: Unit) -> dict[str, Any]:
        return _needs_answers(i, rng)

    plan: tuple[tuple[str, dict[str, Any], Callable[[int, Unit], dict[str, Any]]], ...] = (
        ("入园企业情况调查表", INFO_DEFINITION, info),
        ("园区企业党建情况调查表", PARTY_DEFINITION, party),
        (NEEDS_TITLE, NEEDS_DEFINITION, needs),
    )
    for title, definition, answers_of in plan:
        survey = services.survey_create(
            actor=actor,
            region=street,
            title=title,
            intro="请园区各企业如实填写，结果用于改进园区党建和服务。",
            audience="units",
            definition=definition,
            target_area=park,
            opens_at=opened,
            closes_at=opened + dt.timedelta(days=30),
        )
        services.survey_open(survey, actor=actor, now=opened, quiet=True)
        items = [
            (f"unit:{u.pk}", u, answers_of(i, u), opened + dt.timedelta(days=1 + i % 25))
            for i, u in enumerate(answering)
        ]
        made += services.responses_bulk_submit(survey, items)
        services.survey_close(survey, actor=actor)
    return made


def _ratings(satisfied: int, rng: random.Random) -> list[int]:
    scores = [rng.choice([4, 5]) for _ in range(satisfied)]
    scores += [rng.choice([1, 2, 3]) for _ in range(QUARTER_RESPONSES - satisfied)]
    rng.shuffle(scores)
    return scores


def _quarterly(ctx: DemoContext, rng: random.Random) -> int:
    cn = ctx.objects["changning"]
    hq: Region = cn["hq"]
    actor = ctx.objects.get("users.street")
    schedule = satisfaction.schedule_create(
        region=hq,
        departments=SATISFACTION_DEPARTMENTS,
        items=SATISFACTION_ITEMS,
        actor=actor,
        title="虹桥街道季度满意度测评",
    )
    units = list(Unit.objects.filter(street_id=hq.pk, is_active=True).order_by("pk"))
    year = timezone.localdate().year
    now = timezone.now()
    made = 0
    for q in (1, 2, 3, 4):
        quarter = f"{year}Q{q}"
        start = timezone.make_aware(
            dt.datetime.combine(satisfaction.quarter_start(quarter), dt.time(9))
        )
        current = start <= now < start + dt.timedelta(days=92)
        if current:
            start = now - dt.timedelta(days=5)  # still open: the demo logins find it to do
        survey = satisfaction.schedule_send(schedule, quarter, opens_at=start, quiet=True)
        if survey is None or start > now:
            continue
        columns = {f"d{i}": _ratings(SATISFIED[f"Q{q}"], rng) for i in range(1, 6)}
        columns |= {f"s{i}": _ratings(SATISFIED[f"Q{q}"], rng) for i in range(1, 4)}
        respondents = units[:QUARTER_RESPONSES]
        if current:
            # the current quarter is still open: the demo unit admin's units have not answered
            from lianjian.surveys.access import admin_unit_ids

            mine = (
                set(admin_unit_ids(ctx.objects["users.dongyin"]))
                if "users.dongyin" in ctx.objects
                else set()
            )
            respondents = [u for u in units if u.pk not in mine][:QUARTER_RESPONSES]
        items = [
            (
                f"unit:{u.pk}",
                u,
                {k: v[i] for k, v in columns.items()},
                min(start + dt.timedelta(days=1 + i % 15), now),
            )
            for i, u in enumerate(respondents)
        ]
        made += services.responses_bulk_submit(survey, items)
        if not current:
            services.survey_close(survey, actor=actor)
    return made


def build(ctx: DemoContext) -> None:
    rng = random.Random(4004)  # noqa: S311 - reproducible demo data
    park = _park_surveys(ctx, rng)
    quarterly = _quarterly(ctx, rng)
    ctx.counts["survey_responses"] += park + quarterly
    ctx.summaries["surveys"] = (
        f"问卷：莱锦园区 3 份调查表各回收 {RESPONSES} 份；虹桥街道季度满意度测评 {quarterly} 份答卷"
    )


# ---------------------------------------------------------------- figures


def _user(username: str) -> User:
    from lianjian.accounts.models import User

    return User.objects.get(username=username)


def _needs_share(option: str) -> Callable[[], int | None]:
    def read() -> int | None:
        from lianjian.surveys.access import surveys_visible_to
        from lianjian.surveys.selectors import results

        user = _user("demo_balizhuang")
        survey = surveys_visible_to(user).get(title=NEEDS_TITLE)
        q = next(
            q for q in results(survey, user, words=False)["questions"] if q["key"] == "services"
        )
        share: float | None = next(o["share"] for o in q["options"] if o["key"] == option)
        return round(share) if share is not None else None

    return read


def _needs_responses() -> int:
    from lianjian.surveys.access import surveys_visible_to
    from lianjian.surveys.selectors import response_rate

    user = _user("demo_balizhuang")
    survey = surveys_visible_to(user).get(title=NEEDS_TITLE)
    return response_rate(survey, user)["submitted"]


def _quarter_rate(q: int) -> Callable[[], float | None]:
    def read() -> float | None:
        from lianjian.orgs.access import scope_q
        from lianjian.surveys.access import REPORT, surveys_visible_to

        user = _user("demo_street")
        trend = satisfaction.department_trend(surveys_visible_to(user), scope_q(user, REPORT))
        line = next(row for row in trend["lines"] if row["name"] == "民政科")
        quarter = f"{timezone.localdate().year}Q{q}"
        return line["rates"][trend["quarters"].index(quarter)]

    return read


FIGURES = (
    DemoFigure(
        "surveys.laijin_responses", "莱锦园区需求调查问卷回收份数", RESPONSES, _needs_responses
    ),
    DemoFigure("surveys.laijin_party", "希望提供党群服务的企业（%）", 93, _needs_share("party")),
    DemoFigure("surveys.laijin_legal", "希望提供法律服务的企业（%）", 93, _needs_share("legal")),
    DemoFigure(
        "surveys.laijin_economic", "希望提供经济服务的企业（%）", 100, _needs_share("economic")
    ),
    DemoFigure(
        "surveys.laijin_culture", "希望提供文化服务的企业（%）", 100, _needs_share("culture")
    ),
    DemoFigure("surveys.laijin_health", "希望提供健康服务的企业（%）", 100, _needs_share("health")),
    DemoFigure("surveys.hq_q1", "虹桥街道民政科第一季度满意率（%）", 70.0, _quarter_rate(1)),
)
