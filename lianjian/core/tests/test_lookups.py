"""The `__any` lookup: the same rows as `__in`, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from lianjian.accounts.models import Grant, User


@pytest.mark.django_db
def test_any_matches_the_same_rows_as_in() -> None:
    users = [User.objects.create(username=f"any{i}") for i in range(5)]
    wanted = [users[0].pk, users[3].pk, 10**9]
    assert set(User.objects.filter(pk__any=wanted)) == set(User.objects.filter(pk__in=wanted))
    assert set(User.objects.filter(pk__any=wanted)) == {users[0], users[3]}
    assert not User.objects.filter(pk__any=[]).exists()
    # a foreign key's column, as the statistics use it (`need_id__any`)
    Grant.objects.create(user=users[3], role="street_staff")
    assert list(Grant.objects.filter(user_id__any=wanted).values_list("user_id", flat=True)) == [
        users[3].pk
    ]
    # one parameter on PostgreSQL, however long the list
    _sql, params = User.objects.filter(pk__any=list(range(3000))).query.sql_with_params()
    expected = 1 if connection.vendor == "postgresql" else 3000
    assert len(params) == expected
