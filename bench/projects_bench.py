"""Projects benchmark (P2, P3): the claimant's open-items list and the community report.

Seeds a district of items and claims (default 300k items and 200k claims:
500k rows, plus their registrations) into a PostgreSQL database of its own
(BENCH_DATABASE_URL, default lianjian_projects_bench; created and migrated on
first use), under the district "项目基准区" (10 streets x 10 communities), then
prints p50/p95:

    python bench/projects_bench.py                  # --items N --claims N --repeat N
    python bench/projects_bench.py --skip-http      # in-process figures only

Targets: the open-items phone list (API, 20 rows) p95 <= 100 ms at 16
concurrent clients over HTTP (P2); the community report, street and district,
p95 <= 100 ms and no more than 2x the same aggregate written as hand SQL (P3).
The report sums the tallies kept at write time (`projects_daytally`, one row
per community, day and programme); its hand SQL is the same sum over the same
rows, and the hand SQL over the items and claims themselves is printed beside
it for reference. Before timing, the four (report, report from the rows, and
both hand SQLs) must give equal figures. Seeded rows are written around the
services: the tallies are rebuilt from them after seeding.
Run against a scratch database: it writes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import MIN_SAMPLES, paired, runs_argument, timed

DISTRICT = "项目基准区"
STREETS = 10
COMMUNITIES = 10
ORGS = 400


def seed(n_items: int, n_claims: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.orgs.models import PartyOrg, Region
    from lianjian.orgs.services import party_org_create, region_create
    from lianjian.projects.models import (
        Claim,
        ClaimStatus,
        Item,
        ItemStatus,
        Kind,
        Registration,
        RegStatus,
    )

    rng = random.Random(15)
    district = Region.objects.filter(name=DISTRICT, level="district").first()
    if district is None:
        district = region_create(name=DISTRICT, level=Region.Level.DISTRICT)
        for s in range(STREETS):
            street = region_create(
                name=f"项目基准街道{s + 1}", level=Region.Level.STREET, parent=district
            )
            for c in range(COMMUNITIES):
                region_create(
                    name=f"项目基准社区{s + 1}-{c + 1}", level=Region.Level.COMMUNITY, parent=street
                )
    comms = list(Region.objects.filter(level="community", district_ref=district).order_by("pk"))
    streets = list(Region.objects.filter(level="street", district_ref=district).order_by("pk"))
    orgs = list(PartyOrg.objects.filter(district=district).order_by("pk"))
    while len(orgs) < ORGS:
        c = comms[len(orgs) % len(comms)]
        orgs.append(
            party_org_create(
                region=c, name=f"基准共建单位党支部{len(orgs) + 1}", level=PartyOrg.Level.BRANCH
            )
        )
    regs = list(Registration.objects.filter(district=district).order_by("pk"))
    if not regs:
        regs = Registration.objects.bulk_create(
            [
                Registration(
                    party_org=o,
                    region_id=o.community_id,
                    status=RegStatus.APPROVED,
                    district_id=o.district_id,
                    street_id=o.street_id,
                    community_id=o.community_id,
                )
                for o in orgs
            ]
        )
    regs_by_comm: dict[int, list[Any]] = {}
    for r in regs:
        regs_by_comm.setdefault(r.region_id, []).append(r)
    now = timezone.now()
    kinds = [Kind.WISH, Kind.PROJECT, Kind.SERVICE, Kind.PROBLEM]
    existing = Item.objects.filter(district=district).count()
    wrote = existing < n_items
    t0 = time.perf_counter()
    batch = 5000
    for start in range(existing, n_items, batch):
        rows = []
        for i in range(start, min(start + batch, n_items)):
            c = comms[i % len(comms)]
            # most of a district's history is done; a tenth is still open
            done = rng.random() < 0.9
            published = now - dt.timedelta(days=rng.randint(1, 300))
            rows.append(
                Item(
                    region=c,
                    kind=kinds[i % 4],
                    title=f"基准项目{i}",
                    capacity=1,
                    claimed_count=1 if done else 0,
                    status=ItemStatus.CONFIRMED if done else ItemStatus.PUBLISHED,
                    published_at=published,
                    confirmed_at=published + dt.timedelta(days=rng.randint(1, 30))
                    if done
                    else None,
                    people_helped=rng.randint(0, 5) if done else 0,
                    district_id=c.district_ref_id,
                    street_id=c.street_ref_id,
                    community_id=c.pk,
                )
            )
        with transaction.atomic():
            Item.objects.bulk_create(rows, batch_size=batch)
    existing_claims = Claim.objects.filter(district=district).count()
    wrote = wrote or existing_claims < n_claims
    if existing_claims < n_claims:
        done_ids = list(
            Item.objects.filter(district=district, status=ItemStatus.CONFIRMED)
            .order_by("pk")
            .values_list("pk", "community_id", "street_id", "kind")[existing_claims:n_claims]
        )
        for start in range(0, len(done_ids), batch):
            rows = []
            for pk, comm, street, kind in done_ids[start : start + batch]:
                reg = rng.choice(regs_by_comm[comm])
                at = now - dt.timedelta(days=rng.randint(1, 300))
                rows.append(
                    Claim(
                        item_id=pk,
                        registration=reg,
                        party_org_id=reg.party_org_id,
                        kind=kind,
                        status=ClaimStatus.CONFIRMED,
                        promised_by=at.date(),
                        percent=100,
                        delivered_value=Decimal(rng.randint(100, 50000)),
                        people_helped=rng.randint(0, 5),
                        delivered_at=at,
                        confirmed_at=at,
                        on_time=rng.random() < 0.9,
                        district_id=district.pk,
                        street_id=street,
                        community_id=comm,
                    )
                )
            with transaction.atomic():
                Claim.objects.bulk_create(rows, batch_size=batch)
    # each item's first confirmed delivery, as `claim_confirm` keeps it
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE projects_item i SET helped_at = c.at FROM (SELECT item_id,"
            " min(confirmed_at) AS at FROM projects_claim WHERE status = 'confirmed'"
            " GROUP BY item_id) c WHERE c.item_id = i.id AND i.helped_at IS NULL"
        )
    print(f"seeded in {time.perf_counter() - t0:.0f} s")

    def user(name: str, role: str, **target: Any) -> Any:
        u = User.objects.filter(username=name).first()
        if u is None:
            u = User.objects.create(username=name, display_name=name, must_change_password=False)
            grant_add(u, role, **target)
        return u

    return {
        "wrote": wrote,
        "district": district,
        "street_user": user("bench_projects_street", Role.STREET_STAFF, region=streets[0]),
        "district_user": user("bench_projects_district", Role.DISTRICT_ADMIN, region=district),
        "unit_user": user("bench_projects_unit", Role.UNIT_ADMIN, party_org=orgs[0]),
        "street": streets[0],
    }


HAND_SQL = """
SELECT community_id,
       count(*) FILTER (WHERE created_at >= %(lo)s AND created_at < %(hi)s
                          AND status <> 'withdrawn'),
       count(*) FILTER (WHERE delivered_at >= %(lo)s AND delivered_at < %(hi)s),
       count(*) FILTER (WHERE status = 'confirmed' AND confirmed_at >= %(lo)s
                          AND confirmed_at < %(hi)s),
       count(*) FILTER (WHERE status = 'confirmed' AND confirmed_at >= %(lo)s
                          AND confirmed_at < %(hi)s AND on_time),
       sum(delivered_value) FILTER (WHERE status = 'confirmed' AND confirmed_at >= %(lo)s
                          AND confirmed_at < %(hi)s)
  FROM projects_claim
 WHERE {scope} AND ((created_at >= %(lo)s AND created_at < %(hi)s)
    OR (delivered_at >= %(lo)s AND delivered_at < %(hi)s)
    OR (confirmed_at >= %(lo)s AND confirmed_at < %(hi)s))
 GROUP BY community_id;
