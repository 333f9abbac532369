"""Points benchmark (issue 17, P2/P3): a member's balance and history page, a street's tier report.

Seeds a city-scale ledger (default 10,000,000 entries over 200,000 enrolled members,
10 districts x 5 streets x 8 communities, about a fifth holding a card) under districts
"积分基准区…" of the database named by DATABASE_URL, then prints p50/p95 of

- the member's page `/points/me/` (balance, the latest 30 entries with their cause, the
  card and its QR, the card's uses) — target p95 <= 100 ms;
- the street's tier report `/api/v1/points/report/tiers` (cards by tier per community)
  — target p95 <= 100 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_points_bench \
      python bench/points_bench.py --scale 0.01     # 100,000 entries for a quick run

Run against a scratch database: it writes. Requests go through Django's test client in
process (the page's own queries and rendering, no network).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

DISTRICTS, STREETS, COMMUNITIES = 10, 5, 8
BATCH = 10_000


def seed(entries: int, members: int) -> dict[str, Any]:
    from django.utils import timezone

    from lianjian.orgs.models import Member, PartyOrg, Region
    from lianjian.orgs.services import party_org_create, region_create
    from lianjian.points.models import Balance, Card, Cause, Enrolment, Entry

    started = time.monotonic()
    tag = f"积分基准区{int(time.time())}"
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
    now = timezone.now()
    loc = ("district_id", "street_id", "community_id", "area_id")
    member_rows: list[Member] = []
    for i in range(members):
        org = orgs[i % len(orgs)]
        member_rows.append(
            Member(
                name="党员",
                id_number=f"B{i:017d}",
                id_number_index=secrets.token_hex(16),
                party_org=org,
                district_id=org.district_id,
                street_id=org.street_id,
                community_id=org.community_id,
                area_id=org.area_id,
            )
        )
    made: list[Member] = []
    for k in range(0, len(member_rows), BATCH):
        made += Member.objects.bulk_create(member_rows[k : k + BATCH])
    per = max(1, entries // members)
    rows: list[Entry] = []
    causes = [Cause.ATTENDANCE, Cause.SERVICE_HOURS, Cause.LESSON, Cause.CLAIM]
    for m in made:
        for j in range(per):
            at = now - dt.timedelta(days=j % 700, minutes=j)
            rows.append(
                Entry(
                    member_id=m.pk,
                    points=5,
                    cause=causes[j % 4],
                    cause_id=f"b{m.pk}-{j}",
                    created_at=at,
                    on=at.date(),
                    note="基准",
                    **{k: getattr(m, k) for k in loc},
                )
            )
            if len(rows) == BATCH:
                Entry.objects.bulk_create(rows)
                rows = []
    Entry.objects.bulk_create(rows)
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                member_id=m.pk,
                consent_version="bench",
                consent_at=now,
                **{k: getattr(m, k) for k in loc},
            )
            for m in made
        ),
        batch_size=BATCH,
    )
    Balance.objects.bulk_create(
        (Balance(member_id=m.pk, points=5 * per, **{k: getattr(m, k) for k in loc}) for m in made),
        batch_size=BATCH,
    )
    Card.objects.bulk_create(
        (
            Card(
                member_id=m.pk,
                tier="gold" if i % 10 == 0 else "silver",
                token=secrets.token_urlsafe(18),
                issued_at=now,
                valid_until=now.date() + dt.timedelta(days=365),
                **{k: getattr(m, k) for k in loc},
            )
            for i, m in enumerate(made)
            if i % 5 == 0
        ),
        batch_size=BATCH,
    )
    return {"members": made, "streets": streets, "seconds": time.monotonic() - started, "per": per}


def timed(client: Any, url: str, n: int) -> tuple[float, float]:
    client.get(url)  # warm
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10M entries")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add, token_create
    from lianjian.core.roles import Role

    entries = int(10_000_000 * args.scale)
    members = max(100, int(200_000 * args.scale))
    ctx = seed(entries, members)
    print(
        f"seeded {members:,} members and {members * ctx['per']:,} entries in {ctx['seconds']:.1f} s"
    )
    stamp = int(time.time())
    member = ctx["members"][len(ctx["members"]) // 2]
    user = User.objects.create(
        username=f"bench_member_{stamp}", display_name="基准党员", must_change_password=False
    )
    grant_add(user, Role.MEMBER, region=member.party_org.region)
    member.user = user
    member.save(update_fields=["user"])
    staff = User.objects.create(
        username=f"bench_street_{stamp}", display_name="基准街道", must_change_password=False
    )
    grant_add(staff, Role.STREET_STAFF, region=ctx["streets"][3])
    c1 = Client()
    c1.force_login(user)
    # staff sessions need a second factor: the API is read with a token, as integrations do
    c2 = Client(headers={"Authorization": f"Bearer {token_create(staff, 'points-bench')}"})
    p50, p95 = timed(c1, "/points/me/", args.requests)
    print(
        f"member balance + history page /points/me/: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 <= 100 ms)"
    )
    p50, p95 = timed(c2, "/api/v1/points/report/tiers", args.requests)
    print(
        f"street tier report /api/v1/points/report/tiers: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(target p95 <= 100 ms)"
    )


if __name__ == "__main__":
    main()
