"""Needs benchmark (P2, P3): scoped needs list, department statistics, need creation.

Seeds a district-scale needs table (default 200k needs with their history
events) into the database named by DATABASE_URL, under its own district
"基准区", then prints p50/p95:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/needs_bench.py --needs 200000

With `--scale city` it measures the city instead (`bench/needs_generate.py`:
10 districts x 10 streets x 12 communities, 3M needs written with COPY, into a
database of its own), for users of one district "基准市区01":

    createdb lianjian_needs_city   # then `lianjian migrate` with this DATABASE_URL
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_needs_city \
      python bench/needs_bench.py --scale city

Targets: scoped list (20 rows) p95 <= 100 ms, department statistics (district)
<= 100 ms, city <= 1 s, and no more than 2x the same aggregate as raw SQL (printed as a
ratio), create-need p95 <= 200 ms. Statistics for the present read the
per-need summaries; as-of figures for a past date fold the event history
(printed too, with few repeats). Run against a scratch database: it writes.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

from timing import paired, runs_argument, timed  # noqa: E402


def seed(n_needs: int, streets: int, communities: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from lianjian.accounts.models import Grant, User
    from lianjian.needs.demo import build_needs_demo, department_key
    from lianjian.needs.models import Department, Need, NeedEvent
    from lianjian.orgs.models import Region
    from lianjian.orgs.services import region_create

    district = Region.objects.filter(name="基准区", level="district").first()
    if district is None:
        district = region_create(name="基准区", level=Region.Level.DISTRICT)
    street_rows = list(Region.objects.filter(street_ref=None, district_ref=district))
    while len(street_rows) < streets:
        s = region_create(
            name=f"基准街道{len(street_rows) + 1}", level=Region.Level.STREET, parent=district
        )
        for c in range(communities):
            region_create(name=f"基准社区{c + 1}", level=Region.Level.COMMUNITY, parent=s)
        build_needs_demo(s)
        street_rows.append(s)
    street = street_rows[0]
    dept = Department.objects.get(key=department_key(street, "civil"))
    existing = Need.objects.filter(district=district).count()
    rng = random.Random(7)
    comms = list(Region.objects.filter(level="community", district_ref=district))
    depts_by_street: dict[int, list[int]] = {}
    for d in Department.objects.filter(street__in=street_rows).values("pk", "street_id"):
        depts_by_street.setdefault(d["street_id"], []).append(d["pk"])
    now = timezone.now()
    batch = 5000
    t0 = time.perf_counter()
    for start in range(existing, n_needs, batch):
        needs = []
        for i in range(start, min(start + batch, n_needs)):
            comm = rng.choice(comms)
            needs.append(
                Need(
                    tracking_code=f"B{i:09d}",
                    channel=rng.choice(["hotline", "window", "online", "visit"]),
                    text=f"基准需求 {i}",
                    region=comm,
                    status=rng.choice(["dispatched", "replied", "closed", "accepted"]),
                    department_id=rng.choice(depts_by_street[comm.street_ref_id or 0]),
                    deadline=now - timezone.timedelta(days=rng.randint(-10, 200)),
                    **comm.ancestor_ids(),
                )
            )
        with transaction.atomic():
            Need.objects.bulk_create(needs)
            events = []
            for need in needs:
                at = need.deadline - timezone.timedelta(days=5)  # type: ignore[operator]
                common = {
                    "need": need,
                    "channel": need.channel,
                    "department_id": need.department_id,
                    "deadline": need.deadline,
                    "district_id": need.district_id,
                    "street_id": need.street_id,
                    "community_id": need.community_id,
                }
                events.append(NeedEvent(action="submit", to_status="received", at=at, **common))
                events.append(
                    NeedEvent(
                        action="dispatch",
                        from_status="received",
                        to_status="dispatched",
                        at=at,
                        **common,
                    )
                )
                if need.status in ("replied", "closed"):
                    events.append(
                        NeedEvent(
                            action="reply",
                            from_status="dispatched",
                            to_status="replied",
                            at=at + timezone.timedelta(days=rng.randint(1, 8)),
                            on_time=rng.random() < 0.85,
                            reply_seconds=rng.randint(3600, 8 * 86400),
                            **common,
                        )
                    )
            NeedEvent.objects.bulk_create(events)
    if existing < n_needs:
        # the seed writes around the services: fold its history into summaries once
        from lianjian.needs.services import needs_summary_rebuild

        with transaction.atomic():
            needs_summary_rebuild()
    seeded = time.perf_counter() - t0
    user, _ = User.objects.get_or_create(
        username="bench_street", defaults={"must_change_password": False}
    )
    Grant.objects.get_or_create(user=user, role="street_staff", region=street)
    handler, _ = User.objects.get_or_create(
        username="bench_handler", defaults={"must_change_password": False}
    )
    Grant.objects.get_or_create(user=handler, role="dept_handler", department_key=dept.key)
    admin, _ = User.objects.get_or_create(
        username="bench_district", defaults={"must_change_password": False}
    )
    Grant.objects.get_or_create(user=admin, role="district_admin", region=district)
    return {
        "district": district,
        "street": street,
        "user": user,
        "handler": handler,
        "admin": admin,
        "community": comms[0],
        "seeded_s": seeded,
        "total": Need.objects.filter(district=district).count(),
    }


def seed_city(n_needs: int) -> dict[str, Any]:
    """The city dataset (seeded or completed by `needs_generate`), measured in its first district."""
    from needs_generate import STREETS, district_name
    from needs_generate import seed_city as generate_city

    from lianjian.accounts.models import Grant, User
    from lianjian.needs.demo import department_key
    from lianjian.needs.models import Department, Need, NeedEvent, NeedSummary, NeedTally
    from lianjian.orgs.models import Region

    t0 = time.perf_counter()
    city = generate_city(n_needs, log=lambda line: print(line, flush=True))
    seeded = time.perf_counter() - t0
    district = Region.objects.get(name=district_name(0), level=Region.Level.DISTRICT)
    street = Region.objects.get(name=f"{district.name}街道01", level=Region.Level.STREET)
    community = Region.objects.filter(street_ref=street).order_by("pk").first()
    dept = Department.objects.get(key=department_key(street, "civil"))
    users = {}
    for name, grant in (
        ("bench_city_street", {"role": "street_staff", "region": street}),
        ("bench_city_handler", {"role": "dept_handler", "department_key": dept.key}),
        ("bench_city_district", {"role": "district_admin", "region": district}),
    ):
        user, _ = User.objects.get_or_create(
            username=name, defaults={"must_change_password": False}
        )
        Grant.objects.get_or_create(user=user, **grant)
        users[name] = user
    totals = {
        "districts": len(city["districts"]),
        "streets": len(city["districts"]) * STREETS,
        "communities": len(city["communities"]),
        "needs": Need.objects.count(),
        "events": NeedEvent.objects.count(),
        "summaries": NeedSummary.objects.count(),
        "tallies": NeedTally.objects.count(),
        "district_needs": Need.objects.filter(district=district).count(),
        "street_needs": Need.objects.filter(street=street).count(),
        "dept_needs": Need.objects.filter(department=dept).count(),
    }
    return {
        "district": district,
        "street": street,
        "dept": dept,
        "user": users["bench_city_street"],
        "handler": users["bench_city_handler"],
        "admin": users["bench_city_district"],
        "community": community,
        "seeded_s": seeded,
        "timings": city["timings"],
        "total": totals["district_needs"],
        "totals": totals,
    }


AWAITING = ("dispatched", "accepted", "transferred", "reopened")

# the department figures of `need_stats` (all to date), written by hand: the tallies
# in scope plus overdue needs from the summaries, the two queries the selector runs
RAW_STATS_SQL = """
SELECT department_id, SUM(dispatched), SUM(replied), SUM(on_time), SUM(reply_seconds),
       SUM(reply_timed), SUM(rated), SUM(satisfied), SUM(reopened)
  FROM needs_needtally
 WHERE {level}_id = %(region)s
 GROUP BY department_id