SELECT community_id,
       count(*) FILTER (WHERE published_at >= %(lo)s AND published_at < %(hi)s),
       count(*) FILTER (WHERE kind = 'problem' AND status = 'confirmed'
                          AND confirmed_at >= %(lo)s AND confirmed_at < %(hi)s),
       sum(people_helped) FILTER (WHERE helped_at >= %(lo)s AND helped_at < %(hi)s)
  FROM projects_item
 WHERE {scope} AND ((published_at >= %(lo)s AND published_at < %(hi)s)
    OR (kind = 'problem' AND status = 'confirmed' AND confirmed_at >= %(lo)s
        AND confirmed_at < %(hi)s)
    OR (helped_at >= %(lo)s AND helped_at < %(hi)s))
 GROUP BY community_id;
SELECT c.community_id, count(*) FROM projects_claim c JOIN projects_item i ON i.id = c.item_id
 WHERE c.{scope} AND c.status = 'confirmed' AND c.confirmed_at >= %(lo)s
   AND c.confirmed_at < %(hi)s AND i.programme > '' GROUP BY c.community_id;
"""


# per community: published, claimed, delivered, confirmed, on time, value (fen), people,
# hard problems solved, pairs — the report's figures, in the tallies' order
Figures = dict[int, tuple[int, ...]]


def rows_sql(level: str, region_id: int, lo: Any, hi: Any) -> Figures:
    """The report's figures by hand SQL over the items and claims (for reference)."""
    from django.db import connection

    from lianjian.projects.tally import fen

    scope = f"{level}_id = %(region)s"
    out: dict[int, list[int]] = {}

    def row(community: int) -> list[int]:
        return out.setdefault(community, [0] * 9)

    with connection.cursor() as cur:
        claims, items, pairs = (s for s in HAND_SQL.format(scope=scope).split(";") if s.strip())
        cur.execute(claims, {"region": region_id, "lo": lo, "hi": hi})
        for community, claimed, delivered, confirmed, on_time, value in cur.fetchall():
            row(community)[1:6] = [claimed, delivered, confirmed, on_time, fen(value or 0)]
        cur.execute(items, {"region": region_id, "lo": lo, "hi": hi})
        for community, published, solved, people in cur.fetchall():
            r = row(community)
            r[0], r[7], r[6] = published, solved, people or 0
        cur.execute(pairs, {"region": region_id, "lo": lo, "hi": hi})
        for community, n in cur.fetchall():
            row(community)[8] = n
    return {c: tuple(f) for c, f in out.items() if any(f)}


