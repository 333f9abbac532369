"""The kinds the ledger imports and exports, as the apps declare them (ADR 0011).

An app adds a kind by contributing a `lianjian.core.ledger_kinds.LedgerKind`
to the extension point `"ledger.kinds"` in its registry:

    REGISTRY = AppRegistry(..., extensions={"ledger.kinds": (LedgerKind(...),)})

The ledger's pages, API, jobs and `import` command then offer it; nothing in
the ledger names a kind.
"""

from __future__ import annotations

from lianjian.core.ledger_kinds import LedgerKind
from lianjian.core.registry import extension

POINT = "ledger.kinds"


def kinds() -> dict[str, LedgerKind]:
    """Every declared kind by key, in their declared order."""
    declared: list[LedgerKind] = extension(POINT)
    return {k.key: k for k in sorted(declared, key=lambda k: k.order)}


def kind_for(key: str) -> LedgerKind | None:
    return kinds().get(key)


def kind_label(key: str) -> str:
    """The kind's Chinese name; a job of a kind no longer declared shows its key."""
    kind = kind_for(key)
    return kind.label if kind is not None else key


def import_perms() -> str:
    """The permissions that open the ledger's import pages (alternatives joined by `|`)."""
    return "|".join(sorted({k.import_perm for k in kinds().values()})) or "ledger.none"


def export_perms() -> str:
    return "|".join(sorted({k.export_perm for k in kinds().values()})) or "ledger.none"
