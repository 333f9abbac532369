"""Alliances benchmark (P3): cadence compliance report and member-unit task report.

Seeds a district of its own ("基准联盟区": 10 streets x 10 communities) with
2,000 bodies (each with 10 member units), 20,000 meetings (ten quarters each),
50,000 proposals, 10,000 resolutions with 50,000 tasks and 100,000 attendance
rows, into the database named by DATABASE_URL (a scratch database: it writes),
then prints p50/p95 of the two reports for a district admin next to the same
aggregate written as raw SQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/alliances_bench.py
    DATABASE_URL=sqlite:////tmp/alliances_bench.sqlite3 python bench/alliances_bench.py

Targets: each report p95 <= 100 ms and <= 2x its raw SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")

from bench.timing import MIN_SAMPLES, paired, runs_argument  # noqa: E402

DISTRICT = "基准联盟区"


def seed(bodies: int, rng: random.Random) -> Any:
    from django.db import transaction

    from lianjian.alliances.models import (
        Attendance,
        Body,
        BodyMember,
        Meeting,
        Proposal,
        Resolution,
        Task,
    )
    from lianjian.orgs.models import Region, Unit
    from lianjian.orgs.services import region_create

    found = Region.objects.filter(name=DISTRICT, level="district").first()
    if found is not None:
        return found
    district = region_create(name=DISTRICT, level=Region.Level.DISTRICT)
    communities = []
    for s in range(10):
        street = region_create(name=f"基准街道{s:02d}", level=Region.Level.STREET, parent=district)
        for c in range(10):
            communities.append(
                region_create(
                    name=f"基准社区{s:02d}{c:02d}", level=Region.Level.COMMUNITY, parent=street
                )
            )
    with transaction.atomic():
        units = Unit.objects.bulk_create(
            [
                Unit(
                    name=f"基准单位{i:05d}", kind="private_enterprise", region=r, **r.ancestor_ids()
                )
                for i, r in enumerate(rng.choice(communities) for _ in range(bodies))
            ],
            batch_size=2000,
        )
        rows = []
        for i in range(bodies):
            r = communities[i % len(communities)]
            ids = r.ancestor_ids()
            ids.pop("area_id")
            rows.append(
                Body(
                    name=f"基准联席会议{i:05d}",
                    kind="community",
                    region=r,
                    established_on=dt.date(2024, 1, 1),
                    **ids,
                )
            )
        made = Body.objects.bulk_create(rows, batch_size=2000)
        BodyMember.objects.bulk_create(
            [
                BodyMember(
                    body=b, unit=units[(n * 7 + k) % len(units)], joined_on=dt.date(2024, 1, 1)
                )
                for n, b in enumerate(made)
                for k in range(10)
            ],
            batch_size=5000,
        )
        quarters = [dt.date(2024 + q // 4, q % 4 * 3 + 1, 1) for q in range(10)]
        meetings = []
        for b in made:
            for q in quarters:
                if rng.random() < 0.08:
                    continue  # missed
                held = q + dt.timedelta(days=rng.randint(10, 100))
                meetings.append(
                    Meeting(
                        body=b,
                        title="季度联席会议",
                        scheduled_at=dt.datetime(held.year, held.month, held.day, 6, tzinfo=dt.UTC),
                        place="党群服务中心",
                        period_start=q,
                        status="approved",
                        held_on=held,
                        checkin_token=f"{b.pk:06d}{q:%Y%m}{rng.getrandbits(40):012x}",
                        district_id=b.district_id,
                        street_id=b.street_id,
                        community_id=b.community_id,
                    )
                )
        meetings = Meeting.objects.bulk_create(meetings, batch_size=5000)
        members = {}
        for bm in BodyMember.objects.filter(body__in=made).values_list("body_id", "unit_id"):
            members.setdefault(bm[0], []).append(bm[1])
        Attendance.objects.bulk_create(
            [
                Attendance(meeting=m, unit_id=u, method="staff")
                for m in meetings
                for u in members[m.body_id][:5]
            ],
            batch_size=10000,
        )
        proposals = Proposal.objects.bulk_create(
            [
                Proposal(
                    body=b,
                    unit_id=members[b.pk][n % 10],
                    title="基准议案",
                    content="内容",
                    category="governance",
                    status="adopted"
                    if n < 5
                    else rng.choice(["submitted", "accepted", "declined"]),
                    district_id=b.district_id,
                    street_id=b.street_id,
                    community_id=b.community_id,
                )
                for b in made
                for n in range(25)
            ],
            batch_size=5000,
        )
        by_body = {m.body_id: m for m in meetings}
        adopted = [p for p in proposals if p.status == "adopted" and p.body_id in by_body]
        resolutions = Resolution.objects.bulk_create(
            [
                Resolution(
                    proposal=p,
                    body_id=p.body_id,
                    meeting=by_body[p.body_id],
                    title="基准决议",
                    adopted_on=dt.date(2025, 1, 1),
                    district_id=p.district_id,
                    street_id=p.street_id,
                    community_id=p.community_id,
                )
                for p in adopted
            ],
            batch_size=5000,
        )
        Task.objects.bulk_create(
            [
                Task(
                    resolution=r,
                    title="基准任务",
                    unit_id=members[r.body_id][k],
                    due_on=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 700)),
                    status=rng.choice(["open", "done", "verified", "verified"]),
                    district_id=r.district_id,
                    street_id=r.street_id,
                    community_id=r.community_id,
                )
                for r in resolutions
                for k in range(5)
            ],
            batch_size=5000,
        )
    return district


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=2000)
    parser.add_argument("--repeat", type=runs_argument, default=MIN_SAMPLES)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.alliances import selectors
    from lianjian.alliances.models import Meeting, Proposal, Task

    t0 = time.perf_counter()
    district = seed(args.bodies, random.Random(14))
    seeded = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        # a settled table, as autovacuum leaves it: without statistics the planner
        # took 18k meetings for one row and looped over attendance by index
        with connection.cursor() as c:
            for table in ("meeting", "attendance", "task", "body", "bodymember", "proposal"):
                c.execute(f"VACUUM ANALYZE alliances_{table}")
    user = User.objects.filter(username="bench_alliances").first()
    if user is None:
        user = User.objects.create(username="bench_alliances", must_change_password=False)
        grant_add(user, "district_admin", region=district)
    user = User.objects.get(pk=user.pk)
    counts = (
        Meeting.objects.filter(district=district).count(),
        Proposal.objects.filter(district=district).count(),
        Task.objects.filter(district=district).count(),
    )
    print(f"seeded in {seeded:.1f} s: {args.bodies} bodies, meetings/proposals/tasks {counts}")
    first, last, today = dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 15)

    def cadence() -> Any:
        report = selectors.cadence_report(user, first, last, today=today)
        assert len(report.rows) == args.bodies
        return report

    def cadence_sql() -> Any:
        """The same cells as the report (body, quarter, compliance, first held day) in SQL."""
        with connection.cursor() as c:
            c.execute(
                "WITH periods AS (SELECT p::date AS start,"
                " (p + interval '3 months' - interval '1 day')::date AS stop"
                " FROM generate_series(%s::date, %s::date, interval '3 months') p),"
                " held AS (SELECT body_id, period_start, MIN(held_on) AS first"
                " FROM alliances_meeting WHERE status IN ('held', 'approved')"
                " AND period_start BETWEEN %s AND %s GROUP BY 1, 2)"
                " SELECT b.id, b.kind, b.street_id, p.start, h.first,"
                " CASE WHEN h.first IS NULL THEN CASE WHEN %s > p.stop THEN 'missed' ELSE 'due'"
                " END WHEN h.first <= p.stop THEN 'on_time' ELSE 'late' END"
                " FROM alliances_body b CROSS JOIN periods p"
                " LEFT JOIN held h ON h.body_id = b.id AND h.period_start = p.start"
                " WHERE b.district_id = %s AND b.is_active"
                " AND p.start >= date_trunc('quarter', GREATEST(b.established_on, %s))"
                " ORDER BY b.kind, b.name, b.id, p.start",
                [first, last, first, last, today, district.pk, first],
            )
            return c.fetchall()

    def units() -> Any:
        return selectors.unit_task_report(user, today=today)

    def units_sql() -> Any:
        """Per unit: tasks open/done/overdue, meetings attended and expected, its name."""
        with connection.cursor() as c:
            c.execute(
                "WITH held AS (SELECT id, body_id FROM alliances_meeting"
                " WHERE district_id = %s AND status IN ('held', 'approved')),"
                " per_body AS (SELECT body_id, COUNT(*) AS n FROM held GROUP BY body_id),"
                " expected AS (SELECT unit_id, SUM(n) AS n FROM ("
                " SELECT bm.unit_id, pb.n FROM per_body pb"
                " JOIN alliances_body b ON b.id = pb.body_id AND b.kind <> 'assembly'"
                " JOIN alliances_bodymember bm ON bm.body_id = b.id AND bm.left_on IS NULL"
                " UNION ALL SELECT am.unit_id, pb.n FROM per_body pb"
                " JOIN alliances_body b ON b.id = pb.body_id AND b.kind = 'assembly'"
                " JOIN alliances_alliancemember am ON am.alliance_id = b.alliance_id"
                " AND am.left_on IS NULL) e GROUP BY unit_id),"
                " attended AS (SELECT a.unit_id, COUNT(*) AS n FROM alliances_attendance a"
                " JOIN held ON held.id = a.meeting_id GROUP BY a.unit_id),"
                " tasks AS (SELECT unit_id, COUNT(*) FILTER (WHERE status = 'open') AS open,"
                " COUNT(*) FILTER (WHERE status <> 'open') AS done,"
                " COUNT(*) FILTER (WHERE status = 'open' AND due_on < %s) AS overdue"
                " FROM alliances_task WHERE district_id = %s AND unit_id IS NOT NULL"
                " GROUP BY unit_id),"
                " rows AS (SELECT COALESCE(t.unit_id, att.unit_id) AS unit_id,"
                " COALESCE(t.open, 0) AS open, COALESCE(t.done, 0) AS done,"
                " COALESCE(t.overdue, 0) AS overdue, COALESCE(att.n, 0) AS attended"
                " FROM tasks t FULL JOIN attended att ON att.unit_id = t.unit_id)"
                " SELECT r.unit_id, u.name, r.open, r.done, r.overdue, r.attended,"
                " COALESCE(e.n, 0) FROM rows r LEFT JOIN expected e ON e.unit_id = r.unit_id"
                " JOIN orgs_unit u ON u.id = r.unit_id"
                " ORDER BY r.overdue DESC, r.open DESC, r.unit_id LIMIT 500",
                [district.pk, today, district.pk],
            )
            return c.fetchall()

    # the hand SQL answers the same question: the same cells, the same unit rows
    cells = sorted(
        (row.body_id, start, state) for row in cadence().rows for start, _, state, _ in row.cells
    )
    assert cells == sorted((b, p, state) for b, _, _, p, _, state in cadence_sql()), "cadence"
    mine = [(r.unit_id, r.name, r.open, r.done, r.overdue, r.attended, r.expected) for r in units()]
    assert mine == [tuple(r) for r in units_sql()], "unit task report"
    print(f"database: {connection.vendor}")
    for label, fn, raw in (
        ("cadence compliance report (district, 2025)", cadence, cadence_sql),
        ("member-unit task report (district)", units, units_sql),
    ):
        pair = paired(fn, raw, args.repeat)
        (p50, p95), (r50, r95) = pair.a, pair.b
        print(
            f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms; raw SQL p50 {r50:.1f} ms, "
            f"p95 {r95:.1f} ms; ratio {pair.ratio:.2f}x over {pair.samples} alternating pairs"
            " (target p95 <= 100 ms, <= 2x)"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
