"""Progress, delivery, the community's confirmation, and the overdue tick.

The community's confirmation is the fact other apps care about: it publishes
`projects.claim_delivered` (see `events.py`) in the same transaction, so a
points award commits or rolls back with it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.attachments import IMAGES, AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.core.notifications import notify
from lianjian.core.roles import Role
from lianjian.projects.models import (
    OPEN_ITEM_STATUSES,
    Claim,
    ClaimStatus,
    Item,
    ItemStatus,
    Photo,
    Progress,
)
from lianjian.projects.services import (
    ProjectError,
    _user,
    claim_move,
    count,
    event,
    item_move,
    item_sync,
    money,
    text,
)
from lianjian.projects.services_tally import item_tallied
from lianjian.projects.tally import item_figures

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MAX_PHOTOS = 4
ESCALATE_AFTER_DAYS = 7


def _locked(claim: Claim) -> Claim:
    # PostgreSQL locks the item's row too (FOR UPDATE covers the joined rows): row locks
    # first, the report's tally rows after them, the audit head last
    return Claim.objects.select_for_update().select_related("item").get(pk=claim.pk)


def _item_helped(claim: Claim) -> None:
    """A confirmed claim's people helped: the item counts the largest claim's figure,
    from its first confirmed delivery on (`Item.helped_at`), once."""
    item = Item.objects.select_for_update().get(pk=claim.item_id)
    figures = item_figures(item)
    changed = []
    if item.people_helped < claim.people_helped:
        item.people_helped = claim.people_helped
        changed.append("people_helped")
    if item.helped_at is None:
        item.helped_at = claim.confirmed_at
        changed.append("helped_at")
    if changed:
        item.save(update_fields=changed)
        item_tallied(figures, item)


def _save_photos(progress: Progress, files: Iterable[UploadedFile]) -> None:
    try:
        checked = check_attachments(files, max_files=MAX_PHOTOS, accept=IMAGES)
    except AttachmentError as exc:
        raise ProjectError(str(exc), "photos") from None
    for f in checked:
        photo = Photo(
            progress=progress,
            token=secrets.token_hex(16),
            extension=f.extension,
            content_type=f.content_type,
            original_name=f.name,
            size=len(f.data),
        )
        photo.file.save("upload", ContentFile(f.data), save=False)
        photo.save()


def _community_staff(claim: Claim) -> list[User]:
    from lianjian.accounts.models import User

    return list(
        User.objects.filter(
            is_active=True,
            grants__role=Role.COMMUNITY_SECRETARY,
            grants__region_id=claim.community_id or 0,
        ).distinct()
    )


def _claimant_users(claim: Claim) -> list[User]:
    from lianjian.accounts.models import User

    if claim.member_id:
        return [u for u in [claim.member.user] if u is not None]  # type: ignore[union-attr]
    org = claim.party_org
    assert org is not None
    return list(
        User.objects.filter(
            is_active=True,
            grants__role=Role.UNIT_ADMIN,
            # the organization itself or one above it (materialized-path prefixes)
            grants__party_org__path__in=[
                org.path[:n] for n in range(org.steplen, len(org.path) + 1, org.steplen)
            ],
        ).distinct()
    )


@transaction.atomic
def progress_report(
    claim: Claim,
    *,
    text_: str,
    percent: int | str,
    photos: Iterable[UploadedFile] = (),
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Progress:
    """The claimant reports how far the work is, with photos taken on the phone."""
    claim = _locked(claim)
    if claim.status not in (ClaimStatus.CLAIMED, ClaimStatus.IN_PROGRESS):
        raise ProjectError(f"“{claim.get_status_display()}”的认领不能再报进展", "status")
    percent = count(percent, "percent", "进度", 0, 100)
    if percent < claim.percent:
        raise ProjectError(f"进度不能低于上次报告的 {claim.percent}%", "percent")
    body = text(text_, "text", "进展情况", 2000)
    progress = Progress.objects.create(claim=claim, text=body, percent=percent, author=_user(actor))
    _save_photos(progress, photos)
    claim.percent = percent
    if claim.status == ClaimStatus.CLAIMED:
        claim_move(claim, ClaimStatus.IN_PROGRESS, "progress", actor, body[:100])
    else:
        claim.save(update_fields=["percent", "updated_at"])
        event(claim.item, "progress", claim.status, claim.status, actor, body[:100], claim=claim)
    item_sync(claim.item, actor)
    audit_record("project.progress", user=actor, request=request, obj=claim)
    return progress


@transaction.atomic
def claim_deliver(
    claim: Claim,
    *,
    delivered_value: Decimal | int | str,
    value_kind: str,
    people_helped: int | str,
    note: str,
    photos: Iterable[UploadedFile] = (),
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Claim:
    """The claimant reports the work done: value in yuan and people helped."""
    claim = _locked(claim)
    if claim.status == ClaimStatus.DELIVERED:
        return claim
    if claim.status not in (ClaimStatus.CLAIMED, ClaimStatus.IN_PROGRESS):
        raise ProjectError(f"“{claim.get_status_display()}”的认领不能报告交付", "status")
    from lianjian.projects.models import ValueKind

    if value_kind not in ValueKind.values:
        raise ProjectError("价值形式无效", "value_kind")
    claim.delivered_value = money(delivered_value, "delivered_value", "交付价值")
    claim.value_kind = value_kind
    claim.people_helped = count(people_helped, "people_helped", "帮扶人数")
    body = text(note, "note", "交付说明", 2000)
    progress = Progress.objects.create(claim=claim, text=body, percent=100, author=_user(actor))
    _save_photos(progress, photos)
    claim.percent = 100
    claim.delivered_at = timezone.now()
    claim.on_time = timezone.localdate() <= claim.promised_by
    claim.return_reason = ""
    claim_move(claim, ClaimStatus.DELIVERED, "deliver", actor, body[:100])
    item_sync(claim.item, actor)
    audit_record(
        "project.deliver",
        user=actor,
        request=request,
        obj=claim,
        detail={"value": str(claim.delivered_value), "people": claim.people_helped},
    )
    notify(
        _community_staff(claim),
        "认领项目待确认交付",
        f"{claim.claimant_name}：{claim.item.title}",
        f"/projects/{claim.item_id}/",
        kind="projects.delivery",
    )
    return claim


@transaction.atomic
def claim_confirm(
    claim: Claim, *, actor: User | None = None, request: HttpRequest | None = None
) -> Claim:
    """The community confirms a delivery; the item counts it from now on."""
    claim = _locked(claim)
    if claim.status == ClaimStatus.CONFIRMED:
        return claim
    if claim.status != ClaimStatus.DELIVERED:
        raise ProjectError("只能确认已报告交付的认领", "status")
    claim.confirmed_at = timezone.now()
    claim_move(claim, ClaimStatus.CONFIRMED, "confirm", actor)
    _item_helped(claim)
    item_sync(claim.item, actor)
    audit_record("project.confirm", user=actor, request=request, obj=claim)
    notify(
        _claimant_users(claim),
        "交付已确认",
        claim.item.title,
        f"/projects/m/claims/{claim.pk}/",
        kind="projects.delivery",
    )
    publish(
        "projects.claim_delivered",
        claim_id=claim.pk,
        item_id=claim.item_id,
        kind=claim.kind,
        party_org_id=claim.party_org_id,
        member_id=claim.member_id,
        community_id=claim.community_id,
        value=claim.delivered_value,
        people_helped=claim.people_helped,
        on_time=bool(claim.on_time),
        confirmed_at=claim.confirmed_at,
    )
    return claim


@transaction.atomic
def claim_return(
    claim: Claim, *, reason: str, actor: User | None = None, request: HttpRequest | None = None
) -> Claim:
    """The community sends a delivery back with a reason; the claimant works on."""
    claim = _locked(claim)
    if claim.status != ClaimStatus.DELIVERED:
        raise ProjectError("只能退回已报告交付的认领", "status")
    claim.return_reason = text(reason, "reason", "退回原因", 200)
    claim.delivered_at = None
    claim.on_time = None
    claim_move(claim, ClaimStatus.IN_PROGRESS, "return", actor, claim.return_reason)
    item_sync(claim.item, actor)
    audit_record("project.return", user=actor, request=request, obj=claim)
    notify(
        _claimant_users(claim),
        "交付被退回",
        f"{claim.item.title}：{claim.return_reason}",
        f"/projects/m/claims/{claim.pk}/",
        kind="projects.delivery",
    )
    return claim


# ---------------------------------------------------------------- the daily tick


def projects_tick(today: dt.date | None = None) -> dict[str, int]:
    """Remind overdue claimants once a day, escalate to the community after a week of
    being overdue, and expire published items nobody claimed by their date."""
    today = today or timezone.localdate()
    reminded = escalated = expired = 0
    overdue = Claim.objects.filter(
        status__in=(ClaimStatus.CLAIMED, ClaimStatus.IN_PROGRESS), promised_by__lt=today
    ).select_related("item", "member__user", "party_org")
    for claim in overdue.filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today)):
        with transaction.atomic():
            notify(
                _claimant_users(claim),
                "认领项目已超过承诺日期",
                f"{claim.item.title}（承诺 {claim.promised_by:%Y-%m-%d} 完成）",
                f"/projects/m/claims/{claim.pk}/",
                kind="projects.overdue",
            )
            Claim.objects.filter(pk=claim.pk).update(reminded_on=today)
            reminded += 1
    late = today - dt.timedelta(days=ESCALATE_AFTER_DAYS)
    for claim in overdue.filter(promised_by__lt=late, escalated_on__isnull=True):
        with transaction.atomic():
            notify(
                _community_staff(claim),
                "认领项目超期未完成",
                f"{claim.claimant_name}：{claim.item.title}",
                f"/projects/{claim.item_id}/",
                kind="projects.overdue",
            )
            Claim.objects.filter(pk=claim.pk).update(escalated_on=today)
            escalated += 1
    stale = Item.objects.filter(
        status=ItemStatus.PUBLISHED, wanted_by__lt=today, claimed_count=0
    ).filter(status__in=OPEN_ITEM_STATUSES)
    for item in stale:
        with transaction.atomic():
            item_move(item, ItemStatus.EXPIRED, "expire", None)
            expired += 1
    return {"reminded": reminded, "escalated": escalated, "expired": expired}
