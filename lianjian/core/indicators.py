"""The contract of the ratings' extension point `"ratings.indicators"`.

A rating scheme's computed criterion names an indicator by its key; the ratings app
computes the indicator for every Party organization of a round and turns the value
into a score (`value / target × max score`, capped at the max). Every indicator is
contributed by the app that owns its data (orgs, alliances, needs, projects,
activities), from its own `indicators.py`, by declaring
`extensions={"ratings.indicators": INDICATORS}` in its registry; ratings reads no
other app's tables (ADR 0018).

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
