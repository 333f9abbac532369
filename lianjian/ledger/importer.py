"""Importing a ledger file: read, validate every cell, then write all rows or none.

Validation runs before any write and collects every problem with its row
number, column and a Chinese reason; a file with any error writes nothing,
unless the caller asked for the valid rows only (`valid_only`): then the rows
with errors are skipped and every other row is written in one transaction.

The ledger reads the file and parses each cell by its column's type (`cells`);
what the rows mean is the kind's (`lianjian.core.ledger_kinds`, declared by
the app that owns the records): its plan validates the parsed rows, matches
existing records and writes through that app's services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest

from lianjian.core.audit import audit_record
from lianjian.core.gcpause import gc_paused
from lianjian.core.ledger_kinds import (
    FileRefused,
    LedgerKind,
    Problems,
    Progress,
    RowError,
    Rows,
    WriteRefused,
)
from lianjian.core.normalize import CellError, as_text
from lianjian.ledger.cells import read_cell
from lianjian.ledger.kinds import kind_for
from lianjian.ledger.reader import Sheet, read_ledger
from lianjian.ledger.safety import LedgerFileError

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@dataclass
class ImportOutcome:
    kind: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    valid_only: bool = False
    written: bool = False  # the rows (all, or the valid ones) were committed
    skipped: int = 0  # rows left out for their errors (valid-only imports)
    sheet: Sheet | None = None  # what was read, for the error report's original rows

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_rows(kind: LedgerKind, rows: Rows, problems: Problems) -> Rows:
    """Each raw row's cells parsed by their column's type; unreadable cells and
    blank required ones are recorded as problems (and left out of the values)."""
    parsed: Rows = []
    for row, raw in rows:
        values: dict[str, Any] = {}
        for column in kind.columns:
            if column.key not in raw:
                continue
            try:
                value = read_cell(column, raw[column.key])
            except CellError as exc:
                problems.error(row, column.key, str(exc))
                value = None
            if column.required and value in (None, ""):
                if as_text(raw[column.key]) == "":
                    problems.error(row, column.key, f"“{column.label}”为必填项")
                continue
            values[column.key] = value
        parsed.append((row, values))
    return parsed


def import_ledger(
    kind: str,
    data: bytes,
    *,
    user: User,
    file_name: str = "",
    request: HttpRequest | None = None,
    progress: Progress | None = None,
    valid_only: bool = False,
) -> ImportOutcome:
    """Import one file all-or-nothing, or (`valid_only`) its valid rows only.

    `LedgerFileError` means the file was refused whole."""
    if kind_for(kind) is None:
        raise ValueError(f"unknown ledger kind {kind}")
    with gc_paused():
        return _import(
            kind,
            data,
            user=user,
            file_name=file_name,
            request=request,
            progress=progress,
            valid_only=valid_only,
        )


def _import(
    kind: str,
    data: bytes,
    *,
    user: User,
    file_name: str,
    request: HttpRequest | None,
    progress: Progress | None,
    valid_only: bool,
) -> ImportOutcome:
    declared = kind_for(kind)
    assert declared is not None  # checked by import_ledger
    sheet = read_ledger(
        data,
        tuple(declared.columns),
        (lambda n: progress("read", n, 0)) if progress else None,
        sheet_words=declared.sheet_words,
    )
    outcome = ImportOutcome(
        kind=kind, total_rows=len(sheet.rows), valid_only=valid_only, sheet=sheet
    )
    problems = Problems(declared.columns, valid_only=valid_only)
    plan = declared.plan(user, problems)
    source = file_name or "upload.xlsx"
    plan.file_name = source  # named in the records a plan keeps (the ID conflicts)
    try:
        plan.build(parse_rows(declared, sheet.rows, problems), progress)
    except FileRefused as exc:
        raise LedgerFileError(exc.message) from None
    if valid_only or not problems.errors:
        if progress:
            progress("write", outcome.total_rows, outcome.total_rows)
        with transaction.atomic():
            try:
                created, updated = plan.write(user, source)
            except WriteRefused as exc:
                # a conflict only the database saw (a code taken meanwhile): nothing written
                problems.error(0, exc.column or "（整个文件）", exc.message)
                created = updated = 0
                transaction.set_rollback(True)
            else:
                bad_rows = {e.row for e in problems.errors}
                if (problems.errors and not valid_only) or len(bad_rows) >= outcome.total_rows:
                    transaction.set_rollback(True)
                else:
                    outcome.written = True
                    outcome.created, outcome.updated = created, updated
                    outcome.skipped = len(bad_rows)
                    audit_record(
                        "ledger.import",
                        user=user,
                        request=request,
                        object_type=f"ledger.{kind}",
                        detail={
                            "file": source[:200],
                            "rows": outcome.total_rows,
                            "created": created,
                            "updated": updated,
                            "skipped": outcome.skipped,
                        },
                    )
    if problems.errors:
        outcome.errors = sorted(problems.errors, key=lambda e: e.row)
    if not outcome.written:
        audit_record(
            "ledger.import",
            user=user,
            request=request,
            object_type=f"ledger.{kind}",
            result="failure",
            detail={
                "file": source[:200],
                "rows": outcome.total_rows,
                "errors": len(problems.errors),
            },
        )
    return outcome


__all__ = ["ImportOutcome", "RowError", "import_ledger"]
