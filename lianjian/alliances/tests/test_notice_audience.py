"""A notice addressed to an alliance reaches its member units' Party admins (`notices.audiences`)."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.alliances.registry import _alliance_tokens
from lianjian.notices.selectors import audience_tokens


@pytest.mark.django_db
def test_member_units_admins_hold_the_alliance_token(world: Any, personas: Any) -> None:
    token = f"alliance:{world.alliance.pk}"
    # the unit admin's branch covers unit_building, a member of the alliance
    assert _alliance_tokens(personas.unit_admin) == [token]
    assert token in audience_tokens(personas.unit_admin)
    # a resident and a handler belong to no alliance
    assert _alliance_tokens(personas.member) == []
    assert _alliance_tokens(personas.dept_handler) == []