"""
RAW_OVERDUE_SQL = """
SELECT department_id, COUNT(*)
  FROM needs_needsummary
 WHERE {level}_id = %(region)s AND status = ANY(%(awaiting)s) AND deadline < %(end)s
 GROUP BY department_id
"""

# the same figures straight from the event history (what statistics read before summaries)
RAW_EVENTS_SQL = """
SELECT department_id,
       COUNT(*) FILTER (WHERE action IN ('dispatch', 'transfer')),
       COUNT(*) FILTER (WHERE action = 'reply'),
       COUNT(*) FILTER (WHERE action = 'reply' AND on_time),
       AVG(reply_seconds) FILTER (WHERE action = 'reply'),
       COUNT(*) FILTER (WHERE action = 'rate'),
       COUNT(*) FILTER (WHERE action = 'rate' AND rating IN ('satisfied', 'basic')),
       COUNT(*) FILTER (WHERE action = 'reopen')
  FROM needs_needevent
 WHERE {level}_id = %(region)s AND at <= %(end)s
 GROUP BY department_id
"""


def raw(sql: str, level: str, region_id: int) -> Callable[[], Any]:
    from django.db import connection
    from django.utils import timezone

    def run() -> Any:
        rows = []
        with connection.cursor() as cur:
            for statement in sql.split(";"):
                cur.execute(
                    statement.format(level=level),
                    {"end": timezone.now(), "region": region_id, "awaiting": list(AWAITING)},
                )
                rows.append(cur.fetchall())
        return rows

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        choices=("district", "city"),
        default="district",
        help="district: one district seeded with the ORM; city: 10 districts seeded with COPY",
    )
    parser.add_argument("--needs", type=int, help="default 200,000 (district), 3,000,000 (city)")
    parser.add_argument("--streets", type=int, default=10, help="district scale only")
    parser.add_argument("--communities", type=int, default=12, help="district scale only")
    parser.add_argument(
        "--repeat", type=runs_argument, default=50, help="samples per figure (>= 30)"
    )
    parser.add_argument("--skip-http", action="store_true", help="no P2 run over HTTP")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=25, help="per client")
    parser.add_argument("--workers", type=int, default=0, help="default: see --worker-class")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--keep-alive", action="store_true", help="each client keeps its connection"
    )
    from run import http_arguments

    http_arguments(parser)
    args = parser.parse_args()

    import django

    django.setup()
    from common import machine_speed

    import lianjian.wsgi  # noqa: F401  (a worker as deployed: start-up objects frozen)

    print(machine_speed())
    import logging

    logging.getLogger("lianjian.notifications").setLevel(logging.WARNING)
    from django.db import connection

    from lianjian.needs.selectors import needs_filtered
    from lianjian.needs.services import need_submit
    from lianjian.needs.stats import need_stats

    if args.scale == "city":
        from needs_generate import CITY_NEEDS

        ctx = seed_city(args.needs or CITY_NEEDS)
        t = ctx["totals"]
        print(
            f"scale: city, {t['districts']} districts x 10 streets x 12 communities"
            f" ({t['streets']} streets, {t['communities']} communities); database: {connection.vendor}"
        )
        print(
            f"totals: {t['needs']:,} needs, {t['events']:,} events, {t['summaries']:,} summaries,"
            f" {t['tallies']:,} tally rows"
        )
        print(
            f"measured in {ctx['district'].name}: {t['district_needs']:,} needs in the district,"
            f" {t['street_needs']:,} in street {ctx['street'].name},"
            f" {t['dept_needs']:,} held by the handler's department ({ctx['dept'].name})"
        )
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in ctx["timings"].items())
        print(f"seeding took {ctx['seeded_s']:.1f} s ({phases})")
    else:
        ctx = seed(args.needs or 200_000, args.streets, args.communities)
        print(f"database: {connection.vendor}; needs in bench district: {ctx['total']}")
        print(f"seeding took {ctx['seeded_s']:.1f} s")
        if connection.vendor == "postgresql":
            # right after seeding, before autovacuum came by, every statistic measured
            # 3-4x slower (index-only scans visiting the heap); ~1 s when already done
            with connection.cursor() as cursor:
                cursor.execute(
                    "VACUUM (ANALYZE) needs_need, needs_needevent, needs_needsummary, needs_needtally"
                )

    def page(user: Any) -> Callable[[], Any]:
        return lambda: list(needs_filtered(user, {})[:20])

    rows = [
        ("scoped list, street staff (20 rows)", page(ctx["user"])),
        ("scoped list, district admin (20 rows)", page(ctx["admin"])),
        ("scoped list, department handler (20 rows)", page(ctx["handler"])),
        ("department statistics, street", lambda: need_stats(ctx["user"], dimension="department")),
        (
            "department statistics, district",
            lambda: need_stats(ctx["admin"], dimension="department"),
        ),
    ]
    for label, fn in rows:
        p50, p95 = timed(fn, args.repeat)
        print(f"{label:45s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")

    # P3: statistics against the same aggregate written as raw SQL
    from django.utils import timezone

    if connection.vendor == "postgresql":
        for scale, level, region, user in (
            ("street", "street", ctx["street"], ctx["user"]),
            ("district", "district", ctx["district"], ctx["admin"]),
        ):
            # the statistic and its hand SQL in alternating pairs (bench/timing.py)
            pair = paired(
                lambda user=user: need_stats(user, dimension="department"),
                raw(RAW_STATS_SQL + ";" + RAW_OVERDUE_SQL, level, region.pk),
                args.repeat,
            )
            ev_p50, ev_p95 = timed(raw(RAW_EVENTS_SQL, level, region.pk), args.repeat)
            (orm_p50, orm_p95), (raw_p50, raw_p95) = pair.a, pair.b
            print(
                f"{'need_stats, paired, ' + scale:45s} p50 {orm_p50:7.1f} ms  p95 {orm_p95:7.1f} ms"
            )
            print(
                f"{'raw SQL, same aggregate, paired, ' + scale:45s} p50 {raw_p50:7.1f} ms  p95 {raw_p95:7.1f} ms"
            )
            print(
                f"{'raw SQL over the event history, ' + scale:45s} p50 {ev_p50:7.1f} ms  p95 {ev_p95:7.1f} ms"
            )
            print(
                f"{'  need_stats / raw SQL, ' + scale:45s} {pair.ratio:7.2f} x  (median of"
                f" {pair.samples} alternating pairs)"
            )

    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    past = timezone.now() - timezone.timedelta(days=30)
    # ~0.1 s each at district scale; still >= 30 samples, or the "p95" is the slowest call
    as_of_repeat = max(30, args.repeat // 2)
    for label, fn, n in (
        (
            "department statistics, district, this month",
            lambda: need_stats(ctx["admin"], dimension="department", start=month_start),
            args.repeat,
        ),
        (
            "department statistics, street, as of 30 days ago",
            lambda: need_stats(ctx["user"], dimension="department", as_of=past),
            as_of_repeat,
        ),
        (
            "department statistics, district, as of 30 days ago",
            lambda: need_stats(ctx["admin"], dimension="department", as_of=past),
            as_of_repeat,
        ),
    ):
        p50, p95 = timed(fn, n)
        print(f"{label:45s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")

    def create() -> None:
        need_submit(
            channel="hotline",
            text="基准：小区路灯损坏需要维修",
            region=ctx["community"],
            submitter_kind="anonymous",
            submitter_name="",
            contact_phone="",
            actor=ctx["user"],
        )

    p50, p95 = timed(create, args.repeat)
    print(f"{'need creation (need_submit)':45s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")

    if not args.skip_http and connection.vendor == "postgresql":
        http_needs_list(ctx, args)


def http_needs_list(ctx: dict[str, Any], args: Any) -> None:
    """P2 for the needs list: its API per persona and its page, 16 clients over HTTP."""
    from django.conf import settings
    from django.test import Client
    from run import default_workers, http_figures

    from lianjian.accounts.services import token_create

    page_client = Client()
    page_client.force_login(ctx["user"])
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={page_client.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    targets = [
        (
            f"GET /api/v1/needs ({who}, 20 rows)",
            "/api/v1/needs",
            {"Authorization": f"Bearer {token_create(ctx[key], 'bench')}"},
        )
        for who, key in (
            ("street staff", "user"),
            ("district admin", "admin"),
            ("department handler", "handler"),
        )
    ]
    targets.append(("GET /needs/ page (street staff)", "/needs/", {"Cookie": cookie}))
    http_figures(
        "needs list over HTTP (P2: API p95 <= 100 ms, page p95 <= 300 ms",
        targets,
        clients=args.clients,
        per_client=args.requests,
        workers=args.workers or default_workers(args.worker_class),
        threads=args.threads,
        keep_alive=args.keep_alive,
        load=args.load,
        redis_url=args.redis,
        worker_class=args.worker_class,
        port=args.port,
    )


if __name__ == "__main__":
    main()
