"""The statistics write model: each need's `NeedSummary` and the `NeedTally` rows.

Every counted event is folded here in the transition's transaction; the rebuilds
repair data written around the services (bench seeding, old rows).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from lianjian.core.tallies import tally_apply
from lianjian.needs.models import (
    NeedEvent,
    NeedSummary,
    NeedTally,
)
from lianjian.needs.summary import (
    COUNTED_ACTIONS,
    EVENT_FOLD_FIELDS,
    STATE_FIELDS,
    TALLY_FIGURES,
    TALLY_KEY,
    SummaryState,
    apply_event,
    state_values,
    tally_deltas,
    tally_figures,
    tally_key,
)

logger = logging.getLogger("lianjian.needs")


def _summarize(event: NeedEvent) -> None:
    """Fold the event into the need's summary row, in the caller's transaction.

    Every caller holds the need's row lock (or has just created the need), so
    the read-then-write here cannot interleave with another event of the need.
    """
    if event.action not in COUNTED_ACTIONS:
        return
    if event.action == "submit":
        state = apply_event(SummaryState(need_id=event.need_id), event)
        NeedSummary.objects.create(need_id=event.need_id, **state_values(state))
        _tally_apply(tally_deltas(None, state))
        return
    row = NeedSummary.objects.filter(need_id=event.need_id).first()
    if row is None:
        # a need recorded before summaries existed: rebuild it from its whole history
        needs_summary_rebuild(need_ids=[event.need_id])
        return
    before = SummaryState(need_id=row.pk, **state_values(row))  # type: ignore[arg-type]
    apply_event(row, event)  # type: ignore[arg-type]
    row.save()
    _tally_apply(tally_deltas(before, row))


def _tally_apply(deltas: list[tuple[tuple[Any, ...], dict[str, int]]]) -> None:
    """Add deltas to tally rows in key order (so two transactions never lock them crosswise).

    Tally rows are touched before the audit head in every transition; the one
    transaction with two transitions (rate, then reopen) moves the same key both
    times, so it never waits for a tally row while holding the audit head.
    """
    tally_apply(NeedTally, TALLY_KEY, deltas)


def needs_summary_rebuild(*, need_ids: Iterable[int] | None = None, batch: int = 5000) -> int:
    """Recompute summaries from the event history (all needs, or the given ones).

    For repairs and for data loaded around the services (bench seeding);
    returns how many summaries were written.
    """
    events = NeedEvent.objects.filter(action__in=COUNTED_ACTIONS)
    old: dict[int, SummaryState] = {}
    if need_ids is not None:
        need_ids = list(need_ids)
        events = events.filter(need_id__in=need_ids)
        old = {
            r.pk: SummaryState(need_id=r.pk, **state_values(r))  # type: ignore[arg-type]
            for r in NeedSummary.objects.filter(need_id__in=need_ids)
        }
    rows = events.order_by("need_id", "at", "id").values_list(*EVENT_FOLD_FIELDS, named=True)
    written = 0
    pending: list[NeedSummary] = []
    current: SummaryState | None = None

    def flush() -> None:
        nonlocal written
        NeedSummary.objects.bulk_create(
            pending,
            update_conflicts=True,
            unique_fields=["need"],
            update_fields=list(STATE_FIELDS),
        )
        written += len(pending)
        pending.clear()

    fresh: dict[int, SummaryState] = {}
    for event in rows.iterator(chunk_size=batch):
        if current is None or current.need_id != event.need_id:
            if current is not None:
                pending.append(NeedSummary(need_id=current.need_id, **state_values(current)))
                if need_ids is not None:
                    fresh[current.need_id] = current
                if len(pending) >= batch:
                    flush()
            current = SummaryState(need_id=event.need_id)
        apply_event(current, event)
    if current is not None:
        pending.append(NeedSummary(need_id=current.need_id, **state_values(current)))
        if need_ids is not None:
            fresh[current.need_id] = current
    if pending:
        flush()
    if need_ids is not None:
        # recount the tally rows these needs touch, before and after
        keys = {tally_key(state) for state in (*old.values(), *fresh.values())}
        _tally_recount(sorted(keys, key=lambda k: tuple(map(str, k))))
    if need_ids is None:
        _tally_rebuild()
    return written


def _tally_recount(keys: list[tuple[Any, ...]]) -> None:
    """These tally rows again, exactly, from the summaries that fall under them."""
    for key in keys:
        where = dict(zip(TALLY_KEY, key, strict=True))
        summaries = NeedSummary.objects.filter(
            **{k: (v if k == "channel" else v or None) for k, v in where.items()}
        ).values_list(*STATE_FIELDS, named=True)
        figures = dict.fromkeys(TALLY_FIGURES, 0)
        for row in summaries:
            for name, value in tally_figures(row).items():
                figures[name] += value
        NeedTally.objects.filter(**where).delete()
        if any(figures.values()):
            NeedTally.objects.create(**where, **figures)


def _tally_rebuild() -> None:
    """All tallies again from the summaries (after a full rebuild)."""
    NeedTally.objects.all().delete()
    totals: dict[tuple[Any, ...], dict[str, int]] = {}
    rows = NeedSummary.objects.values_list(*STATE_FIELDS, named=True)
    for row in rows.iterator(chunk_size=5000):
        bucket = totals.setdefault(tally_key(row), dict.fromkeys(TALLY_FIGURES, 0))
        for name, value in tally_figures(row).items():
            bucket[name] += value
    NeedTally.objects.bulk_create(
        [NeedTally(**dict(zip(TALLY_KEY, k, strict=True)), **f) for k, f in totals.items()],
        batch_size=2000,
    )
