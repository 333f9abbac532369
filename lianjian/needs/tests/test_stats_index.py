"""P3: statistics that read summaries are answered by the scope level's covering index alone.

A district's summaries lie all over the table (needs arrive from the whole
city in turn), so at city scale a scan that visits rows reads nearly every
page of it. `needs_sum_<level>_stats_idx` carries every column these
statements read, which lets PostgreSQL answer them with an index-only scan
of one contiguous slice. This test compiles what `need_stats` actually sends
for a window and for past dates, for every dimension, and fails when a
statement on the summaries reads a column the level's index lacks (the scan
would go back to the table for each row). The index definition is read from
the model, so the test runs on SQLite too, which ignores INCLUDE; the
benchmark (`bench/needs_bench.py`) checks the plans on full-size data.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import Field, Index
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianjian.needs.models import NeedSummary
from lianjian.needs.stats import DIMENSIONS, need_stats

LEVELS = [("district_admin", "district"), ("street_staff", "street")]
DAY = dt.timedelta(days=1)
# the statistics that read summary rows rather than tallies, as the page and the API ask
WINDOWS = {
    "this month": lambda now: {"start": now - 10 * DAY},
    "as of a past date": lambda now: {"as_of": now - 30 * DAY},
    "a past window": lambda now: {"start": now - 60 * DAY, "end": now - 30 * DAY},
}


def _summary_statements(user: Any, **kwargs: Any) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        need_stats(user, **kwargs)
    return [q["sql"] for q in captured.captured_queries if '"needs_needsummary"' in q["sql"]]


def _stats_index(level: str) -> Index:
    names = {index.name: index for index in NeedSummary._meta.indexes}
    name = f"needs_sum_{level[:4]}_stats_idx"
    assert name in names, f"NeedSummary has no covering index {name} for {level} statistics"
    return names[name]


def _index_columns(index: Index) -> set[str]:
    columns = set()
    # the INCLUDE columns of a CoveringIndex (PostgreSQL's only, core.indexes)
    for name in (*index.fields, *index.include, *getattr(index, "covering", ())):
        field = NeedSummary._meta.get_field(name)
        assert isinstance(field, Field), name
        columns.add(field.column)
    return columns


@pytest.mark.parametrize("window", sorted(WINDOWS))
@pytest.mark.parametrize("dimension", sorted(DIMENSIONS))
@pytest.mark.parametrize(("persona", "level"), LEVELS)
def test_summary_statistics_read_only_the_covering_index(
    world: Any, personas: Any, submit: Any, persona: str, level: str, dimension: str, window: str
) -> None:
    submit()
    kwargs = WINDOWS[window](timezone.now())
    statements = _summary_statements(getattr(personas, persona), dimension=dimension, **kwargs)
    assert statements, "these statistics no longer read the summaries: update the test"
    index = _stats_index(level)
    assert index.fields[0] == level, index.fields
    covered = _index_columns(index)
    for sql in statements:
        # the statement is scoped on the index's leading column, so its slice answers it
        assert f'"needs_needsummary"."{level}_id" = ' in sql, sql
        read = set(re.findall(r'"needs_needsummary"\."(\w+)"', sql))
        assert read <= covered, f"{index.name} lacks {sorted(read - covered)} read by\n{sql}"
        # one range of the slice each: an OR of ranges makes PostgreSQL read all of it
        assert " OR " not in sql, sql
    if "start" in kwargs:
        # a window reads the summaries that moved since its start, not the whole scope
        assert any('"needs_needsummary"."last_event_at" >= ' in sql for sql in statements)


def test_a_window_reads_what_moved_since_its_start_and_counts_overdue_over_all(
    world: Any, personas: Any, submit: Any, tree: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The present from a start date equals one scan of every summary in scope."""
    from lianjian.needs import stats
    from lianjian.needs.tests.test_stats_as_of import _random_history, at

    _random_history(world, personas, submit, tree, seed=3)
    starts = [at(8), at(12), at(16)]
    # needs that moved before a start still count as overdue (deadlines are long past)
    for start in starts:
        old = NeedSummary.objects.filter(last_event_at__lt=start)
        assert old.exists() and NeedSummary.objects.filter(last_event_at__gte=start).exists()
    assert old.filter(status__in=("dispatched", "accepted", "transferred", "reopened")).exists()
    # a row whose last event was never recorded is read too
    unset = NeedSummary.objects.filter(first_dispatched_at__gte=at(12)).order_by("pk").first()
    assert unset is not None
    NeedSummary.objects.filter(pk=unset.pk).update(last_event_at=None)
    users = [personas.district_admin, personas.street_staff, personas.secretary_a1]
    users.append(personas.dept_handler)
    windows = [(start, None) for start in starts] + [(at(8), at(14))]
    fast = {
        (user.username, dim, w): need_stats(user, dimension=dim, start=w[0], end=w[1])
        for user in users
        for dim in DIMENSIONS
        for w in windows
    }
    assert any(row["overdue"] for rows in fast.values() for row in rows)

    def every_summary(user: Any, dimension: str, *args: Any) -> dict[Any, dict[str, Any]]:
        summaries = stats.summaries_visible_to(user)
        return stats._tally_summaries(summaries, DIMENSIONS[dimension], *args)

    monkeypatch.setattr(stats, "_tally_window", every_summary)
    for user in users:
        for dim in DIMENSIONS:
            for w in windows:
                rows = need_stats(user, dimension=dim, start=w[0], end=w[1])
                assert fast[(user.username, dim, w)] == rows, (user.username, dim, w)
