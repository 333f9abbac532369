"""Reads on surveys, always scoped: lists, the phone's to-do, results and cross-tabs.

Results count `Answer` rows of the submitted responses in the reader's scope
(`access.responses_visible_to`): one indexed GROUP BY per question kind, so
a questionnaire with a million answers still renders in a few queries.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from lianjian.core.rates import percent
from lianjian.orgs.access import scope_key, scope_q
from lianjian.orgs.models import Region
from lianjian.surveys import access
from lianjian.surveys.definition import labels
from lianjian.surveys.models import (
    Answer,
    Audience,
    Response,
    Survey,
    SurveyVersion,
    Tally,
    Target,
)

if TYPE_CHECKING:
    from lianjian.accounts.models import User

# the unit attributes a question can be crossed with
ATTRIBUTES = {"industry": "所属行业", "community": "所在社区/功能区"}
STOP_WORDS = frozenset(
    "的 了 和 与 及 是 在 有 我们 希望 能 对 也 就 都 一些 进行 提供 更多".split()
)
TEXT_SAMPLE = 5000


class ResponseRate(TypedDict):
    targets: int | None  # None for a public survey: nobody in particular was asked
    submitted: int
    rate: float | None


class Results(TypedDict):
    survey: Survey
    version: int
    respondents: int
    rate: ResponseRate
    # each question's JSON (`surveys.definition`) with its counts, by kind
    questions: list[dict[str, Any]]


class CrossRow(TypedDict):
    key: str
    label: str
    cells: list[int]
    total: int


class Crosstab(TypedDict):
    row_title: str
    col_title: str
    columns: list[str]
    rows: list[CrossRow]


def surveys_to_answer(user: User) -> QuerySet[Survey]:
    """Open surveys sent to the user or their units that they have not submitted."""
    keys = access.respondent_keys(user)
    if not keys:
        return Survey.objects.none()
    now = timezone.now()
    pending = Target.objects.filter(respondent_key__in=keys, answered=False).values("survey_id")
    return (
        Survey.objects.filter(pk__in=pending, status=Survey.Status.OPEN)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by("closes_at", "pk")
    )


def pending_targets(user: User) -> list[Target]:
    """Each (survey, unit or self) the user still has to answer, soonest deadline first."""
    keys = access.respondent_keys(user)
    surveys = surveys_to_answer(user)
    return list(
        Target.objects.filter(respondent_key__in=keys, answered=False, survey__in=surveys)
        .select_related("survey__region", "unit")
        .order_by("survey__closes_at", "survey_id", "unit_id")[:200]
    )


def open_surveys(user: User) -> QuerySet[Survey]:
    return access.surveys_visible_to(user).filter(status=Survey.Status.OPEN)


def latest_version(survey: Survey) -> SurveyVersion:
    version = survey.versions.order_by("-number").first()
    assert version is not None
    return version


def response_rate(survey: Survey, user: User) -> ResponseRate:
    """Targets and submitted responses in the reader's scope, and the rate."""
    submitted = access.responses_visible_to(user, survey).count()
    if survey.audience == Audience.PUBLIC:
        return {"targets": None, "submitted": submitted, "rate": None}
    targets = Target.objects.filter(survey=survey)
    if survey.audience == Audience.UNITS:
        targets = targets.filter(scope_q(user, access.REPORT, prefix="unit__"))
    else:
        targets = targets.filter(scope_q(user, access.REPORT, prefix="member__"))
    n = targets.count()
    answered = targets.filter(answered=True).count()
    return {"targets": n, "submitted": submitted, "rate": percent(answered, n)}


def _answers(survey: Survey, user: User) -> QuerySet[Answer]:
    responses = access.responses_visible_to(user, survey).values("pk")
    return Answer.objects.filter(survey=survey, response__in=responses)


def results(survey: Survey, user: User, *, words: bool = True) -> Results:
    """Per question: counts and shares of each option, mean of scales, top words of texts."""
    version = latest_version(survey)
    answers = _answers(survey, user)
    respondents = access.responses_visible_to(user, survey).count()
    # the counts kept at submit (`Tally`), summed over the places in the reader's scope
    tallies = (
        Tally.objects.filter(scope_q(user, access.REPORT), survey=survey)
        .values("question", "row", "option")
        .annotate(n=Sum("n"), total=Sum("total"))
        .order_by()
    )
    by_q: dict[str, dict[tuple[str, str], int]] = {}
    answered: dict[str, int] = {}
    sums: dict[str, list[float]] = {}
    for t in tallies:
        if t["row"] == "*" and t["option"] == "*":
            answered[t["question"]] = t["n"]
            continue
        by_q.setdefault(t["question"], {})[(t["row"], t["option"])] = t["n"]
        acc = sums.setdefault(t["question"], [0, 0.0])
        acc[0] += t["n"]
        acc[1] += t["total"]
    means = {k: v[1] / v[0] for k, v in sums.items() if v[0]}
    out = []
    for q in version.definition["questions"]:
        key = q["key"]
        item: dict[str, Any] = {
            "key": key,
            "kind": q["kind"],
            "title": q["title"],
            "answered": answered.get(key, 0),
        }
        counts = by_q.get(key, {})
        base = answered.get(key, 0)
        if q["kind"] in ("single", "multiple", "scale"):
            item["options"] = [
                {
                    "key": k,
                    "label": label,
                    "n": counts.get(("", k), 0),
                    "share": percent(counts.get(("", k), 0), base),
                }
                for k, label in labels(q).items()
            ]
        if q["kind"] in ("scale", "number"):
            m = means.get(key)
            item["mean"] = round(m, 2) if m is not None else None
        if q["kind"] == "matrix":
            item["rows"] = [
                {
                    "key": r["key"],
                    "label": r["label"],
                    "cells": [
                        {
                            "key": o["key"],
                            "label": o["label"],
                            "n": counts.get((r["key"], o["key"]), 0),
                        }
                        for o in q["options"]
                    ],
                }
                for r in q["rows"]
            ]
        if q["kind"] == "text" and words:
            item["words"] = _cached_words(survey, user, key, respondents, answers)
        out.append(item)
    return {
        "survey": survey,
        "version": version.number,
        "respondents": respondents,
        "rate": response_rate(survey, user),
        "questions": out,
    }


