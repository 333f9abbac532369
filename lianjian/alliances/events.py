"""Domain events the alliances app publishes (`lianjian.core.events.publish`).

Subscribers (points, ratings, the dashboard…) declare them by name in their
own registry; handlers run inside the publishing transaction.

`alliances.meeting_attended`
    A member unit was present at a meeting (QR check-in or marked by staff).
    Payload: meeting_id, unit_id, body_id, attended_on (date), method
    ("qr" | "staff"), user_id (who checked in or recorded it; may be None).

`alliances.proposal_submitted`
    A proposal was sent to a body. Payload: proposal_id, unit_id, body_id,
    need_ids (list of needs it takes up; may be empty).

`alliances.resolution_adopted`
    A proposal was adopted by the votes of a held meeting and became a
    resolution. Payload: resolution_id, proposal_id, unit_id (the proposing
    unit), body_id, meeting_id, adopted_on (date).

`alliances.task_verified`
    Staff verified a follow-up task as done. Payload: task_id, resolution_id,
    unit_id (the assignee; None for a department), on_time (bool: reported
    done by its due date).

`alliances.resolution_implemented`
    Every task of a resolution is verified. Payload: resolution_id, body_id,
    implemented_on (date).
"""

MEETING_ATTENDED = "alliances.meeting_attended"
PROPOSAL_SUBMITTED = "alliances.proposal_submitted"
RESOLUTION_ADOPTED = "alliances.resolution_adopted"
TASK_VERIFIED = "alliances.task_verified"
RESOLUTION_IMPLEMENTED = "alliances.resolution_implemented"
