"""Reads for alliances, always through the scope of `access`: lists and reports.

Reports aggregate in the database (one GROUP BY per figure) and shape the
rows in Python; none reads a row per body or per unit (P3, P6).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from lianjian.alliances import access, cadence
from lianjian.alliances.cadence import Compliance
from lianjian.alliances.models import (
    AllianceMember,
    Attendance,
    Body,
    BodyMember,
    Meeting,
    Proposal,
    Resolution,
    Task,
)
from lianjian.alliances.models.alliances import Cadence
from lianjian.core.permissions import grants_with_perm
from lianjian.orgs.models import Region, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

HELD = (Meeting.Status.HELD, Meeting.Status.APPROVED)


# ---------------------------------------------------------------- lists


def meetings_between(user: User, start: dt.datetime, end: dt.datetime) -> QuerySet[Meeting]:
    """Meetings of the user's alliances scope scheduled in [start, end), cancelled ones left
    out: for calendars (the activities calendar reads it)."""
    return (
        access.meetings_visible_to(user)
        .filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("body")
        .order_by("scheduled_at", "id")
    )


def proposals_filtered(user: User, filters: dict[str, Any]) -> QuerySet[Proposal]:
    qs = access.proposals_visible_to(user).select_related("body", "unit")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    if filters.get("body"):
        qs = qs.filter(body_id=filters["body"])
    if filters.get("q"):
        qs = qs.filter(Q(title__icontains=filters["q"]) | Q(unit__name__icontains=filters["q"]))
    return qs.order_by("-id")


def tasks_filtered(
    user: User, filters: dict[str, Any], today: dt.date | None = None
) -> QuerySet[Task]:
    day = today or timezone.localdate()
    qs = access.tasks_visible_to(user).select_related("unit", "department", "resolution")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("overdue"):
        qs = qs.filter(status=Task.Status.OPEN, due_on__lt=day)
    if filters.get("unit"):
        qs = qs.filter(unit_id=filters["unit"])
    if filters.get("mine"):
        qs = qs.filter(unit_id__in=access.acting_unit_ids(user))
    return qs.order_by("due_on", "id")


def bodies_for_proposal(user: User) -> QuerySet[Body]:
    """Bodies a user may address a proposal to: staff in scope, or their units' bodies."""
    return access.bodies_visible_to(user, "alliances.propose").filter(is_active=True)


def units_for_proposal(user: User, body: Body) -> QuerySet[Unit]:
    """Member units of `body` the user may file for (unit admins: only their own)."""
    from lianjian.alliances.services.alliances import body_member_unit_ids

    members = Unit.objects.filter(pk__in=body_member_unit_ids(body))
    if access.may_manage(user, body):
        return members
    return members.filter(pk__in=access.acting_unit_ids(user, "alliances.propose"))


def current_charter(alliance: Any) -> Any:
    return alliance.charters.order_by("-version").first()


