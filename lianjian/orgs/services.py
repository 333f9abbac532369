"""Writes on the registries. Views, API routes, the importer and commands all call these.

Each service validates its input (raising `RegistryError` with a Chinese
message), fills the denormalized ancestor ids from the row's region, and
writes an audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from lianjian.core import crypto
from lianjian.core.actors import Actor
from lianjian.core.audit import audit_record
from lianjian.core.identifiers import (
    birth_date_from_id,
    clean_credit_code,
    clean_id_number,
    clean_mobile,
    error_message,
    gender_from_id,
    normalize_id_number,
    normalize_identifier,
    normalize_mobile,
)
from lianjian.orgs import conflicts, validation
from lianjian.orgs.errors import RegistryError as RegistryError  # re-exported: the services' error
from lianjian.orgs.models import (
    VIOLATION_MIN_MEMBERS,
    Member,
    OrgUnitCoverage,
    PartyOrg,
    Region,
    Unit,
)


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(normalize_id_number(id_number), "member.id_number")


def mobile_index(mobile: str) -> str:
    return crypto.blind_index(normalize_mobile(mobile), "member.mobile")


def _identifier(clean: Callable[[str], str], value: Any, field: str) -> str:
    """`lianjian.core.identifiers` cleaning, its refusal as a RegistryError on `field`."""
    try:
        return clean(str(value or ""))
    except ValidationError as err:
        raise RegistryError(error_message(err), field) from None


def _optional(clean: Callable[[str], str], value: Any, field: str) -> str:
    """As `_identifier`, but a value that normalizes to nothing is simply not given."""
    return _identifier(clean, value, field) if normalize_identifier(str(value or "")) else ""


def _ancestors_of(region: Region) -> dict[str, Any]:
    return region.ancestor_ids()


# ---------------------------------------------------------------- regions


@transaction.atomic
def region_create(
    *,
    name: str,
    level: str,
    parent: Region | None = None,
    area_type: str = Region.AreaType.RESIDENTIAL,
    code: str = "",
    actor: Actor | None = None,
) -> Region:
    """Add a node; district at the root, streets under districts, communities under
    streets, areas (buildings, parks, markets) under a street or community."""
    name = name.strip()
    if not name:
        raise RegistryError("名称不能为空", "name")
    allowed_parent: dict[str, set[str | None]] = {
        Region.Level.DISTRICT: {None},
        Region.Level.STREET: {Region.Level.DISTRICT},
        Region.Level.COMMUNITY: {Region.Level.STREET},
        Region.Level.AREA: {Region.Level.STREET, Region.Level.COMMUNITY},
    }
    if level not in allowed_parent:
        raise RegistryError("层级无效", "level")
    if (parent.level if parent else None) not in allowed_parent[Region.Level(level)]:
        raise RegistryError("上级区域的层级不符合区—街道—社区的结构", "parent")
    fields: dict[str, Any] = {"name": name, "level": level, "area_type": area_type, "code": code}
    if parent is not None:
        anc = parent.ancestor_ids()
        fields["district_ref_id"] = anc["district_id"]
        fields["street_ref_id"] = anc["street_id"]
        fields["community_ref_id"] = anc["community_id"]
        region: Region = Region.objects.add_child(parent, create_kwargs=fields)
    else:
        region = Region.objects.add_root(create_kwargs=fields)
    audit_record("region.create", user=actor, obj=region, detail={"name": name, "level": level})
    return region


@transaction.atomic
def region_update(
    region: Region,
    *,
    name: str | None = None,
    area_type: str | None = None,
    code: str | None = None,
    actor: Actor | None = None,
) -> Region:
    """Rename or re-describe a node; its level and place in the tree never change here,
    because every scoped row below it carries its id."""
    changed: list[str] = []
    if name is not None:
        name = name.strip()
        if not name:
            raise RegistryError("名称不能为空", "name")
        if name != region.name:
            region.name = name
            changed.append("name")
    if area_type is not None and area_type != region.area_type:
        if area_type not in Region.AreaType.values:
            raise RegistryError("区域类型无效", "area_type")
        region.area_type = area_type
        changed.append("area_type")
    if code is not None and code.strip() != region.code:
        region.code = code.strip()
        changed.append("code")
    region.save()
    audit_record("region.update", user=actor, obj=region, detail={"fields": changed})
    return region


@transaction.atomic
def region_deactivate(region: Region, *, actor: Actor | None = None) -> Region:
    """Retire an empty node; one still holding active children, units or organizations
    is refused so nothing is orphaned out of everyone's sight."""
    children = Region.objects.filter(path__startswith=region.path, depth=region.depth + 1)
    if children.filter(is_active=True).exists():
        raise RegistryError("该区域下仍有有效的下级区域，请先撤销下级区域")
    field = {
        Region.Level.DISTRICT: "district_id",
        Region.Level.STREET: "street_id",
        Region.Level.COMMUNITY: "community_id",
        Region.Level.AREA: "area_id",
    }[Region.Level(region.level)]
    if Unit.objects.filter(is_active=True, **{field: region.pk}).exists():
        raise RegistryError("该区域内仍有有效单位，请先迁移或注销单位")
    if PartyOrg.objects.filter(is_active=True, **{field: region.pk}).exists():
        raise RegistryError("该区域内仍有有效党组织，请先迁移或撤销党组织")
    region.is_active = False
    region.save(update_fields=["is_active", "updated_at"])
    audit_record("region.deactivate", user=actor, obj=region)
    return region


