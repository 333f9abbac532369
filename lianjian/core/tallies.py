"""Figures kept at write time: tally rows moved by the difference a write makes.

An app states, in one pure function per kind of row, what a row adds to which
tally rows (its *contribution*: tally key -> figures). A write moves the
tallies by the new contribution minus the old one, in the write's
transaction, so a report sums a few tally rows instead of scanning every row,
and a rebuild from the rows (a backfill, a repair) uses the very same rule.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

from django.db import IntegrityError, models, transaction
from django.db.models import F

Key = tuple[Hashable, ...]
Figures = Mapping[str, int]
Contribution = Mapping[Key, Figures]
Delta = tuple[Key, dict[str, int]]


def contribution_add(total: dict[Key, dict[str, int]], part: Contribution, sign: int = 1) -> None:
    """Add (or with `sign=-1` subtract) a contribution into `total`, in place."""
    for key, figures in part.items():
        bucket = total.setdefault(key, {})
        for name, value in figures.items():
            bucket[name] = bucket.get(name, 0) + sign * value


def contribution_deltas(old: Contribution | None, new: Contribution | None) -> list[Delta]:
    """(key, non-zero deltas) moving a row from `old` to `new`, in key order.

    One order for every transaction: two writes that move the same tally rows
    lock them in the same order and never wait for each other crosswise.
    """
    changes: dict[Key, dict[str, int]] = {}
    contribution_add(changes, old or {}, -1)
    contribution_add(changes, new or {})
    out = []
    for key in sorted(changes, key=lambda k: tuple(map(str, k))):
        delta = {name: value for name, value in changes[key].items() if value}
        if delta:
            out.append((key, delta))
    return out


def tally_bump(
    model: type[models.Model],
    where: Mapping[str, object],
    delta: Mapping[str, int | float],
    create_with: Mapping[str, object] | None = None,
) -> None:
    """Add `delta` to the tally row `where` names, creating it on its first figure.

    The row is incremented by a conditional update; a concurrent first insert of
    the same key loses on the model's unique constraint and updates instead. A
    row that would be created with a negative figure (the tally and its rows
    disagree) fails on the model's check constraint: the error is raised, the
    write rolls back.
    """
    bump = {name: F(name) + value for name, value in delta.items()}
    manager = model._default_manager
    if manager.filter(**where).update(**bump):
        return
    try:
        with transaction.atomic():
            manager.create(**where, **(create_with or {}), **delta)
        return
    except IntegrityError:
        if not manager.filter(**where).update(**bump):
            raise  # not a lost race: a constraint of the new row itself


def tally_apply(model: type[models.Model], key_fields: Iterable[str], deltas: list[Delta]) -> None:
    """Apply `contribution_deltas` to the model whose unique key is `key_fields`."""
    names = tuple(key_fields)
    for key, delta in deltas:
        tally_bump(model, dict(zip(names, key, strict=True)), delta)
