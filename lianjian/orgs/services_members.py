"""Writes on the member registry: create, update, deactivate, unmask and the exact lookup,
and the member dates each write keeps on the units (`Unit.member_since`,
`min_members_since`).

As the other registry services (`services`): each validates its input (raising
`RegistryError` with a Chinese message), fills the ancestor ids from the member's
organization and writes an audit row in the same transaction. An ID number another
member holds is refused without saying where (`orgs.conflicts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from lianjian.core.actors import Actor
from lianjian.core.audit import audit_record
from lianjian.core.identifiers import (
    birth_date_from_id,
    clean_id_number,
    clean_mobile,
    gender_from_id,
)
from lianjian.orgs import conflicts, validation
from lianjian.orgs.errors import RegistryError
from lianjian.orgs.models import VIOLATION_MIN_MEMBERS, Member, PartyOrg, Unit
from lianjian.orgs.services import (
    _ancestors_of,
    _identifier,
    _optional,
    id_number_index,
    mobile_index,
)

MEMBER_FIELDS = (
    "name",
    "id_number",
    "mobile",
    "joined_on",
    "status",
    "party_org",
    "workplace_unit",
    "residence_community",
    "is_floating",
    "floating_to",
    "floating_reason",
    "gender",
)


def _check_id_number(
    index: str, instance: Member | None, actor: Actor | None, via: str, org: Any
) -> None:
    """Refuse a number another member holds without saying where (`orgs.conflicts`)."""
    if instance is not None and instance.id_number_index == index:
        return  # unchanged
    conflicts.ensure_allowed(actor)
    holder = Member.objects.filter(id_number_index=index).first()
    if holder is None:
        return
    if conflicts.visible(actor, holder):
        raise RegistryError(conflicts.IN_SCOPE, "id_number")
    conflicts.record(
        actor, holder, via=via, attempted_org=org if isinstance(org, PartyOrg) else None
    )
    raise RegistryError(conflicts.GENERIC, "id_number")


def _clean_member(
    data: dict[str, Any],
    instance: Member | None = None,
    *,
    actor: Actor | None = None,
    via: str = "other",
) -> dict[str, Any]:
    """Checked member fields. Not in a transaction: a conflict record must outlive
    the refusal it explains."""
    clean = {k: v for k, v in data.items() if k in MEMBER_FIELDS}
    if "name" in clean:
        clean["name"] = str(clean["name"]).strip()
        if not clean["name"]:
            raise RegistryError("姓名不能为空", "name")
    if "id_number" in clean:
        idn = _identifier(clean_id_number, clean["id_number"], "id_number")
        index = id_number_index(idn)
        org = clean.get("party_org") or (instance.party_org if instance else None)
        _check_id_number(index, instance, actor, via, org)
        clean["id_number"] = idn
        clean["id_number_index"] = index
        clean["birth_date"] = birth_date_from_id(idn)
        clean.setdefault("gender", gender_from_id(idn))
    if "mobile" in clean:
        mobile = _optional(clean_mobile, clean["mobile"], "mobile")
        clean["mobile"] = mobile
        clean["mobile_index"] = mobile_index(mobile) if mobile else ""
    born = clean.get("birth_date") or (instance.birth_date if instance else None)
    if problem := validation.joined_on_problem(clean.get("joined_on"), born):
        raise RegistryError(problem, "joined_on")
    floating = clean.get("is_floating", instance.is_floating if instance else False)
    floating_to = clean.get("floating_to", instance.floating_to if instance else "")
    if problem := validation.floating_problem(floating, floating_to):
        raise RegistryError(problem, "floating_to")
    if "status" in clean and clean["status"] not in Member.Status.values:
        raise RegistryError("党员类别无效", "status")
    if clean.get("is_floating") is False:
        clean["floating_to"] = ""
        clean["floating_reason"] = ""
    org = clean.get("party_org")
    if org is not None and not org.is_active:
        raise RegistryError("所选党组织已撤销", "party_org")
    return clean


# a member with no join date counts on every date (as `coverage.member_q` counts it)
ALWAYS = dt.date.min
# the member fields its unit's member dates depend on
MEMBER_DATE_FIELDS = frozenset({"workplace_unit", "joined_on", "is_active"})
_REFRESH_BATCH = 5000


def unit_member_dates_refresh(unit_ids: Iterable[int | None] | None = None) -> int:
    """Recompute `Unit.member_since` and `min_members_since` from the units' live members
    (every unit when `unit_ids` is None); returns the number of units updated.

    Always from scratch, so refreshing a unit too many is harmless and a missed one is
    the only possible error. Every member service calls it for the units a member left
    or joined (ADR 0010: explicit calls, no signal); a write around the services (SQL by
    hand, a restore) is repaired by `lianjian refresh_member_dates`.
    """
    on = Coalesce("joined_on", Value(ALWAYS))
    joined = (
        Member.objects.filter(is_active=True, workplace_unit=OuterRef("pk"))
        .order_by(F("joined_on").asc(nulls_first=True))
        .annotate(on=on)
        .values("on")
    )
    dates = {
        "member_since": Subquery(joined[:1]),
        "min_members_since": Subquery(joined[VIOLATION_MIN_MEMBERS - 1 : VIOLATION_MIN_MEMBERS]),
    }
    if unit_ids is None:
        return Unit.objects.update(**dates)
    ids = sorted({pk for pk in unit_ids if pk is not None})
    updated = 0
    with transaction.atomic():
        for start in range(0, len(ids), _REFRESH_BATCH):
            batch = Unit.objects.filter(pk__in=ids[start : start + _REFRESH_BATCH])
            # Lock the units first, in id order: a transaction writing members of the
            # same unit finishes before our UPDATE starts, so its snapshot sees them (an
            # UPDATE that waits on the row itself keeps its older snapshot and would
            # drop them). NO KEY: a member insert holds KEY SHARE on its unit.
            list(batch.select_for_update(no_key=True).order_by("pk").values_list("pk"))
            updated += batch.update(**dates)
    return updated


def member_create(*, actor: Actor | None = None, via: str = "other", **data: Any) -> Member:
    """`via` says where the attempt came from (`IdConflict.Via`) for a conflict record."""
    for required in ("name", "id_number", "party_org"):
        if not data.get(required):
            raise RegistryError("姓名、身份证号和所在党组织必须填写", required)
    clean = _clean_member(data, actor=actor, via=via)
    with transaction.atomic():
        return _member_insert(clean, actor)


def _member_insert(clean: dict[str, Any], actor: Actor | None) -> Member:
    member = Member(**clean, **_ancestors_of(clean["party_org"].region))
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        # taken meanwhile (a race): the generic answer, whoever holds it
        raise RegistryError(conflicts.GENERIC, "id_number") from exc
    unit_member_dates_refresh([member.workplace_unit_id])
    audit_record("member.create", user=actor, obj=member)
    return member


def member_update(
    member: Member, *, actor: Actor | None = None, via: str = "other", **data: Any
) -> Member:
    clean = _clean_member(data, instance=member, actor=actor, via=via)
    with transaction.atomic():
        return _member_save(member, clean, actor)


def _member_save(member: Member, clean: dict[str, Any], actor: Actor | None) -> Member:
    changed = sorted(
        k for k, v in clean.items() if getattr(member, k) != v and not k.endswith("_index")
    )
    left = member.workplace_unit_id
    for key, value in clean.items():
        setattr(member, key, value)
    if "party_org" in clean:
        for key, value in _ancestors_of(member.party_org.region).items():
            setattr(member, key, value)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise RegistryError(conflicts.GENERIC, "id_number") from exc
    if MEMBER_DATE_FIELDS & set(changed):  # a move changes the dates of both units
        unit_member_dates_refresh([left, member.workplace_unit_id])
    audit_record("member.update", user=actor, obj=member, detail={"fields": changed})
    return member


@transaction.atomic
def member_deactivate(member: Member, *, actor: Actor | None = None, reason: str = "") -> Member:
    member.is_active = False
    member.save(update_fields=["is_active", "updated_at"])
    unit_member_dates_refresh([member.workplace_unit_id])
    audit_record("member.deactivate", user=actor, obj=member, detail={"reason": reason[:200]})
    return member


def member_unmask(
    member: Member, *, actor: Actor, reason: str, request: HttpRequest | None = None
) -> dict[str, str]:
    """Full ID number and mobile for a user holding `orgs.unmask`, with a stated reason (S9).

    The caller checks the permission; this records the audit event and returns
    the plaintext values.
    """
    reason = reason.strip()
    if len(reason) < 2:
        raise RegistryError("查看完整信息须填写事由", "reason")
    with transaction.atomic():
        audit_record(
            "member.unmask",
            user=actor,
            request=request,
            obj=member,
            detail={"reason": reason[:200]},
        )
    return {"id_number": member.id_number, "mobile": member.mobile}


def member_find_by_id_number(id_number: str) -> Member | None:
    """Exact lookup through the blind index; the plaintext is never queried."""
    return Member.objects.filter(id_number_index=id_number_index(id_number)).first()
