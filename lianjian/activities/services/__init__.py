"""Writes and workflows of activities, by flow (DESIGN: a package past ~600 lines)."""

from lianjian.activities.services.attendance import (
    checkin_by_scan,
    checkin_by_staff,
    checkin_by_token,
    checkin_window,
)
from lianjian.activities.services.common import ActivityError
from lianjian.activities.services.events import (
    event_cancel,
    event_close,
    event_create,
    event_publish,
    event_report,
)
from lianjian.activities.services.hours import hours_adjust, hours_log, hours_verify
from lianjian.activities.services.rosters import (
    occurrences,
    roster_create,
    shift_release,
    shift_swap,
    shift_take,
    shifts_remind,
)
from lianjian.activities.services.school import (
    course_create,
    course_update,
    e_lesson_add,
    e_lesson_complete,
    lecture_add,
)
from lianjian.activities.services.signups import signup_cancel, signup_create
from lianjian.activities.services.venues import (
    booking_cancel,
    booking_decide,
    booking_request,
    venue_create,
    venue_update,
)
from lianjian.activities.services.volunteers import (
    team_create,
    team_member_add,
    team_member_leave,
    volunteer_join,
    volunteer_register,
    volunteer_withdraw,
)

__all__ = [
    "ActivityError",
    "booking_cancel",
    "booking_decide",
    "booking_request",
    "checkin_by_scan",
    "checkin_by_staff",
    "checkin_by_token",
    "checkin_window",
    "course_create",
    "course_update",
    "e_lesson_add",
    "e_lesson_complete",
    "event_cancel",
    "event_close",
    "event_create",
    "event_publish",
    "event_report",
    "hours_adjust",
    "hours_log",
    "hours_verify",
    "lecture_add",
    "occurrences",
    "roster_create",
    "shift_release",
    "shift_swap",
    "shift_take",
    "shifts_remind",
    "signup_cancel",
    "signup_create",
    "team_create",
    "team_member_add",
    "team_member_leave",
    "venue_create",
    "venue_update",
    "volunteer_join",
    "volunteer_register",
    "volunteer_withdraw",
]
