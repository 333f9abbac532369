"""Surveys benchmark (issue 19): a questionnaire's results page and a cross-tab with 1M answers.

Seeds one street-wide questionnaire (10 questions: single, multiple, scale,
number, matrix, text) under a district "问卷基准区…" of the database named by
DATABASE_URL, with enough submitted responses for `--answers` answer rows
(about 10 per response) spread over 12 communities and 8 industries, then prints:

- the results page (`/surveys/<id>/`, charts and word counts included) p50/p95 as
  the street's staff sees it, in process through Django's test client (target p95 <= 300 ms);
- the results API (`/api/v1/surveys/surveys/<id>/results`) p50/p95;
- a cross-tab of two questions and of a question with the community, p50/p95 (target <= 1 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_surveys_bench \
      python bench/surveys_bench.py                 # --answers 50000 for a quick run

Run against a scratch database: it writes. Rows are bulk-inserted directly.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

COMMUNITIES = 12
INDUSTRIES = (
    "文化创意",
    "信息技术",
    "广告传媒",
    "设计服务",
    "商务咨询",
    "餐饮",
    "教育培训",
    "其他",
)
WORDS = ("法律咨询", "午餐", "停车", "人才招聘", "融资", "培训", "健康体检", "文化活动", "党建")
BATCH = 5000
DEFINITION: dict[str, Any] = {
    "questions": [
        {
            "key": "size",
            "kind": "single",
            "title": "企业规模",
            "required": True,
            "options": ["10人以下", "10–50人", "50–200人", "200人以上"],
        },
        {
            "key": "services",
            "kind": "multiple",
            "title": "希望提供的服务",
            "required": True,
            "options": ["党群服务", "法律服务", "经济服务", "文化服务", "健康服务", "人才招聘"],
        },
        {"key": "sat", "kind": "scale", "title": "满意度", "required": True, "min": 1, "max": 5},
        {"key": "park", "kind": "scale", "title": "园区环境", "min": 1, "max": 5},
        {"key": "staff", "kind": "number", "title": "从业人员", "min": 0},
        {
            "key": "grid",
            "kind": "matrix",
            "title": "评价",
            "rows": ["效率", "态度"],
            "options": ["好", "一般", "差"],
        },
        {"key": "advice", "kind": "text", "title": "建议"},
    ]
}


def seed(answers: int) -> dict[str, Any]:
    from django.utils import timezone

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.orgs.models import Region
    from lianjian.orgs.services import region_create
    from lianjian.surveys import services
    from lianjian.surveys.definition import answer_rows, clean_answers
    from lianjian.surveys.models import Answer, Response, Survey

    tag = f"问卷基准区{int(time.time())}"
    district = region_create(name=tag, level=Region.Level.DISTRICT)
    street = region_create(name=f"{tag}街道", level=Region.Level.STREET, parent=district)
    communities = [
        region_create(name=f"社区{c}", level=Region.Level.COMMUNITY, parent=street)
        for c in range(COMMUNITIES)
    ]
    staff = User.objects.create(
        username=f"bench_survey_{int(time.time())}", display_name="基准", must_change_password=False
    )
    grant_add(staff, Role.STREET_STAFF, region=street)
    survey = services.survey_create(
        actor=staff,
        region=street,
        title="基准问卷",
        audience="public",
        definition=DEFINITION,
        login_required=False,
    )
    services.survey_open(survey, actor=staff, quiet=True)
    version = services.current_version(survey)
    rng = random.Random(19)
    now = timezone.now()
    started = time.monotonic()
    made = 0
    n = 0
    while made < answers:
        responses: list[Response] = []
        cleaned: list[dict[str, Any]] = []
        for _ in range(BATCH // 10):
            raw = {
                "size": f"o{rng.randint(1, 4)}",
                "services": rng.sample([f"o{i}" for i in range(1, 7)], rng.randint(1, 3)),
                "sat": rng.randint(1, 5),
                "park": rng.randint(1, 5),
                "staff": rng.randint(1, 500),
                "grid": {"o1": f"o{rng.randint(1, 3)}", "o2": f"o{rng.randint(1, 3)}"},
            }
            if rng.random() < 0.3:
                raw["advice"] = "希望加强" + rng.choice(WORDS) + "和" + rng.choice(WORDS)
            clean, _ = clean_answers(version.definition, raw)
            community = communities[n % COMMUNITIES]
            responses.append(
                Response(
                    survey=survey,
                    version=version,
                    respondent_key=f"anon:{n}",
                    status=Response.Status.SUBMITTED,
                    answers=clean,
                    submitted_at=now,
                    industry=INDUSTRIES[n % len(INDUSTRIES)],
                    **community.ancestor_ids(),
                )
            )
            cleaned.append(clean)
            n += 1
        created = Response.objects.bulk_create(responses)
        pairs = [
            (r, answer_rows(version.definition, clean))
            for r, clean in zip(created, cleaned, strict=True)
        ]
        rows = [Answer(survey=survey, response=r, **row) for r, answer in pairs for row in answer]
        Answer.objects.bulk_create(rows, batch_size=BATCH)
        services.tally_add(survey, pairs)  # what a submit keeps for the results
        made += len(rows)
    Survey.objects.filter(pk=survey.pk).update(submitted_count=n)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give soon
            cursor.execute("ANALYZE surveys_answer")
            cursor.execute("ANALYZE surveys_response")
    return {
        "survey": survey,
        "staff": staff,
        "responses": n,
        "answers": made,
        "seconds": time.monotonic() - started,
    }


def timed(label: str, call: Callable[[], Any], runs: int, target: float) -> None:
    call()  # warm: caches, jieba's dictionary
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    verdict = "ok" if p95 <= target else "OVER"
    print(
        f"{label}: p50 {statistics.median(samples):.0f} ms, p95 {p95:.0f} ms "
        f"over {runs} runs (target p95 <= {target:.0f} ms: {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from common import machine_speed
    from django.test import Client

    from lianjian.surveys import selectors

    print(machine_speed())
    ctx = seed(args.answers)
    print(
        f"seeded {ctx['responses']:,} responses with {ctx['answers']:,} answers "
        f"in {ctx['seconds']:.1f} s"
    )
    survey, staff = ctx["survey"], ctx["staff"]
    client = Client()
    client.force_login(staff)

    def page() -> None:
        r = client.get(f"/surveys/{survey.pk}/", HTTP_HOST="127.0.0.1")
        assert r.status_code == 200, (r.status_code, r.get("Location"))

    def api() -> None:
        r = client.get(f"/api/v1/surveys/surveys/{survey.pk}/results", HTTP_HOST="127.0.0.1")
        assert r.status_code == 200, (r.status_code, r.get("Location"))

    timed("results page /surveys/<id>/", page, args.runs, 300)
    timed("results API", api, args.runs, 300)
    timed(
        "cross-tab question x question",
        lambda: selectors.crosstab(survey, staff, "services", "size"),
        max(5, args.runs // 3),
        1000,
    )
    timed(
        "cross-tab question x community",
        lambda: selectors.crosstab(survey, staff, "sat", "community"),
        max(5, args.runs // 3),
        1000,
    )


if __name__ == "__main__":
    main()
