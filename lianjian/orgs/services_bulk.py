"""Bulk writes on the registries for the ledger import (one call per file, not per row).

The Excel importer writes up to EXCEL_MAX_ROWS rows per file; one service
call per row would spend its time on per-row queries and audit locks. These
variants apply the same checks as `services._clean_unit` / `services_members._clean_member`
without a query per row (the importer resolves duplicates against the
database in bulk first, and the unique constraints stay the backstop), write
in batches and record one audit event per file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from lianjian.core import bulkcopy
from lianjian.core.actors import Actor
from lianjian.core.audit import audit_record
from lianjian.core.identifiers import (
    birth_date_from_id,
    clean_credit_code,
    clean_id_number,
    clean_mobile,
    gender_from_id,
)
from lianjian.orgs import conflicts, events, validation
from lianjian.orgs.errors import RegistryError
from lianjian.orgs.models import Member, PartyOrg, Region, Unit
from lianjian.orgs.services import (
    UNIT_FIELDS,
    _ancestors_of,
    _check_unit_rules,
    _identifier,
    _optional,
    id_number_index,
    mobile_index,
)
from lianjian.orgs.services_members import MEMBER_FIELDS, unit_member_dates_refresh

BULK_BATCH = 2000


def _check_unit_values(values: dict[str, Any]) -> dict[str, Any]:
    from lianjian.orgs.models import UnitKind

    clean = {k: v for k, v in values.items() if k in UNIT_FIELDS}
    clean["name"] = str(clean.get("name") or "").strip()
    if not clean["name"]:
        raise RegistryError("单位名称不能为空", "name")
    code = _optional(clean_credit_code, clean.get("credit_code"), "credit_code")
    clean["credit_code"] = code or None
    if clean.get("kind") not in UnitKind.values:
        raise RegistryError("单位类别无效", "kind")
    _check_unit_rules(clean)
    if not isinstance(clean.get("region"), Region):
        raise RegistryError("所在区域必须填写", "region")
    return clean


def _insert_units(cleans: list[dict[str, Any]]) -> None:
    """Insert checked unit values: COPY on PostgreSQL (`core.bulkcopy`), `bulk_create`
    elsewhere. At 100k rows `bulk_create` spends most of an import compiling per-value
    SQL and building model instances (bench/README.md has the figures); Unit's columns
    are plain types, so COPY takes the values as they are."""
    if connection.vendor != bulkcopy.COPY_VENDOR:
        Unit.objects.bulk_create([Unit(**clean) for clean in cleans], batch_size=BULK_BATCH)
        return
    fields = [f for f in Unit._meta.concrete_fields if not f.primary_key]
    defaults = bulkcopy.model_defaults(Unit)
    names = [(f.attname, f.name if f.is_relation else None) for f in fields]

    def rows() -> Iterator[list[Any]]:
        for clean in cleans:
            row = []
            for attname, relation in names:
                if attname in clean:
                    value = clean[attname]
                elif relation is not None and relation in clean:
                    value = clean[relation].pk if clean[relation] is not None else None
                else:
                    value = defaults[attname]
                row.append(value)
            yield row

    bulkcopy.copy_rows(Unit._meta.db_table, [f.column for f in fields], rows())


@transaction.atomic
def unit_bulk_upsert(
    creates: list[dict[str, Any]],
    updates: list[tuple[Unit, dict[str, Any]]],
    *,
    actor: Actor | None = None,
    source: str = "",
) -> tuple[int, int]:
    """Create and update many units in one transaction; returns (created, updated)."""
    new_units = []
    for values in creates:
        clean = _check_unit_values(values)
        for flag in ("is_above_scale", "is_foreign_invested"):
            clean[flag] = bool(clean.get(flag))
        clean["employees"] = clean.get("employees") or 0
        for key in ("industry", "address", "liaison_name"):
            clean[key] = clean.get(key) or ""
        new_units.append(clean | _ancestors_of(clean["region"]))
    changed_fields: set[str] = set()
    touched = []
    for unit, values in updates:
        # columns absent from the file (or left blank) keep their stored value
        current = {k: getattr(unit, k) for k in UNIT_FIELDS}
        clean = _check_unit_values(current | {k: v for k, v in values.items() if v is not None})
        for key, value in clean.items():
            if getattr(unit, key) != value:
                setattr(unit, key, value)
                changed_fields.add(key)
        if "region" in changed_fields:
            for key, value in _ancestors_of(unit.region).items():
                setattr(unit, key, value)
        touched.append(unit)
    if "region" in changed_fields:
        changed_fields |= {"district", "street", "community", "area"}
    try:
        with transaction.atomic():
            _insert_units(new_units)
            if touched and changed_fields:
                Unit.objects.bulk_update(
                    touched, sorted(changed_fields | {"updated_at"}), batch_size=BULK_BATCH // 2
                )
    except IntegrityError as exc:
        raise RegistryError("统一社会信用代码已被其他单位使用", "credit_code") from exc
    if new_units or (touched and changed_fields):  # no post_save was sent (ADR 0004)
        events.places_bulk_written("orgs.unit", len(new_units) + len(touched))
    audit_record(
        "unit.import",
        user=actor,
        object_type="orgs.unit",
        detail={"created": len(new_units), "updated": len(touched), "source": source[:200]},
    )
    return len(new_units), len(touched)


def _check_member_values(values: dict[str, Any], today: dt.date) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if k in MEMBER_FIELDS}
    clean["name"] = str(clean.get("name") or "").strip()
    if not clean["name"]:
        raise RegistryError("姓名不能为空", "name")
    idn = _identifier(clean_id_number, clean.get("id_number"), "id_number")
    clean["id_number"] = idn
    clean["id_number_index"] = id_number_index(idn)
    clean["birth_date"] = birth_date_from_id(idn)
    if not clean.get("gender"):
        clean["gender"] = gender_from_id(idn)
    mobile = _optional(clean_mobile, clean.get("mobile"), "mobile")
    clean["mobile"] = mobile
    clean["mobile_index"] = mobile_index(mobile) if mobile else ""
    for key in ("floating_to", "floating_reason"):
        clean[key] = str(clean.get(key) or "")
    if problem := validation.joined_on_problem(clean.get("joined_on"), clean["birth_date"], today):
        raise RegistryError(problem, "joined_on")
    if problem := validation.floating_problem(clean.get("is_floating"), clean["floating_to"]):
        raise RegistryError(problem, "floating_to")
    if clean.get("status", Member.Status.FULL) not in Member.Status.values:
        raise RegistryError("党员类别无效", "status")
    if not clean.get("is_floating"):
        clean["is_floating"] = False
        clean["floating_to"] = ""
        clean["floating_reason"] = ""
    org = clean.get("party_org")
    if not isinstance(org, PartyOrg):
        raise RegistryError("所在党组织必须填写", "party_org")
    if not org.is_active:
        raise RegistryError("所选党组织已撤销", "party_org")
    return clean


@transaction.atomic
def member_bulk_upsert(
    creates: list[dict[str, Any]],
    updates: list[tuple[Member, dict[str, Any]]],
    *,
    actor: Actor | None = None,
    source: str = "",
) -> tuple[int, int]:
    """Create and update many members in one transaction; returns (created, updated)."""
    today = timezone.localdate()  # once per call: the platform's day
    new_members = []
    for values in creates:
        clean = _check_member_values(values, today)
        new_members.append(Member(**clean, **_ancestors_of(clean["party_org"].region)))
    changed_fields: set[str] = set()
    touched = []
    # the units members leave (their workplace before the update) and join
    units = {m.workplace_unit_id for m, _ in updates}
    for member, values in updates:
        current = {k: getattr(member, k) for k in MEMBER_FIELDS}
        clean = _check_member_values(
            current | {k: v for k, v in values.items() if v is not None}, today
        )
        for key, value in clean.items():
            if getattr(member, key) != value:
                setattr(member, key, value)
                changed_fields.add(key)
        if "party_org" in changed_fields:
            for key, value in _ancestors_of(member.party_org.region).items():
                setattr(member, key, value)
        touched.append(member)
    if "party_org" in changed_fields:
        changed_fields |= {"district", "street", "community", "area"}
    try:
        with transaction.atomic():
            Member.objects.bulk_create(new_members, batch_size=BULK_BATCH)
            if touched and changed_fields:
                Member.objects.bulk_update(
                    touched, sorted(changed_fields | {"updated_at"}), batch_size=BULK_BATCH // 2
                )
    except IntegrityError as exc:
        raise RegistryError(conflicts.GENERIC, "id_number") from exc
    units.update(m.workplace_unit_id for m in new_members)
    units.update(m.workplace_unit_id for m in touched)
    unit_member_dates_refresh(units)
    audit_record(
        "member.import",
        user=actor,
        object_type="orgs.member",
        detail={"created": len(new_members), "updated": len(touched), "source": source[:200]},
    )
    return len(new_members), len(touched)
