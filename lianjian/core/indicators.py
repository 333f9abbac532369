"""The contract of the ratings' extension point `"ratings.indicators"`.

A rating scheme's computed criterion names an indicator by its key; the ratings app
computes the indicator for every Party organization of a round and turns the value
into a score (`value / target × max score`, capped at the max). The ratings app
ships the indicators of the apps below it (joint meetings, needs, claims,
coverage); an app that sits beside or above it (activities) contributes its own
by declaring `extensions={"ratings.indicators": (Indicator(...),)}` in its
registry, without editing ratings.

The type lives in core, below every app, so any app may contribute one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# (Party-organization ids, year) -> value per organization id; an organization
# missing from the answer counts as 0
IndicatorCompute = Callable[[Sequence[int], int], dict[int, float]]


@dataclass(frozen=True)
class Indicator:
    """A figure the platform knows per Party organization and year."""

    key: str
    label: str
    # what the value counts, shown beside it: 次, %, 个
    unit: str
    compute: IndicatorCompute
    description: str = ""
