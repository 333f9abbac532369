"""One worker runs the tests that share the module-scoped demo build (with --dist loadgroup),
so the suite builds the default demo once, not once per worker."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.nodeid.startswith("lianjian/portal/tests/test_demo_figures.py"):
            item.add_marker(pytest.mark.xdist_group("demo_build"))
