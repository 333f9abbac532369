"""Intake: a need recorded from any channel, with triage's proposal and idempotent retries."""

from __future__ import annotations

import importlib
import json
import logging
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from lianjian.core.attachments import AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.crypto import blind_index
from lianjian.core.identifiers import is_valid_mobile, normalize_mobile
from lianjian.core.masking import mask
from lianjian.needs.models import (
    Category,
    Channel,
    Department,
    Need,
    NeedAttachment,
    SubmitterKind,
)
from lianjian.needs.services.configuration import _street_of, route_for
from lianjian.needs.services.errors import (
    MAX_TEXT,
    IdempotencyKeyReused,
    NeedError,
)
from lianjian.needs.services.notifications import (
    _dispatcher_users,
    _link,
    notify_users,
)
from lianjian.needs.services.transitions import (
    _event,
)
from lianjian.orgs.models import Region, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

logger = logging.getLogger("lianjian.needs")


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _tracking_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))


def _propose(text: str, street_id: int | None) -> Any:
    """Ask triage for a proposal; intake never fails because triage is missing or broken."""
    try:
        triage = importlib.import_module("lianjian.needs.triage")
    except ImportError:
        return None
    try:
        return triage.propose(text, street_id)
    except Exception:
        logger.exception("triage propose failed")
        return None


def _schedule_retrain(street_id: int) -> None:
    """Queue the street's triage retraining when due; never fails the dispatch."""
    from lianjian.needs.triage.history import schedule_retrain

    schedule_retrain(street_id)


def triage_retrain_request(
    street: Region, *, actor: User, request: HttpRequest | None = None
) -> bool:
    """Staff ask for retraining now; False when one is already queued for the street."""
    from lianjian.core.audit import audit_record
    from lianjian.needs.triage.history import schedule_retrain

    queued = schedule_retrain(street.pk, force=True)
    audit_record(
        "needs.triage_retrain",
        user=actor,
        request=request,
        obj=street,
        detail={"queued": queued},
    )
    return queued


def _apply_proposal(need: Need, proposal: Any) -> None:
    """Record triage's proposal. The department stays empty: only a dispatch assigns
    one, and with it the handlers' visibility (`access.need_scope_q` reads `department`)."""
    if proposal is None:
        need.proposed_department = route_for(need.street_id, None) if need.street_id else None
        return
    category = None
    if getattr(proposal, "category_id", None):
        category = Category.objects.filter(
            pk=proposal.category_id, street_id=need.street_id, is_active=True
        ).first()
    department = None
    if getattr(proposal, "department_id", None):
        department = Department.objects.filter(
            pk=proposal.department_id, street_id=need.street_id, is_active=True
        ).first()
    if department is None and need.street_id:
        department = route_for(need.street_id, category)
    need.proposed_category = category
    need.proposed_department = department
    need.category = category
    need.proposal_confidence = float(getattr(proposal, "confidence", 0.0) or 0.0)
    need.proposal_source = str(getattr(proposal, "source", "") or "")[:32]


def submission_problems(
    *,
    channel: str,
    text: str,
    submitter_kind: str,
    submitter_name: str,
    contact_phone: str,
    unit: Unit | None = None,
) -> list[NeedError]:
    """Every rule a submission's own fields break, in the order `need_submit` checks them.

    Forms show them all at once (the public form's first submit lists every
    error); `need_submit` refuses with the first.
    """
    problems: list[NeedError] = []
    text = (text or "").strip()
    if channel not in Channel.values:
        problems.append(NeedError("来源渠道无效", "channel"))
    if not text:
        problems.append(NeedError("请填写需求内容", "text"))
    if len(text) > MAX_TEXT:
        problems.append(NeedError(f"需求内容不能超过 {MAX_TEXT} 字", "text"))
    if submitter_kind not in SubmitterKind.values:
        problems.append(NeedError("提出人类型无效", "submitter_kind"))
    phone = normalize_mobile(contact_phone or "")
    if phone and not is_valid_mobile(phone):
        problems.append(NeedError("联系电话应为 11 位手机号码", "contact_phone"))
    if submitter_kind != SubmitterKind.ANONYMOUS and not phone:
        problems.append(NeedError("请留下联系电话，以便答复", "contact_phone"))
    name = (submitter_name or "").strip()
    if submitter_kind == SubmitterKind.UNIT and unit is None and not name:
        problems.append(NeedError("请填写提出单位", "unit"))
    return problems


