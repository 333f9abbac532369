"""The quarterly satisfaction evaluation (季度满意度测评, seed 003).

A street keeps one `SatisfactionSchedule`: the departments and service items
to rate on a 1–5 scale. Each quarter the periodic tick sends a survey built
from it (one per schedule and quarter: a unique constraint). A department's
satisfaction rate in a quarter is the share of its ratings at 4 or 5
(满意, 非常满意), through `core.rates.percent` like every rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.rates import percent
from lianjian.orgs.models import Region
from lianjian.surveys.definition import SurveyError
from lianjian.surveys.models import Answer, Audience, Response, SatisfactionSchedule, Survey

if TYPE_CHECKING:
    from lianjian.accounts.models import User

SATISFIED_FROM = 4
SCALE_LABELS = "1 非常不满意 · 2 不满意 · 3 一般 · 4 满意 · 5 非常满意"


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(quarter: str) -> dt.date:
    year, q = int(quarter[:4]), int(quarter[-1])
    return dt.date(year, 3 * (q - 1) + 1, 1)


class TrendLine(TypedDict):
    group: str  # "department" or "item"
    name: str
    rates: list[float | None]  # per quarter, percent
    counts: list[int]
    latest: float | None
    change: float | None
    needs_rate: NotRequired[float | None]  # the needs channel's, set by the page beside it


class Trend(TypedDict):
    quarters: list[str]
    lines: list[TrendLine]


def _names(raw: Iterable[object] | None, label: str) -> list[str]:
    names = [str(n).strip() for n in (raw or []) if str(n).strip()]
    if len(set(names)) != len(names):
        raise SurveyError(f"{label}有重复", label)
    return names[:40]


# a definition's JSON (`surveys.definition`)
def template_definition(departments: list[str], items: list[str]) -> dict[str, Any]:
    questions: list[dict[str, Any]] = []
    for i, name in enumerate(departments, 1):
        questions.append(
            {
                "key": f"d{i}",
                "kind": "scale",
                "title": f"您对【{name}】的服务是否满意？（{SCALE_LABELS}）",
                "required": True,
                "min": 1,
                "max": 5,
                "subject": name,
                "group": "department",
            }
        )
    for i, name in enumerate(items, 1):
        questions.append(
            {
                "key": f"s{i}",
                "kind": "scale",
                "title": f"您对服务项目【{name}】是否满意？（{SCALE_LABELS}）",
                "required": True,
                "min": 1,
                "max": 5,
                "subject": name,
                "group": "item",
            }
        )
    questions.append(
        {"key": "advice", "kind": "text", "title": "您的意见和建议", "required": False}
    )
    return {"questions": questions}


def schedule_create(
    *,
    region: Region,
    departments: Iterable[object] | None,
    items: Iterable[object] | None = (),
    actor: User | None,
    title: str = "季度满意度测评",
    audience: str = Audience.UNITS,
    open_days: int = 20,
) -> SatisfactionSchedule:
    if region.level != Region.Level.STREET:
        raise SurveyError("满意度测评计划须由街道设立", "region")
    depts = _names(departments, "被测评部门")
    if not depts:
        raise SurveyError("请至少填写一个被测评部门", "departments")
    if audience not in (Audience.UNITS, Audience.MEMBERS):
        raise SurveyError("发放对象无效", "audience")
    with transaction.atomic():
        schedule = SatisfactionSchedule.objects.create(
            region=region,
            title=(title or "季度满意度测评")[:200],
            departments=depts,
            items=_names(items, "服务项目"),
            audience=audience,
            open_days=max(1, min(int(open_days), 90)),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record("survey.schedule_create", user=actor, obj=schedule)
    return schedule


def schedule_send(
    schedule: SatisfactionSchedule,
    quarter: str,
    *,
    opens_at: dt.datetime | None = None,
    quiet: bool = False,
) -> Survey | None:
    """The quarter's evaluation, built and sent; None when it already exists."""
    from lianjian.surveys.services import survey_create, survey_open

    if Survey.objects.filter(schedule=schedule, quarter=quarter).exists():
        return None
    opens_at = opens_at or timezone.now()
    label = f"{quarter[:4]}年第{quarter[-1]}季度"
    try:
        with transaction.atomic():
            survey = survey_create(
                actor=schedule.created_by,
                region=schedule.region,
                title=f"{schedule.title}（{label}）",
                intro="请对本季度街道各部门和服务项目的工作作出评价。",
                audience=schedule.audience,
                kind=Survey.Kind.SATISFACTION,
                definition=template_definition(schedule.departments, schedule.items),
                opens_at=opens_at,
                closes_at=opens_at + dt.timedelta(days=schedule.open_days),
                schedule=schedule,
                quarter=quarter,
            )
            survey_open(survey, actor=schedule.created_by, now=opens_at, quiet=quiet)
    except IntegrityError:
        return None  # a concurrent tick sent it
    return survey


def schedules_run(today: dt.date) -> int:
    quarter = quarter_of(today)
    sent = 0
    for schedule in SatisfactionSchedule.objects.filter(active=True):
        try:
            if schedule_send(schedule, quarter) is not None:
                sent += 1
        except SurveyError:
            continue  # nobody to send to this quarter; tried again next tick
    return sent


def department_trend(surveys: QuerySet[Survey], responses_q: Q) -> Trend:
    """Per department (and service item) the satisfaction rate in each quarter.

    `surveys` are satisfaction surveys already scoped; `responses_q` limits
    the responses counted to the reader's scope.
    """
    scoped = list(surveys.filter(kind=Survey.Kind.SATISFACTION).order_by("quarter"))
    quarters = sorted({s.quarter for s in scoped if s.quarter})
    subjects: dict[tuple[str, str], dict[str, float | None]] = {}
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for survey in scoped:
        version = survey.versions.order_by("-number").first()
        if version is None:
            continue
        by_key = {
            q["key"]: (q.get("group", "department"), q.get("subject", q["title"]))
            for q in version.definition["questions"]
            if q["kind"] == "scale"
        }
        ids = Response.objects.filter(
            responses_q, survey=survey, status=Response.Status.SUBMITTED
        ).values("pk")
        rows = (
            Answer.objects.filter(survey=survey, question__in=list(by_key), response__in=ids)
            .values("question")
            .annotate(n=Count("id"), ok=Count("id", filter=Q(number__gte=SATISFIED_FROM)))
        )
        for row in rows:
            subject = by_key[row["question"]]
            subjects.setdefault(subject, {})[survey.quarter] = percent(row["ok"], row["n"])
            counts.setdefault(subject, {})[survey.quarter] = row["n"]
    lines: list[TrendLine] = []
    for (group, name), rates in subjects.items():
        series = [rates.get(q) for q in quarters]
        known = [r for r in series if r is not None]
        change = round(known[-1] - known[-2], 1) if len(known) >= 2 else None
        lines.append(
            {
                "group": group,
                "name": name,
                "rates": series,
                "counts": [counts[(group, name)].get(q, 0) for q in quarters],
                "latest": known[-1] if known else None,
                "change": change,
            }
        )
    lines.sort(key=lambda r: (r["group"] != "department", r["name"]))
    return {"quarters": quarters, "lines": lines}
