"""City-scale needs for the needs benchmark (QUALITY.md: 3M needs seeded with COPY in minutes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianjian_needs_city \\
      python bench/needs_generate.py            # --needs N (default 3,000,000)

`bench/needs_bench.py --scale city` calls the same `seed_city`. The region tree
(10 districts "基准市区01".. x 10 streets x 12 communities) and each street's
needs configuration (the demo departments and categories) go through the
services: 1,310 regions and 100 streets cost seconds. The needs and their
history are the bulk and go through COPY, in the district run's mix (submit
and dispatch events, plus a reply for replied and closed needs; about 2.5
events per need), 100k needs per transaction. Each chunk draws from its own
seeded generator, so a stopped run resumes at the first missing need and
writes what an uninterrupted run would have. Rows are laid out from the model's
own fields, so a column added later with a default is filled without touching
this file.

Summaries and tallies are then recomputed by the app's own
`needs_summary_rebuild()` (one transaction: it either finishes or leaves
nothing half-done to resume), and the needs tables are vacuumed and analyzed
so the planner and the index-only scans see the new rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

DISTRICTS, STREETS, COMMUNITIES = 10, 10, 12
CITY_NEEDS = 3_000_000
CHUNK = 100_000
# "-" is outside the app's tracking-code alphabet: seeded codes never meet a real one
CODE_PREFIX = "C-"
NEED_TABLES = ("needs_need", "needs_needevent", "needs_needsummary", "needs_needtally")


def district_name(d: int) -> str:
    return f"基准市区{d + 1:02d}"


def _get_or_create_region(
    existing: dict[str, Any], name: str, level: str, parent: Any | None
) -> Any:
    from lianjian.orgs.services import region_create

    region = existing.get(name)
    if region is None:
        region = existing[name] = region_create(name=name, level=level, parent=parent)
    return region


def seed_regions() -> tuple[list[Any], dict[int, list[int]]]:
    """The city's districts, streets and communities, and each street's department ids.

    Idempotent: what exists (by name) is kept; a street's needs configuration
    is the demo one, which `build_needs_demo` leaves as is when present.
    """
    from django.db import transaction

    from lianjian.needs.demo import build_needs_demo
    from lianjian.needs.models import Department
    from lianjian.orgs.models import Region

    existing = {r.name: r for r in Region.objects.filter(name__startswith="基准市区")}
    streets = []
    for d in range(DISTRICTS):
        district = _get_or_create_region(existing, district_name(d), Region.Level.DISTRICT, None)
        for s in range(STREETS):
            with transaction.atomic():
                name = f"{district.name}街道{s + 1:02d}"
                street = _get_or_create_region(existing, name, Region.Level.STREET, district)
                for c in range(COMMUNITIES):
                    _get_or_create_region(
                        existing, f"{name}社区{c + 1:02d}", Region.Level.COMMUNITY, street
                    )
                build_needs_demo(street)
            streets.append(street)
    departments: dict[int, list[int]] = {}
    for pk, street_id in (
        Department.objects.filter(street__in=streets).order_by("pk").values_list("pk", "street_id")
    ):
        departments.setdefault(street_id, []).append(pk)
    communities = list(
        Region.objects.filter(level=Region.Level.COMMUNITY, street_ref__in=streets).order_by("pk")
    )
    return communities, departments


class Layout:
    """A model's COPY column list and a row template holding every field's prepared default.

    Callers overwrite only the columns they vary; a NOT NULL column left
    without a value stops the seed before any COPY.
    """

    def __init__(self, model: Any, varying: Sequence[str]) -> None:
        from django.db import connection

        fields = model._meta.concrete_fields
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.template: list[Any] = []
        for f in fields:
            value = (
                None if f.attname in varying else f.get_db_prep_save(f.get_default(), connection)
            )
            if value is None and not f.null and f.attname not in varying:
                raise SystemExit(f"{self.table}.{f.column}: NOT NULL without a default")
            self.template.append(value)
        names = [f.attname for f in fields]
        self.slots = [names.index(name) for name in varying]

    def row(self, values: Sequence[Any]) -> list[Any]:
        row = self.template.copy()
        for slot, value in zip(self.slots, values, strict=True):
            row[slot] = value
        return row

    def copy(self, rows: Iterable[Sequence[Any]]) -> int:
        from lianjian.core.bulkcopy import copy_rows

        return copy_rows(self.table, self.columns, rows)


def _reserve_ids(table: str, n: int) -> int:
    """Take `n` consecutive ids from the table's sequence; returns the first."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, n],
        )
        last = cursor.fetchone()[0]
    return int(last) - n + 1


NEED_VARYING = (
    "id",
    "tracking_code",
    "channel",
    "text",
    "region_id",
    "status",
    "department_id",
    "dispatched_at",
    "deadline",
    "replied_at",
    "district_id",
    "street_id",
    "community_id",
    "created_at",
    "updated_at",
)
EVENT_VARYING = (
    "id",
    "need_id",
    "action",
    "from_status",
    "to_status",
    "at",
    "channel",
    "department_id",
    "deadline",
    "on_time",
    "reply_seconds",
    "district_id",
    "street_id",
    "community_id",
)


