"""Notifications: in-app rows first; SMS and e-mail through the task worker with retries.

Every app notifies through `notify` with a kind it declares in its registry
(`NotificationKind`, with the outside channels a user may switch on). The
in-app row is written in the caller's transaction; each outside message is a
`Delivery` row (the delivery log) enqueued for the worker after commit, so a
rollback sends nothing. Someone without an account (a need's submitter) is
reached by `notify_contact`. Backends: `lianjian.core.notify_backends`.

Extension point `core.user_mobile`: callables `user -> mobile or ""`, where
an app that knows a user's mobile (orgs: the member record) offers it for SMS.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from lianjian.core.actors import Actor
from lianjian.core.models import Delivery, Notification, NotificationPreference
from lianjian.core.notify_backends import (  # noqa: F401 (the backends' public names)
    DeliveryError,
    LoggingBackend,
    NotificationBackend,
    shown,
)
from lianjian.core.registry import NotificationKind, extension, notification_kinds

logger = logging.getLogger("lianjian.notifications")

CHANNELS = {"sms": "短信", "email": "电子邮件"}
RETRY_BASE_SECONDS = 30
_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("notify_outside_muted", default=False)


@contextlib.contextmanager
def outside_channels_muted() -> Iterator[None]:
    """In-app rows only (the demo build: its residents and phones are fictitious)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def get_backend(channel: str = "sms") -> NotificationBackend:
    backend: NotificationBackend = import_string(settings.NOTIFICATION_BACKENDS[channel])()
    return backend


def kind_of(key: str) -> NotificationKind | None:
    return notification_kinds().get(key)


def channels_for(users: Sequence[Any], kind: str) -> dict[int, list[str]]:
    """user id -> the outside channels this kind goes to for that user (one query)."""
    declared = kind_of(kind)
    if declared is None or not declared.channels:
        return {}
    prefs: dict[tuple[int, str], bool] = {
        (p["user_id"], p["channel"]): p["enabled"]
        for p in NotificationPreference.objects.filter(
            user__in=[u.pk for u in users], kind=kind
        ).values("user_id", "channel", "enabled")
    }
    out: dict[int, list[str]] = {}
    for u in users:
        out[u.pk] = [
            c for c in declared.channels if prefs.get((u.pk, c), c in declared.default_channels)
        ]
    return out


def user_address(user: Actor, channel: str) -> str:
    if channel == "email":
        return str(user.email or "")
    for lookup in extension("core.user_mobile"):
        mobile = str(lookup(user) or "")
        if mobile:
            return mobile
    return ""


def _template(kind: str) -> str:
    return str(settings.SMS_TEMPLATES.get(kind, ""))


def _delivery(
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    kind: str,
    params: dict[str, Any] | None,
    notification: Notification | None = None,
) -> Delivery:
    return Delivery(
        notification=notification,
        kind=kind,
        channel=channel,
        recipient=recipient,
        recipient_masked=shown(channel, recipient)[:64],
        subject=subject[:200],
        body=body,
        template_id=_template(kind) if channel == "sms" else "",
        params=params or {},
    )


def _enqueue_after_commit(deliveries: list[Delivery]) -> None:
    ids = [d.pk for d in deliveries if d.pk]
    if not ids:
        return

    def enqueue() -> None:
        from lianjian.core.tasks import deliver_task

        for pk in ids:
            deliver_task.enqueue(pk)

    transaction.on_commit(enqueue)


def notify(
    users: Iterable[Any],
    subject: str,
    body: str = "",
    link: str = "",
    *,
    kind: str = "",
    params: dict[str, Any] | None = None,
) -> int:
    """One in-app notification per user now; SMS/e-mail (by preference) after commit.

    `params` fill the SMS template of the kind (`SMS_TEMPLATES`).
    """
    recipients = [u for u in users if u is not None]
    rows = Notification.objects.bulk_create(
        [
            Notification(recipient=u, kind=kind, subject=subject[:200], body=body, link=link)
            for u in recipients
        ]
    )
    channels = {} if _muted.get() else channels_for(recipients, kind)
    deliveries = []
    for user, row in zip(recipients, rows, strict=True):
        for channel in channels.get(user.pk, ()):
            address = user_address(user, channel)
            if address:
                text = f"{body}\n{link}" if link else body
                deliveries.append(
                    _delivery(
                        channel, address, subject, text, kind, params, row if row.pk else None
                    )
                )
    _enqueue_after_commit(Delivery.objects.bulk_create(deliveries))
    return len(recipients)


def notify_contact(
    phone: str, subject: str, body: str = "", *, kind: str, params: dict[str, Any] | None = None
) -> Delivery | None:
    """An SMS to a person without an account (a need's submitter who left a mobile)."""
    phone = (phone or "").strip()
    if not phone or _muted.get():
        return None
    delivery = _delivery("sms", phone, subject, body, kind, params)
    delivery.save()
    _enqueue_after_commit([delivery])
    return delivery


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=RETRY_BASE_SECONDS * 4 ** max(attempts - 1, 0))


def deliver(delivery_id: int) -> str:
    """Try one delivery once (the worker's task); schedule the next try when it fails.

    The try is claimed by a conditional update of `attempts`, so two workers
    never send the same try twice; the send runs outside any transaction.
    """
    row = (
        Delivery.objects.filter(pk=delivery_id, status__in=(Delivery.Status.PENDING, "retry"))
        .only("attempts")
        .first()
    )
    if row is None:
        return "skipped"
    claimed = Delivery.objects.filter(pk=delivery_id, attempts=row.attempts).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    d = Delivery.objects.get(pk=delivery_id)
    try:
        provider_id = get_backend(d.channel).send(
            channel=d.channel,
            recipient=d.recipient,
            subject=d.subject,
            body=d.body,
            template=d.template_id,
            params=d.params,
        )
    except DeliveryError as exc:
        return _failed(d, str(exc), retry=exc.retry)
    except Exception as exc:  # a backend bug must not lose the message silently
        logger.exception("notify backend error delivery=%s", d.pk)
        return _failed(d, f"发送异常：{type(exc).__name__}", retry=True)
    Delivery.objects.filter(pk=d.pk).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        provider_id=provider_id,
        last_error="",
        next_attempt_at=None,
    )
    return "sent"


def _failed(d: Delivery, error: str, *, retry: bool) -> str:
    if not retry or d.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=d.pk).update(
            status=Delivery.Status.FAILED, last_error=error[:300], next_attempt_at=None
        )
        logger.warning(
            "notify failed delivery=%s channel=%s recipient=%s attempts=%s error=%s",
            d.pk,
            d.channel,
            d.recipient_masked,
            d.attempts,
            error,
        )
        return "failed"
    when = timezone.now() + _retry_delay(d.attempts)
    Delivery.objects.filter(pk=d.pk).update(
        status=Delivery.Status.RETRY, last_error=error[:300], next_attempt_at=when
    )
    from lianjian.core.tasks import deliver_task

    if deliver_task.get_backend().supports_defer:
        deliver_task.using(run_after=when).enqueue(d.pk)
    else:  # the immediate backend (tests, no worker): the next try runs now
        deliver_task.enqueue(d.pk)
    return "retry"