TALLY_SQL = """
SELECT community_id, sum(published), sum(claimed), sum(delivered), sum(confirmed),
       sum(on_time), sum(value_fen), sum(people), sum(problems_solved), sum(pairs)
  FROM projects_daytally
 WHERE {level}_id = %(region)s AND day >= %(start)s AND day <= %(end)s
 GROUP BY community_id
"""


def tally_sql(level: str, region_id: int, start: Any, end: Any) -> Figures:
    """The report's aggregate by hand SQL over the tallies: what the report is timed against."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            TALLY_SQL.format(level=level), {"region": region_id, "start": start, "end": end}
        )
        rows = cur.fetchall()
    return {r[0]: tuple(int(v or 0) for v in r[1:]) for r in rows if any(r[1:])}


def report_figures(report: Any) -> Figures:
    from lianjian.projects.tally import fen

    out = {}
    for r in report.rows:
        f = (
            r.published,
            r.claimed,
            r.delivered,
            r.confirmed,
            r.on_time,
            fen(r.value),
            r.people,
            r.problems_solved,
            r.pairs,
        )
        if any(f):
            out[r.key] = f
    return out


def seed_pairs(district: Any, per_community: int, visits: int) -> None:
    """帮扶对子 at seed 003's shape: units of each community paired with households,
    each visited `visits` times with a value in yuan."""
    from django.db import transaction
    from django.utils import timezone

    from lianjian.projects.models import Pair, PairVisit, Registration
    from lianjian.projects.services import CONSENT_VERSION

    if Pair.objects.filter(district=district).exists():
        return
    rng = random.Random(5)
    now = timezone.now()
    today = timezone.localdate()
    regs = list(Registration.objects.filter(district=district, party_org__isnull=False))
    by_comm: dict[int, list[Any]] = {}
    for r in regs:
        by_comm.setdefault(r.region_id, []).append(r)
    rows = []
    for comm, comm_regs in by_comm.items():
        for n in range(per_community):
            reg = comm_regs[n % len(comm_regs)]
            rows.append(
                Pair(
                    registration=reg,
                    party_org_id=reg.party_org_id,
                    region_id=comm,
                    household_name=f"困难户{comm}-{n}",
                    household_note="",
                    people=rng.randint(1, 5),
                    consent_version=CONSENT_VERSION,
                    consented_at=now,
                    started_on=today - dt.timedelta(days=700),
                    district_id=reg.district_id,
                    street_id=reg.street_id,
                    community_id=comm,
                )
            )
    with transaction.atomic():
        pairs = Pair.objects.bulk_create(rows, batch_size=5000)
        PairVisit.objects.bulk_create(
            [
                PairVisit(
                    pair=p,
                    visited_on=today - dt.timedelta(days=rng.randint(0, 690)),
                    note="走访慰问",
                    value=Decimal(rng.randint(100, 3000)),
                )
                for p in pairs
                for _ in range(visits)
            ],
            batch_size=5000,
        )


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300_000)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--pairs", type=int, default=20, help="per community")
    parser.add_argument("--visits", type=int, default=12, help="per pair")
    parser.add_argument("--repeat", type=runs_argument, default=MIN_SAMPLES)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=25, help="per client")
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help="REDIS_URL for the server, as deployed; '' for a per-process cache",
    )
    args = parser.parse_args()

    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lianjian_projects_bench"
    )
    from common import machine_speed, setup

    setup(create=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(machine_speed())
    print(load())
    from django.db import connection

    from lianjian.projects import selectors, selectors_pairs
    from lianjian.projects.models import Claim, DayTally, Item, Pair, PairVisit

    ctx = seed(args.items, args.claims)
    d = ctx["district"]
    seed_pairs(d, args.pairs, args.visits)
    if ctx["wrote"]:
        # seeded around the services: the tallies from the rows, by the services' rules
        from lianjian.projects.services_tally import tally_rebuild

        t0 = time.perf_counter()
        n = tally_rebuild()
        print(f"tallies rebuilt from the rows: {n:,} rows in {time.perf_counter() - t0:.0f} s")
    with connection.cursor() as cur:
        # as autovacuum leaves a settled table: the visibility map set, so the report's
        # covering indexes are read without visiting the heap
        tables = ("projects_item", "projects_claim", "projects_pair", "projects_pairvisit")
        for table in (*tables, "projects_daytally"):
            cur.execute(f"VACUUM ANALYZE {table}")
    items, claims = (
        Item.objects.filter(district=d).count(),
        Claim.objects.filter(district=d).count(),
    )
    print(
        f"district {DISTRICT}: {items:,} items and {claims:,} claims ({items + claims:,} rows), "
        f"{Pair.objects.filter(district=d).count():,} pairs with "
        f"{PairVisit.objects.filter(pair__district=d).count():,} visits, "
        f"{DayTally.objects.filter(district_id=d.pk).count():,} tally rows"
    )
    start, end = selectors.period({"start": dt.date.today() - dt.timedelta(days=365)})
    lo, hi = selectors._bounds(start, end)

    def open_list() -> None:
        list(selectors.open_items_for_claimant(ctx["unit_user"])[:20])

    def street_pairs() -> None:
        qs = selectors_pairs.pairs_filtered(ctx["street_user"], {})
        list(qs[:20])
        qs.count()

    print(f"in-process, {args.repeat} samples each (ms):")
    for label, fn in (
        ("open items, unit admin (20 rows)", open_list),
        ("unit ranking, district", lambda: selectors.unit_report(ctx["district_user"], start, end)),
        ("pairs list, street (20 rows + count)", street_pairs),
    ):
        p50, p95 = timed(fn, args.repeat)
        print(f"  {label:45s} p50 {p50:7.1f}  p95 {p95:7.1f}")
    scopes = (
        ("street", ctx["street_user"], ctx["street"]),
        ("district", ctx["district_user"], d),
    )
    for level, who, region in scopes:
        # the four must agree before any is timed
        kept = report_figures(selectors.community_report(who, start, end))
        rows = report_figures(selectors.community_report_rows(who, start, end))
        by_tally = tally_sql(level, region.pk, start, end)
        by_rows = rows_sql(level, region.pk, lo, hi)
        if not kept == rows == by_tally == by_rows:
            sys.exit(f"{level}: the report's figures differ (tallies, rows, both hand SQLs)")
        confirmed = sum(f[3] for f in kept.values())
        print(
            f"  {level}: report, report from the rows and both hand SQLs agree "
            f"({len(kept)} communities, {confirmed:,} confirmed)"
        )
    print(
        f"community report (tallies) against hand SQL of the same aggregate over the tallies,"
        f" {args.repeat} alternating pairs (ms; ratio = median of the per-pair ratios;"
        " P3: p95 <= 100 ms, <= 2x); hand SQL over the items and claims for reference:"
    )
    for level, who, region in scopes:
        pair = paired(
            lambda who=who: selectors.community_report(who, start, end),
            lambda level=level, region=region: tally_sql(level, region.pk, start, end),
            args.repeat,
        )
        ref = timed(
            lambda level=level, region=region: rows_sql(level, region.pk, lo, hi), args.repeat
        )
        print(
            f"  community report, {level:8s}  p50 {pair.a[0]:7.1f}  p95 {pair.a[1]:7.1f}   "
            f"hand SQL p50 {pair.b[0]:7.1f}  p95 {pair.b[1]:7.1f}   {pair.ratio:.2f}x   "
            f"rows' hand SQL p50 {ref[0]:7.1f}  p95 {ref[1]:7.1f}"
        )
    print(load())

    if not args.skip_http:
        from run import default_workers, http_figures

        from lianjian.accounts.services import token_create

        def bearer(user: Any) -> dict[str, str]:
            return {"Authorization": f"Bearer {token_create(user, 'bench')}"}

        http_figures(
            "projects over HTTP (P2: API p95 <= 100 ms",
            [
                (
                    "GET /api/v1/projects/items?open=true (unit admin)",
                    "/api/v1/projects/items?open=true",
                    bearer(ctx["unit_user"]),
                ),
                (
                    "GET /api/v1/projects/report/communities (street)",
                    "/api/v1/projects/report/communities",
                    bearer(ctx["street_user"]),
                ),
                (
                    "GET /api/v1/projects/report/communities (district)",
                    "/api/v1/projects/report/communities",
                    bearer(ctx["district_user"]),
                ),
                (
                    "GET /api/v1/projects/pairs (street, 20 rows)",
                    "/api/v1/projects/pairs",
                    bearer(ctx["street_user"]),
                ),
            ],
            clients=args.clients,
            per_client=args.requests,
            workers=args.workers or default_workers("sync"),
            threads=1,
            redis_url=args.redis,
        )
        print(load())


if __name__ == "__main__":
    main()
