"""Domain events this app publishes (`lianjian.core.events.publish`).

Subscribers (points) declare them by name in their own registry; handlers run
inside the publishing transaction. `member_id` is the `orgs.Member` pk, None
for a resident who is not a Party member.

`activities.attendance_confirmed` — a volunteer was checked in at an event:
    `attendance_id`, `event_id`, `event_kind`, `member_id`, `community_id`,
    `hours` (Decimal, the event's duration), `on` (date). Once per attendance.
`activities.hours_verified` — service hours were verified: `record_id`,
    `member_id`, `community_id`, `hours` (Decimal), `on` (date). Once per record.
`activities.lesson_completed` — a Party-school lesson was completed:
    `completion_id`, `lesson_id`, `course_id`, `member_id`, `community_id`, `on`.
    Once per member and lesson (check-in at a lecture, or finishing an e-lesson).
"""

ATTENDANCE_CONFIRMED = "activities.attendance_confirmed"
HOURS_VERIFIED = "activities.hours_verified"
LESSON_COMPLETED = "activities.lesson_completed"
