"""Alliances, joint-meeting bodies, meetings, proposals, resolutions, agreements (DOMAIN.md §4).

Every table a scope filter reads carries the ancestor ids of the region it
belongs to (`ScopedModel`, QUALITY P1): an alliance and a body where they sit
in the region tree, a meeting, proposal, resolution and task where their body
sits, an agreement where its community is.
"""

from lianjian.alliances.models.agreements import Agreement, AgreementItem
from lianjian.alliances.models.alliances import (
    Alliance,
    AllianceMember,
    Body,
    BodyMember,
    CharterVersion,
)
from lianjian.alliances.models.meetings import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingAttachment,
)
from lianjian.alliances.models.proposals import (
    Proposal,
    ProposalHistory,
    ProposalNeed,
    Resolution,
    Task,
    TaskProgress,
    Vote,
)

__all__ = [
    "AgendaItem",
    "Agreement",
    "AgreementItem",
    "Alliance",
    "AllianceMember",
    "Attendance",
    "Body",
    "BodyMember",
    "CharterVersion",
    "Meeting",
    "MeetingAttachment",
    "Proposal",
    "ProposalHistory",
    "ProposalNeed",
    "Resolution",
    "Task",
    "TaskProgress",
    "Vote",
]