# ---------------------------------------------------------------- units

UNIT_FIELDS = (
    "name",
    "credit_code",
    "kind",
    "industry",
    "employees",
    "is_above_scale",
    "is_foreign_invested",
    "region",
    "address",
    "liaison_name",
    "registered_on",
    "deregistered_on",
)


def _clean_unit(data: dict[str, Any], instance: Unit | None = None) -> dict[str, Any]:
    clean = dict(data)
    name = str(clean.get("name", instance.name if instance else "")).strip()
    if not name:
        raise RegistryError("单位名称不能为空", "name")
    clean["name"] = name
    if "credit_code" in clean:
        code = _optional(clean_credit_code, clean["credit_code"], "credit_code")
        if code:
            dup = Unit.objects.filter(credit_code=code)
            if instance is not None:
                dup = dup.exclude(pk=instance.pk)
            if dup.exists():
                raise RegistryError(f"统一社会信用代码“{code}”已被其他单位使用", "credit_code")
        clean["credit_code"] = code or None
    kind = clean.get("kind", instance.kind if instance else None)
    from lianjian.orgs.models import UnitKind

    if kind not in UnitKind.values:
        raise RegistryError("单位类别无效", "kind")
    _check_unit_rules(clean, instance)
    return clean


def _check_unit_rules(clean: dict[str, Any], instance: Unit | None = None) -> None:
    """The field rules in `validation`, on the values after the write (stored ones kept)."""
    if problem := validation.employees_problem(clean.get("employees")):
        raise RegistryError(problem, "employees")
    registered = clean.get("registered_on", instance.registered_on if instance else None)
    deregistered = clean.get("deregistered_on", instance.deregistered_on if instance else None)
    if problem := validation.unit_dates_problem(registered, deregistered):
        raise RegistryError(problem, "deregistered_on")


@transaction.atomic
def unit_create(*, actor: Actor | None = None, **data: Any) -> Unit:
    clean = _clean_unit(data)
    region: Region = clean["region"]
    unit = Unit(**{k: v for k, v in clean.items() if k in UNIT_FIELDS}, **_ancestors_of(region))
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        raise RegistryError("统一社会信用代码已被其他单位使用", "credit_code") from exc
    audit_record("unit.create", user=actor, obj=unit, detail={"name": unit.name})
    return unit


@transaction.atomic
def unit_update(unit: Unit, *, actor: Actor | None = None, **data: Any) -> Unit:
    clean = _clean_unit(data, instance=unit)
    changed = []
    for key, value in clean.items():
        if key in UNIT_FIELDS and getattr(unit, key) != value:
            setattr(unit, key, value)
            changed.append(key)
    if "region" in changed:
        for key, value in _ancestors_of(unit.region).items():
            setattr(unit, key, value)
    unit.save()
    audit_record("unit.update", user=actor, obj=unit, detail={"fields": changed})
    return unit


@transaction.atomic
def unit_deactivate(unit: Unit, *, actor: Actor | None = None, on: dt.date | None = None) -> Unit:
    unit.is_active = False
    unit.deregistered_on = unit.deregistered_on or on or dt.date.today()
    unit.save(update_fields=["is_active", "deregistered_on", "updated_at"])
    audit_record("unit.deactivate", user=actor, obj=unit)
    return unit


# ---------------------------------------------------------------- party organizations

PARTY_ORG_FIELDS = (
    "name",
    "level",
    "formation",
    "org_type",
    "region",
    "secretary_name",
    "founded_on",
    "dissolved_on",
)
_CHILD_LEVELS = {
    PartyOrg.Level.COMMITTEE: {
        PartyOrg.Level.COMMITTEE,
        PartyOrg.Level.GENERAL_BRANCH,
        PartyOrg.Level.BRANCH,
    },
    PartyOrg.Level.GENERAL_BRANCH: {PartyOrg.Level.BRANCH},
    PartyOrg.Level.BRANCH: {PartyOrg.Level.GROUP},
    PartyOrg.Level.GROUP: set(),
}