def member_counts(alliance_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per alliance: (current members, founding members) from the membership rows."""
    rows = (
        AllianceMember.objects.filter(alliance_id__in=alliance_ids)
        .values("alliance_id")
        .annotate(
            current=Count("pk", filter=Q(left_on__isnull=True)),
            founding=Count("pk", filter=Q(is_founding=True)),
        )
    )
    return {r["alliance_id"]: (r["current"], r["founding"]) for r in rows}


# ---------------------------------------------------------------- cadence


@dataclass
class BodyCadence:
    body_id: int
    name: str
    kind: str
    cadence: str
    street_id: int | None
    # (period start, label, compliance, first held date)
    cells: list[tuple[dt.date, str, str, dt.date | None]] = field(default_factory=list)


@dataclass
class CadenceReport:
    first: dt.date
    last: dt.date
    rows: list[BodyCadence]
    by_kind: dict[str, Counter[str]]
    by_street: dict[str, Counter[str]]


def _held_first(meetings: Any, first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], dt.date]:
    """(body, period) -> the first day a meeting for it was held: one GROUP BY.

    Read by the compiled statement on a cursor: Django's per-row date converters
    cost more than the aggregate itself on SQLite; ISO dates parse in C.
    """
    qs = (
        meetings.filter(status__in=HELD, period_start__gte=first, period_start__lte=last)
        .order_by()
        .values_list("body_id", "period_start")
        .annotate(first=Min("held_on"))
    )
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows and all(isinstance(v, dt.date) for v in rows[0][1:]):  # PostgreSQL: dates already
        return {(b, p): f for b, p, f in rows}
    return {(b, _day(p)): _day(f) for b, p, f in rows}


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def cadence_report(
    user: User,
    first: dt.date,
    last: dt.date,
    *,
    today: dt.date | None = None,
    region: Region | None = None,
) -> CadenceReport:
    """Per body and period from `first` to `last`: held on time, late, missed or due."""
    day = today or timezone.localdate()
    last = min(last, day)
    bodies_qs = access.bodies_visible_to(user).filter(is_active=True)
    if region is not None:
        from lianjian.orgs.access import region_grant_q

        bodies_qs = bodies_qs.filter(region_grant_q(region))
    # through the bodies' subquery: the (body, period) index answers the aggregate
    meetings = Meeting.objects.filter(body_id__in=bodies_qs.values("pk"))
    bodies = list(
        bodies_qs.order_by("kind", "name", "pk").values_list(
            "pk", "name", "kind", "cadence", "street_id", "established_on"
        )
    )
    held = _held_first(meetings, cadence.period_start(first, Cadence.YEARLY), last)
    streets = dict(Region.objects.filter(pk__in={b[4] for b in bodies}).values_list("pk", "name"))
    # each cadence's periods, labels and ends once, not once per body
    spans: dict[str, list[tuple[dt.date, str, dt.date]]] = {}
    for value in {b[3] for b in bodies}:
        spans[value] = [
            (start, cadence.period_label(start, value), cadence.period_end(start, value))
            for start in cadence.periods(first, last, value)
        ]
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    by_street: dict[str, Counter[str]] = defaultdict(Counter)
    rows = []
    on_time, late, missed, due = (c.value for c in Compliance)
    since_of: dict[tuple[dt.date, str], dt.date] = {}  # bodies share establishment dates
    for pk, name, kind, cad, street_id, established in bodies:
        row = BodyCadence(pk, name, kind, cad, street_id)
        cells = row.cells
        key = (max(first, established), cad)
        since = since_of.get(key)
        if since is None:
            since = since_of[key] = cadence.period_start(*key)
        kind_counter, street_counter = by_kind[kind], by_street[streets.get(street_id, "区级")]
        for start, label, end in spans[cad]:
            if start < since:
                continue
            held_on = held.get((pk, start))
            if held_on is not None:
                state = on_time if held_on <= end else late
            else:
                state = missed if day > end else due
            cells.append((start, label, state, held_on))
            kind_counter[state] += 1
            street_counter[state] += 1
        rows.append(row)
    return CadenceReport(first, last, rows, dict(by_kind), dict(by_street))


def bodies_not_met(user: User, today: dt.date | None = None) -> QuerySet[Body]:
    """Active bodies with no meeting held yet for their current period (this quarter…)."""
    day = today or timezone.localdate()
    q = Q(pk__in=[])
    for value in Cadence.values:
        start = cadence.period_start(day, value)
        met = Meeting.objects.filter(
            period_start=start, status__in=HELD, body__cadence=value
        ).values("body_id")
        q |= Q(cadence=value) & ~Q(pk__in=met)
    return access.bodies_visible_to(user).filter(q, is_active=True).order_by("kind", "name")


def bodies_missed_last_period(user: User, today: dt.date | None = None) -> int:
    """How many active bodies missed their previous period entirely (overdue bodies); one query."""
    day = today or timezone.localdate()
    q = Q(pk__in=[])
    for value in Cadence.values:
        start = cadence.period_start(day, value)
        prev = cadence.period_start(start - dt.timedelta(days=1), value)
        met = Meeting.objects.filter(
            period_start=prev, status__in=HELD, body__cadence=value
        ).values("body_id")
        q |= Q(cadence=value, established_on__lt=prev) & ~Q(pk__in=met)
    return access.bodies_visible_to(user).filter(q, is_active=True).count()


# ---------------------------------------------------------------- reports


@dataclass
class ProposalReport:
    by_status: dict[str, int]
    by_source: dict[str, int]
    resolutions: int
    implemented: int
    implemented_on_time: int


def proposal_report(user: User) -> ProposalReport:
    qs = access.proposals_visible_to(user).order_by()
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")))
    by_source = dict(qs.values_list("source").annotate(n=Count("pk")))
    last_due = Task.objects.filter(resolution=OuterRef("pk")).order_by().values("resolution")
    res = (
        access.resolutions_visible_to(user)
        .order_by()
        .annotate(last_due=Subquery(last_due.annotate(m=Max("due_on")).values("m")[:1]))
    )
    totals = res.aggregate(
        total=Count("pk"),
        implemented=Count("pk", filter=Q(status=Resolution.Status.IMPLEMENTED)),
    )
    on_time = res.filter(
        status=Resolution.Status.IMPLEMENTED, implemented_on__lte=F("last_due")
    ).count()
    return ProposalReport(
        by_status=by_status,
        by_source=by_source,
        resolutions=totals["total"],
        implemented=totals["implemented"],
        implemented_on_time=on_time,
    )


@dataclass
class UnitRow:
    unit_id: int
    name: str
    open: int = 0
    done: int = 0
    overdue: int = 0
    expected: int = 0
    attended: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return round(self.attended * 100 / self.expected, 1) if self.expected else None


def _expected_attendance(held: QuerySet[Meeting]) -> list[tuple[int, int]]:
    """Per unit, the held meetings of the bodies it currently belongs to (an assembly: of its
    alliance's current members), summed over a per-body count of `held`.

    Joining memberships to meetings row by row made 184k rows at district scale
    (115 ms); counting the meetings per body first leaves 2,000 to join.
    """
    try:
        per_body, params = (
            held.order_by().values("body_id").annotate(n=Count("pk")).query.sql_with_params()
        )
    except EmptyResultSet:  # a scope that sees no meeting
        return []
    body, member, alliance_member = (
        Body._meta.db_table,
        BodyMember._meta.db_table,
        AllianceMember._meta.db_table,
    )
    # table names from the models; the subquery compiled by the ORM, its values as parameters
    sql = (
        f"SELECT unit_id, SUM(n) FROM ("  # noqa: S608
        f" SELECT m.unit_id, h.n FROM {member} m JOIN {body} b ON b.id = m.body_id"
        f" JOIN ({per_body}) h ON h.body_id = m.body_id"
        f" WHERE m.left_on IS NULL AND b.kind <> %s"
        f" UNION ALL"
        f" SELECT a.unit_id, h.n FROM {alliance_member} a JOIN {body} b ON b.alliance_id = a.alliance_id"
        f" JOIN ({per_body}) h ON h.body_id = b.id"
        f" WHERE a.left_on IS NULL AND b.kind = %s"
        f") expected GROUP BY unit_id"
    )
    assembly = Body.Kind.ASSEMBLY.value
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, assembly, *params, assembly])
        return [(int(unit_id), int(n)) for unit_id, n in cursor.fetchall()]


def unit_task_report(user: User, today: dt.date | None = None, limit: int = 500) -> list[UnitRow]:
    """Per member unit: tasks open / done / overdue, and its meeting attendance rate."""
    day = today or timezone.localdate()
    tasks = (
        access.tasks_visible_to(user)
        .filter(unit_id__isnull=False)
        .order_by()
        .values_list("unit_id")
        .annotate(
            open=Count("pk", filter=Q(status=Task.Status.OPEN)),
            done=Count("pk", filter=~Q(status=Task.Status.OPEN)),
            overdue=Count("pk", filter=Q(status=Task.Status.OPEN, due_on__lt=day)),
        )
    )
    rows: dict[int, UnitRow] = {}
    for unit_id, open_, done, overdue in tasks:
        rows[unit_id] = UnitRow(unit_id, "", open_, done, overdue)
    held = access.meetings_visible_to(user).filter(status__in=HELD)
    attended = (
        Attendance.objects.filter(meeting__in=held.values("pk"))
        .order_by()
        .values_list("unit_id")
        .annotate(n=Count("pk"))
    )
    for unit_id, n in attended:
        rows.setdefault(unit_id, UnitRow(unit_id, "")).attended = n
    for unit_id, n in _expected_attendance(held):
        if unit_id in rows:
            rows[unit_id].expected = n
    ordered = sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.unit_id))[:limit]
    names = dict(Unit.objects.filter(pk__in=[r.unit_id for r in ordered]).values_list("pk", "name"))
    for r in ordered:
        r.name = names.get(r.unit_id, "")
    return ordered


def open_tasks_count(user: User, today: dt.date | None = None) -> tuple[int, int]:
    """(open, overdue) tasks in the user's scope (unit admins: their units' tasks)."""
    day = today or timezone.localdate()
    qs = access.tasks_visible_to(user).order_by()
    if not any(g.region_id for g in grants_with_perm(user, access.VIEW)):
        qs = qs.filter(unit_id__in=access.acting_unit_ids(user))
    agg = qs.aggregate(
        open=Count("pk", filter=Q(status=Task.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=Task.Status.OPEN, due_on__lt=day)),
    )
    return agg["open"], agg["overdue"]
