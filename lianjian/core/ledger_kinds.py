"""The contract of the ledger's extension point `"ledger.kinds"` (ADR 0011).

The ledger app (`lianjian.ledger`) imports and exports spreadsheets of records
it does not own: each app whose records go through it declares a
`LedgerKind` in its registry (`extensions={"ledger.kinds": (...)}`), with the
columns, the validation and the upsert of an import and the query and rows of
an export. The ledger reads the file, checks it, parses every cell by its
column's type and hands the kind's plan the rows; the plan validates them
against its domain, matches existing records and writes through its services.

These types live in core, below every app, because the apps that contribute
kinds (`orgs`) sit below the ledger that reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from django.db.models import TextChoices

from lianjian.core.normalize import as_header, as_label

ColumnType = Literal["text", "code", "int", "bool", "date", "enum", "ref"]
# what a plan is told of its progress: (phase, rows done, rows in all)
Progress = Callable[[str, int, int], None]
# a row of an import: its row number in the file, and its parsed values by column key
Rows = list[tuple[int, dict[str, Any]]]

# The template's second row shows how to fill each column; a row whose first cell
# starts with the mark is skipped on import, so a template sent back untouched
# imports nothing.
EXAMPLE_MARK = "示例："


@dataclass(frozen=True)
class Column:
    """One column of a kind: canonical header, accepted variants, value type.

    Headers are matched after `normalize.as_header` (half-width, simplified, no
    notes in brackets, no required-marks), so `统一社会信用代码（必填）*` and
    `統一社會信用代碼` both land on `credit_code`.
    """

    key: str
    label: str
    kind: ColumnType
    required: bool = False
    aliases: tuple[str, ...] = ()
    # an enumeration's accepted spellings (normalized label) -> stored value
    choices: dict[str, str] = field(default_factory=dict)
    note: str = ""
    # an identifier that a number cell would mangle (Excel keeps 15 significant digits)
    text_only: bool = False
    # the labels the template's dropdown offers (an enumeration's display labels)
    options: tuple[str, ...] = ()

    def header_names(self) -> set[str]:
        return {as_header(self.label), *(as_header(a) for a in self.aliases)}


def enum_map(choices: type[TextChoices], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Chinese label (and the stored value itself) -> stored value."""
    mapping = {as_label(label): value for value, label in choices.choices}
    mapping.update({value.upper(): value for value in choices.values})
    for label, value in (extra or {}).items():
        mapping[as_label(label)] = value
    return mapping


@dataclass
class RowError:
    row: int  # the row number in the file; 0 for the whole file
    column: str  # the column's label
    reason: str  # in Chinese


class Problems:
    """The errors of one import, collected by the ledger and the kind's plan alike.

    With `valid_only` the rows with errors are skipped and the others written;
    otherwise one error keeps the whole file out.
    """

    def __init__(self, columns: Sequence[Column], *, valid_only: bool = False) -> None:
        self.valid_only = valid_only
        self.errors: list[RowError] = []
        self.labels = {c.key: c.label for c in columns}

    def error(self, row: int, key: str, reason: str) -> None:
        """A problem with the column `key` (or any text naming it) of row `row`."""
        self.errors.append(RowError(row, self.labels.get(key, key), reason))

    def rule(self, row: int, key: str, problem: str | None) -> None:
        """Record a field rule's complaint, if it made one."""
        if problem:
            self.error(row, key, problem)

    def go_on(self, rows: Rows) -> Rows:
        """The rows to carry on with: all when clean, the clean ones when importing
        valid rows only, none when one error stops the whole file."""
        if not self.errors:
            return rows
        if not self.valid_only:
            return []
        bad = {e.row for e in self.errors}
        return [(row, values) for row, values in rows if row not in bad]


class FileRefused(Exception):
    """A kind's plan refuses the whole file while checking it (e.g. too many ID numbers
    held elsewhere, S25): nothing is written and no row is named, only the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WriteRefused(Exception):
    """A conflict only the database saw while writing (a code taken meanwhile):
    the ledger writes nothing of the file and reports the message."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class KindPlan(Protocol):
    """One import of one kind: validation of the parsed rows, then the upsert.

    `build` validates and matches the rows, recording every complaint in the
    `Problems` it was made with (calling `problems.go_on` to drop the rows a
    complaint keeps out); `write` creates and updates the records through the
    kind's services inside the ledger's transaction and returns (created,
    updated). The ledger rolls back when an error leaves the file unwritten.
    """

    # the uploaded file's name, set by the ledger before `build`
    file_name: str

    def build(self, rows: Rows, progress: Progress | None) -> None: ...

    # `user` is the importing `User`, which the kinds above accounts take as such: a
    # `write(user: User)` would not satisfy `write(user: Actor)` (ADR 0022, decision 4)
    def write(self, user: Any, source: str) -> tuple[int, int]: ...


@dataclass(frozen=True)
class LedgerKind:
    """One kind of record the ledger imports and exports (see the module docstring)."""

    # the kind's name in URLs, API paths and jobs ("units"; at most 16 characters)
    key: str
    label: str  # in Chinese ("单位"): sheet titles, file names, page headings
    columns: Sequence[Column]
    # who may import this kind, and who may export it (a permission, or `a|b`)
    import_perm: str
    export_perm: str
    # (user, problems) -> the plan of one import
    plan: Callable[[Any, Problems], KindPlan]
    # (user, list filters) -> the rows the list page shows, in the user's scope; with
    # perm=unmask_perm, the rows that grant reaches (a full export takes both)
    export_query: Callable[..., Any]
    # (rows of export_query, full personal data?) -> the cells of each row, in column order
    export_rows: Callable[[Any, bool], Iterable[Sequence[Any]]]
    # the object type of the export's audit row ("orgs.units")
    audit_type: str
    # a sheet whose title holds one of these words is read first (“党员台账”)
    sheet_words: tuple[str, ...] = ()
    # column key -> the example shown in the template's second row
    example: Mapping[str, str] = field(default_factory=dict)
    # who may export full personal data (by POST with a reason); None: never
    unmask_perm: str | None = None
    # the URL name of the list page whose filters an export takes ("orgs:unit_list")
    list_url: str = ""
    order: int = 500
