"""A user's own notifications and channel preferences: reads and writes of the inbox.

Every fetch is by the recipient: another user's notification is simply not
found (404), never forbidden (which would confirm that it exists).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from lianjian.core.actors import Actor, Viewer
from lianjian.core.models import Notification, NotificationPreference
from lianjian.core.notifications import CHANNELS, channels_for
from lianjian.core.registry import notification_kinds


def notifications_of(user: Actor, *, unread: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user: Viewer) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_for_user(user: Actor, pk: int) -> Notification:
    found = Notification.objects.filter(pk=pk, recipient_id=user.pk).first()
    if found is None:
        raise Http404("未找到该通知")
    return found


def safe_link(link: str) -> str:
    """The notification's link when it is a path on this site, else "" (never javascript:)."""
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return link
    return ""


def notification_mark_read(user: Actor, pk: int) -> Notification:
    """Mark one of the user's own notifications read (again: no change)."""
    row = notification_for_user(user, pk)
    if row.read_at is None:
        row.read_at = timezone.now()
        Notification.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=row.read_at)
    return row


def notifications_mark_all_read(user: Actor) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preference_rows(user: Actor) -> list[dict[str, Any]]:
    """Each declared kind with the outside channels it offers and whether each is on."""
    kinds = [k for k in notification_kinds().values() if k.channels]
    rows = []
    for kind in sorted(kinds, key=lambda k: k.key):
        on = channels_for([user], kind.key)
        rows.append(
            {
                "key": kind.key,
                "label": kind.label,
                "channels": [
                    {"key": c, "label": CHANNELS.get(c, c), "on": c in on.get(user.pk, [])}
                    for c in kind.channels
                ],
            }
        )
    return rows


@transaction.atomic
def preferences_save(user: Actor, chosen: set[tuple[str, str]]) -> int:
    """Store the user's choice for every declared (kind, channel); returns how many are on."""
    count = 0
    for kind in notification_kinds().values():
        for channel in kind.channels:
            enabled = (kind.key, channel) in chosen
            count += enabled
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind.key, channel=channel, defaults={"enabled": enabled}
            )
    return count
