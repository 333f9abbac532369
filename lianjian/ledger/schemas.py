"""API schemas of the ledger: the kinds and the statuses of an import job.

The kinds are those the registries declare when the API is assembled (its
routers are built once, after every app is loaded).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db.models import TextChoices
from typing_extensions import TypeAliasType

from lianjian.core.schemas import LAX, choices_schema
from lianjian.core.schemas import ErrorOut as ErrorOut  # shared by every router
from lianjian.ledger.kinds import kinds
from lianjian.ledger.models import ImportJob

# built from the declared kinds (Django's functional Choices API, which the stubs lack)
LedgerKindChoice: Any = TextChoices(  # type: ignore[call-overload]
    "LedgerKindChoice",
    [(key.upper().replace("-", "_"), (key, kind.label)) for key, kind in kinds().items()],
)
LedgerKind = TypeAliasType(
    "LedgerKind",
    Annotated[LedgerKindChoice, LAX, choices_schema(LedgerKindChoice, "LedgerKind")],
)
ImportStatus = TypeAliasType(
    "ImportStatus",
    Annotated[ImportJob.Status, LAX, choices_schema(ImportJob.Status, "ImportStatus")],
)
