"""A small published scheme and an open round over the persona tree."""

from __future__ import annotations

from typing import Any

from lianjian.ratings import services
from lianjian.ratings.models import Method, Round, Scheme


def make_scheme(district: Any, year: int = 2026, publish: bool = True) -> Scheme:
    scheme = services.scheme_create(
        district=district,
        year=year,
        name=f"{year}年度两新组织党组织分类定级",
        stars={5: 95, 4: 90, 3: 80},
    )
    basics = services.group_add(scheme, name="组织建设", weight=60, order=1)
    services.criterion_add(basics, name="组织生活", max_score=10, evidence_required=True, order=1)
    services.criterion_add(basics, name="党员教育", max_score=10, order=2)
    work = services.group_add(scheme, name="作用发挥", weight=40, order=2)
    services.criterion_add(
        work,
        name="覆盖单位",
        max_score=10,
        method=Method.COMPUTED,
        indicator="orgs.units_covered",
        target=2,
    )
    if publish:
        scheme = services.scheme_publish(scheme)
    return scheme


def open_round(tree: Any, year: int = 2026) -> Round:
    scheme = make_scheme(tree.district, year)
    return services.round_open(
        scheme, orgs=[tree.org_building, tree.org_a1, tree.org_b1], scope=Round.Scope.ALL
    )


def manual_ids(rnd: Round) -> dict[str, int]:
    return {c.name: c.pk for c in rnd.scheme.criteria.all()}