def _clean_party_org(
    data: dict[str, Any], parent: PartyOrg | None, instance: PartyOrg | None = None
) -> dict[str, Any]:
    clean = {k: v for k, v in data.items() if k in PARTY_ORG_FIELDS}
    founded = clean.get("founded_on", instance.founded_on if instance else None)
    dissolved = clean.get("dissolved_on", instance.dissolved_on if instance else None)
    if problem := validation.party_org_dates_problem(founded, dissolved):
        raise RegistryError(problem, "dissolved_on")
    if "name" in clean:
        clean["name"] = str(clean["name"]).strip()
        if not clean["name"]:
            raise RegistryError("组织名称不能为空", "name")
    if "level" in clean and clean["level"] not in PartyOrg.Level.values:
        raise RegistryError("组织层级无效", "level")
    if "formation" in clean and clean["formation"] not in PartyOrg.Formation.values:
        raise RegistryError("组建方式无效", "formation")
    if "org_type" in clean and clean["org_type"] not in PartyOrg.OrgType.values:
        raise RegistryError("组织类型无效", "org_type")
    if parent is not None and "level" in clean:
        if clean["level"] not in _CHILD_LEVELS[PartyOrg.Level(parent.level)]:
            raise RegistryError(
                f"“{parent.get_level_display()}”之下不能设立“{PartyOrg.Level(clean['level']).label}”",
                "level",
            )
    return clean


def _set_coverage(org: PartyOrg, units: list[Unit], since: dt.date | None) -> None:
    """Open links for new units, close links for dropped ones (history is kept)."""
    wanted = {u.pk for u in units}
    open_links = {c.unit_id: c for c in org.coverages.filter(until__isnull=True)}
    today = since or dt.date.today()
    for unit_id, link in open_links.items():
        if unit_id not in wanted:
            link.until = today
            link.save(update_fields=["until"])
    OrgUnitCoverage.objects.bulk_create(
        [
            OrgUnitCoverage(party_org=org, unit_id=pk, since=today)
            for pk in wanted
            if pk not in open_links
        ]
    )


@transaction.atomic
def party_org_create(
    *,
    parent: PartyOrg | None = None,
    covered_units: list[Unit] | None = None,
    actor: Actor | None = None,
    **data: Any,
) -> PartyOrg:
    clean = _clean_party_org(data, parent)
    for required in ("name", "level", "region"):
        if not clean.get(required):
            raise RegistryError("组织名称、层级和所在区域必须填写", required)
    covered_units = covered_units or []
    if clean.get("formation") == PartyOrg.Formation.SINGLE and len(covered_units) > 1:
        raise RegistryError(
            "单独建的党组织只能覆盖一个单位；覆盖多个单位请选择“联合建”", "formation"
        )
    fields = {**clean, **_ancestors_of(clean["region"])}
    org: PartyOrg = (
        PartyOrg.objects.add_child(parent, create_kwargs=fields)
        if parent is not None
        else PartyOrg.objects.add_root(create_kwargs=fields)
    )
    _set_coverage(org, covered_units, clean.get("founded_on"))
    audit_record("partyorg.create", user=actor, obj=org, detail={"name": org.name})
    return org


@transaction.atomic
def party_org_update(
    org: PartyOrg,
    *,
    covered_units: list[Unit] | None = None,
    actor: Actor | None = None,
    **data: Any,
) -> PartyOrg:
    parent = PartyOrg.objects.get_parent(org)
    clean = _clean_party_org(data, parent, instance=org)
    formation = clean.get("formation", org.formation)
    covered_count = (
        len(covered_units)
        if covered_units is not None
        else org.coverages.filter(until__isnull=True).count()
    )
    # a change of formation alone must not leave a single-formation org covering many units
    if formation == PartyOrg.Formation.SINGLE and covered_count > 1:
        raise RegistryError(
            "单独建的党组织只能覆盖一个单位；覆盖多个单位请选择“联合建”", "formation"
        )
    for key, value in clean.items():
        setattr(org, key, value)
    if "region" in clean:
        for key, value in _ancestors_of(org.region).items():
            setattr(org, key, value)
    org.save()
    if covered_units is not None:
        _set_coverage(org, covered_units, None)
    audit_record("partyorg.update", user=actor, obj=org, detail={"fields": sorted(clean)})
    return org


@transaction.atomic
def party_org_deactivate(
    org: PartyOrg, *, actor: Actor | None = None, on: dt.date | None = None
) -> PartyOrg:
    if org.members.filter(is_active=True).exists():
        raise RegistryError("该党组织仍有在册党员，请先转移党员关系后再撤销")
    org.is_active = False
    org.dissolved_on = org.dissolved_on or on or dt.date.today()
    org.save(update_fields=["is_active", "dissolved_on", "updated_at"])
    org.coverages.filter(until__isnull=True).update(until=org.dissolved_on)
    audit_record("partyorg.deactivate", user=actor, obj=org)
    return org


# ---------------------------------------------------------------- members

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
