"""Writes on alliances, charters, member units and joint-meeting bodies.

Callers fetch rows through `lianjian.alliances.access` first (404 outside
the scope); these functions check the rules and write in one transaction
with the audit row, or raise `AllianceError` with nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from lianjian.alliances.models import Alliance, AllianceMember, Body, BodyMember, CharterVersion
from lianjian.alliances.models.alliances import Cadence, Level, Position
from lianjian.alliances.services.common import (
    AllianceError,
    active_unit,
    actor_or_none,
    choice,
    date,
    text,
)
from lianjian.core.audit import audit_record
from lianjian.orgs.models import Member, PartyOrg, Region, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

# which region level each body kind sits at (an assembly sits where its alliance does)
BODY_LEVEL = {
    Body.Kind.DISTRICT: Region.Level.DISTRICT,
    Body.Kind.STREET: Region.Level.STREET,
    Body.Kind.COMMUNITY: Region.Level.COMMUNITY,
}


def _region(region: Region) -> Region:
    if region.level == Region.Level.AREA:
        raise AllianceError("联盟应设在区、街道或社区", "region")
    return region


# ---------------------------------------------------------------- alliances


@transaction.atomic
def alliance_create(
    *,
    name: str,
    level: str,
    region: Region,
    founded_on: dt.date,
    purpose: str = "",
    lead_unit: Unit | None = None,
    lead_party_org: PartyOrg | None = None,
    charter_text: str = "",
    with_assembly: bool = True,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Alliance:
    """An alliance, its first charter version and its assembly (联盟大会)."""
    name = text(name, "name", "联盟名称", 100)
    choice(level, Level, "level", "层级")
    founded_on = date(founded_on, "founded_on", "成立日期", timezone.localdate())
    purpose = text(purpose, "purpose", "宗旨", 2000, required=False)
    charter_text = text(charter_text, "charter_text", "章程", 20000, required=False)
    _region(region)
    if lead_unit is not None:
        active_unit(lead_unit, "lead_unit")
    if Alliance.objects.filter(region=region, name=name).exists():
        raise AllianceError("该区域已有同名联盟", "name")
    alliance = Alliance.objects.create(
        name=name,
        level=level,
        region=region,
        founded_on=founded_on,
        purpose=purpose,
        lead_unit=lead_unit,
        lead_party_org=lead_party_org,
        created_by=actor_or_none(actor),
        **_ancestors(region),
    )
    if charter_text:
        CharterVersion.objects.create(
            alliance=alliance, version=1, text=charter_text, adopted_on=founded_on
        )
    if lead_unit is not None:
        AllianceMember.objects.create(
            alliance=alliance,
            unit=lead_unit,
            position=Position.LEAD,
            joined_on=founded_on,
            is_founding=True,
        )
    if with_assembly:
        Body.objects.create(
            name=f"{name}大会",
            kind=Body.Kind.ASSEMBLY,
            region=region,
            alliance=alliance,
            cadence=Cadence.HALF_YEARLY,
            established_on=founded_on,
            **_ancestors(region),
        )
    audit_record("alliance.create", user=actor, request=request, obj=alliance)
    return alliance


def _ancestors(region: Region) -> dict[str, int | None]:
    ids = region.ancestor_ids()
    ids.pop("area_id")
    return ids


@transaction.atomic
def alliance_update(
    alliance: Alliance,
    *,
    actor: User | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Alliance:
    """Change the name, purpose, lead unit or organization, or close (is_active) an alliance."""
    allowed = {"name", "purpose", "lead_unit", "lead_party_org", "is_active", "level"}
    unknown = set(fields) - allowed
    if unknown:
        raise AllianceError("不能修改这些字段", sorted(unknown)[0])
    if "name" in fields:
        fields["name"] = text(fields["name"], "name", "联盟名称", 100)
        clash = Alliance.objects.filter(region_id=alliance.region_id, name=fields["name"])
        if clash.exclude(pk=alliance.pk).exists():
            raise AllianceError("该区域已有同名联盟", "name")
    if "purpose" in fields:
        fields["purpose"] = text(fields["purpose"], "purpose", "宗旨", 2000, required=False)
    if "level" in fields:
        choice(fields["level"], Level, "level", "层级")
    for key, value in fields.items():
        setattr(alliance, key, value)
    alliance.save()
    audit_record(
        "alliance.update",
        user=actor,
        request=request,
        obj=alliance,
        detail={"fields": sorted(fields)},
    )
    return alliance


@transaction.atomic
def charter_adopt(
    alliance: Alliance,
    *,
    text_body: str,
    adopted_on: dt.date,
    meeting: Any = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> CharterVersion:
    """A new charter version; earlier versions are kept unchanged."""
    body = text(text_body, "text", "章程", 20000)
    adopted_on = date(adopted_on, "adopted_on", "通过日期", timezone.localdate())
    if adopted_on < alliance.founded_on:
        raise AllianceError("通过日期不能早于联盟成立日期", "adopted_on")
    if meeting is not None and meeting.body.alliance_id != alliance.pk:
        raise AllianceError("所选会议不是本联盟的会议", "meeting")
    # lock the alliance row so two adoptions never take the same number
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
    last = alliance.charters.aggregate(v=Max("version"))["v"] or 0
    current = alliance.charters.filter(version=last).first()
    if current is not None and adopted_on < current.adopted_on:
        raise AllianceError("通过日期不能早于现行章程的通过日期", "adopted_on")
    version = CharterVersion.objects.create(
        alliance=alliance, version=last + 1, text=body, adopted_on=adopted_on, adopted_at=meeting
    )
    audit_record(
        "alliance.charter", user=actor, request=request, obj=alliance, detail={"version": last + 1}
    )
    return version


def _liaison(liaison_member: Member | None, liaison_name: str) -> tuple[Member | None, str]:
    name = text(liaison_name, "liaison_name", "联络人", 50, required=False)
    if liaison_member is not None and not name:
        name = liaison_member.name
    return liaison_member, name


@transaction.atomic
def alliance_member_add(
    alliance: Alliance,
    *,
    unit: Unit,
    joined_on: dt.date,
    position: str = Position.MEMBER,
    liaison_name: str = "",
    liaison_member: Member | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> AllianceMember:
    active_unit(unit)
    choice(position, Position, "position", "成员职务")
    joined_on = date(joined_on, "joined_on", "加入日期", timezone.localdate())
    if joined_on < alliance.founded_on:
        raise AllianceError("加入日期不能早于联盟成立日期", "joined_on")
    if not alliance.is_active:
        raise AllianceError("该联盟已撤销", "alliance", 409)
    liaison_member, liaison_name = _liaison(liaison_member, liaison_name)
    try:
        with transaction.atomic():
            member = AllianceMember.objects.create(
                alliance=alliance,
                unit=unit,
                position=position,
                joined_on=joined_on,
                is_founding=joined_on == alliance.founded_on,
                liaison_member=liaison_member,
                liaison_name=liaison_name,
            )
    except IntegrityError:
        raise AllianceError("该单位已是联盟成员", "unit", 409) from None
    audit_record(
        "alliance.member_add", user=actor, request=request, obj=alliance, detail={"unit": unit.pk}
    )
    return member


def alliance_members_add_many(
    alliance: Alliance,
    units: Sequence[Unit],
    *,
    joined_on: dt.date,
    position: str = Position.MEMBER,
) -> int:
    """Many members at once (founding list, import, demo); units already in are skipped."""
    have = set(alliance.members.filter(left_on__isnull=True).values_list("unit_id", flat=True))
    rows = [
        AllianceMember(
            alliance=alliance,
            unit=u,
            position=position,
            joined_on=joined_on,
            is_founding=joined_on == alliance.founded_on,
            liaison_name=u.liaison_name,
        )
        for u in units
        if u.pk not in have and u.is_active
    ]
    with transaction.atomic():
        AllianceMember.objects.bulk_create(rows)
        audit_record("alliance.member_add", obj=alliance, detail={"units": len(rows), "bulk": True})
    return len(rows)


@transaction.atomic
def alliance_member_leave(
    member: AllianceMember,
    *,
    left_on: dt.date,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> AllianceMember:
    left_on = date(left_on, "left_on", "退出日期", timezone.localdate())
    if member.left_on is not None:
        raise AllianceError("该单位已退出联盟", "left_on", 409)
    if left_on < member.joined_on:
        raise AllianceError("退出日期不能早于加入日期", "left_on")
    if member.position == Position.LEAD:
        raise AllianceError("牵头单位不能退出，请先更换牵头单位", "unit", 409)
    member.left_on = left_on
    member.save(update_fields=["left_on", "updated_at"])
    audit_record(
        "alliance.member_leave",
        user=actor,
        request=request,
        obj=member.alliance,
        detail={"unit": member.unit_id},
    )
    return member


# ---------------------------------------------------------------- bodies


def _rules(cadence: str, quorum_percent: Any, majority: str) -> int:
    choice(cadence, Cadence, "cadence", "召开周期")
    choice(majority, Body.Majority, "majority", "表决规则")
    if isinstance(quorum_percent, bool) or not isinstance(quorum_percent, int):
        raise AllianceError("法定到会比例应为 1–100 的整数", "quorum_percent")
    if not 1 <= quorum_percent <= 100:
        raise AllianceError("法定到会比例应为 1–100 的整数", "quorum_percent")
    return quorum_percent


@transaction.atomic
def body_create(
    *,
    name: str,
    kind: str,
    region: Region,
    alliance: Alliance | None = None,
    cadence: str = Cadence.QUARTERLY,
    quorum_percent: int = 50,
    majority: str = Body.Majority.SIMPLE,
    established_on: dt.date | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Body:
    name = text(name, "name", "名称", 100)
    established_on = date(
        established_on or timezone.localdate(), "established_on", "设立日期", timezone.localdate()
    )
    choice(kind, Body.Kind, "kind", "类型")
    quorum_percent = _rules(cadence, quorum_percent, majority)
    if kind == Body.Kind.ASSEMBLY:
        if alliance is None:
            raise AllianceError("联盟大会须选择所属联盟", "alliance")
        region = alliance.region
    elif region.level != BODY_LEVEL[Body.Kind(kind)]:
        raise AllianceError(
            f"{Body.Kind(kind).label}应设在{BODY_LEVEL[Body.Kind(kind)].label}", "region"
        )
    body = Body.objects.create(
        name=name,
        kind=kind,
        region=region,
        alliance=alliance if kind == Body.Kind.ASSEMBLY else None,
        cadence=cadence,
        quorum_percent=quorum_percent,
        majority=majority,
        established_on=established_on,
        **_ancestors(region),
    )
    audit_record("alliance.body_create", user=actor, request=request, obj=body)
    return body


@transaction.atomic
def body_update(
    body: Body,
    *,
    name: str,
    cadence: str,
    quorum_percent: int,
    majority: str,
    is_active: bool = True,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Body:
    body.name = text(name, "name", "名称", 100)
    body.quorum_percent = _rules(cadence, quorum_percent, majority)
    body.cadence = cadence
    body.majority = majority
    body.is_active = bool(is_active)
    body.save()
    audit_record("alliance.body_update", user=actor, request=request, obj=body)
    return body


@transaction.atomic
def body_member_add(
    body: Body,
    *,
    unit: Unit,
    joined_on: dt.date,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> BodyMember:
    if body.kind == Body.Kind.ASSEMBLY:
        raise AllianceError("联盟大会的成员即联盟成员单位，请在联盟中添加", "unit", 409)
    active_unit(unit)
    joined_on = date(joined_on, "joined_on", "加入日期", timezone.localdate())
    try:
        with transaction.atomic():
            member = BodyMember.objects.create(body=body, unit=unit, joined_on=joined_on)
    except IntegrityError:
        raise AllianceError("该单位已是成员单位", "unit", 409) from None
    audit_record(
        "alliance.body_member_add", user=actor, request=request, obj=body, detail={"unit": unit.pk}
    )
    return member


def body_members_add_many(body: Body, units: Sequence[Unit], *, joined_on: dt.date) -> int:
    have = set(body.members.filter(left_on__isnull=True).values_list("unit_id", flat=True))
    rows = [
        BodyMember(body=body, unit=u, joined_on=joined_on)
        for u in units
        if u.pk not in have and u.is_active
    ]
    with transaction.atomic():
        BodyMember.objects.bulk_create(rows)
        audit_record(
            "alliance.body_member_add", obj=body, detail={"units": len(rows), "bulk": True}
        )
    return len(rows)


def body_member_unit_ids(body: Body, on: dt.date | None = None) -> set[int]:
    """The member units of a body on a day (an assembly's: its alliance's members)."""
    day = on or timezone.localdate()
    if body.kind == Body.Kind.ASSEMBLY and body.alliance_id:
        qs: Any = AllianceMember.objects.filter(alliance_id=body.alliance_id)
    else:
        qs = BodyMember.objects.filter(body=body)
    qs = qs.filter(joined_on__lte=day).exclude(left_on__lt=day)
    return set(qs.values_list("unit_id", flat=True))
