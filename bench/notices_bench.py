"""Notices benchmark: publish to a district, a recipient's list, the home card, receipts.

Builds its own district "通知基准区" (streets x communities, one member account
per `--users` / communities in each community) in the benchmark database, publishes
`--notices` notices to its streets and communities, one to the whole district,
records reads for half of its recipients, and prints p50/p95 of:

- publishing to the district (recipients found, in-app notifications written);
- a member's notice list (20 rows) and the home card's unread count;
- the read receipts per organization of the district-wide notice.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_notices_bench \
      python bench/notices_bench.py --users 5000 --migrate

The district and its accounts are deleted at the end (and before, if left over).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_speed, setup

DISTRICT = "通知基准区"
PREFIX = "nbench_"


def timed(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def clear() -> None:
    from lianjian.accounts.models import User
    from lianjian.core.demo import force_delete
    from lianjian.core.models import Notification
    from lianjian.notices.models import Notice
    from lianjian.orgs.models import Region

    district = Region.objects.filter(name=DISTRICT, level="district").first()
    users = User.objects.filter(username__startswith=PREFIX)
    Notification.objects.filter(recipient__in=users).delete()
    if district is not None:
        Notice.objects.filter(district=district).delete()
    force_delete(users)
    if district is not None:
        # children before parents: each region protects the ones below it
        for depth in (3, 2, 1):
            force_delete(Region.objects.filter(path__startswith=district.path, depth=depth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=10)
    parser.add_argument("--communities", type=int, default=12, help="per street")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--notices", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--migrate", action="store_true", help="create and migrate the database")
    args = parser.parse_args()
    setup(create=args.migrate)
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from lianjian.accounts.models import Grant, User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.notices.cards import unread_notices
    from lianjian.notices.models import Notice, NoticeRead
    from lianjian.notices.selectors import notices_for, receipts, recipients_of
    from lianjian.notices.services import notice_publish
    from lianjian.orgs.models import Region
    from lianjian.orgs.services import region_create

    print(machine_speed())
    clear()
    started = time.perf_counter()
    with transaction.atomic():
        district = region_create(name=DISTRICT, level=Region.Level.DISTRICT)
        streets, communities = [], []
        for s in range(args.streets):
            street = region_create(name=f"基准街道{s:02d}", level="street", parent=district)
            streets.append(street)
            for c in range(args.communities):
                communities.append(
                    region_create(name=f"基准社区{s:02d}-{c:02d}", level="community", parent=street)
                )
        password = make_password("not-a-login")
        users = User.objects.bulk_create(
            User(username=f"{PREFIX}{i:06d}", password=password, must_change_password=False)
            for i in range(args.users)
        )
        Grant.objects.bulk_create(
            Grant(user=u, role=Role.MEMBER, region=communities[i % len(communities)])
            for i, u in enumerate(users)
        )
        staff = User.objects.create(username=f"{PREFIX}staff", must_change_password=False)
        grant_add(staff, Role.DISTRICT_ADMIN, region=district)
    print(f"set-up: {len(communities)} communities, {args.users} member accounts "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

    started = time.perf_counter()
    for i in range(args.notices):
        target = communities[i % len(communities)] if i % 3 else streets[i % len(streets)]
        notice_publish(actor=staff, title=f"基准通知{i}", body="正文", region=target)
    per = (time.perf_counter() - started) * 1000 / args.notices
    print(f"publish to a street or community ({args.notices} notices): {per:.1f} ms each")

    started = time.perf_counter()
    wide = notice_publish(actor=staff, title="全区通知", body="正文", region=district)
    wide_ms = (time.perf_counter() - started) * 1000
    n = recipients_of(wide).count()
    print(f"publish to the district: {wide_ms:.0f} ms ({n} recipients notified in-app)")

    readers = list(recipients_of(wide).values_list("pk", flat=True)[: n // 2])
    NoticeRead.objects.bulk_create(
        NoticeRead(notice=wide, user_id=pk, read_at=wide.publish_at) for pk in readers
    )
    member = User.objects.get(username=f"{PREFIX}000000")
    shown = notices_for(member).count()

    def member_list() -> None:
        fresh = User.objects.get(pk=member.pk)
        list(notices_for(fresh)[:20])

    def home_card() -> None:
        unread_notices(User.objects.get(pk=member.pk))

    p50, p95 = timed(member_list, args.runs)
    print(f"member's notice list, 20 of {shown}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    p50, p95 = timed(home_card, args.runs)
    print(f"home card (unread count + latest title): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    p50, p95 = timed(lambda: receipts(wide), max(args.runs // 4, 3))
    rows, total, read = receipts(wide)
    print(f"receipts of the district notice ({total} recipients, {read} read, {len(rows)} rows): "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")  # fmt: skip
    print(f"notices in the district: {Notice.objects.filter(district=district).count()}")
    clear()


if __name__ == "__main__":
    main()
