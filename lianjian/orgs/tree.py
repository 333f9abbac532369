"""Reads for the tree views: one level of the Party-organization or region tree at a time.

A district holds thousands of organizations, so a tree page shows the user's
roots and each expanded node fetches its own children (htmx). Every level is
two statements whatever its size: the children, in natural order (`sort_key`:
第一、第二、…、第十), and their rolled-up counts, grouped by the child each row
falls under (a 党总支 counts its branches' members).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import Substr

from lianjian.core.actors import Viewer
from lianjian.orgs.access import (
    LEVEL_FIELD,
    members_visible_to,
    party_orgs_visible_to,
    regions_visible_to,
    units_visible_to,
)
from lianjian.orgs.models import PartyOrg, Region

TREE_PERM = "orgs.view_partyorg"
# one level shows this many nodes, then "show more" (a district committee has 3,000
# branches: all at once took 14 s and 790 kB on a loaded machine)
TREE_PAGE = 100
REGION_TREE_PERM = "orgs.view_region"


@dataclass
class TreeNode:
    """One row of a tree: the node, whether it can open, and its rolled-up figures."""

    obj: Any
    has_children: bool
    members: int = 0
    units: int = 0


@dataclass
class TreeLevel:
    """One page of a level: its nodes, and how many siblings follow them."""

    nodes: list[TreeNode]
    offset: int
    remaining: int

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.nodes)


def _roots(visible: QuerySet[Any], steplen: int) -> QuerySet[Any]:
    """Visible nodes whose parent is not visible: where the user's tree starts."""
    parent_length = (F("depth") - 1) * steplen
    roots: QuerySet[Any] = (
        visible.annotate(parent_path=Substr("path", 1, parent_length))
        .exclude(parent_path__in=visible.values("path"))
        .order_by("sort_key", "path")
    )
    return roots


def _children(visible: QuerySet[Any], node: Any) -> QuerySet[Any]:
    return visible.filter(path__startswith=node.path, depth=node.depth + 1).order_by(
        "sort_key", "path"
    )


def _member_counts_by_prefix(user: Viewer, paths: list[str], length: int) -> dict[str, int]:
    """Live members in each subtree whose root path is in `paths` (all of length `length`)."""
    if not paths:
        return {}
    prefix = Substr("party_org__path", 1, length)
    rows = (
        members_visible_to(user, TREE_PERM)
        .filter(is_active=True, party_org__path__startswith=paths[0][: length - PartyOrg.steplen])
        .annotate(prefix=prefix)
        .filter(prefix__in=paths)
        .values("prefix")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["prefix"]: row["n"] for row in rows}


def _org_nodes(user: Viewer, orgs: list[PartyOrg]) -> list[TreeNode]:
    counts: dict[str, int] = {}
    by_length: dict[int, list[str]] = {}
    for org in orgs:
        by_length.setdefault(len(org.path), []).append(org.path)
    for length, paths in by_length.items():
        # roots may sit under different parents: count each parent's group on its own
        by_parent: dict[str, list[str]] = {}
        for path in paths:
            by_parent.setdefault(path[: length - PartyOrg.steplen], []).append(path)
        for group in by_parent.values():
            counts.update(_member_counts_by_prefix(user, group, length))
    return [TreeNode(org, org.numchild > 0, members=counts.get(org.path, 0)) for org in orgs]


def _page(qs: QuerySet[Any], offset: int) -> tuple[list[Any], int, int]:
    offset = max(offset, 0)
    rows = list(qs[offset : offset + TREE_PAGE + 1])
    if len(rows) <= TREE_PAGE:
        return rows, offset, 0
    rows = rows[:TREE_PAGE]
    return rows, offset, qs.count() - offset - TREE_PAGE


def _orgs_visible(user: Viewer, active: bool) -> QuerySet[PartyOrg]:
    visible = party_orgs_visible_to(user, TREE_PERM)
    return visible.filter(is_active=True) if active else visible


def party_org_tree_roots(user: Viewer, *, offset: int = 0, active: bool = True) -> TreeLevel:
    rows, offset, remaining = _page(_roots(_orgs_visible(user, active), PartyOrg.steplen), offset)
    return TreeLevel(_org_nodes(user, rows), offset, remaining)


def party_org_tree_children(
    user: Viewer, org: PartyOrg, *, offset: int = 0, active: bool = True
) -> TreeLevel:
    rows, offset, remaining = _page(_children(_orgs_visible(user, active), org), offset)
    return TreeLevel(_org_nodes(user, rows), offset, remaining)


# ---------------------------------------------------------------- regions


def _region_nodes(user: Viewer, regions: list[Region]) -> list[TreeNode]:
    """Each region with its units and members, counted by the ancestor id rows carry."""
    by_level: dict[str, list[int]] = {}
    for region in regions:
        by_level.setdefault(region.level, []).append(region.pk)
    units: dict[int, int] = {}
    members: dict[int, int] = {}
    for level, ids in by_level.items():
        field = LEVEL_FIELD[Region.Level(level)]
        for qs, out in (
            (units_visible_to(user, REGION_TREE_PERM), units),
            (members_visible_to(user, REGION_TREE_PERM), members),
        ):
            rows = (
                qs.filter(is_active=True, **{f"{field}__in": ids})
                .values(field)
                .annotate(n=Count("id"))
                .order_by()
            )
            out.update({row[field]: row["n"] for row in rows})
    return [
        TreeNode(r, r.numchild > 0, members=members.get(r.pk, 0), units=units.get(r.pk, 0))
        for r in regions
    ]


def region_tree_roots(user: Viewer, *, offset: int = 0) -> TreeLevel:
    visible = regions_visible_to(user, REGION_TREE_PERM).filter(is_active=True)
    rows, offset, remaining = _page(_roots(visible, Region.steplen), offset)
    return TreeLevel(_region_nodes(user, rows), offset, remaining)


def region_tree_children(user: Viewer, region: Region, *, offset: int = 0) -> TreeLevel:
    visible = regions_visible_to(user, REGION_TREE_PERM).filter(is_active=True)
    rows, offset, remaining = _page(_children(visible, region), offset)
    return TreeLevel(_region_nodes(user, rows), offset, remaining)
