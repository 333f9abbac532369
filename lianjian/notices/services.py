"""Writes on notices: publish, pin, withdraw, read; each audited, each refusing bad input
with a Chinese message."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.attachments import AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.notifications import notify
from lianjian.notices.models import Notice, NoticeAttachment, NoticeAudience, NoticeRead
from lianjian.notices.selectors import PUBLISH, may_manage, orgs_of, recipients_of
from lianjian.orgs.access import regions_visible_to
from lianjian.orgs.models import PartyOrg, Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MAX_TITLE = 120
MAX_BODY = 20_000


class NoticeError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _link(notice: Notice) -> str:
    return f"/notices/{notice.pk}/"


@transaction.atomic
def notice_publish(
    *,
    actor: User,
    title: str,
    body: str,
    region: Region,
    orgs: Iterable[PartyOrg] = (),
    publish_at: dt.datetime | None = None,
    expire_at: dt.datetime | None = None,
    pinned: bool = False,
    attachments: Iterable[Any] = (),
    audiences: Iterable[str] = (),
    idempotency_key: str | None = None,
    request: HttpRequest | None = None,
) -> Notice:
    """Publish to `region`'s subtree (inside the actor's scope), optionally narrowed to
    organizations there; recipients are notified in-app when it is live."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise NoticeError("请填写标题", "title")
    if len(title) > MAX_TITLE:
        raise NoticeError(f"标题不能超过 {MAX_TITLE} 字", "title")
    if not body:
        raise NoticeError("请填写正文", "body")
    if len(body) > MAX_BODY:
        raise NoticeError(f"正文不能超过 {MAX_BODY} 字", "body")
    if not regions_visible_to(actor, PUBLISH).filter(pk=region.pk).exists():
        raise NoticeError("发布范围不在您的管辖范围内", "region")
    orgs = list(orgs)
    path = Region.objects.values_list("path", flat=True).get(pk=region.pk)
    inside = PartyOrg.objects.filter(pk__in=[o.pk for o in orgs], region__path__startswith=path)
    if inside.count() != len({o.pk for o in orgs}):
        raise NoticeError("限定的党组织须在发布范围之内", "orgs")
    now = timezone.now()
    publish_at = publish_at or now
    if expire_at is not None and expire_at <= publish_at:
        raise NoticeError("截止时间应晚于发布时间", "expire_at")
    try:
        checked = check_attachments(attachments)
    except AttachmentError as exc:
        raise NoticeError(str(exc), "attachments") from exc
    key = (idempotency_key or "").strip()[:100] or None
    if key:
        existing = Notice.objects.filter(publisher=actor, idempotency_key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                title=title,
                body=body,
                region=region,
                publisher=actor,
                publish_at=publish_at,
                expire_at=expire_at,
                pinned=pinned,
                idempotency_key=key,
                **region.ancestor_ids(),
            )
    except IntegrityError:  # the same key sent twice at once: the first one won
        return Notice.objects.get(publisher=actor, idempotency_key=key)
    notice.orgs.set(orgs)
    NoticeAudience.objects.bulk_create(
        [NoticeAudience(notice=notice, token=t[:64]) for t in sorted(set(audiences)) if t]
    )
    for f in checked:
        att = NoticeAttachment(
            notice=notice,
            token=secrets.token_hex(16),
            extension=f.extension,
            content_type=f.content_type,
            original_name=f.name,
            size=len(f.data),
        )
        att.file.save("upload", ContentFile(f.data), save=False)
        att.save()
    audit_record(
        "notice.publish",
        user=actor,
        request=request,
        obj=notice,
        scope=f"region:{region.pk}",
        detail={"title": title[:60], "orgs": [o.pk for o in orgs], "files": len(checked)},
    )
    if publish_at <= now:
        recipients = recipients_of(notice).exclude(pk=actor.pk)
        notify(recipients, f"通知公告：{title[:60]}", "", _link(notice), kind="notices.published")
    return notice


def _managed(actor: User, notice: Notice) -> None:
    if not may_manage(actor, notice):
        raise NoticeError("您不能管理这条通知")


@transaction.atomic
def notice_set_pinned(
    notice: Notice, *, actor: User, pinned: bool, request: HttpRequest | None = None
) -> Notice:
    _managed(actor, notice)
    if notice.pinned != pinned:
        notice.pinned = pinned
        notice.save(update_fields=["pinned", "updated_at"])
        audit_record(
            "notice.pin", user=actor, request=request, obj=notice, detail={"pinned": pinned}
        )
    return notice


@transaction.atomic
def notice_withdraw(notice: Notice, *, actor: User, request: HttpRequest | None = None) -> Notice:
    _managed(actor, notice)
    if notice.status != Notice.Status.WITHDRAWN:
        notice.status = Notice.Status.WITHDRAWN
        notice.withdrawn_at = timezone.now()
        notice.save(update_fields=["status", "withdrawn_at", "updated_at"])
        audit_record("notice.withdraw", user=actor, request=request, obj=notice)
    return notice


def notice_mark_read(notice: Notice, *, user: User) -> bool:
    """Record the first reading (True) — again: nothing changes (False)."""
    if notice.status != Notice.Status.PUBLISHED:
        return False
    org_ids = sorted(orgs_of(user))
    _, created = NoticeRead.objects.get_or_create(
        notice=notice,
        user=user,
        defaults={"read_at": timezone.now(), "party_org_id": org_ids[0] if org_ids else None},
    )
    return created
