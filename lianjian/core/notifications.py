"""Notifications: in-app rows first, SMS/e-mail behind one backend interface.

Every app notifies through `notify` with a kind it declares in its registry
(`NotificationKind`); the in-app row is written in the caller's transaction
and the external backend runs after commit, so a rollback sends nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from lianjian.core.masking import mask
from lianjian.core.models import Notification

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


def notify(
    users: Iterable[Any], subject: str, body: str = "", link: str = "", *, kind: str = ""
) -> int:
    """One in-app notification per user now; the external backend after commit."""
    recipients = [u for u in users if u is not None]
    Notification.objects.bulk_create(
        [
            Notification(recipient=u, kind=kind, subject=subject[:200], body=body, link=link)
            for u in recipients
        ]
    )

    def send() -> None:
        backend = get_backend()
        for u in recipients:
            backend.send(channel="inapp", recipient=u.username, subject=subject, body=body)

    transaction.on_commit(send)
    return len(recipients)
