"""Two transactions adding members to one unit at once: the unit's dates count both (PG).

SQLite serializes writers, so the race exists only on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction

from lianjian.orgs.models import Unit
from lianjian.orgs.tests.factories import make_member, make_unit

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,  # concurrent writers need PostgreSQL
]


def test_concurrent_member_writes_to_one_unit_keep_both(tree: Any) -> None:
    unit = make_unit(tree.community_a1, "并发企业")
    first_written, errors = threading.Event(), []

    def first() -> None:
        try:
            with transaction.atomic():
                make_member(tree.org_a1, workplace_unit=unit, joined_on=dt.date(2018, 1, 1))
                first_written.set()
                # hold the transaction open while the second writer runs into the unit
                threading.Event().wait(1.5)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_written.wait(10)
            with transaction.atomic():
                make_member(tree.org_a1, workplace_unit=unit, joined_on=dt.date(2019, 1, 1))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    unit = Unit.objects.get(pk=unit.pk)
    assert unit.member_since == dt.date(2018, 1, 1)  # the first writer's member counts