def _seed_chunk(
    chunk: int,
    start: int,
    stop: int,
    communities: list[tuple[int, int, int]],
    departments: dict[int, list[int]],
    now: dt.datetime,
    needs: Layout,
    events: Layout,
) -> tuple[int, int]:
    """Needs [start, stop) of chunk `chunk` with their events, in the caller's transaction."""
    rng = random.Random(7_000_000 + chunk)
    day = dt.timedelta(days=1)
    drawn = []
    for i in range(chunk * CHUNK, min((chunk + 1) * CHUNK, stop)):
        comm, district_id, street_id = rng.choice(communities)
        channel = rng.choice(["hotline", "window", "online", "visit"])
        status = rng.choice(["dispatched", "replied", "closed", "accepted"])
        department_id = rng.choice(departments[street_id])
        deadline = now - day * rng.randint(-10, 200)
        reply = None
        if status in ("replied", "closed"):
            reply = (rng.randint(1, 8), rng.random() < 0.85, rng.randint(3600, 8 * 86400))
        if i >= start:  # draws for needs already written still advance the generator
            drawn.append(
                (i, comm, district_id, street_id, channel, status, department_id, deadline, reply)
            )
    if not drawn:
        return 0, 0
    need_id = _reserve_ids(needs.table, len(drawn))
    event_id = _reserve_ids(events.table, sum(3 if d[-1] else 2 for d in drawn))
    need_rows = []
    event_rows = []
    for n, (i, comm, district_id, street_id, channel, status, dept, deadline, reply) in enumerate(
        drawn
    ):
        pk = need_id + n
        at = deadline - 5 * day
        replied_at = at + reply[0] * day if reply else None
        need_rows.append(
            needs.row(
                (
                    pk,
                    f"{CODE_PREFIX}{i:09d}",
                    channel,
                    f"基准需求 {i}",
                    comm,
                    status,
                    dept,
                    at,
                    deadline,
                    replied_at,
                    district_id,
                    street_id,
                    comm,
                    at,
                    replied_at or at,
                )
            )
        )
        dims = (channel, dept, deadline, None, None, district_id, street_id, comm)
        for action, before, after, when in (
            ("submit", "", "received", at),
            ("dispatch", "received", "dispatched", at),
        ):
            event_rows.append(events.row((event_id, pk, action, before, after, when, *dims)))
            event_id += 1
        if reply:
            event_rows.append(
                events.row(
                    (
                        event_id,
                        pk,
                        "reply",
                        "dispatched",
                        "replied",
                        replied_at,
                        channel,
                        dept,
                        deadline,
                        reply[1],
                        reply[2],
                        district_id,
                        street_id,
                        comm,
                    )
                )
            )
            event_id += 1
    return needs.copy(need_rows), events.copy(event_rows)


def seed_city(
    n_needs: int = CITY_NEEDS, *, rebuild: bool = False, log: Any = print
) -> dict[str, Any]:
    """Seed (or complete) the city dataset; returns its regions and phase timings."""
    from django.db import connection, transaction
    from django.utils import timezone

    from lianjian.needs.models import Need, NeedEvent, NeedSummary
    from lianjian.needs.services import needs_summary_rebuild

    if connection.vendor != "postgresql":
        raise SystemExit("the city seed writes with COPY: set DATABASE_URL=postgres://...")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    communities, departments = seed_regions()
    timings["regions"] = time.perf_counter() - t0
    log(f"  regions and needs configuration: {timings['regions']:.1f} s")
    comm_dims = [(c.pk, c.district_ref_id, c.street_ref_id) for c in communities]

    t0 = time.perf_counter()
    existing = Need.objects.filter(tracking_code__startswith=CODE_PREFIX).count()
    needs = Layout(Need, NEED_VARYING)
    events = Layout(NeedEvent, EVENT_VARYING)
    now = timezone.now()
    written = 0
    for chunk in range(existing // CHUNK, (n_needs + CHUNK - 1) // CHUNK):
        with transaction.atomic():
            n, e = _seed_chunk(chunk, existing, n_needs, comm_dims, departments, now, needs, events)
        written += n
        if n:
            log(
                f"  needs {min((chunk + 1) * CHUNK, n_needs):>9,} ({n:,} needs, {e:,} events written)"
            )
    timings["copy"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    need_count = Need.objects.count()
    if rebuild or written or NeedSummary.objects.count() != need_count:
        # the seed writes around the services: summaries and tallies from the app's own fold
        log(f"  needs and events: {timings['copy']:.1f} s; rebuilding summaries and tallies")
        with transaction.atomic():
            needs_summary_rebuild()
        timings["summaries"] = time.perf_counter() - t0
        log(f"  summaries and tallies: {timings['summaries']:.1f} s; vacuum analyze")
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(NEED_TABLES)}")
        timings["vacuum_analyze"] = time.perf_counter() - t0
    districts = sorted({c.district_ref_id for c in communities})
    return {
        "communities": communities,
        "districts": districts,
        "written": written,
        "timings": timings,
        "needs": need_count,
        "events": NeedEvent.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=CITY_NEEDS)
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild summaries and tallies even if complete"
    )
    args = parser.parse_args()

    import django

    django.setup()
    started = time.perf_counter()
    result = seed_city(args.needs, rebuild=args.rebuild)
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in result["timings"].items())
    print(
        f"city: {result['needs']:,} needs, {result['events']:,} events"
        f" ({result['written']:,} needs written now) in {time.perf_counter() - started:.1f} s: {phases}"
    )


if __name__ == "__main__":
    main()
