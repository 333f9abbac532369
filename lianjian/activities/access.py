"""Who sees which teams, events, attendance and hours (the scope chokepoint for activities).

Organizers (district, street, community staff; unit admins for the Party
organizations under their grant) see what lies in their grants through the
ancestor ids or the organizer's tree path (`activities.manage`). A member or
resident sees the published events open to them, and only their own
sign-ups, attendance and hours. Detail fetches go through `get_in_scope`, so
anything outside answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Q, QuerySet

from lianjian.activities.models import (
    Attendance,
    Audience,
    Booking,
    Course,
    Event,
    EventPhoto,
    HoursRecord,
    Roster,
    Signup,
    Team,
    TeamMembership,
    Venue,
    Volunteer,
)
from lianjian.alliances.models import AllianceMember
from lianjian.core.permissions import grants_with_perm
from lianjian.orgs.access import NOTHING, scope_q
from lianjian.orgs.models import Member, Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MANAGE = "activities.manage"
JOIN = "activities.join"
REPORT = "activities.report"


def member_of(user: User) -> Member | None:
    if not getattr(user, "is_authenticated", False) or not grants_with_perm(user, JOIN):
        return None
    return Member.objects.filter(user_id=user.pk, is_active=True).first()


def volunteer_of(user: User) -> Volunteer | None:
    """The user's own profile (withdrawn or not), cached on the user for the request."""
    if not getattr(user, "is_authenticated", False):
        return None
    memo = cast("Any", user)  # a per-request memo on the user object (ADR 0022)
    if not hasattr(memo, "_activities_volunteer"):
        memo._activities_volunteer = (
            Volunteer.objects.filter(user_id=user.pk).select_related("member").first()
        )
    volunteer: Volunteer | None = memo._activities_volunteer
    return volunteer


def home_region(user: User) -> Region | None:
    """Where a member takes part: their residence, else the community their grant names."""
    member = member_of(user)
    if member is not None and member.residence_community_id:
        return member.residence_community
    for grant in grants_with_perm(user, JOIN):
        if grant.region_id:
            return grant.region  # type: ignore[no-any-return]
    if member is not None:
        return member.party_org.region
    return None


# ---------------------------------------------------------------- organizers


def events_managed_by(user: User) -> QuerySet[Event]:
    return Event.objects.filter(scope_q(user, MANAGE, org_path_field="organizer_org__path"))


def teams_managed_by(user: User) -> QuerySet[Team]:
    return Team.objects.filter(scope_q(user, MANAGE, org_path_field="party_org__path"))


def volunteers_managed_by(user: User) -> QuerySet[Volunteer]:
    return Volunteer.objects.filter(scope_q(user, MANAGE, org_path_field="member__party_org__path"))


def hours_managed_by(user: User) -> QuerySet[HoursRecord]:
    """Hours an organizer manages: of volunteers in their regions, or of their organizations' events."""
    q = scope_q(user, MANAGE, org_path_field="event__organizer_org__path")
    return HoursRecord.objects.filter(q)


def teams_led_by(user: User) -> QuerySet[Team]:
    """The teams whose leader is the user's own (consenting) volunteer profile."""
    volunteer = volunteer_of(user)
    if volunteer is None or volunteer.withdrawn_at is not None:
        return Team.objects.none()
    return Team.objects.filter(leader=volunteer).exclude(status=Team.Status.DISSOLVED)


def _led_q(user: User) -> Q:
    """Hours a team leader verifies: logged for the team by its current members, or of
    events the team organized; never the leader's own."""
    volunteer = volunteer_of(user)
    teams = teams_led_by(user)
    if volunteer is None or not teams.exists():
        return NOTHING
    team_ids = teams.values("pk")
    members = TeamMembership.objects.filter(team__in=team_ids, left_on__isnull=True).values(
        "volunteer_id"
    )
    return (
        Q(team_id__in=team_ids, volunteer_id__in=members) | Q(event__organizer_team_id__in=team_ids)
    ) & ~Q(volunteer_id=volunteer.pk)


def hours_verifiable_by(user: User) -> QuerySet[HoursRecord]:
    """The one rule of who verifies which hours (pages, API and `services.hours_verify`):
    organizers in their scope, and team leaders for their teams."""
    q = scope_q(user, MANAGE, org_path_field="event__organizer_org__path") | _led_q(user)
    return HoursRecord.objects.filter(q)


def may_verify_hours(user: User, record: HoursRecord) -> bool:
    return hours_verifiable_by(user).filter(pk=record.pk).exists()


def verifies_hours(user: User) -> bool:
    """Whether the user has a verification queue at all (an organizer, or a team leader)."""
    return bool(grants_with_perm(user, MANAGE)) or teams_led_by(user).exists()


