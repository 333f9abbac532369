"""The default notification backend never logs a full mobile number (S13)."""

from __future__ import annotations

import logging

from lianjian.core.notify_backends import LoggingBackend


def test_logging_backend_masks_sms_recipient(caplog):
    with caplog.at_level(logging.INFO, logger="lianjian.notifications"):
        LoggingBackend().send(channel="sms", recipient="13912345678", subject="办理结果", body="")
    text = " ".join(r.getMessage() for r in caplog.records)
    assert "13912345678" not in text
    assert "139****5678" in text
