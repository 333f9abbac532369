"""API schemas of the ledger: the kinds and the statuses of an import job."""

from __future__ import annotations

from typing import Annotated

from typing_extensions import TypeAliasType

from lianjian.core.schemas import LAX, choices_schema
from lianjian.core.schemas import ErrorOut as ErrorOut  # shared by every router
from lianjian.ledger.models import ImportJob

LedgerKind = TypeAliasType(
    "LedgerKind", Annotated[ImportJob.Kind, LAX, choices_schema(ImportJob.Kind, "LedgerKind")]
)
ImportStatus = TypeAliasType(
    "ImportStatus",
    Annotated[ImportJob.Status, LAX, choices_schema(ImportJob.Status, "ImportStatus")],
)
