"""Fixtures of the alliances tests."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.alliances.tests.factories import World, make_world


@pytest.fixture
def world(tree: Any) -> World:
    return make_world(tree)
