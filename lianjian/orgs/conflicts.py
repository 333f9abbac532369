"""ID numbers registered outside the actor's scope: no membership oracle (QUALITY.md S8, S25).

Every member ID number is unique platform-wide, so registering a number that
another district already holds must fail. Before this module the failure said
so ("已登记在其他党员名下"), and anyone with registry write rights could test
any number against every district, one by one through the API or 200k at a
time in a ledger file. Now:

- the answer outside the actor's scope is one generic sentence (`GENERIC`),
  the same wherever the number is held; inside the scope the actor may be told
  plainly, since it can see that member anyway;
- each such attempt leaves an `IdConflict` row, scoped by the holding member's
  region so the district that holds the number sees who tried (the desk page
  `orgs:conflict_list`), and an audit event;
- conflicts count against a per-user rate limit (`RATE`); once it is spent,
  every registration of an ID number by that user is refused for the rest of
  the window, conflicting or not, so the refusal itself tells nothing;
- a ledger file reports at most `LEDGER_CAP` conflicting rows; beyond that the
  whole file fails with one message (`OVER_CAP`), naming no row, and the
  attempt spends the user's whole allowance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeGuard

from django.db import transaction
from django.db.models import QuerySet

from lianjian.core.actors import Actor, Viewer
from lianjian.core.audit import audit_record
from lianjian.core.ratelimit import blocked, hit
from lianjian.orgs.access import members_visible_to, scope_q
from lianjian.orgs.errors import RegistryError
from lianjian.orgs.models import IdConflict, Member, PartyOrg

GENERIC = "无法在此登记该身份证号码，请联系区级管理员"
IN_SCOPE = "该身份证号码已登记在您管辖范围内的另一名党员名下"
THROTTLED = "身份证号码登记冲突次数过多，请稍后再试或联系区级管理员"
OVER_CAP = "文件中有多个身份证号码无法在此登记，已停止逐行核对、未写入任何数据；请联系区级管理员"
VIEW_PERM = "orgs.view_conflicts"

# conflicts per user and window (seconds); the ledger's per-file report cap
RATE = (10, 3600)
LEDGER_CAP = 5


class ConflictThrottled(RegistryError):
    """The user spent its conflict allowance: no ID number may be registered for now."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(THROTTLED, "id_number")
        self.retry_after = retry_after


def _key(actor: Actor) -> str:
    return f"orgs.id-conflict:{actor.pk}"


def _tracked(actor: Viewer | None) -> TypeGuard[Actor]:
    """A signed-in person, whose conflicts count; system writes pass no actor."""
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def ensure_allowed(actor: Viewer | None) -> None:
    """Refuse (`ConflictThrottled`) while `actor` is over its conflict allowance."""
    if not _tracked(actor):
        return
    limit, window = RATE
    retry = blocked(_key(actor), limit, window)
    if retry is not None:
        audit_record(
            "member.id_conflict_throttled",
            user=actor,
            object_type="orgs.member",
            result="denied",
            detail={"retry_after": retry},
        )
        raise ConflictThrottled(retry)


def visible(actor: Viewer | None, member: Member) -> bool:
    """Whether `actor` may be told plainly that `member` holds the number."""
    if not _tracked(actor):
        return True  # system writes (demo, commands) have no scope to leak out of
    return members_visible_to(actor).filter(pk=member.pk).exists()


def _spend(actor: Actor, times: int) -> None:
    limit, window = RATE
    for _ in range(min(times, limit + 1)):
        hit(_key(actor), limit, window)


def _scope_of(member: Member) -> dict[str, Any]:
    return {
        "district_id": member.district_id,
        "street_id": member.street_id,
        "community_id": member.community_id,
        "area_id": member.area_id,
    }


def record(
    actor: Viewer | None,
    member: Member,
    *,
    via: str,
    attempted_org: PartyOrg | None = None,
    file_name: str = "",
) -> IdConflict:
    """One attempt on a number `member` holds, outside the actor's scope."""
    with transaction.atomic():
        conflict = IdConflict.objects.create(
            actor_id=actor.pk if _tracked(actor) else None,
            actor_name=getattr(actor, "username", "")[:150],
            via=via,
            member=member,
            attempted_org=attempted_org,
            file_name=file_name[:200],
            **_scope_of(member),
        )
        audit_record(
            "member.id_conflict",
            user=actor,
            object_type="orgs.member",
            object_id=member.pk,
            result="denied",
            detail={"via": via, "conflict": conflict.pk},
        )
    if _tracked(actor):
        _spend(actor, 1)
    return conflict


def record_file(actor: Viewer | None, members: Iterable[Member], *, file_name: str) -> int:
    """A ledger file over the cap: one row per district holding some of its numbers."""
    per_district = Counter(m.district_id for m in members)
    with transaction.atomic():
        IdConflict.objects.bulk_create(
            IdConflict(
                actor_id=actor.pk if _tracked(actor) else None,
                actor_name=getattr(actor, "username", "")[:150],
                via=IdConflict.Via.LEDGER,
                count=count,
                file_name=file_name[:200],
                district_id=district_id,
            )
            for district_id, count in per_district.items()
        )
        total = sum(per_district.values())
        audit_record(
            "member.id_conflict",
            user=actor,
            object_type="orgs.member",
            result="denied",
            detail={"via": IdConflict.Via.LEDGER, "count": total, "file": file_name[:200]},
        )
    if _tracked(actor):
        _spend(actor, RATE[0] + 1)
    return total


def conflicts_visible_to(user: Viewer) -> QuerySet[IdConflict]:
    return (
        IdConflict.objects.filter(scope_q(user, VIEW_PERM))
        .select_related("member", "attempted_org", "district")
        .order_by("-created_at", "-pk")
    )
