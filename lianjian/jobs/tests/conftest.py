"""Fixtures of the job-board tests: two enterprises, their recruiters, a live posting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from lianjian.jobs.tests.factories import make_posting, recruiter


@dataclass
class Board:
    recruiter: Any  # of tree.unit_a1 (虹储)
    other_recruiter: Any  # of tree.unit_a2 (虹仙)
    posting: Any  # live, of unit_a1
    other_posting: Any  # live, of unit_a2


@pytest.fixture
def board(tree: Any, personas: Any) -> Board:
    mine = recruiter(tree.unit_a1, "recruiter_a1")
    other = recruiter(tree.unit_a2, "recruiter_a2")
    return Board(
        recruiter=mine,
        other_recruiter=other,
        posting=make_posting(tree.unit_a1, mine, reviewer=personas.secretary_a1),
        other_posting=make_posting(
            tree.unit_a2,
            other,
            reviewer=personas.secretary_a2,
            title="超市收银员",
            category="retail",
            skills="收银 理货",
            description="负责超市收银与理货。",
        ),
    )
