"""Points benchmark (issue 17, P2/P3): a member's balance and history pages, a street's tier report.

Seeds a city-scale ledger (default 10,000,000 entries over 200,000 enrolled members,
10 districts x 5 streets x 8 communities, a fifth of them holding a card, plus one
member with a long history of `--long` entries) under districts "积分基准区…" of the
database named by DATABASE_URL, then prints p50/p95 of

- the member's page `/points/me/` (balance, the latest 30 entries with their cause, the
  card and its QR, the card's uses) — target p95 <= 100 ms;
- the member's history, paged: `/points/me/history/?before=…` (the second page) and the
  API `/api/v1/points/me/entries?before=…`, and the last page of the long history
  (keyset paging: the last page should cost what the first does) — target p95 <= 100 ms;
- the street's tier report `/api/v1/points/report/tiers` (cards by tier per community)
  — target p95 <= 100 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_points \\
      python bench/points_bench.py --scale 0.01     # 100,000 entries for a quick run
    ... python bench/points_bench.py --reuse        # time the last seeded set again

Rows go in with COPY (`core.bulkcopy.copy_rows`): members with their encrypted ID
numbers, then the entries with the ledger's secondary indexes and constraints dropped
and rebuilt after the load (one sort per index instead of 10M index insertions), then
enrolments, balances (the sum of each member's entries) and cards; the tables are
vacuumed and analyzed. The region tree goes through the services (460 regions).

Run against a scratch database of its own: it writes. Requests go through Django's
test client in process (the page's own queries and rendering, no network).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

DISTRICTS, STREETS, COMMUNITIES = 10, 5, 8
TAG = "积分基准区"
CHUNK = 1_000_000  # entries per COPY statement (one transaction each)


def _sql(statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall()) if cursor.description else []


def _reserve_ids(table: str, n: int) -> int:
    """Take `n` consecutive ids from the table's sequence; returns the first."""
    (last,) = _sql(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
        " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [table, table, n],
    )[0]
    return int(last) - n + 1


