"""A routine 403 or 404 logs one line, not a traceback (an operator's first hour)."""

from __future__ import annotations

import logging

from lianjian.core.logging import QuietClientErrorsFilter


def test_a_routine_403_logs_one_line_without_a_traceback(personas, client_for, caplog):
    client = client_for(personas.outsider)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/audit/").status_code == 403
        assert client.get("/orgs/members/999999/").status_code in {403, 404}
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    assert all(r.exc_info is None and not r.exc_text for r in records)
    assert "Forbidden" in records[0].getMessage()


def test_server_errors_keep_their_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc_info)
    record.status_code = 500
    assert QuietClientErrorsFilter().filter(record)
    assert record.exc_info is exc_info