def _cached_words(
    survey: Survey, user: User, key: str, respondents: int, answers: QuerySet[Answer]
) -> list[tuple[str, int]]:
    """Segmenting thousands of texts takes a second: kept until a response arrives."""
    scope = hashlib.sha256(repr(scope_key(user, access.REPORT)).encode()).hexdigest()[:16]
    cache_key = f"surveys:words:{survey.pk}:{key}:{respondents}:{scope}"
    found = cache.get(cache_key)
    if found is None:
        found = word_frequency(answers.filter(question=key))
        cache.set(cache_key, found, 3600)
    return [(str(word), int(n)) for word, n in found]


def word_frequency(answers: QuerySet[Answer], top: int = 30) -> list[tuple[str, int]]:
    """The most frequent words (jieba) in text answers, of a recent sample of them."""
    from lianjian.core.text import segment

    counter: Counter[str] = Counter()
    for text in answers.order_by("-id").values_list("text", flat=True)[:TEXT_SAMPLE]:
        for word in segment(text):
            word = word.strip()
            if len(word) >= 2 and word not in STOP_WORDS:
                counter[word] += 1
    return counter.most_common(top)


def crosstab(survey: Survey, user: User, first: str, second: str) -> Crosstab:
    """Counts of respondents by the options of `first` (rows) and of `second` (columns).

    `second` is another choice/scale question's key or a unit attribute
    (`industry`, `community`).
    """
    from lianjian.surveys.definition import question

    version = latest_version(survey)
    q1 = question(version.definition, first)
    if q1 is None or q1["kind"] not in ("single", "multiple", "scale"):
        raise ValueError("请选择一道选择题或量表题作为行")
    answers = _answers(survey, user)
    rows_axis = labels(q1)
    if second in ATTRIBUTES:
        field = "response__industry" if second == "industry" else "response__community_id"
        data = (
            answers.filter(question=first)
            .values("option", field)
            .annotate(n=Count("id"))
            .order_by()
        )
        cells = {(d["option"], str(d[field] or "")): d["n"] for d in data}
        keys = sorted({c for _, c in cells})
        if second == "community":
            names = dict(
                Region.objects.filter(pk__in=[int(k) for k in keys if k]).values_list("pk", "name")
            )
            cols_axis = {k: names.get(int(k), "（未知）") if k else "（无）" for k in keys}
        else:
            cols_axis = {k: k or "（未填）" for k in keys}
        col_title = ATTRIBUTES[second]
    else:
        q2 = question(version.definition, second)
        if q2 is None or q2["kind"] not in ("single", "multiple", "scale") or second == first:
            raise ValueError("请选择另一道选择题、量表题或单位属性作为列")
        # one GROUP BY over the self-join answer → response → answer (same respondent)
        data = (
            answers.filter(question=first, response__rows__question=second)
            .values("option", "response__rows__option")
            .annotate(n=Count("id"))
            .order_by()
        )
        pairs = {(d["option"], d["response__rows__option"]): d["n"] for d in data}
        cells = dict(pairs)
        cols_axis = labels(q2)
        col_title = q2["title"]
    table: list[CrossRow] = [
        {
            "key": rk,
            "label": rl,
            "cells": [cells.get((rk, ck), 0) for ck in cols_axis],
            "total": sum(cells.get((rk, ck), 0) for ck in cols_axis),
        }
        for rk, rl in rows_axis.items()
    ]
    return {
        "row_title": q1["title"],
        "col_title": col_title,
        "columns": list(cols_axis.values()),
        "rows": table,
    }


def respondents_with(
    survey: Survey, user: User, question_key: str, option: str
) -> QuerySet[Response]:
    """The submitted responses in scope that chose `option` for `question_key`."""
    ids = _answers(survey, user).filter(question=question_key, option=option).values("response_id")
    return access.responses_visible_to(user, survey).filter(pk__in=ids)