def _drop_secondary(table: str) -> list[str]:
    """Drop `table`'s constraints and indexes other than its primary key; return their DDL."""
    qn = '"{}"'.format
    constraints = _sql(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
        [table],
    )
    names = {name for name, _ in constraints}
    indexes = _sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'p')",
        [table, table],
    )
    ddl = [d for n, d in indexes if n not in names]
    # foreign keys come back NOT VALID: the rows are valid by construction, and validating
    # seven keys over 10M rows would cost minutes without changing any plan
    ddl += [
        f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(n)} {d}"
        + (" NOT VALID" if d.startswith("FOREIGN KEY") else "")
        for n, d in constraints
    ]
    for name, _ in constraints:
        _sql(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
    for name, _ in indexes:
        if name not in names:
            _sql(f"DROP INDEX {qn(name)}")
    return ddl


def _regions() -> tuple[list[Any], list[Any]]:
    from lianjian.orgs.models import PartyOrg, Region
    from lianjian.orgs.services import party_org_create, region_create

    tag = f"{TAG}{int(time.time())}"
    orgs: list[PartyOrg] = []
    streets: list[Region] = []
    for d in range(DISTRICTS):
        district = region_create(name=f"{tag}-{d}", level=Region.Level.DISTRICT)
        for s in range(STREETS):
            street = region_create(name=f"街道{d}-{s}", level=Region.Level.STREET, parent=district)
            streets.append(street)
            for c in range(COMMUNITIES):
                community = region_create(
                    name=f"社区{d}-{s}-{c}", level=Region.Level.COMMUNITY, parent=street
                )
                orgs.append(
                    party_org_create(
                        region=community, name=f"社区{d}-{s}-{c}党支部", level=PartyOrg.Level.BRANCH
                    )
                )
    return orgs, streets


def _members(orgs: list[Any], members: int) -> list[tuple[int, tuple[Any, ...]]]:
    """COPY the members; returns (id, (district, street, community, area)) of each."""
    from django.db import connection
    from django.utils import timezone

    from lianjian.core.bulkcopy import copy_rows
    from lianjian.orgs.models import Member

    fields = {f.attname: f for f in Member._meta.concrete_fields}
    columns = [f.column for f in Member._meta.concrete_fields]
    first = _reserve_ids(Member._meta.db_table, members)
    now = timezone.now()
    id_field = fields["id_number"]
    blank_mobile = fields["mobile"].get_db_prep_save("", connection)
    made: list[tuple[int, tuple[Any, ...]]] = []

    def rows() -> Iterator[list[Any]]:
        for i in range(members):
            org = orgs[i % len(orgs)]
            loc = (org.district_id, org.street_id, org.community_id, org.area_id)
            pk = first + i
            made.append((pk, loc))
            values = {
                "id": pk,
                "created_at": now,
                "updated_at": now,
                "district_id": loc[0],
                "street_id": loc[1],
                "community_id": loc[2],
                "area_id": loc[3],
                "name": "党员",
                "gender": "",
                "id_number": id_field.get_db_prep_save(f"B{pk:017d}", connection),
                "id_number_index": secrets.token_hex(16),
                "mobile": blank_mobile,
                "mobile_index": "",
                "birth_date": None,
                "joined_on": None,
                "status": str(Member.Status.FULL),
                "party_org_id": org.pk,
                "workplace_unit_id": None,
                "residence_community_id": None,
                "is_floating": False,
                "floating_to": "",
                "floating_reason": "",
                "user_id": None,
                "is_active": True,
            }
            yield [values[f.attname] for f in Member._meta.concrete_fields]

    copy_rows(Member._meta.db_table, columns, rows())
    return made


ENTRY_COLUMNS = (
    "district_id",
    "street_id",
    "community_id",
    "area_id",
    "member_id",
    "points",
    "cause",
    "cause_id",
    "rule_id",
    "actor_id",
    "created_at",
    "on",
    "note",
    "expires_on",
)


def _entries(made: list[tuple[int, tuple[Any, ...]]], per: int, long: int) -> int:
    """COPY `per` entries of every member (and `long` more of the first), in chunks."""
    from django.db import transaction
    from django.utils import timezone

    from lianjian.core.bulkcopy import copy_rows
    from lianjian.points.models import Cause, Entry

    causes = [str(c) for c in (Cause.ATTENDANCE, Cause.SERVICE_HOURS, Cause.LESSON, Cause.CLAIM)]
    now = timezone.now()
    # one member's entries span two years, a few days apart, newest now
    span = max(per, long)
    moments = [now - dt.timedelta(days=j * 700 / span, minutes=j) for j in range(span)]
    times = [m.isoformat() for m in moments]
    days = [m.date().isoformat() for m in moments]

    def rows() -> Iterator[tuple[Any, ...]]:
        for pk, (d, s, c, a) in made:
            for j in range(per):
                yield (
                    d,
                    s,
                    c,
                    a,
                    pk,
                    5,
                    causes[j & 3],
                    f"b{pk}-{j}",
                    None,
                    None,
                    times[j],
                    days[j],
                    "基准",
                    None,
                )
        pk, (d, s, c, a) = made[0]
        for j in range(per, per + long):
            k = j % span
            yield (
                d,
                s,
                c,
                a,
                pk,
                5,
                causes[j & 3],
                f"b{pk}-{j}",
                None,
                None,
                times[k],
                days[k],
                "基准",
                None,
            )

    table = Entry._meta.db_table
    with transaction.atomic():
        ddl = _drop_secondary(table)
    written = 0
    source = rows()
    started = time.monotonic()
    while True:
        chunk = [row for _, row in zip(range(CHUNK), source, strict=False)]
        if not chunk:
            break
        with transaction.atomic():
            written += copy_rows(table, ENTRY_COLUMNS, chunk)
        rate = written / (time.monotonic() - started)
        print(f"  entries: {written:,} ({rate:,.0f}/s)", flush=True)
    started = time.monotonic()
    _sql("SET maintenance_work_mem = '1GB'")
    for statement in ddl:
        t = time.monotonic()
        _sql(statement)
        print(f"  rebuilt in {time.monotonic() - t:.1f} s: {statement[:110]}", flush=True)
    print(f"  indexes and constraints rebuilt in {time.monotonic() - started:.1f} s", flush=True)
    return written


def _rest(made: list[tuple[int, tuple[Any, ...]]], per: int, long: int) -> None:
    """Enrolments, balances (the sum of each member's entries) and a card for every fifth."""
    from django.db import transaction
    from django.utils import timezone

    from lianjian.core.bulkcopy import copy_rows
    from lianjian.points.models import Balance, Card, Enrolment

    now = timezone.now()
    loc = ("district_id", "street_id", "community_id", "area_id")
    valid = (now.date() + dt.timedelta(days=365)).isoformat()
    with transaction.atomic():
        copy_rows(
            Enrolment._meta.db_table,
            (*loc, "member_id", "consent_version", "consent_at", "withdrawn_at"),
            ((*where, pk, "bench", now, None) for pk, where in made),
        )
        copy_rows(
            Balance._meta.db_table,
            (*loc, "member_id", "points", "updated_at"),
            (
                (*where, pk, 5 * (per + (long if i == 0 else 0)), now)
                for i, (pk, where) in enumerate(made)
            ),
        )
        copy_rows(
            Card._meta.db_table,
            (
                *loc,
                "member_id",
                "tier",
                "status",
                "token",
                "certification_id",
                "issued_at",
                "valid_until",
            ),
            (
                (
                    *where,
                    pk,
                    "gold" if i % 10 == 0 else "silver",
                    "active",
                    secrets.token_urlsafe(18),
                    None,
                    now,
                    valid,
                )
                for i, (pk, where) in enumerate(made)
                if i % 5 == 0
            ),
        )


def seed(entries: int, members: int, long: int) -> dict[str, Any]:
    started = time.monotonic()
    orgs, streets = _regions()
    print(f"  regions and organizations in {time.monotonic() - started:.1f} s", flush=True)
    t = time.monotonic()
    made = _members(orgs, members)
    print(f"  {len(made):,} members in {time.monotonic() - t:.1f} s", flush=True)
    per = max(1, entries // members)
    written = _entries(made, per, long)
    t = time.monotonic()
    _rest(made, per, long)
    print(f"  enrolments, balances, cards in {time.monotonic() - t:.1f} s", flush=True)
    t = time.monotonic()
    for table in (
        "orgs_member",
        "points_entry",
        "points_balance",
        "points_card",
        "points_enrolment",
    ):
        _sql(f'VACUUM ANALYZE "{table}"')
    print(f"  vacuum analyze in {time.monotonic() - t:.1f} s", flush=True)
    return {
        "streets": streets,
        "member_ids": [pk for pk, _ in made],
        "seconds": time.monotonic() - started,
        "entries": written,
    }


def reuse() -> dict[str, Any]:
    """The last seeded set: its streets and members (by the newest "积分基准区…" districts)."""
    from lianjian.orgs.models import Member, Region
    from lianjian.points.models import Entry

    newest = Region.objects.filter(level="district", name__startswith=TAG).order_by("-pk")
    if not newest.exists():
        sys.exit("nothing seeded yet: run without --reuse first")
    tag = newest[0].name.rsplit("-", 1)[0]
    districts = list(Region.objects.filter(level="district", name__startswith=tag + "-"))
    streets = list(Region.objects.filter(district_ref__in=districts, level="street").order_by("pk"))
    ids = list(
        Member.objects.filter(district__in=districts).order_by("pk").values_list("pk", flat=True)
    )
    return {"streets": streets, "member_ids": ids, "seconds": 0.0, "entries": Entry.objects.count()}


def timed(client: Any, url: str, n: int) -> tuple[float, float]:
    response = client.get(url)  # warm
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def _member_login(member_id: int, stamp: int, suffix: str) -> Any:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.orgs.models import Member

    member = Member.objects.select_related("party_org__region", "user").get(pk=member_id)
    if member.user is not None:  # linked by an earlier run (--reuse)
        return member.user
    user = User.objects.create(
        username=f"bench_member_{stamp}_{suffix}",
        display_name="基准党员",
        must_change_password=False,
    )
    grant_add(user, Role.MEMBER, region=member.party_org.region)
    member.user = user
    member.save(update_fields=["user"])
    return user


def _uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10M entries")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--long", type=int, default=5000, help="entries of the long history")
    parser.add_argument("--reuse", action="store_true", help="time the last seeded set again")
    parser.add_argument("--seed-only", action="store_true", help="seed, time nothing")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from bench.common import machine_speed

    if connection.vendor != "postgresql":
        sys.exit("the points benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    setup_test_environment()
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add, token_create
    from lianjian.core.roles import Role
    from lianjian.points import selectors

    print(machine_speed())
    print(f"before: {_uptime()}")
    if args.reuse:
        ctx = reuse()
        print(f"reusing {len(ctx['member_ids']):,} members and {ctx['entries']:,} entries")
    else:
        entries = int(10_000_000 * args.scale)
        members = max(100, int(200_000 * args.scale))
        ctx = seed(entries, members, args.long)
        print(
            f"seeded {members:,} members and {ctx['entries']:,} entries in {ctx['seconds']:.1f} s"
        )
        if args.seed_only:
            return
    stamp = int(time.time())
    ids = ctx["member_ids"]
    typical = _member_login(ids[len(ids) // 2], stamp, "typical")
    long_user = _member_login(ids[0], stamp, "long")
    staff = User.objects.create(
        username=f"bench_street_{stamp}", display_name="基准街道", must_change_password=False
    )
    grant_add(staff, Role.STREET_STAFF, region=ctx["streets"][3])
    c1 = Client()
    c1.force_login(typical)
    c3 = Client()
    c3.force_login(long_user)
    # staff sessions need a second factor: the API is read with a token, as integrations do
    c2 = Client(headers={"Authorization": f"Bearer {token_create(staff, 'points-bench')}"})
    second = selectors.history_page(ids[len(ids) // 2]).next_before
    # the long history's last page: walk the cursors once (the API's own paging)
    last_before = None
    cursor = selectors.history_page(ids[0]).next_before
    pages = 1
    while cursor is not None:
        last_before, pages = cursor, pages + 1
        cursor = selectors.history_page(ids[0], cursor).next_before
    n = args.requests
    runs = [
        ("member balance + history page /points/me/", c1, "/points/me/"),
        ("member history, second page /points/me/history/", c1, f"/points/me/history/?before={second}"),
        ("member history API, second page", c1, f"/api/v1/points/me/entries?before={second}"),
        (f"long history ({pages} pages), first page", c3, "/points/me/history/"),
        (f"long history, last page (page {pages})", c3, f"/points/me/history/?before={last_before}"),
        ("long history API, last page", c3, f"/api/v1/points/me/entries?before={last_before}"),
        ("street tier report /api/v1/points/report/tiers", c2, "/api/v1/points/report/tiers"),
    ]  # fmt: skip
    print(f"{n} samples each, after one warm-up request; target p95 <= 100 ms")
    for label, client, url in runs:
        p50, p95 = timed(client, url, n)
        print(f"  {label:<52} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    print(f"after: {_uptime()}")
    # where a request's time goes: its statements, timed by the database driver's round trip
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    print("SQL of one request each (statements, their summed round trips as Django times them):")
    for label, client, url in runs:
        with CaptureQueriesContext(conn) as captured:
            client.get(url)
        ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        print(f"  {label:<52} {len(captured):3d} statements  {ms:6.1f} ms")
    _plans(ids[0], last_before, ctx["streets"][3].pk)


def _plans(member_id: int, before: int | None, street_id: int) -> None:
    """The server's own time and plan for the history's last page and the tier report."""
    from django.db.models import Count, Q

    from lianjian.points import selectors
    from lianjian.points.models import Card, Entry

    qs = Entry.objects.filter(member_id=member_id)
    at = qs.filter(pk=before).values_list("created_at", flat=True).first() if before else None
    if at is not None:
        qs = qs.filter(created_at__lte=at).filter(Q(created_at__lt=at) | Q(pk__lt=before))
    history = qs.order_by("-created_at", "-pk").only(
        "points", "cause", "note", "on", "created_at", "cause_id"
    )[: selectors.HISTORY_PAGE + 1]
    tiers = (
        Card.objects.filter(street_id=street_id, status=Card.Status.ACTIVE)
        .values("community_id")
        .annotate(
            gold=Count("pk", filter=Q(tier="gold")), silver=Count("pk", filter=Q(tier="silver"))
        )
    )
    print("EXPLAIN ANALYZE (server time, no client round trip):")
    for label, query in (("long history, last page", history), ("street tier report", tiers)):
        sql, params = query.query.sql_with_params()
        plan = [row[0] for row in _sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)]
        scans = [line.strip().split("  (")[0] for line in plan if " on " in line]
        timing = [line.strip() for line in plan if line.startswith("Execution Time")]
        print(f"  {label:<26} {timing[0] if timing else '?'}; {'; '.join(scans)}")


if __name__ == "__main__":
    main()
