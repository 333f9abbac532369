"""Export benchmark (P4: a 10k-row export in <= 10 s).

Downloads lists through the real export page (`/orgs/ledger/export/<kind>/`,
Django's test Client in-process: permission check, scope filter, audit row,
masking, formula neutralizing, the .xlsx written and streamed) from the
benchmark database `bench/generate.py` filled, and prints wall time, rows
and rows per second. The workbook is then opened with openpyxl to count its
rows, so a short or empty file cannot pass for a fast one.

    python bench/export_bench.py            # BENCH_DATABASE_URL selects the database
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup


def download(client: Any, url: str) -> tuple[float, bytes, str]:
    """Export as a user would: in the request, or queued and then run as the worker would."""
    from lianjian.ledger.export_jobs import export_run

    started = time.perf_counter()
    response = client.get(url)
    how = "in the request"
    if response.status_code == 302:  # a large list: queued as an ExportJob
        job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        export_run(job_id)
        response = client.get(f"/orgs/ledger/exports/{job_id}/download/")
        how = "background job"
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content)
    return time.perf_counter() - started, body, how


def rows_in(body: bytes) -> int:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup()
    from django.core.cache import cache
    from django.db.models import Count
    from django.test import Client

    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.orgs.models import Member, Region, Unit

    district = Region.objects.filter(level="district").order_by("pk").first()
    assert district is not None, "run bench/generate.py first"
    # the street with the most members: the nearest to a 10k-row list
    busiest = (
        Member.objects.filter(district=district, is_active=True)
        .values("street")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    street = Region.objects.get(pk=busiest["street"])

    def persona(name: str, role: str, region: Region) -> User:
        user, made = User.objects.get_or_create(
            username=name, defaults={"display_name": name, "must_change_password": False}
        )
        if made or not user.grants.exists():
            grant_add(user, role, region=region)
        return user

    staff = persona("bench_street", Role.STREET_STAFF, street)
    admin = persona("bench_district", Role.DISTRICT_ADMIN, district)
    print(
        f"export through /orgs/ledger/export/<kind>/ (P4: 10k rows <= 10 s; "
        f"{busiest['n']:,} members and "
        f"{Unit.objects.filter(street=street, is_active=True).count():,} units in {street.name})"
    )
    for label, user, url in (
        ("members, street staff (masked)", staff, "/orgs/ledger/export/members/"),
        ("units, street staff", staff, "/orgs/ledger/export/units/"),
        ("members, district admin (masked)", admin, "/orgs/ledger/export/members/"),
    ):
        client = Client()
        client.force_login(user)
        times = []
        rows = 0
        for _ in range(args.runs):
            cache.clear()  # the export rate limit (20 a minute) is not what is measured
            seconds, body, how = download(client, url)
            times.append(seconds)
            rows = rows_in(body)
        best = min(times)
        print(
            f"  {label:34s} {rows:>8,} rows  best {best:6.2f} s  worst {max(times):6.2f} s"
            f"  ({rows / best:,.0f} rows/s, {len(body) / 1e6:.1f} MB, {how})"
        )


if __name__ == "__main__":
    main()
