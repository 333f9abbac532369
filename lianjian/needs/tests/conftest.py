"""Needs fixtures: the demo configuration on street 虹桥街道 plus the persona's department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class NeedsWorld:
    demo: Any
    civil: Any  # department "civil-affairs", held by the dept_handler persona
    charity: Any  # category 慈善关爱 routed to `civil`
    sports: Any  # category 文体健身 routed to another department
    other_street_dept: Any


@pytest.fixture
def world(tree: Any) -> NeedsWorld:
    from lianjian.needs.demo import build_needs_demo
    from lianjian.needs.services import category_update, department_create

    demo = build_needs_demo(tree.street_a)
    civil = department_create(street=tree.street_a, key="civil-affairs", name="民政办")
    charity = demo.categories["慈善关爱"]
    category_update(charity, department=civil, deadline_workdays=5)
    build_needs_demo(tree.street_b)
    other = department_create(street=tree.street_b, key="b-civil", name="程家桥民政办")
    return NeedsWorld(
        demo=demo,
        civil=civil,
        charity=charity,
        sports=demo.categories["文体健身"],
        other_street_dept=other,
    )


@pytest.fixture
def submit(tree: Any) -> Any:
    """Submit a need in community a1 (hotline) with optional overrides."""
    from lianjian.needs.services import need_submit

    def make(**kw: Any) -> Any:
        args: dict[str, Any] = {
            "channel": "hotline",
            "text": "小区有几位独居老人生活困难，希望街道给予帮扶",
            "region": tree.community_a1,
            "submitter_kind": "person",
            "submitter_name": "王女士",
            "contact_phone": "13812345678",
        }
        args.update(kw)
        return need_submit(**args)

    return make
