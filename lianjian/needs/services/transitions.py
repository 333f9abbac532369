"""The state machine: the transition table, who may take each action, and the one
transition function every workflow service goes through."""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from lianjian.core.audit import audit_record
from lianjian.needs.access import department_ids_of, needs_visible_to
from lianjian.needs.models import (
    EVENT_ACTION_LABELS,
    Need,
    NeedEvent,
    Status,
)
from lianjian.needs.services import clock
from lianjian.needs.services.errors import (
    CONFLICT_MESSAGE,
    MAX_TEXT,
    NeedConflict,
    NeedError,
)
from lianjian.needs.services.tally import _summarize

if TYPE_CHECKING:
    from lianjian.accounts.models import User

logger = logging.getLogger("lianjian.needs")


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset({Status.DISPATCHED, Status.REJECTED, Status.MERGED}),
    Status.DISPATCHED: frozenset(
        {Status.ACCEPTED, Status.REPLIED, Status.RETURNED, Status.TRANSFERRED}
    ),
    Status.TRANSFERRED: frozenset(
        {Status.ACCEPTED, Status.REPLIED, Status.RETURNED, Status.TRANSFERRED}
    ),
    Status.ACCEPTED: frozenset({Status.REPLIED, Status.RETURNED, Status.TRANSFERRED}),
    Status.RETURNED: frozenset({Status.DISPATCHED, Status.REJECTED, Status.MERGED}),
    Status.REOPENED: frozenset(
        {Status.ACCEPTED, Status.REPLIED, Status.RETURNED, Status.TRANSFERRED, Status.DISPATCHED}
    ),
    Status.REPLIED: frozenset({Status.RATED, Status.CLOSED}),
    Status.RATED: frozenset({Status.REOPENED, Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.MERGED: frozenset(),
    Status.REJECTED: frozenset(),
}

# action → (target status, label, who may do it)
ACTIONS: dict[str, tuple[str, str, str]] = {
    "dispatch": (Status.DISPATCHED, EVENT_ACTION_LABELS["dispatch"], "dispatcher"),
    "reject": (Status.REJECTED, EVENT_ACTION_LABELS["reject"], "dispatcher"),
    "merge": (Status.MERGED, EVENT_ACTION_LABELS["merge"], "dispatcher"),
    "close": (Status.CLOSED, EVENT_ACTION_LABELS["close"], "dispatcher"),
    "accept": (Status.ACCEPTED, EVENT_ACTION_LABELS["accept"], "handler"),
    "reply": (Status.REPLIED, EVENT_ACTION_LABELS["reply"], "handler"),
    "return": (Status.RETURNED, EVENT_ACTION_LABELS["return"], "handler"),
    "transfer": (Status.TRANSFERRED, EVENT_ACTION_LABELS["transfer"], "handler_or_dispatcher"),
    "rate": (Status.RATED, EVENT_ACTION_LABELS["rate"], "submitter_or_staff"),
    "reopen": (Status.REOPENED, EVENT_ACTION_LABELS["reopen"], "system"),
}


# a phone callback (回访) is recorded once a need has its reply; it is not a transition
CALLBACK_STATUSES = frozenset({Status.REPLIED, Status.RATED, Status.CLOSED})
# what a signed-in user may be offered on a need's page, in the page's order
USER_ACTIONS = (
    "dispatch",
    "accept",
    "reply",
    "close",
    "callback",
    "transfer",
    "return",
    "reject",
    "merge",
)


class Reach:
    """What an actor holds on one need; each fact is asked of the database once, when needed."""

    def __init__(self, need: Need, actor: User) -> None:
        self.need, self.actor = need, actor

    @cached_property
    def dispatch(self) -> bool:
        return needs_visible_to(self.actor, "needs.dispatch").filter(pk=self.need.pk).exists()

    @cached_property
    def handle(self) -> bool:
        return bool(self.need.department_id) and self.need.department_id in department_ids_of(
            self.actor, "needs.handle"
        )

    @cached_property
    def intake(self) -> bool:
        return needs_visible_to(self.actor, "needs.intake").filter(pk=self.need.pk).exists()


def actor_may(need: Need, kind: str, actor: User | None, reach: Reach | None = None) -> bool:
    """The actor check: may this actor act as `kind` (ACTIONS' third column) on the need."""
    if kind == "system" or (actor is None and kind == "submitter_or_staff"):
        return True
    if actor is None:
        return False
    reach = reach or Reach(need, actor)
    if kind == "dispatcher":
        return reach.dispatch
    if kind == "handler":
        return reach.handle
    if kind == "handler_or_dispatcher":
        return reach.dispatch or reach.handle
    if kind == "submitter_or_staff":
        return reach.dispatch or reach.intake
    raise KeyError(kind)


def _check_actor(need: Need, kind: str, actor: User | None) -> None:
    """The actor's role and scope for this action; raises NeedError (refusal, nothing written)."""
    if actor is None and kind not in ("system", "submitter_or_staff"):
        raise NeedError("需要登录后操作")
    if not actor_may(need, kind, actor):
        raise NeedError("您没有处理该需求的权限")


def may(user: User, action: str, need: Need, reach: Reach | None = None) -> bool:
    """May this user take `action` on `need` now? The table, then the actor check.

    The same two rules `_transition` (and `need_callback`) enforce, so a page
    offers exactly what the services would accept. System actions are never a
    user's to take.
    """
    if action == "callback":
        return need.status in CALLBACK_STATUSES and actor_may(
            need, "submitter_or_staff", user, reach
        )
    target, _label, kind = ACTIONS[action]
    if kind == "system" or target not in ALLOWED_TRANSITIONS[need.status]:
        return False
    return user is not None and actor_may(need, kind, user, reach)


def capabilities(user: User, need: Need) -> dict[str, bool]:
    """`may` for every action a user can be offered, sharing one `Reach`."""
    reach = Reach(need, user)
    return {action: may(user, action, need, reach) for action in USER_ACTIONS}


def _event(
    need: Need, action: str, from_status: str, actor: User | None, note: str, **extra: Any
) -> None:
    event = NeedEvent.objects.create(
        need=need,
        action=action,
        from_status=from_status,
        to_status=need.status,
        actor=actor if getattr(actor, "pk", None) else None,
        at=clock.now(),
        note=note[:MAX_TEXT],
        channel=need.channel,
        department_id=need.department_id,
        category_id=need.category_id,
        deadline=need.deadline,
        district_id=need.district_id,
        street_id=need.street_id,
        community_id=need.community_id,
        area_id=need.area_id,
        **extra,
    )
    _summarize(event)


def _locked(need_id: int) -> Need | None:
    """The need with its row lock held to the end of the caller's transaction.

    Services that check or compute from the need's state (deadline, department,
    status) read it through this, so no concurrent transition can slip in
    between their check and `_transition` (which then re-reads the same row).
    """
    return Need.objects.select_for_update().filter(pk=need_id).first()


def _transition(
    need_id: int,
    action: str,
    *,
    actor: User | None,
    expected_version: int | None,
    note: str = "",
    request: HttpRequest | None = None,
    changes: dict[str, Any] | None = None,
    event_extra: dict[str, Any] | None = None,
    check_actor: bool = True,
) -> Need:
    """The one transition function: lock, check version, table, actor; apply; history; audit.

    Must run inside a transaction (the public wrappers are atomic).
    """
    target, label, kind = ACTIONS[action]
    need = _locked(need_id)
    if need is None:
        raise NeedError("未找到该需求")
    if expected_version is not None and need.version != expected_version:
        raise NeedConflict(CONFLICT_MESSAGE)
    if target not in ALLOWED_TRANSITIONS[need.status]:
        raise NeedError(f"需求当前状态为“{Status(need.status).label}”，不能{label}")
    if check_actor:
        _check_actor(need, kind, actor)
    from_status = need.status
    for field, value in (changes or {}).items():
        setattr(need, field, value)
    need.status = target
    need.version += 1
    # the lock makes this safe; the version filter makes a lost update impossible anyway
    fields = {f: getattr(need, f) for f in (changes or {})}
    updated = Need.objects.filter(pk=need.pk, version=need.version - 1).update(
        status=need.status, version=need.version, updated_at=clock.now(), **fields
    )
    if updated != 1:
        raise NeedConflict(CONFLICT_MESSAGE)
    _event(need, action, from_status, actor, note, **(event_extra or {}))
    audit_record(
        f"need.{action}",
        user=actor if getattr(actor, "pk", None) else None,
        request=request,
        obj=need,
        scope=f"street:{need.street_id}",
        detail={"from": from_status, "to": need.status},
    )
    return need
