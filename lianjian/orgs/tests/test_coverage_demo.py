"""Seed 002 reproduced from the demo ledger: 3,098 of 13,101 两新 organizations covered."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lianjian.orgs import coverage
from lianjian.orgs.coverage_demo import LEDGER_STREETS, build_liangxin_ledger
from lianjian.orgs.models import PartyOrg, Unit


def test_seed_002_figures(tree: Any, personas: Any) -> None:
    named_streets = PartyOrg.objects.filter(street__in=[tree.street_a, tree.street_b])
    named_before = set(named_streets.values_list("pk", flat=True))
    created = build_liangxin_ledger(tree.district)
    assert created["units"] > 20_000
    report = coverage.coverage_report(personas.district_admin, tree.district, timezone.localdate())
    f = {k: v["count"] for k, v in report["figures"].items()}
    assert f["liangxin"] == 13_101
    assert f["liangxin_covered"] == 3_098
    assert report["rates"]["organization_coverage"] == 23.6
    assert (f["excluded_individual"], f["excluded_team"]) == (6_553, 903)
    assert f["above_scale"] == 263 and f["above_scale_covered"] == 263
    assert report["rates"]["above_scale_coverage"] == 100.0
    assert f["covering_orgs"] == 837
    # spread over the district's other streets, never into the streets the demo describes
    # unit by unit; valid codes, a consistent organization tree
    streets = {r["label"]: r["liangxin"] for r in report["breakdowns"]["street"]}
    assert streets.pop("虹桥街道") == 3 and "程家桥街道" not in streets  # the fixture's own
    assert set(streets) == set(LEDGER_STREETS) and min(streets.values()) > 1500
    assert set(named_streets.values_list("pk", flat=True)) == named_before
    from lianjian.core.validators import is_valid_credit_code

    sample = Unit.objects.exclude(credit_code=None).order_by("?")[:200]
    assert all(is_valid_credit_code(u.credit_code or "") for u in sample)
    assert PartyOrg.objects.find_problems() == ([], [], [], [], [])
