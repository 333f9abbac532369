"""Activities benchmark (issue 16, P2/P3): a member's home page and the community volunteer report.

Seeds one district of `--streets` x `--communities` communities with volunteers, teams,
held events and 1,000,000 attendance rows (each with its verified hours row) at
`--scale 1`, under a district "活动基准区…" of the database named by
BENCH_DATABASE_URL (PostgreSQL; migrated if new), then prints p50/p95 (ms, in-process
through Django's test client: URL routing, middleware, scope, queries and template) of

- a member's phone home `/activities/m/` (upcoming events, their sign-ups, year total);
- the member's hours API `/api/v1/activities/me/hours`;
- the community volunteer report `/activities/report/` as a community secretary,
  the street staff and the district admin (target p95 <= 100 ms).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_activities_bench \
      python bench/activities_bench.py --scale 0.05     # 50,000 attendance rows
      python bench/activities_bench.py --scale 0.05 --volunteers 800  # the report at full size

Run against a scratch database: it writes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import secrets
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BATCH = 5000
PER_EVENT = 50


def seed(
    scale: float, streets: int, communities: int, volunteers_per: int | None = None
) -> dict[str, Any]:
    from django.utils import timezone

    from lianjian.activities.models import (
        CONSENT_VERSION,
        Attendance,
        Event,
        HoursRecord,
        Team,
        TeamMembership,
        Volunteer,
    )
    from lianjian.orgs.models import PartyOrg, Region
    from lianjian.orgs.services import party_org_create, region_create

    rng = random.Random(16)
    tag = f"活动基准区{int(time.time())}"
    district = region_create(name=tag, level=Region.Level.DISTRICT)
    places: list[tuple[Region, PartyOrg]] = []
    for s in range(streets):
        street = region_create(name=f"{tag}街道{s}", level=Region.Level.STREET, parent=district)
        for c in range(communities):
            community = region_create(
                name=f"{tag}社区{s}-{c}", level=Region.Level.COMMUNITY, parent=street
            )
            org = party_org_create(
                region=community, name=f"{tag}社区{s}-{c}党支部", level=PartyOrg.Level.BRANCH
            )
            places.append((community, org))
    attendance_rows = int(1_000_000 * scale)
    events_n = max(attendance_rows // PER_EVENT, 1)
    per_community = volunteers_per or max(int(800 * max(scale, 0.05)), PER_EVENT)
    now = timezone.now()
    started = time.monotonic()
    volunteers: dict[int, list[Volunteer]] = {}
    teams: dict[int, list[Team]] = {}
    for community, org in places:
        scope = community.ancestor_ids()
        rows = [
            Volunteer(
                name=f"志愿者{i}", region=community, consent_version=CONSENT_VERSION,
                consent_at=now, qr_token=secrets.token_hex(16), **scope,
            )
            for i in range(per_community)
        ]  # fmt: skip
        volunteers[community.pk] = Volunteer.objects.bulk_create(rows, batch_size=BATCH)
        teams[community.pk] = Team.objects.bulk_create(
            [Team(name=f"服务队{t}", region=community, party_org=org, **scope) for t in range(31)]
        )
        TeamMembership.objects.bulk_create(
            [
                TeamMembership(team=teams[community.pk][i % 31], volunteer=v, joined_on=now.date())
                for i, v in enumerate(volunteers[community.pk])
            ],
            batch_size=BATCH,
        )
    events: list[Event] = []
    for n in range(events_n):
        community, org = places[n % len(places)]
        start = now - dt.timedelta(days=1 + n % 700, hours=rng.randint(0, 8))
        events.append(
            Event(
                kind="service", title=f"基准活动{n}", region=community, organizer_org=org,
                starts_at=start, ends_at=start + dt.timedelta(hours=2), status="done",
                checkin_token=secrets.token_hex(16), **community.ancestor_ids(),
            )
        )  # fmt: skip
    Event.objects.bulk_create(events, batch_size=BATCH)
    att: list[Attendance] = []
    hours: list[HoursRecord] = []
    for event in events:
        pool = volunteers[event.community_id]
        for v in rng.sample(pool, min(PER_EVENT, len(pool))):
            a = Attendance(
                event=event, volunteer=v, method="qr", at=event.starts_at,
                district_id=event.district_id, street_id=event.street_id,
                community_id=event.community_id,
            )  # fmt: skip
            att.append(a)
            if len(att) == BATCH:
                _flush(att, hours)
    _flush(att, hours)
    # a handful of upcoming events for the member's home
    upcoming = [
        Event(
            kind="service", title=f"近期活动{n}", region=places[0][0], organizer_org=places[0][1],
            starts_at=now + dt.timedelta(days=n + 1), ends_at=now + dt.timedelta(days=n + 1, hours=2),
            status="published", audience="community", capacity=30,
            checkin_token=secrets.token_hex(16), **places[0][0].ancestor_ids(),
        )
        for n in range(10)
    ]  # fmt: skip
    Event.objects.bulk_create(upcoming)
    # a deployed database has its planner statistics (autovacuum); a fresh bulk seed has none,
    # and the planner then takes 3 teams for 3,720 (a nested loop over 96,000 volunteers)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("team", "teammembership", "volunteer", "event", "attendance", "hoursrecord"):
            cursor.execute(f"ANALYZE activities_{table}")
    return {
        "district": district,
        "street": places[0][0].street_ref,
        "community": places[0][0],
        "member_volunteer": volunteers[places[0][0].pk][0],
        "attendance": Attendance.objects.filter(district_id=district.pk).count(),
        "volunteers": sum(len(v) for v in volunteers.values()),
        "seconds": time.monotonic() - started,
    }


def _flush(att: list[Any], hours: list[Any]) -> None:
    from lianjian.activities.models import Attendance, HoursRecord

    Attendance.objects.bulk_create(att, batch_size=BATCH)
    HoursRecord.objects.bulk_create(
        [
            HoursRecord(
                volunteer=a.volunteer, attendance=a, event=a.event, on=a.event.starts_at.date(),
                hours=Decimal("2.0"), status="verified", district_id=a.district_id,
                street_id=a.street_id, community_id=a.community_id,
            )
            for a in att
        ],
        batch_size=BATCH,
    )  # fmt: skip
    att.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 attendance rows")
    parser.add_argument("--streets", type=int, default=10)
    parser.add_argument("--communities", type=int, default=12, help="per street")
    parser.add_argument("--runs", type=int, default=40, help="samples per figure (>= 30)")
    parser.add_argument(
        "--volunteers",
        type=int,
        default=None,
        help="volunteers (and team members) per community; default 800 x scale (800 at 1.0). "
        "The report reads volunteers and memberships only: `--scale 0.05 --volunteers 800` "
        "gives it the full district's 96,000 rows with 50,000 attendance rows",
    )
    args = parser.parse_args()

    from common import machine_speed, setup

    setup(create=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(machine_speed())

    from django.test import Client
    from timing import percentiles

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    ctx = seed(args.scale, args.streets, args.communities, args.volunteers)
    print(
        f"seeded {ctx['attendance']:,} attendance rows (and as many hours rows), "
        f"{ctx['volunteers']:,} volunteers in {args.streets * args.communities} communities "
        f"in {ctx['seconds']:.1f} s"
    )
    stamp = int(time.time())

    def user(role: str, **target: Any) -> Any:
        u = User.objects.create(
            username=f"bench_act_{role}_{stamp}", display_name=role, must_change_password=False
        )
        grant_add(u, role, **target)
        return u

    member = user(Role.MEMBER, region=ctx["community"])
    volunteer = ctx["member_volunteer"]
    volunteer.user = member
    volunteer.save(update_fields=["user"])
    figures = [
        ("anchor: the message inbox page", member, "/notifications/"),
        ("member phone home /activities/m/", member, "/activities/m/"),
        ("member hours API", member, "/api/v1/activities/me/hours"),
        ("report, community secretary", user(Role.COMMUNITY_SECRETARY, region=ctx["community"]), "/activities/report/"),
        ("report, street staff", user(Role.STREET_STAFF, region=ctx["street"]), "/activities/report/"),
        ("report, district admin", user(Role.DISTRICT_ADMIN, region=ctx["district"]), "/activities/report/"),
    ]  # fmt: skip
    print(f"{'figure':40s} {'p50 ms':>8s} {'p95 ms':>8s}  (target p95 <= 100 ms)")
    for label, who, url in figures:
        client = Client()
        client.force_login(who)
        for _ in range(3):  # warm caches and the connection
            first = client.get(url, HTTP_HOST="localhost")
            assert first.status_code == 200, (url, first.status_code, first.get("Location"))
        samples = []
        for _ in range(args.runs):
            began = time.perf_counter()
            response = client.get(url, HTTP_HOST="localhost")
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        p50, p95 = percentiles(samples)
        print(f"{label:40s} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
