"""Notifications: in-app rows first, SMS/e-mail behind one backend interface."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from lianjian.core.masking import mask

logger = logging.getLogger("lianjian.notifications")


class NotificationBackend(Protocol):
    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None: ...


class LoggingBackend:
    """Default backend: writes the message to the log (redacted) instead of sending it."""

    def send(self, *, channel: str, recipient: str, subject: str, body: str) -> None:
        shown = mask(recipient, "mobile") if channel == "sms" else recipient
        logger.info("notify channel=%s recipient=%s subject=%s", channel, shown, subject)


def get_backend() -> NotificationBackend:
    backend: NotificationBackend = import_string(settings.NOTIFICATION_BACKEND)()
    return backend
