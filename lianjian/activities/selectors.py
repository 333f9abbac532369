"""Scoped reads: upcoming events, a member's history and totals, queues and reports."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from lianjian.activities import access
from lianjian.activities.models import (
    Attendance,
    Event,
    HoursRecord,
    Signup,
    Team,
    TeamMembership,
    Volunteer,
)
from lianjian.orgs.access import scope_q
from lianjian.orgs.models import Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User


class YearTotals(TypedDict):
    year: int
    verified: Decimal
    pending: Decimal
    events: int


class AttendanceRow(TypedDict):
    volunteer: Volunteer
    signup: Signup | None  # None: a walk-in scanned by the organizer
    attendance: Attendance | None  # None: signed up, did not come


class CommunityRow(TypedDict):
    community_id: int
    community: str
    teams: int
    volunteers: int
    in_teams: int


def upcoming_events(user: User) -> QuerySet[Event]:
    """Published events open to the user that have not ended, soonest first."""
    return (
        access.events_open_to(user)
        .filter(status=Event.Status.PUBLISHED, ends_at__gte=timezone.now())
        .order_by("starts_at", "id")
    )


def my_signup_status(user: User, event_ids: list[int]) -> dict[int, str]:
    rows = access.signups_of(user).filter(
        event_id__in=event_ids, status__in=["confirmed", "waiting"]
    )
    return dict(rows.values_list("event_id", "status"))


def my_totals(user: User) -> list[YearTotals]:
    """Per year: verified hours, pending hours, events attended (newest year first)."""
    volunteer = access.volunteer_of(user)
    if volunteer is None:
        return []
    return volunteer_totals(volunteer)


def volunteer_totals(volunteer: Volunteer) -> list[YearTotals]:
    rows = (
        HoursRecord.objects.filter(volunteer=volunteer)
        .annotate(year=ExtractYear("on"))
        .values("year")
        .annotate(
            verified=Sum("hours", filter=Q(status=HoursRecord.Status.VERIFIED)),
            pending=Sum("hours", filter=Q(status=HoursRecord.Status.PENDING)),
            events=Count("attendance_id", filter=~Q(status=HoursRecord.Status.REJECTED)),
        )
        .order_by("-year")
    )
    return [
        {
            "year": r["year"],
            "verified": r["verified"] or Decimal("0"),
            "pending": r["pending"] or Decimal("0"),
            "events": r["events"],
        }
        for r in rows
    ]


def year_total(user: User, year: int | None = None) -> Decimal:
    year = year or timezone.localdate().year
    for row in my_totals(user):
        if row["year"] == year:
            return row["verified"]
    return Decimal("0")


def hours_to_verify(user: User) -> QuerySet[HoursRecord]:
    """Pending hours the user may verify: as an organizer, or as the leader of a team."""
    return (
        access.hours_verifiable_by(user)
        .filter(status=HoursRecord.Status.PENDING)
        .select_related("volunteer", "event", "team")
        .order_by("on", "id")
    )


def attendance_list(event: Event) -> list[AttendanceRow]:
    """Who signed up and who came: each confirmed sign-up and each attendance, no-shows marked."""
    present = {
        a.volunteer_id: a
        for a in Attendance.objects.filter(event=event).select_related("volunteer")
    }
    rows: list[AttendanceRow] = []
    signups = (
        Signup.objects.filter(event=event).exclude(status="cancelled").select_related("volunteer")
    )
    for s in signups:
        att = present.pop(s.volunteer_id, None)
        rows.append({"volunteer": s.volunteer, "signup": s, "attendance": att})
    for att in present.values():  # walk-ins scanned by the organizer
        rows.append({"volunteer": att.volunteer, "signup": None, "attendance": att})
    return rows


def team_members(team: Team) -> QuerySet[TeamMembership]:
    """Current members; a volunteer who withdrew consent is hidden (S16)."""
    return (
        team.memberships.filter(left_on__isnull=True, volunteer__withdrawn_at__isnull=True)
        .select_related("volunteer")
        .order_by("volunteer__name", "id")
    )


def teams_visible_to(user: User) -> QuerySet[Team]:
    return access.teams_managed_by(user).annotate(
        members=Count(
            "memberships",
            filter=Q(memberships__left_on__isnull=True)
            & Q(memberships__volunteer__withdrawn_at__isnull=True),
        )
    )


def community_report(user: User) -> list[CommunityRow]:
    """Per community in the user's scope: active teams, volunteers, and those serving in a team.

    Three grouped counts on indexed scope columns and no scan of attendance or hours, so
    the report stays fast at district scale (bench/activities_bench.py).
    """
    q = scope_q(user, access.REPORT)
    teams = dict(
        Team.objects.filter(q, status=Team.Status.ACTIVE)
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    volunteers = dict(
        Volunteer.objects.filter(q, withdrawn_at__isnull=True)
        .values("community_id")
        .annotate(n=Count("id"))
        .values_list("community_id", "n")
    )
    in_teams = dict(
        TeamMembership.objects.filter(
            scope_q(user, access.REPORT, prefix="team__"),
            left_on__isnull=True,
            volunteer__withdrawn_at__isnull=True,
            team__status=Team.Status.ACTIVE,
        )
        .values("team__community_id")
        .annotate(n=Count("volunteer_id", distinct=True))
        .values_list("team__community_id", "n")
    )
    ids = {k for k in (*teams, *volunteers) if k}
    names = dict(Region.objects.filter(pk__in=ids).values_list("pk", "name"))
    return sorted(
        (
            CommunityRow(
                community_id=pk,
                community=names.get(pk, ""),
                teams=teams.get(pk, 0),
                volunteers=volunteers.get(pk, 0),
                in_teams=in_teams.get(pk, 0),
            )
            for pk in ids
        ),
        key=lambda r: (-r["volunteers"], r["community"]),
    )


def joint_party_days(user: User) -> QuerySet[Event]:
    """主题党日 shared by two or more Party organizations (联组), in the user's scope."""
    return (
        Event.objects.filter(scope_q(user, access.REPORT), kind="party_day")
        .exclude(status__in=["draft", "cancelled"])
        .annotate(orgs=Count("organizers"))
        .filter(orgs__gte=2)
    )
