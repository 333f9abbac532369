"""The restore drill (R4) at district scale: backup, restore into a scratch database, check.

    python bench/generate.py district      # 30k units, ~3k orgs, 100k members (once)
    python bench/backup_bench.py           # --needs N (default 200,000), --rounds N

Runs `lianjian backup drill` in-process against the benchmark database
(BENCH_DATABASE_URL, PostgreSQL): `pg_dump` custom format inside an exported
snapshot, encrypted with a throw-away BACKUP_KEY, `pg_restore` into a scratch
database, then every table's row count, the audit chain and a decryption
sample of every encrypted column are checked, and the scratch database is
dropped. The district's 200k needs are seeded first as `needs_bench.py` does,
unless already there. Target: the whole drill in 60 s or less.
"""

from __future__ import annotations

import argparse
import os
import time

from common import machine_speed, setup

TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=200_000, help="needs in the district")
    parser.add_argument("--rounds", type=int, default=2, help="drills to run (best and worst)")
    args = parser.parse_args()
    setup()
    from django.conf import settings

    from lianjian.orgs.models import Member

    print(machine_speed())
    if not Member.objects.exists():
        raise SystemExit("no dataset: run `python bench/generate.py district` first")
    if args.needs:
        from needs_bench import seed

        started = time.perf_counter()
        ctx = seed(args.needs, 10, 12)
        print(f"needs: {ctx['total']:,} in the district ({time.perf_counter() - started:.1f} s)")
    settings.BACKUP_KEY = os.urandom(32)  # a throw-away key: the archive dies with the run

    from lianjian.core.models import AuditEvent
    from lianjian.ops.backup import backup_drill

    print(
        f"dataset: {Member.objects.count():,} members, "
        f"{AuditEvent.objects.count():,} audit rows; database {settings.DATABASES['default']['NAME']}"
    )
    totals = []
    for n in range(1, args.rounds + 1):
        result = backup_drill()
        check = result.check
        if not result.ok:
            raise SystemExit(f"drill failed: {check.problems}")
        totals.append(result.total_seconds)
        print(
            f"drill {n}: backup {result.backup_seconds:5.1f} s ({result.archive_bytes / 1048576:.0f} MB"
            f" archive), restore {result.restore_seconds:5.1f} s, check {result.check_seconds:4.1f} s"
            f" ({check.tables} tables, {check.rows:,} rows, {check.audit_rows:,} audit rows,"
            f" {check.decrypted} values decrypted) = {result.total_seconds:5.1f} s"
        )
    verdict = "met" if max(totals) <= TARGET_SECONDS else "MISSED"
    print(
        f"restore drill at district scale: best {min(totals):.1f} s, worst {max(totals):.1f} s"
        f" (target <= {TARGET_SECONDS:.0f} s: {verdict})"
    )


if __name__ == "__main__":
    main()
