"""The registries' ledger kinds: units, Party organizations and members (ADR 0011).

orgs declares them to the ledger's extension point `"ledger.kinds"` (its
registry): the columns (`ledger_columns`), the validation and upsert of an
import (the plans below), the query and rows of an export (`ledger_export`).
The ledger reads the file and parses every cell by its column's type; a plan
checks the rows against the field rules of the forms and the API
(`orgs.validation`), matches rows to existing records (credit code for units,
ID number through the blind index for members, name within scope for Party
organizations) so they update instead of duplicating, and writes through
`lianjian.orgs.services_bulk` (units, members) and `lianjian.orgs.services`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Q
from django.utils import timezone

from lianjian.core.actors import Actor
from lianjian.core.identifiers import (
    birth_date_from_id,
    clean_credit_code,
    clean_id_number,
    clean_mobile,
    refusal,
)
from lianjian.core.ledger_kinds import (
    FileRefused,
    LedgerKind,
    Problems,
    Progress,
    Rows,
    WriteRefused,
)
from lianjian.core.normalize import as_code, as_label, as_text
from lianjian.orgs import conflicts, ledger_export, selectors, services, services_bulk, validation
from lianjian.orgs import ledger_columns as columns
from lianjian.orgs.access import (
    members_visible_to,
    party_orgs_visible_to,
    regions_visible_to,
    units_visible_to,
)
from lianjian.orgs.models import IdConflict, Member, PartyOrg, Region, Unit

IMPORT_PERM = "orgs.import"
EXPORT_PERM = "orgs.export"


@contextmanager
def _refused() -> Iterator[None]:
    """A conflict only the database saw (a code taken meanwhile) refuses the whole file."""
    try:
        yield
    except services.RegistryError as exc:
        raise WriteRefused(exc.message, exc.field or "") from exc


class _Plan:
    """What the three plans share: the importing user, the problems, regions in scope."""

    def __init__(self, user: Actor, problems: Problems) -> None:
        self.user = user
        self.problems = problems
        self.error = problems.error
        self.rule = problems.rule
        self.go_on = problems.go_on
        self._regions: dict[str, list[Region]] | None = None
        self.file_name = ""

    # -- regions in scope, by name, "street/community" path and code
    def region(self, row: int, key: str, text: str) -> Region | None:
        if self._regions is None:
            index: dict[str, list[Region]] = defaultdict(list)
            regions = list(regions_visible_to(self.user, IMPORT_PERM).filter(is_active=True))
            by_id = {r.pk: r for r in regions}
            for r in regions:
                index[as_label(r.name)].append(r)
                if r.code:
                    index[as_code(r.code)].append(r)
                parent = by_id.get(r.community_ref_id or r.street_ref_id or 0)
                if r.level == Region.Level.COMMUNITY and r.street_ref_id in by_id:
                    parent = by_id[r.street_ref_id]
                if parent is not None and parent.pk != r.pk:
                    index[as_label(parent.name) + "/" + as_label(r.name)].append(r)
            self._regions = index
        name = as_label(text).replace("／", "/").replace("\\", "/")
        found = self._regions.get(name) or self._regions.get(as_code(text)) or []
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            self.error(row, key, f"区域名称“{text}”不唯一，请写成“街道/社区”的形式")
        else:
            self.error(row, key, f"区域“{text}”不存在或不在您的管辖范围内")
        return None


class _UnitPlan(_Plan):
    def build(self, rows: Rows, progress: Progress | None) -> None:
        self.creates: list[dict[str, Any]] = []
        self.updates: list[tuple[Unit, dict[str, Any]]] = []
        parsed: list[tuple[int, dict[str, Any]]] = []
        seen_codes: dict[str, int] = {}
        seen_names: dict[tuple[str, int], int] = {}
        for n, (row, values) in enumerate(rows, 1):
            code = values.get("credit_code") or ""
            if code:
                if reason := refusal(clean_credit_code, code):
                    self.error(row, "credit_code", reason)
                    values["credit_code"] = None
                elif code in seen_codes:
                    self.error(
                        row, "credit_code", f"与第 {seen_codes[code]} 行的统一社会信用代码重复"
                    )
                else:
                    seen_codes[code] = row
            if values.get("region"):
                values["region"] = self.region(row, "region", values["region"])
            self.rule(row, "employees", validation.employees_problem(values.get("employees")))
            self.rule(
                row,
                "deregistered_on",
                validation.unit_dates_problem(
                    values.get("registered_on"), values.get("deregistered_on")
                ),
            )
            if not code and values.get("region") and values.get("name"):
                key = (values["name"], values["region"].pk)
                if key in seen_names:
                    self.error(row, "name", f"与第 {seen_names[key]} 行是同一区域内同名的单位")
                seen_names[key] = row
            parsed.append((row, values))
            if progress and n % 5000 == 0:
                progress("validate", n, len(rows))
        parsed = self.go_on(parsed)
        if not parsed:
            return
        existing = self._existing(parsed)
        in_scope = set(
            units_visible_to(self.user, IMPORT_PERM)
            .filter(pk__in=[u.pk for u in existing.values()])
            .values_list("pk", flat=True)
        )
        for row, values in parsed:
            match = existing.get(
                values.get("credit_code") or ("", values["name"], values["region"].pk)
            )
            if match is None:
                self.creates.append(values)
            elif match.pk not in in_scope:
                self.error(
                    row, "credit_code", "该统一社会信用代码已被其他单位使用（不在您的管辖范围内）"
                )
            else:
                self.updates.append((match, values))

    def _existing(self, parsed: list[tuple[int, dict[str, Any]]]) -> dict[Any, Unit]:
        codes = [v["credit_code"] for _, v in parsed if v.get("credit_code")]
        found: dict[Any, Unit] = {}
        for start in range(0, len(codes), 5000):
            for unit in Unit.objects.filter(credit_code__in=codes[start : start + 5000]):
                found[unit.credit_code] = unit
        nameless = [v for _, v in parsed if not v.get("credit_code")]
        if nameless:
            names = {v["name"] for v in nameless}
            region_ids = {v["region"].pk for v in nameless}
            for unit in Unit.objects.filter(
                credit_code__isnull=True, name__in=names, region_id__in=region_ids
            ):
                found[("", unit.name, unit.region_id)] = unit
        return found

    def write(self, user: Actor, source: str) -> tuple[int, int]:
        with _refused():
            return services_bulk.unit_bulk_upsert(
                self.creates, self.updates, actor=user, source=source
            )


class _MemberPlan(_Plan):
    def build(self, rows: Rows, progress: Progress | None) -> None:
        self.creates: list[dict[str, Any]] = []
        self.updates: list[tuple[Member, dict[str, Any]]] = []
        try:
            conflicts.ensure_allowed(self.user)
        except conflicts.ConflictThrottled as exc:
            raise FileRefused(exc.message) from None
        orgs: dict[str, list[PartyOrg]] = defaultdict(list)
        for org in (
            party_orgs_visible_to(self.user, IMPORT_PERM)
            .filter(is_active=True)
            .select_related("region")
        ):
            orgs[as_label(org.name)].append(org)
        units_by_code: dict[str, Unit] = {}
        units_by_name: dict[str, list[Unit]] = defaultdict(list)
        wanted_codes = {
            as_code(values["workplace_unit"]) for _, values in rows if values.get("workplace_unit")
        }
        wanted_codes = {c for c in wanted_codes if len(c) == 18}
        codes = sorted(wanted_codes)
        for start in range(0, len(codes), 5000):
            for unit in Unit.objects.filter(credit_code__in=codes[start : start + 5000]):
                units_by_code[unit.credit_code or ""] = unit
        parsed: list[tuple[int, dict[str, Any]]] = []
        seen: dict[str, int] = {}
        names_needed = False
        today = timezone.localdate()  # once per file: the platform's day
        for n, (row, values) in enumerate(rows, 1):
            idn = values.get("id_number") or ""
            born = None
            if idn:
                if reason := refusal(clean_id_number, idn):
                    self.error(row, "id_number", reason)
                elif idn in seen:
                    self.error(row, "id_number", f"与第 {seen[idn]} 行的身份证号码重复")
                else:
                    seen[idn] = row
                    born = birth_date_from_id(idn)
                    self.rule(row, "gender", validation.gender_problem(values.get("gender"), idn))
            self.rule(
                row, "joined_on", validation.joined_on_problem(values.get("joined_on"), born, today)
            )
            self.rule(
                row,
                "floating_to",
                validation.floating_problem(values.get("is_floating"), values.get("floating_to")),
            )
            mobile = values.get("mobile") or ""
            if mobile and (reason := refusal(clean_mobile, mobile)):
                self.error(row, "mobile", reason)
            if values.get("party_org"):
                found = orgs.get(as_label(values["party_org"]), [])
                if len(found) == 1:
                    values["party_org"] = found[0]
                else:
                    self.error(
                        row,
                        "party_org",
                        f"党组织“{values['party_org']}”"
                        + ("重名，无法确定" if found else "不存在、已撤销或不在您的管辖范围内"),
                    )
                    values["party_org"] = None
            if values.get("workplace_unit"):
                text = values["workplace_unit"]
                by_code = units_by_code.get(as_code(text))
                if by_code is None:
                    names_needed = True
                values["workplace_unit"] = by_code or text
            if values.get("residence_community"):
                values["residence_community"] = self.region(
                    row, "residence_community", values["residence_community"]
                )
            parsed.append((row, values))
            if progress and n % 5000 == 0:
                progress("validate", n, len(rows))
        if names_needed:
            for unit in units_visible_to(self.user, IMPORT_PERM).filter(
                name__in={
                    v["workplace_unit"]
                    for _, v in parsed
                    if isinstance(v.get("workplace_unit"), str)
                }
            ):
                units_by_name[as_label(unit.name)].append(unit)
            for row, values in parsed:
                text = values.get("workplace_unit")
                if isinstance(text, str):
                    found_units = units_by_name.get(as_label(text), [])
                    if len(found_units) == 1:
                        values["workplace_unit"] = found_units[0]
                    else:
                        self.error(
                            row,
                            "workplace_unit",
                            f"工作单位“{text}”"
                            + (
                                "重名，请填写统一社会信用代码"
                                if found_units
                                else "未登记，请先导入单位台账"
                            ),
                        )
        parsed = self.go_on(parsed)
        indexes = {services.id_number_index(v["id_number"]): (row, v) for row, v in parsed}
        keys = list(indexes)
        existing: dict[str, Member] = {}
        for start in range(0, len(keys), 5000):
            for member in Member.objects.filter(id_number_index__in=keys[start : start + 5000]):
                existing[member.id_number_index] = member
        in_scope = set(
            members_visible_to(self.user, IMPORT_PERM)
            .filter(pk__in=[m.pk for m in existing.values()])
            .values_list("pk", flat=True)
        )
        outside: list[tuple[int, Member]] = []
        for index, (row, values) in indexes.items():
            match = existing.get(index)
            if match is None:
                values["status"] = values.get("status") or Member.Status.FULL
                self.creates.append(values)
            elif match.pk not in in_scope:
                outside.append((row, match))
            else:
                self.updates.append((match, values))
        self._conflicts(outside)

    def _conflicts(self, outside: list[tuple[int, Member]]) -> None:
        """Numbers held outside the user's scope: at most `LEDGER_CAP` rows told, with the
        generic answer; beyond it the file fails whole, naming no row (`orgs.conflicts`)."""
        if not outside:
            return
        if len(outside) > conflicts.LEDGER_CAP:
            conflicts.record_file(self.user, [m for _, m in outside], file_name=self.file_name)
            raise FileRefused(conflicts.OVER_CAP)
        for row, member in outside:
            conflicts.record(self.user, member, via=IdConflict.Via.LEDGER, file_name=self.file_name)
            self.error(row, "id_number", conflicts.GENERIC)

    def write(self, user: Actor, source: str) -> tuple[int, int]:
        with _refused():
            return services_bulk.member_bulk_upsert(
                self.creates, self.updates, actor=user, source=source
            )


class _PartyOrgPlan(_Plan):
    def build(self, rows: Rows, progress: Progress | None) -> None:
        scoped = list(party_orgs_visible_to(self.user, IMPORT_PERM).filter(is_active=True))
        self.by_name: dict[str, list[PartyOrg]] = defaultdict(list)
        for org in scoped:
            self.by_name[as_label(org.name)].append(org)
        self.rows: list[tuple[int, dict[str, Any]]] = []
        seen: dict[str, int] = {}
        unit_refs: set[str] = set()
        for row, values in rows:
            if values.get("region"):
                values["region"] = self.region(row, "region", values["region"])
            name = as_label(values.get("name") or "")
            if name in seen:
                self.error(row, "name", f"与第 {seen[name]} 行的组织名称重复")
            seen[name] = row
            refs = [
                r.strip()
                for r in as_text(values.get("covered_units") or "")
                .replace("；", ";")
                .replace("，", ";")
                .replace(",", ";")
                .replace("、", ";")
                .replace("\n", ";")
                .split(";")
                if r.strip()
            ]
            values["covered_units"] = refs
            unit_refs.update(refs)
            self.rule(
                row,
                "dissolved_on",
                validation.party_org_dates_problem(
                    values.get("founded_on"), values.get("dissolved_on")
                ),
            )
            self.rows.append((row, values))
        units = units_visible_to(self.user, IMPORT_PERM).filter(
            Q(credit_code__in=[as_code(r) for r in unit_refs]) | Q(name__in=unit_refs)
        )
        by_ref: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            if unit.credit_code:
                by_ref[unit.credit_code].append(unit)
            by_ref[unit.name].append(unit)
        for row, values in self.rows:
            resolved = []
            for ref in values["covered_units"]:
                found = by_ref.get(as_code(ref)) or by_ref.get(ref) or []
                if len(found) == 1:
                    resolved.append(found[0])
                else:
                    self.error(
                        row,
                        "covered_units",
                        f"覆盖单位“{ref}”"
                        + (
                            "重名，请填写统一社会信用代码"
                            if found
                            else "未登记或不在您的管辖范围内"
                        ),
                    )
            values["covered_units"] = resolved
        self.rows = self.go_on(self.rows)

    def write(self, user: Actor, source: str) -> tuple[int, int]:
        """Per-row services (Party organizations are few; the tree needs ordered inserts).

        Each row runs in its own savepoint (the services are atomic), so a row the
        service refuses leaves no trace; the caller rolls back the whole file unless
        only valid rows were asked for."""
        with _refused():
            return self._write(user)

    def _write(self, user: Actor) -> tuple[int, int]:
        created = updated = 0
        made: dict[str, PartyOrg] = {}
        for row, values in self.rows:
            name = as_label(values["name"])
            existing = self.by_name.get(name, [])
            parent_ref = values.pop("parent", None)
            covered = values.pop("covered_units")
            data = {k: v for k, v in values.items() if v not in (None, "")}
            try:
                if len(existing) == 1:
                    services.party_org_update(
                        existing[0], covered_units=covered or None, actor=user, **data
                    )
                    updated += 1
                    continue
                if len(existing) > 1:
                    raise services.RegistryError("同名党组织不止一个，无法确定要更新哪一个", "name")
                parent = None
                if parent_ref:
                    key = as_label(parent_ref)
                    candidates = [made[key]] if key in made else self.by_name.get(key, [])
                    if len(candidates) != 1:
                        raise services.RegistryError(
                            f"上级党组织“{parent_ref}”"
                            + ("重名" if candidates else "未登记，须在本表前面的行或系统中已存在"),
                            "parent",
                        )
                    parent = candidates[0]
                data.setdefault("formation", PartyOrg.Formation.SINGLE)
                data.setdefault("org_type", PartyOrg.OrgType.INDEPENDENT)
                org = services.party_org_create(
                    parent=parent, covered_units=covered, actor=user, **data
                )
                made[name] = org
                created += 1
            except services.RegistryError as exc:
                self.error(row, exc.field or "name", exc.message)
        return created, updated


KINDS = (
    LedgerKind(
        key="units",
        label="单位",
        columns=columns.UNIT_COLUMNS,
        import_perm=IMPORT_PERM,
        export_perm=EXPORT_PERM,
        plan=_UnitPlan,
        export_query=selectors.units_filtered,
        export_rows=lambda qs, full: ledger_export.unit_rows(qs),
        audit_type="orgs.units",
        list_url="orgs:unit_list",
        sheet_words=columns.SHEET_WORDS["units"],
        example=columns.EXAMPLES["units"],
        order=10,
    ),
    LedgerKind(
        key="party-orgs",
        label="党组织",
        columns=columns.PARTY_ORG_COLUMNS,
        import_perm=IMPORT_PERM,
        export_perm=EXPORT_PERM,
        plan=_PartyOrgPlan,
        export_query=selectors.party_orgs_filtered,
        export_rows=lambda qs, full: ledger_export.party_org_rows(qs),
        audit_type="orgs.party-orgs",
        list_url="orgs:partyorg_list",
        sheet_words=columns.SHEET_WORDS["party-orgs"],
        example=columns.EXAMPLES["party-orgs"],
        order=20,
    ),
    LedgerKind(
        key="members",
        label="党员",
        columns=columns.MEMBER_COLUMNS,
        import_perm=IMPORT_PERM,
        export_perm=EXPORT_PERM,
        plan=_MemberPlan,
        export_query=selectors.members_filtered,
        export_rows=lambda qs, full: ledger_export.member_rows(qs, full=full),
        audit_type="orgs.members",
        list_url="orgs:member_list",
        sheet_words=columns.SHEET_WORDS["members"],
        example=columns.EXAMPLES["members"],
        # full ID numbers and mobiles: by POST with a reason, within this grant's reach
        unmask_perm="orgs.unmask",
        order=30,
    ),
)
