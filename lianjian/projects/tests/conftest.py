"""Fixtures of the projects tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from lianjian.projects import services_pairs
from lianjian.projects.tests.factories import PairWorld, make_pair, register_org


@pytest.fixture
def pw(tree: Any, personas: Any) -> PairWorld:
    reg = register_org(tree.org_building, tree.community_a1)
    pair = make_pair(reg)
    services_pairs.pair_visit_log(
        pair, visited_on=timezone.localdate(), note="送米面油", value="300"
    )
    pair_b = make_pair(register_org(tree.org_b1, tree.community_b1), name="孙家", note="独居")
    return PairWorld(reg=reg, pair=pair, pair_b=pair_b)
