"""Desk UI benchmark (issue 13.4, 13.5, 13.10): tree levels, picker searches, audit page.

Through the real pages (Django's test Client in-process: permission check,
scope filter, template) on the benchmark database `bench/generate.py` filled,
as the district admin and the staff of the busiest street. Prints the median
and worst of `--runs` requests for: the organization tree's roots, the
children of the largest node, the region tree's roots, a unit and an
organization picker search (at most 20 rows), and the audit page filtered by
an event area. P2 asks an HTML list page for p95 <= 300 ms.

    python bench/deskui_bench.py           # BENCH_DATABASE_URL selects the database
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_speed, setup


def timed(client: Any, url: str, runs: int) -> tuple[float, float, int]:
    times = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
    return statistics.median(times), max(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup()
    from django.core.cache import cache
    from django.db.models import Count
    from django.test import Client

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.orgs.models import PartyOrg, Region

    district = Region.objects.filter(level="district").order_by("pk").first()
    assert district is not None, "run bench/generate.py first"
    busiest = (
        PartyOrg.objects.filter(district=district)
        .values("street")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    street = Region.objects.get(pk=busiest["street"]) if busiest and busiest["street"] else district
    widest = PartyOrg.objects.filter(district=district).order_by("-numchild").first()
    assert widest is not None

    def persona(name: str, role: str, region: Region) -> User:
        user, made = User.objects.get_or_create(
            username=name, defaults={"display_name": name, "must_change_password": False}
        )
        if made or not user.grants.exists():
            grant_add(user, role, region=region)
        return user

    print(machine_speed())
    print(
        f"{PartyOrg.objects.filter(district=district).count():,} organizations in {district.name};"
        f" the widest node has {widest.numchild:,} children"
    )
    cases = [
        ("district admin", persona("bench_district", Role.DISTRICT_ADMIN, district)),
        ("street staff", persona("bench_street", Role.STREET_STAFF, street)),
    ]
    urls = [
        ("org tree roots", "/orgs/party-orgs/tree/"),
        ("org tree, widest level", f"/orgs/party-orgs/{widest.pk}/tree/"),
        ("region tree roots", "/orgs/regions/tree/"),
        ("unit picker '公司'", "/pick/orgs.unit/?q=%E5%85%AC%E5%8F%B8"),
        ("org picker '党支部'", "/pick/orgs.party_org/?q=%E5%85%9A%E6%94%AF%E9%83%A8"),
    ]
    for who, user in cases:
        client = Client()
        client.force_login(user)
        print(who)
        for label, url in urls:
            cache.clear()  # rate limits are not what is measured
            try:
                median, worst, size = timed(client, url, args.runs)
            except AssertionError as exc:  # the street may not see the widest node
                print(f"  {label:26s} skipped ({exc.args[0][1]})")
                continue
            print(
                f"  {label:26s} median {median:7.1f} ms  worst {worst:7.1f} ms  {size / 1e3:6.1f} kB"
            )
    auditor = persona("bench_audit", Role.AUDIT_ADMIN, district)
    client = Client()
    client.force_login(auditor)
    median, worst, size = timed(client, "/audit/?action=auth.", args.runs)
    print(
        f"audit admin\n  {'audit page, area filter':26s} median {median:7.1f} ms  worst {worst:7.1f} ms"
    )


if __name__ == "__main__":
    main()
