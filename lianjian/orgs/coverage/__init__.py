"""Coverage statistics (组织覆盖, 工作覆盖) for any region subtree on any date.

- `figures`: the figures, each one `Condition` giving both the queryset filter
  (drill-down lists) and the test on a grouped row (the counted report);
- `units`: the annotated unit queryset every figure filters on, and its tallies;
- `report`: the report and its statements, compiled once per scope;
- `lists`: the lists behind the figures, the monthly trend, the report's region.

Scope: `orgs.view_coverage` through the chokepoint in `orgs/access.py`.
"""

from lianjian.orgs.coverage.figures import (
    BREAKDOWN_FLAGS,
    BREAKDOWN_TESTS,
    BREAKDOWN_VALUES,
    BREAKDOWNS,
    FIGURES,
    FLAGS,
    FORMATION_FIGURES,
    FORMATION_TESTS,
    ORG_FIGURES,
    PREDICATES,
    REPORT_FLAGS,
    UNIT_FIGURES,
    figure_label,
)
from lianjian.orgs.coverage.lists import (
    coverage_trend,
    default_region,
    figure_units,
    month_ends,
    parse_as_of,
    region_for,
    regions_to_pick,
)
from lianjian.orgs.coverage.report import (
    Row,
    _report_statement,
    _tally_statement,
    coverage_report,
    figures,
    floating_members,
    report_counts,
    report_tallies,
)
from lianjian.orgs.coverage.units import (
    PERM,
    annotate_units,
    annotated_units,
    count_figures,
    count_org_figures,
    member_q,
    org_figures,
    region_figures,
    subquery_within,
    tally,
)

# the names the tests have always reached
_subquery_within = subquery_within
_BREAKDOWN_TESTS = BREAKDOWN_TESTS
_FORMATION_TESTS = FORMATION_TESTS

__all__ = [
    "BREAKDOWNS",
    "BREAKDOWN_FLAGS",
    "BREAKDOWN_TESTS",
    "BREAKDOWN_VALUES",
    "FIGURES",
    "FLAGS",
    "FORMATION_FIGURES",
    "FORMATION_TESTS",
    "ORG_FIGURES",
    "PERM",
    "PREDICATES",
    "REPORT_FLAGS",
    "UNIT_FIGURES",
    "_BREAKDOWN_TESTS",
    "_FORMATION_TESTS",
    "Row",
    "_report_statement",
    "_subquery_within",
    "_tally_statement",
    "annotate_units",
    "annotated_units",
    "count_figures",
    "count_org_figures",
    "coverage_report",
    "coverage_trend",
    "default_region",
    "figure_label",
    "figure_units",
    "figures",
    "floating_members",
    "member_q",
    "month_ends",
    "org_figures",
    "parse_as_of",
    "region_figures",
    "region_for",
    "regions_to_pick",
    "report_counts",
    "report_tallies",
    "subquery_within",
    "tally",
]
