"""The rating state machine: every allowed move, who makes it, in one place (DESIGN rule 4).

`ALLOWED_TRANSITIONS[from][to]` is the permission the actor must hold; a move not
in the map is refused with a Chinese message and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from lianjian.ratings.models import RatingStatus as S

SELF_ASSESS = "ratings.self_assess"
REVIEW = "ratings.review"
CONFIRM = "ratings.confirm"

ALLOWED_TRANSITIONS: Mapping[str, Mapping[str, str]] = {
    # the organization's admin submits its self-assessment
    S.PENDING: {S.SUBMITTED: SELF_ASSESS},
    S.RETURNED: {S.SUBMITTED: SELF_ASSESS},
    # the street scores it and passes it on, or sends it back for changes
    S.SUBMITTED: {S.REVIEWED: REVIEW, S.RETURNED: REVIEW},
    # the district confirms the grade, or sends it back to the street
    S.REVIEWED: {S.CONFIRMED: CONFIRM, S.SUBMITTED: CONFIRM},
    # a confirmed grade is locked; only an appeal with a reason reopens the question
    S.CONFIRMED: {S.APPEALED: SELF_ASSESS},
    # the district upholds the grade, or sends the rating back to the street
    S.APPEALED: {S.CONFIRMED: CONFIRM, S.SUBMITTED: CONFIRM},
}

# what each move is called on pages, in history rows and in refusals
MOVE_LABELS: Mapping[tuple[str, str], str] = {
    (S.PENDING, S.SUBMITTED): "提交自评",
    (S.RETURNED, S.SUBMITTED): "重新提交自评",
    (S.SUBMITTED, S.REVIEWED): "审核通过",
    (S.SUBMITTED, S.RETURNED): "退回修改",
    (S.REVIEWED, S.CONFIRMED): "确认等次",
    (S.REVIEWED, S.SUBMITTED): "退回街道复核",
    (S.CONFIRMED, S.APPEALED): "提出申诉",
    (S.APPEALED, S.CONFIRMED): "维持原等次",
    (S.APPEALED, S.SUBMITTED): "申诉成立，退回街道复核",
}

# statuses in which each side may still change scores
SELF_EDITABLE = frozenset({S.PENDING, S.RETURNED})
REVIEW_EDITABLE = frozenset({S.SUBMITTED})
LOCKED = frozenset({S.CONFIRMED, S.APPEALED})


def moves_from(status: str) -> Mapping[str, str]:
    return ALLOWED_TRANSITIONS.get(status, {})


def refusal(status: str, target: str) -> str:
    """The Chinese message for a move the map does not allow."""
    current = S(status).label if status in S.values else status
    if status in LOCKED and target != S.APPEALED:
        return f"等次已确认并锁定（当前状态：{current}），不能再修改"
    wanted = S(target).label if target in S.values else target
    return f"当前状态为“{current}”，不能转为“{wanted}”"
