"""Type-ahead searches of the registries for the pickers (`lianjian.core.pickers`).

Each runs inside the scope of the permission the form is for, matches the name
(units also their exact credit code), puts names starting with the text first,
and returns at most `LIMIT + 1` rows (the endpoint shows `LIMIT` and says when
there were more). Members are searched by name only: an ID number or mobile,
whole or in part, goes through the member list's POST search, which keeps it
out of URLs and is rate-limited and audited as such.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from lianjian.core.actors import Viewer
from lianjian.core.identifiers import normalize_credit_code
from lianjian.core.pickers import LIMIT, Choice, Picker
from lianjian.orgs.access import (
    members_visible_to,
    party_orgs_visible_to,
    regions_visible_to,
    residence_regions_for,
    units_visible_to,
)
from lianjian.orgs.models import PartyOrg, Region

_DIGIT = re.compile(r"[0-9０-９]")


def _ranked(qs: QuerySet[Any], text: str, field: str = "name") -> QuerySet[Any]:
    if not text:
        return qs
    starts = Case(
        When(**{f"{field}__startswith": text}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    ranked: QuerySet[Any] = qs.annotate(_rank=starts).order_by("_rank", *qs.query.order_by)
    return ranked


def units_matching(qs: QuerySet[Any], text: str) -> list[Choice]:
    qs = qs.filter(is_active=True)
    if text:
        code = normalize_credit_code(text)
        qs = qs.filter(name__icontains=text) | qs.filter(credit_code=code)
    rows = _ranked(qs.order_by("name", "id"), text).values("id", "name", "region__name")
    return [Choice(str(r["id"]), r["name"], r["region__name"] or "") for r in rows[: LIMIT + 1]]


def party_orgs_matching(qs: QuerySet[PartyOrg], text: str) -> list[Choice]:
    qs = qs.filter(is_active=True)
    if text:
        qs = qs.filter(name__icontains=text)
    rows = _ranked(qs.order_by("sort_key", "path"), text).values("id", "name", "level")
    levels = dict(PartyOrg.Level.choices)
    return [Choice(str(r["id"]), r["name"], levels.get(r["level"], "")) for r in rows[: LIMIT + 1]]


def regions_matching(qs: QuerySet[Region], text: str, levels: str = "") -> list[Choice]:
    qs = qs.filter(is_active=True)
    wanted = [lv for lv in levels.split(",") if lv in Region.Level.values]
    if wanted:
        qs = qs.filter(level__in=wanted)
    if text:
        qs = qs.filter(name__icontains=text)
    rows = _ranked(qs.order_by("path"), text).values("id", "name", "level", "street_ref__name")
    names = dict(Region.Level.choices)
    return [
        Choice(
            str(r["id"]),
            r["name"],
            "，".join(x for x in (names.get(r["level"], ""), r["street_ref__name"] or "") if x),
        )
        for r in rows[: LIMIT + 1]
    ]


def _units(user: Viewer, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return units_matching(units_visible_to(user, perm), text)


def _party_orgs(user: Viewer, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    qs = party_orgs_visible_to(user, perm)
    if params.get("parents") == "1":
        qs = qs.exclude(level=PartyOrg.Level.GROUP)  # a Party group has no sub-organizations
    return party_orgs_matching(qs, text)


def _regions(user: Viewer, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return regions_matching(regions_visible_to(user, perm), text, params.get("levels", ""))


def _residences(user: Viewer, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    return regions_matching(residence_regions_for(user, perm), text, Region.Level.COMMUNITY)


def _members(user: Viewer, perm: str, text: str, params: Mapping[str, str]) -> list[Choice]:
    if not text or _DIGIT.search(text):
        return []
    qs = members_visible_to(user, perm).filter(is_active=True, name__icontains=text)
    rows = _ranked(qs.order_by("name", "id"), text).values("id", "name", "party_org__name")
    return [Choice(str(r["id"]), r["name"], r["party_org__name"]) for r in rows[: LIMIT + 1]]


PICKERS = [
    Picker(
        "orgs.unit",
        ("orgs.view_unit", "orgs.change_unit", "orgs.change_partyorg", "orgs.change_member"),
        _units,
    ),
    Picker(
        "orgs.party_org",
        ("orgs.view_partyorg", "orgs.change_partyorg", "orgs.change_member"),
        _party_orgs,
    ),
    Picker(
        "orgs.region",
        (
            "orgs.view_region",
            "orgs.change_unit",
            "orgs.change_partyorg",
            "orgs.change_region",
            "orgs.view_coverage",
        ),
        _regions,
    ),
    Picker("orgs.residence", ("orgs.change_member",), _residences),
    Picker("orgs.member", ("orgs.view_member",), _members),
]
