"""A bearer token records its last use once a minute, not on every request."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from lianjian.accounts.models import ApiToken
from lianjian.accounts.services import token_create, token_user


def test_last_use_is_written_once_a_minute(personas, django_assert_num_queries):
    key = token_create(personas.street_staff, "sync")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_assert_num_queries(2):  # the lookup and the first touch
            assert token_user(key) == personas.street_staff
        first = ApiToken.objects.get().last_used_at
        assert first == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        with django_assert_num_queries(1):  # the lookup only
            assert token_user(key) == personas.street_staff
    assert ApiToken.objects.get().last_used_at == first
    later = start + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        with django_assert_num_queries(2):
            assert token_user(key) == personas.street_staff
    assert ApiToken.objects.get().last_used_at == later
