"""Ratings benchmark (issue 19, P3): a district's grade distribution, p50/p95.

Seeds Party organizations and their confirmed grades of one year (city scale:
100,000 organizations over 16 districts x 10 streets; `--scale district`: 5,000
over 4) in the database named by BENCH_DATABASE_URL, then prints for a district
admin the grade distribution by street and by organization type
(`ratings.selectors.grade_distribution`, what the report page and
`/api/v1/ratings/report/distribution` answer; target p95 <= 100 ms), each timed
in alternating pairs with the same aggregate written as raw SQL (P3: <= 2x).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_ratings_bench \
      python bench/ratings_bench.py --scale district

Run against a scratch database: it writes.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_speed, setup
from timing import paired, runs_argument

SCALES = {"city": (100_000, 16), "district": (5_000, 4)}
STREETS = 10
YEAR = 2012
BATCH = 5000


def seed(orgs: int, districts: int) -> dict[str, Any]:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.naturalsort import natural_sort_key
    from lianjian.core.roles import Role
    from lianjian.orgs.models import PartyOrg, Region
    from lianjian.orgs.services import party_org_create, region_create
    from lianjian.ratings.models import Grade, Rating, RatingStatus, Round, Scheme

    started = time.monotonic()
    tag = f"定级基准区{int(time.time())}"
    rng = random.Random(19)
    per_district = orgs // districts
    types = [t for t, _ in PartyOrg.OrgType.choices]
    grades = [Grade.GOOD] * 35 + [Grade.FAIR] * 45 + [Grade.AVERAGE] * 15 + [Grade.POOR] * 5
    first_district = None
    for d in range(districts):
        district = region_create(name=f"{tag}-{d}", level=Region.Level.DISTRICT)
        first_district = first_district or district
        streets = [
            region_create(name=f"街道{d}-{s}", level=Region.Level.STREET, parent=district)
            for s in range(STREETS)
        ]
        root = party_org_create(
            name=f"{tag}-{d}两新综合党委", level=PartyOrg.Level.COMMITTEE, region=district
        )
        rows = []
        for i in range(per_district):
            street = streets[i % STREETS]
            name = f"基准党支部{d}-{i:06d}"
            rows.append(
                PartyOrg(
                    name=name,
                    sort_key=natural_sort_key(name),
                    level=PartyOrg.Level.BRANCH,
                    org_type=rng.choice(types),
                    region=street,
                    path=PartyOrg._get_path(root.path, root.depth + 1, i + 1),
                    depth=root.depth + 1,
                    numchild=0,
                    **street.ancestor_ids(),
                )
            )
        PartyOrg.objects.bulk_create(rows, batch_size=BATCH)
        PartyOrg.objects.filter(pk=root.pk).update(numchild=per_district)
        scheme = Scheme.objects.create(
            district=district, year=YEAR, name="基准方案", status=Scheme.Status.PUBLISHED
        )
        rnd = Round.objects.create(scheme=scheme, district=district, year=YEAR, name="基准定级")
        ratings = []
        for org in PartyOrg.objects.filter(district=district, depth=root.depth + 1).iterator():
            grade = rng.choice(grades)
            total = {"good": 92, "fair": 80, "average": 65, "poor": 50}[grade] + rng.randint(0, 4)
            ratings.append(
                Rating(
                    round=rnd,
                    party_org=org,
                    year=YEAR,
                    org_type=org.org_type,
                    district_id=org.district_id,
                    street_id=org.street_id,
                    status=RatingStatus.CONFIRMED,
                    total=Decimal(total),
                    grade=grade,
                    stars=5 if total >= 96 else 0,
                    confirmed_at=district.created_at,
                )
            )
        Rating.objects.bulk_create(ratings, batch_size=BATCH)
    assert first_district is not None
    user = User.objects.create(username=f"ratings_bench_{int(time.time())}")
    grant_add(user, Role.DISTRICT_ADMIN, region=first_district)
    return {
        "user": user,
        "district": first_district,
        "per_district": per_district,
        "seconds": time.monotonic() - started,
    }


def raw(district_id: int, column: str) -> Any:
    """The same aggregate by hand: the groups' names joined in, as the report shows them."""
    from django.db import connection

    name = "r.name" if column == "street_id" else "NULL"
    join = "LEFT JOIN orgs_region r ON r.id = x.street_id" if column == "street_id" else ""
    sql = (
        f"SELECT x.{column}, {name}, x.grade, COUNT(*), "
        "COUNT(*) FILTER (WHERE x.status IN ('confirmed','appealed')), "
        "COUNT(*) FILTER (WHERE x.status IN ('confirmed','appealed') AND x.stars = 5) "
        f"FROM ratings_rating x {join} WHERE x.district_id = %s AND x.year = %s "
        "GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [district_id, YEAR])
        return cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--orgs", type=int, default=0, help="overrides the scale's count")
    parser.add_argument("--runs", type=runs_argument, default=60)
    args = parser.parse_args()
    setup(create=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from lianjian.ratings.selectors import grade_distribution

    print(machine_speed())
    orgs, districts = SCALES[args.scale]
    ctx = seed(args.orgs or orgs, districts)
    print(
        f"seeded {ctx['per_district'] * districts:,} organizations with {YEAR} grades over "
        f"{districts} districts in {ctx['seconds']:.1f} s ({ctx['per_district']:,} per district)"
    )
    user, district = ctx["user"], ctx["district"]
    for by, column in (("street", "street_id"), ("org_type", "org_type")):
        dist = grade_distribution(user, YEAR, by)
        assert dist.all.total == ctx["per_district"], dist.all.total
        pair = paired(
            lambda by=by: grade_distribution(user, YEAR, by),
            lambda column=column: raw(district.pk, column),
            args.runs,
        )
        print(
            f"district grade distribution by {by}: p50 {pair.a[0]:.1f} ms, p95 {pair.a[1]:.1f} ms "
            f"(target p95 <= 100 ms); raw SQL p50 {pair.b[0]:.1f} ms, p95 {pair.b[1]:.1f} ms; "
            f"ratio {pair.ratio:.2f}x (<= 2x) over {pair.samples} pairs; "
            f"share 好/较好 {dist.all.share_good_or_fair}%"
        )


if __name__ == "__main__":
    main()