def need_submit(
    *,
    channel: str,
    text: str,
    region: Region,
    submitter_kind: str,
    submitter_name: str,
    contact_phone: str,
    unit: Unit | None = None,
    attachments: Iterable[Any] = (),
    actor: User | None = None,
    idempotency_key: str | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Record a need from any channel; triage proposes category and department at once.

    With `idempotency_key` (API), a retry returns the first need; the unique
    constraint makes concurrent retries create one row. `need.replayed` says which.
    The same key with a different submission raises `IdempotencyKeyReused`.
    """
    text = (text or "").strip()
    problems = submission_problems(
        channel=channel,
        text=text,
        submitter_kind=submitter_kind,
        submitter_name=submitter_name,
        contact_phone=contact_phone,
        unit=unit,
    )
    if problems:
        raise problems[0]
    phone = normalize_mobile(contact_phone or "")
    street = _street_of(region)
    if unit is not None and unit.street_id != street.pk:
        raise NeedError("提出单位不在该街道", "unit")
    key = (idempotency_key or "").strip()[:100] or None
    if key and actor is None:
        raise NeedError("幂等键只能在登录后使用", "idempotency_key")
    fingerprint = ""
    if key:
        attachments = list(attachments)  # read twice: the fingerprint, then the check
        fingerprint = _fingerprint(
            channel, text, region, submitter_kind, submitter_name, phone, unit, attachments
        )
        existing = Need.objects.filter(created_by=actor, idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
    try:
        files = check_attachments(attachments)
    except AttachmentError as exc:
        raise NeedError(str(exc), "attachments") from exc
    proposal = _propose(text, street.pk)
    try:
        with transaction.atomic():
            need = Need(
                tracking_code=_tracking_code(),
                channel=channel,
                text=text,
                region=region,
                unit=unit,
                submitter_kind=submitter_kind,
                submitter_name=submitter_name.strip()[:50],
                contact_phone=phone,
                created_by=actor if getattr(actor, "pk", None) else None,
                idempotency_key=key,
                idempotency_fingerprint=fingerprint,
                **region.ancestor_ids(),
            )
            if need.street_id is None:
                need.street_id = street.pk
            _apply_proposal(need, proposal)
            need.save()
            for f in files:
                att = NeedAttachment(
                    need=need,
                    token=secrets.token_hex(16),
                    extension=f.extension,
                    content_type=f.content_type,
                    original_name=f.name,
                    size=len(f.data),
                )
                att.file.save("upload", ContentFile(f.data), save=False)
                att.save()
            _event(need, "submit", "", actor, "")
            audit_record(
                "need.submit",
                user=actor if getattr(actor, "pk", None) else None,
                request=request,
                obj=need,
                scope=f"street:{need.street_id}",
                detail={"channel": channel, "phone": mask(phone, "mobile")},
            )
            notify_users(
                _dispatcher_users(need),
                "新需求待派单",
                f"{Channel(channel).label}：{text[:60]}",
                _link(need),
            )
    except IntegrityError:
        if not key:
            raise
        existing = Need.objects.filter(created_by=actor, idempotency_key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    need.replayed = False  # type: ignore[attr-defined]
    return need


def _fingerprint(
    channel: str,
    text: str,
    region: Region,
    submitter_kind: str,
    submitter_name: str,
    phone: str,
    unit: Unit | None,
    attachments: Iterable[Any],
) -> str:
    """A keyed hash of the submission as read (keyed: it holds a phone number)."""
    names = [str(getattr(f, "name", "")) for f in attachments]
    submission = [
        str(channel),
        text,
        region.pk,
        str(submitter_kind),
        submitter_name.strip(),
        phone,
        unit.pk if unit is not None else None,
        names,
    ]
    return blind_index(json.dumps(submission, ensure_ascii=False), "need.idempotency")


def _replay(existing: Need, fingerprint: str) -> Need:
    """The first need for a retried key, unless the key came with another submission."""
    # rows from before fingerprints were stored cannot be compared: replayed as before
    if existing.idempotency_fingerprint and existing.idempotency_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "该幂等键（Idempotency-Key）已用于另一份内容不同的需求："
            "重试请提交与第一次相同的内容，新的需求请换一个键",
            "idempotency_key",
        )
    existing.replayed = True  # type: ignore[attr-defined]
    return existing
