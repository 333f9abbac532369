"""The rows of the registries' ledger exports: the import template's columns, in order,
so an export can be edited and imported again (ADR 0011).

The ledger neutralizes every text cell against formulas when it writes the
workbook; personal data is masked here unless the export is a full one (S9, S15).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from lianjian.core.masking import mask
from lianjian.core.paging import in_chunks
from lianjian.orgs.models import Member, OrgUnitCoverage, PartyOrg, Unit


def _yes(value: bool) -> str:
    return "是" if value else "否"


def unit_rows(qs: QuerySet[Unit]) -> Iterator[list[Any]]:
    """Same columns as the import template, so an export can be edited and re-imported."""
    for u in in_chunks(qs.select_related("region")):  # no statement open across a write
        yield [
            u.name,
            u.credit_code or "",
            u.get_kind_display(),
            u.industry,
            u.employees,
            _yes(u.is_above_scale),
            _yes(u.is_foreign_invested),
            u.region.name,
            u.address,
            u.liaison_name,
            u.registered_on,
            u.deregistered_on,
        ]


def party_org_rows(qs: QuerySet[PartyOrg]) -> Iterator[list[Any]]:
    orgs = list(qs.select_related("region"))
    steplen = PartyOrg.steplen
    parent_paths = {o.path[:-steplen] for o in orgs if o.depth > 1}
    parents = dict(PartyOrg.objects.filter(path__in=parent_paths).values_list("path", "name"))
    covered: dict[int, list[str]] = {}
    links = OrgUnitCoverage.objects.filter(
        party_org_id__in=[o.pk for o in orgs], until__isnull=True
    ).values_list("party_org_id", "unit__credit_code", "unit__name")
    for org_id, code, name in links:
        covered.setdefault(org_id, []).append(code or name)
    for o in orgs:
        yield [
            o.name,
            o.get_level_display(),
            o.get_formation_display(),
            o.get_org_type_display(),
            o.region.name,
            parents.get(o.path[:-steplen], "") if o.depth > 1 else "",
            o.secretary_name,
            o.founded_on,
            o.dissolved_on,
            "；".join(covered.get(o.pk, [])),
        ]


MEMBER_EXPORT_FIELDS = (
    "name",
    "id_number",
    "mobile",
    "joined_on",
    "status",
    "party_org__name",
    "workplace_unit__credit_code",
    "workplace_unit__name",
    "residence_community__name",
    "gender",
    "is_floating",
    "floating_to",
    "floating_reason",
)


def member_rows(qs: QuerySet[Member], *, full: bool) -> Iterator[list[Any]]:
    # plain values, not model instances: a third of a 10k-row export went to
    # building a member and its three related rows per line
    status_labels = dict(Member.Status.choices)
    genders = dict(Member.Gender.choices)
    rows = qs.values_list(*MEMBER_EXPORT_FIELDS, named=True)
    for m in in_chunks(rows):  # no statement open across a progress write (SQLite)
        yield [
            m.name,
            m.id_number if full else mask(m.id_number, "id_number"),
            m.mobile if full else mask(m.mobile, "mobile"),
            m.joined_on,
            status_labels.get(m.status, m.status),
            m.party_org__name,
            m.workplace_unit__credit_code or m.workplace_unit__name or "",
            m.residence_community__name or "",
            genders.get(m.gender, ""),
            _yes(m.is_floating),
            m.floating_to,
            m.floating_reason,
        ]
