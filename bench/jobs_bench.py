"""Job board benchmark (issue 18, P2): the resident's job list, matching a new posting, precision@5.

Seeds postings and resumes (default city scale: 200,000 postings, 1,000,000
resumes over 10 districts x 10 streets x 12 communities) under a district
"招聘基准区…" of the database named by DATABASE_URL, then prints:

- the resident job list (`/api/v1/jobs/postings`, nearest first) p50/p95 over HTTP at
  16 concurrent clients (target p95 <= 100 ms), beside an unauthenticated 401 as anchor;
- `matching.match_posting` for a new posting against every resume of its district
  (the background task's work; target <= 5 s);
- precision@5 of the matcher on the labelled set of `lianjian/jobs/tests/eval_set.py`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_jobs_bench \
      python bench/jobs_bench.py                    # --postings 20000 --resumes 100000 for a quick run

Run against a scratch database: it writes. The rows are bulk-inserted with their
tokens precomputed per template (the generator does not run jieba a million times).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

DISTRICTS, STREETS, COMMUNITIES = 10, 10, 12
BATCH = 5000


def seed(postings: int, resumes: int) -> dict[str, Any]:
    """Regions, one enterprise per community, postings and resumes spread evenly."""
    from django.utils import timezone

    from lianjian.core.demo import PeopleFactory
    from lianjian.jobs import matching
    from lianjian.jobs.demo import JOBS
    from lianjian.jobs.models import Posting, Resume
    from lianjian.orgs.models import Region, Unit, UnitKind
    from lianjian.orgs.services import region_create, unit_create

    tag = f"招聘基准区{int(time.time())}"
    people = PeopleFactory(18)
    rng = random.Random(18)
    communities: list[Region] = []
    units: list[Unit] = []
    for d in range(DISTRICTS):
        district = region_create(name=f"{tag}-{d}", level=Region.Level.DISTRICT)
        for s in range(STREETS):
            street = region_create(name=f"街道{d}-{s}", level=Region.Level.STREET, parent=district)
            for c in range(COMMUNITIES):
                community = region_create(
                    name=f"社区{d}-{s}-{c}", level=Region.Level.COMMUNITY, parent=street
                )
                communities.append(community)
                units.append(
                    unit_create(
                        region=community,
                        name=f"基准企业{d}-{s}-{c}",
                        kind=UnitKind.PRIVATE_ENTERPRISE,
                        credit_code=people.credit_code("370602"),
                    )
                )
    terms = {
        job: (
            matching.tokens(" ".join([job[1], job[1], job[2], job[2], job[3]])),
            matching.tokens(" ".join([job[2], job[2], f"做过{job[1]}"])),
        )
        for job in JOBS
    }
    today = timezone.localdate()
    now = timezone.now()
    started = time.monotonic()
    rows: list[Any] = []
    for i in range(postings):
        unit = units[i % len(units)]
        job = JOBS[i % len(JOBS)]
        rows.append(
            Posting(
                unit=unit,
                title=job[1],
                description=job[3],
                category=job[0],
                openings=3,
                pay_min=4000,
                pay_max=6000 + (i % 5) * 500,
                skills=job[2],
                contact_name="人事",
                contact_phone="",
                expires_on=today + dt.timedelta(days=30 + i % 60),
                status=Posting.Status.APPROVED,
                published_at=now - dt.timedelta(minutes=i),
                terms=" ".join(terms[job][0]),
                **unit.region.ancestor_ids(),
            )
        )
        if len(rows) == BATCH:
            Posting.objects.bulk_create(rows)
            rows = []
    Posting.objects.bulk_create(rows)
    rows = []
    for i in range(resumes):
        community = communities[(i * 7) % len(communities)]
        job = JOBS[rng.randrange(len(JOBS))]
        rows.append(
            Resume(
                region=community,
                name="居民",
                phone="",
                education="high",
                skills=job[2],
                experience=f"做过{job[1]}",
                wanted_category=job[0],
                wanted_pay=4000 + (i % 6) * 500,
                status=Resume.Status.APPROVED,
                discoverable=i % 5 < 3,
                consent_version="2026-12" if i % 5 < 3 else "",
                consent_at=now if i % 5 < 3 else None,
                terms=" ".join(terms[job][1]),
                **community.ancestor_ids(),
            )
        )
        if len(rows) == BATCH:
            Resume.objects.bulk_create(rows)
            rows = []
    Resume.objects.bulk_create(rows)
    settle()
    return {
        "communities": communities,
        "units": units,
        "seconds": time.monotonic() - started,
        "tag": tag,
    }


def settle() -> None:
    """VACUUM ANALYZE the bulk-loaded tables: a settled table's plans and index-only scans."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("jobs_posting", "jobs_resume", "orgs_unit", "orgs_region"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def existing(postings: int, resumes: int) -> dict[str, Any] | None:
    """The newest seeded city of an earlier run when it holds the asked-for rows (seeding takes minutes)."""
    from lianjian.jobs.models import Posting, Resume
    from lianjian.orgs.models import Region, Unit

    if Posting.objects.count() < postings or Resume.objects.count() < resumes:
        return None
    district = (
        Region.objects.filter(level=Region.Level.DISTRICT, name__startswith="招聘基准区")
        .order_by("-name")
        .first()
    )
    if district is None:
        return None
    tag = district.name.rsplit("-", 1)[0]
    communities = list(
        Region.objects.filter(
            level=Region.Level.COMMUNITY, district_ref__name__startswith=tag
        ).order_by("pk")
    )
    units = list(Unit.objects.filter(region__in=communities).order_by("pk"))
    if len(communities) != DISTRICTS * STREETS * COMMUNITIES or len(units) != len(communities):
        return None
    return {"communities": communities, "units": units, "seconds": 0.0, "tag": tag}


