"""What the ledger declares to the platform (see `lianjian.core.registry`).

The ledger imports and exports the records of other apps; which records, with
which columns and services, is what those apps contribute to the extension
point `"ledger.kinds"` (ADR 0011). Its pages answer under `orgs/ledger/`, the
address they had when the ledger was part of `orgs`.
"""

from __future__ import annotations

from typing import Any

from lianjian.core.registry import AppRegistry, NavEntry
from lianjian.ledger.retention import RULES as RETENTION_RULES


def _api_routers() -> list[Any]:
    from lianjian.ledger.api import router

    return [router]


REGISTRY = AppRegistry(
    label="ledger",
    # after orgs (100): its API routes follow orgs' as before; no `orgs/` page
    # matches under `orgs/ledger/`, so the include order does not matter here
    order=110,
    nav=(
        NavEntry("覆盖统计", "ledger:coverage", "orgs.view_coverage", order=24),
        NavEntry("台账导入", "ledger:home", "orgs.import", order=25),
    ),
    urls=(("orgs/ledger/", "lianjian.ledger.urls"),),
    api_routers=_api_routers,
    # what the ledger keeps and for how long (S17)
    extensions={"core.retention": RETENTION_RULES},
)