def attendance_managed_by(user: User) -> QuerySet[Attendance]:
    return Attendance.objects.filter(
        scope_q(user, MANAGE, org_path_field="event__organizer_org__path")
    )


def venues_managed_by(user: User) -> QuerySet[Venue]:
    """Venues whose bookings the user approves: in their regions, or their organizations'."""
    return Venue.objects.filter(scope_q(user, MANAGE, org_path_field="owner_org__path"))


def courses_managed_by(user: User) -> QuerySet[Course]:
    """Party-school courses the user edits: in their regions, or their organizations'."""
    return Course.objects.filter(scope_q(user, MANAGE, org_path_field="organizer_org__path"))


def bookings_managed_by(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(scope_q(user, MANAGE, org_path_field="venue__owner_org__path"))


def venues_bookable_by(user: User) -> QuerySet[Venue]:
    """Open venues of the user's district (organizers and members alike may ask)."""
    region = home_region(user) if grants_with_perm(user, JOIN) else None
    q = scope_q(user, MANAGE, org_path_field="owner_org__path")
    if region is not None:
        q |= Q(district_id=region.district_ref_id or region.pk)
    return Venue.objects.filter(q, is_active=True)


def rosters_visible_to(user: User) -> QuerySet[Roster]:
    """Organizers: rosters in their scope; volunteers: those of their community or teams."""
    q = scope_q(user, MANAGE)
    volunteer = volunteer_of(user) if grants_with_perm(user, JOIN) else None
    if volunteer is not None and volunteer.withdrawn_at is None:
        q |= Q(community_id=volunteer.community_id) | Q(
            team_id__in=volunteer.memberships.filter(left_on__isnull=True).values("team_id")
        )
    return Roster.objects.filter(q)


def may_manage(user: User, event: Event) -> bool:
    return events_managed_by(user).filter(pk=event.pk).exists()


# ---------------------------------------------------------------- members


def audience_q(volunteer: Volunteer | None, region: Region | None) -> Q:
    """The published events a person may see and join (audience rules)."""
    if region is None:
        return NOTHING
    q = Q(audience=Audience.PUBLIC, district_id=region.district_ref_id or region.pk)
    community_id = region.pk if region.level == Region.Level.COMMUNITY else None
    if community_id:
        q |= Q(audience=Audience.COMMUNITY, community_id=community_id)
    member = volunteer.member if volunteer is not None else None
    if member is not None:
        q |= Q(audience=Audience.ORGS) & (
            Q(organizers__party_org_id=member.party_org_id)
            | Q(audience_orgs=member.party_org_id)
            | Q(organizer_org_id=member.party_org_id)
        )
        if member.workplace_unit_id:
            alliances = AllianceMember.objects.filter(
                unit_id=member.workplace_unit_id, left_on__isnull=True
            ).values("alliance_id")
            q |= Q(audience=Audience.ALLIANCE, organizer_alliance_id__in=alliances)
    if volunteer is not None:
        teams = volunteer.memberships.filter(left_on__isnull=True).values("team_id")
        q |= Q(audience=Audience.TEAM, organizer_team_id__in=teams)
    return q


def events_open_to(user: User) -> QuerySet[Event]:
    if not grants_with_perm(user, JOIN):
        return Event.objects.none()
    volunteer = volunteer_of(user)
    base = Event.objects.filter(audience_q(volunteer, home_region(user))).values("pk")
    q = Q(pk__in=base, status__in=[Event.Status.PUBLISHED, Event.Status.DONE])
    if volunteer is not None:  # an event they signed up for stays theirs to see
        q |= Q(pk__in=volunteer.signups.values("event_id")) & ~Q(status=Event.Status.DRAFT)
    return Event.objects.filter(q)


def signups_of(user: User) -> QuerySet[Signup]:
    volunteer = volunteer_of(user)
    if volunteer is None:
        return Signup.objects.none()
    return Signup.objects.filter(volunteer=volunteer)


def hours_of(user: User) -> QuerySet[HoursRecord]:
    volunteer = volunteer_of(user)
    if volunteer is None:
        return HoursRecord.objects.none()
    return HoursRecord.objects.filter(volunteer=volunteer)


def events_visible_to(user: User) -> QuerySet[Event]:
    """Events an organizer manages or a member may see (one row each)."""
    return (events_managed_by(user) | events_open_to(user)).distinct()


def get_event_photo_for_user(user: User, token: str) -> EventPhoto | None:
    """A photo of an event the user may see; None (a 404) for any other."""
    photo = EventPhoto.objects.filter(token=str(token)[:32]).first()
    if photo is None or not events_visible_to(user).filter(pk=photo.event_id).exists():
        return None
    return photo
