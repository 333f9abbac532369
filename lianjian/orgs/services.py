"""Writes on the registries' structure: regions, units and party organizations, and the
identifier helpers every registry write shares. Members are in `services_members`.
Views, API routes, the importer and commands all call these.

Each service validates its input (raising `RegistryError` with a Chinese
message), fills the denormalized ancestor ids from the row's region, and
writes an audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianjian.core import crypto
from lianjian.core.actors import Actor
from lianjian.core.audit import audit_record
from lianjian.core.identifiers import (
    clean_credit_code,
    error_message,
    normalize_id_number,
    normalize_identifier,
    normalize_mobile,
)
from lianjian.orgs import validation
from lianjian.orgs.errors import RegistryError as RegistryError  # re-exported: the services' error
from lianjian.orgs.models import OrgUnitCoverage, PartyOrg, Region, Unit


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
    unit.deregistered_on = unit.deregistered_on or on or timezone.localdate()
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
    today = since or timezone.localdate()
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
    org.dissolved_on = org.dissolved_on or on or timezone.localdate()
    org.save(update_fields=["is_active", "dissolved_on", "updated_at"])
    org.coverages.filter(until__isnull=True).update(until=org.dissolved_on)
    audit_record("partyorg.deactivate", user=actor, obj=org)
    return org
