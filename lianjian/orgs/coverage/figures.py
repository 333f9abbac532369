"""The coverage figures, each defined once (issue 12 item 5).

A figure is a `Condition` on a unit's flags (`units.annotate_units`). The
condition carries both forms a figure is used in: `q`, a filter on the
annotated unit queryset (the drill-down list behind a figure, and the SQL of
`region_figures`), and `holds`, the same test on one grouped row of those
flags (the report counts in Python over a few dozen (kind, flags) groups, so
each link subquery runs once per unit instead of once per figure). Both come
from the same leaves, so a figure and its list cannot disagree; a test checks
that every figure equals the length of its list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from lianjian.orgs.models import LIANGXIN_KINDS, VIOLATION_MIN_MEMBERS, PartyOrg, UnitKind

Pred = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Condition:
    """One test on a unit's flags, as a queryset filter (`q`) and on a grouped row (`holds`)."""

    q: Q
    holds: Pred

    def __and__(self, other: Condition) -> Condition:
        return Condition(self.q & other.q, lambda r: self.holds(r) and other.holds(r))

    def __or__(self, other: Condition) -> Condition:
        return Condition(self.q | other.q, lambda r: self.holds(r) or other.holds(r))


def flag(name: str, value: bool = True, q: Q | None = None) -> Condition:
    """The flag `name` is `value` (`q`: how the queryset says it, when not `name=value`)."""
    return Condition(Q(**{name: value}) if q is None else q, lambda r: bool(r[name]) is value)


def kind_in(*kinds: str) -> Condition:
    names = {str(k) for k in kinds}
    q = Q(kind=kinds[0]) if len(kinds) == 1 else Q(kind__in=kinds)
    return Condition(q, lambda r: r["kind"] in names)


LX = kind_in(*LIANGXIN_KINDS)
COVERED, UNCOVERED = flag("covered"), flag("covered", False)
ABOVE_SCALE = flag("is_above_scale")
HAS_MEMBER, NO_MEMBER = flag("has_member"), flag("has_member", False)
# `has_liaison` is annotated for the grouped rows only; lists read the column itself
LIAISON = flag("has_liaison", q=~Q(liaison_name=""))
NO_LIAISON = flag("has_liaison", False, q=Q(liaison_name=""))


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    condition: Condition


# the unit figures, in the order every report lists them
UNIT_FIGURES: tuple[Figure, ...] = (
    Figure("liangxin", "两新组织", LX),
    Figure("liangxin_covered", "已建党组织覆盖的两新组织", LX & COVERED),
    Figure("liangxin_uncovered", "未实现组织覆盖的两新组织", LX & UNCOVERED),
    Figure(
        "excluded_individual",
        "个体工商户（不计入两新组织）",
        kind_in(UnitKind.INDIVIDUAL_BUSINESS),
    ),
    Figure("excluded_team", "社区活动团队（不计入两新组织）", kind_in(UnitKind.COMMUNITY_TEAM)),
    Figure("above_scale", "规模以上两新组织", LX & ABOVE_SCALE),
    Figure("above_scale_covered", "已覆盖的规模以上两新组织", LX & ABOVE_SCALE & COVERED),
    Figure("above_scale_uncovered", "未覆盖的规模以上两新组织", LX & ABOVE_SCALE & UNCOVERED),
    Figure("no_member", "无党员的两新组织", LX & NO_MEMBER),
    Figure(
        "work_covered",
        "无党员、已实现工作覆盖（派驻党建指导员/联络员或纳入联合党组织）",
        LX & NO_MEMBER & (LIAISON | COVERED),
    ),
    Figure("work_uncovered", "无党员、尚未实现工作覆盖", LX & NO_MEMBER & NO_LIAISON & UNCOVERED),
    Figure(
        "violations",
        f"党员{VIOLATION_MIN_MEMBERS}人以上未单独建立党组织",
        flag("has_min_members") & flag("independent", False),
    ),
    Figure("members_no_org", "有党员但无党组织覆盖", HAS_MEMBER & UNCOVERED),
)
# figure key → (label, filter on the annotated unit queryset)
FIGURES: dict[str, tuple[str, Q]] = {f.key: (f.label, f.condition.q) for f in UNIT_FIGURES}
# figure key → the same test on one grouped row
PREDICATES: dict[str, Pred] = {f.key: f.condition.holds for f in UNIT_FIGURES}
# the flags of a grouped row, in the order the statements select them
FLAGS = (
    "kind",
    "is_above_scale",
    "has_liaison",
    "covered",
    "independent",
    "has_member",
    "has_min_members",
)

FORMATION_FIGURES = {f"formation_{f}": f for f in PartyOrg.Formation.values}
# per formation of a covering organization: its covered two-new units, those above scale
FORMATION_CONDITIONS: dict[str, Condition] = {
    **{key: LX & flag(key) for key in FORMATION_FIGURES},
    **{f"{key}_above": LX & flag(key) & ABOVE_SCALE for key in FORMATION_FIGURES},
}

# figure key → (label, filter on the live coverage links of the subtree's units alive on the
# date): these count distinct Party organizations, not units. Seed 002's "党组织837个，覆盖
# 3098家两新组织" is `covering_orgs` beside `liangxin_covered`: every organization founded and
# not dissolved on the date with a live link to at least one 两新 organization of the subtree
# (an organization covering units in two streets counts in each, once in the district).
ORG_FIGURES: dict[str, tuple[str, Q]] = {
    "covering_orgs": ("覆盖两新组织的党组织（个）", Q(unit__kind__in=LIANGXIN_KINDS)),
}

BREAKDOWNS = {
    "street": "街道",
    "community": "社区",
    "area_type": "区域类型",
    "industry": "行业",
    "formation": "组建方式",
}
# the figures each breakdown row carries, in `Row`'s order
BREAKDOWN_VALUES = (
    "liangxin",
    "liangxin_covered",
    "above_scale",
    "above_scale_covered",
    "violations",
)
# `independent` is the single-formation link test itself, so only these two are added
REPORT_FLAGS = (*FLAGS, "formation_joint", "formation_temporary")
# the flags the breakdown values and the formation rows read (a test holds them to it):
# the place and industry groupings carry only these, which halves their rows
BREAKDOWN_FLAGS = (
    "kind",
    "is_above_scale",
    "covered",
    "independent",
    "has_min_members",
    "formation_joint",
    "formation_temporary",
)

FORMATION_TESTS: list[tuple[str, Pred]] = [
    (key, c.holds) for key, c in FORMATION_CONDITIONS.items()
]
FIGURE_TESTS = [*PREDICATES.items(), *FORMATION_TESTS]
BREAKDOWN_TESTS = [(key, PREDICATES[key]) for key in BREAKDOWN_VALUES]


def figure_label(figure: str) -> str:
    if figure in FORMATION_FIGURES:
        return f"{PartyOrg.Formation(FORMATION_FIGURES[figure]).label}党组织覆盖的两新组织"
    return FIGURES[figure][0] if figure in FIGURES else ""