def precision() -> float:
    from lianjian.jobs import matching
    from lianjian.jobs.tests import eval_set

    people = eval_set.people()
    ranked = {}
    for case in eval_set.cases():
        own = " ".join(
            matching.tokens(" ".join([case.title, case.title, case.skills, case.skills, case.text]))
        )
        pool = [(i, p) for i, p in enumerate(people) if p.family[0] == case.category]
        candidates = [
            (
                i,
                " ".join(matching.tokens(" ".join([p.skills, p.skills, p.experience]))),
                None,
                None,
                False,
            )
            for i, p in pool
        ]
        best = matching.rank(own, (None, None), candidates, top=eval_set.TOP_K)
        ranked[(case.category, case.title)] = [people[s.other_id].family for s in best]
    return eval_set.precision_at_k(ranked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=200_000)
    parser.add_argument("--resumes", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--requests", type=int, default=30, help="per client (>= 30 samples per p95)"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2 per CPU)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--matches", type=int, default=5, help="new postings matched")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--reseed", action="store_true", help="seed again even when an earlier run's rows exist"
    )
    from run import http_arguments

    http_arguments(parser)  # --load (wrk when installed), --worker-class, --redis, --port
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a scratch database may be empty
    from common import machine_speed

    print(machine_speed())
    print(f"precision@5 on the labelled set: {precision():.2f} (P2 target: reported)")

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add, token_create
    from lianjian.core.roles import Role
    from lianjian.jobs import matching
    from lianjian.jobs.models import Posting

    ctx = None if args.reseed else existing(args.postings, args.resumes)
    if ctx is None:
        ctx = seed(args.postings, args.resumes)
        print(
            f"seeded {args.postings:,} postings and {args.resumes:,} resumes "
            f"in {ctx['seconds']:.1f} s"
        )
    else:
        settle()
        print(f"reusing {ctx['tag']}: {Posting.objects.count():,} postings, resumes kept")

    timings = []
    district_resumes = 0
    for k in range(args.matches):
        template = Posting.objects.filter(unit=ctx["units"][k * 37 % len(ctx["units"])]).first()
        assert template is not None
        template.pk = None
        template.terms = ""  # tokenized in the task, as for a real new posting
        template.save()
        started = time.monotonic()
        kept = matching.match_posting(template)
        timings.append(time.monotonic() - started)
        district_resumes = matching.candidate_resumes(template).count()
    print(
        f"match a new posting (background task): median {statistics.median(timings):.2f} s, "
        f"worst {max(timings):.2f} s over {args.matches} postings, {district_resumes:,} candidate "
        f"resumes in its district, {kept} suggestions kept (target <= 5 s)"
    )
    if args.skip_http:
        return
    resident = User.objects.create(
        username=f"bench_resident_{int(time.time())}",
        display_name="基准居民",
        must_change_password=False,  # else every request is 403 "change your password first"
    )
    grant_add(resident, Role.MEMBER, region=ctx["communities"][5])
    token = token_create(resident, "jobs-bench")
    from run import http_figures

    headers = {"Authorization": f"Bearer {token}"}
    http_figures(
        "resident job list over HTTP (P2: API p95 <= 100 ms)",
        [
            ("401 anchor (no token)", "/api/v1/jobs/postings", {}),
            ("job list, nearest first", "/api/v1/jobs/postings", headers),
            (
                "job list, logistics, own street",
                "/api/v1/jobs/postings?category=logistics&distance=street",
                headers,
            ),
        ],
        clients=args.clients,
        per_client=args.requests,
        workers=args.workers,
        threads=args.threads,
        redis_url=args.redis,
        load=args.load,
        worker_class=args.worker_class,
        port=args.port,
    )


if __name__ == "__main__":
    main()
