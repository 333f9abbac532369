"""Writing and verifying the audit chain (QUALITY.md S11, S12).

`audit_record` must run inside the business transaction it describes: it
locks the chain head, so if the audit write fails the change rolls back too.

Every row written while a request runs carries that request's client
address, also when the service writing it was given no request (registry
and work-order services take an actor, not a request): `AuditContextMiddleware`
keeps the address in a request-local context for the request's duration.

The head is signed with the audit key, so a head rewritten to fit a shortened
chain fails `audit_verify`; a chain emptied together with its head looks like
a fresh one, which only a checkpoint kept outside the database can tell
(`audit_anchor` prints one, `audit_verify(checkpoint=...)` checks against it).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from lianjian.core.actors import Viewer
from lianjian.core.logging import redact
from lianjian.core.models import AuditEvent, AuditHead


def client_ip(request: HttpRequest | None) -> str:
    """The client address for audit, rate limits and lockouts: one rule for all three.

    Behind the reverse proxy (`BEHIND_PROXY`), and only when the request comes
    from one of `TRUSTED_PROXIES` (default: this machine, where nginx runs),
    X-Forwarded-For is read from the right: hops that are trusted proxies
    themselves are skipped and the first other address is the client. Hops
    to its left were written by the client and are never trusted. A request
    from anywhere else, or a hop that is not an address, is its REMOTE_ADDR.
    """
    if request is None:
        return ""
    remote = str(request.META.get("REMOTE_ADDR", ""))[:64]
    if not getattr(settings, "BEHIND_PROXY", False):
        return remote
    trusted = _networks(tuple(str(n) for n in getattr(settings, "TRUSTED_PROXIES", ())))
    if not _in(remote, trusted):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if _address(hop) is None:
            return remote
        if not _in(hop, trusted):
            return hop[:64]
    return remote


@functools.lru_cache(maxsize=8)
def _networks(
    values: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _in(value: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    address = _address(value)
    return address is not None and any(address in n for n in networks)


# the client address of the request being served (AuditContextMiddleware), for rows
# written by services that were given no request
_SOURCE_IP: ContextVar[str] = ContextVar("audit_source_ip", default="")


class AuditContextMiddleware:
    """Every audit row written during a request carries its client address (S11).

    Pages and the API alike: it runs first, before anything that may audit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _SOURCE_IP.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _SOURCE_IP.reset(token)


def _scope_of(user: Viewer | None) -> str:
    """The acting user's grants, e.g. `street_staff@虹桥街道`: the scope the action ran under."""
    if user is None or user.pk is None or not hasattr(user, "grants"):
        return ""
    grants = getattr(user, "_lianjian_grants", None)
    if grants is None:
        grants = list(user.grants.select_related("region", "party_org", "unit"))
    parts = []
    for g in grants:
        target = g.region or g.party_org or g.unit or g.department_key or "-"
        parts.append(f"{g.role}@{target}")
    return ";".join(parts)


def _row_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hmac.new(
        settings.AUDIT_HMAC_KEY, (prev_hash + payload).encode(), hashlib.sha256
    ).hexdigest()


def _head_signature(seq: int, last_hash: str) -> str:
    """The head's HMAC; its message cannot collide with a row digest's (those start with a hash)."""
    message = f"audit-head|{seq}|{last_hash}".encode()
    return hmac.new(settings.AUDIT_HMAC_KEY, message, hashlib.sha256).hexdigest()


def _chained_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "user_id": event.user_id_value,
        "username": event.username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "scope": event.scope,
        "source_ip": event.source_ip,
        "result": event.result,
        "detail": event.detail,
    }


# who acts when no person does (the demo builder, the needs tick): named in the trail
_SYSTEM_ACTOR: ContextVar[str] = ContextVar("audit_system_actor", default="")


@contextmanager
def system_actor(name: str) -> Iterator[None]:
    """Events written inside this block without a user are recorded under `name`."""
    token = _SYSTEM_ACTOR.set(name)
    try:
        yield
    finally:
        _SYSTEM_ACTOR.reset(token)


def audit_record(
    action: str,
    *,
    user: Viewer | None = None,
    request: HttpRequest | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    scope: str = "",
    result: str = AuditEvent.Result.SUCCESS,
    detail: dict[str, Any] | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one event to the chain."""
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    clean_detail = json.loads(redact(json.dumps(detail or {}, ensure_ascii=False, default=str)))
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=timezone.now().replace(microsecond=0),
            user_id_value=getattr(user, "pk", None),
            username=(getattr(user, "username", "") or username or _SYSTEM_ACTOR.get())[:150],
            action=action,
            object_type=object_type[:64],
            object_id=str(object_id)[:64],
            scope=(scope or _scope_of(user))[:200],
            source_ip=client_ip(request) if request is not None else _SOURCE_IP.get(),
            result=result,
            detail=clean_detail,
            prev_hash=head.last_hash,
        )
        event.row_hash = _row_digest(event.prev_hash, _chained_fields(event))
        event.save(force_insert=True)
        AuditHead.objects.filter(id=1).update(
            seq=event.seq,
            last_hash=event.row_hash,
            signature=_head_signature(event.seq, event.row_hash),
        )
    return event


CHECKPOINT_PREFIX = "LJAUDIT1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read or whose signature is wrong."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed (seq, row hash, time) of the chain, kept by the operator outside the database."""

    seq: int
    row_hash: str
    at: str  # UTC, ISO 8601 with a Z
    mac: str

    @staticmethod
    def sign(seq: int, row_hash: str, at: str) -> str:
        message = f"audit-checkpoint|{seq}|{row_hash}|{at}".encode()
        return hmac.new(settings.AUDIT_HMAC_KEY, message, hashlib.sha256).hexdigest()

    def text(self) -> str:
        return (
            f"{CHECKPOINT_PREFIX} seq={self.seq} hash={self.row_hash} at={self.at} mac={self.mac}"
        )


def parse_checkpoint(text: str) -> Checkpoint:
    """Read a checkpoint line (the first `LJAUDIT1 ...` line of `text`) and check its signature."""
    line = next(
        (ln.strip() for ln in text.splitlines() if ln.strip().startswith(CHECKPOINT_PREFIX)), ""
    )
    fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
    try:
        seq = int(fields["seq"])
        row_hash, at, mac = fields["hash"], fields["at"], fields["mac"]
    except (KeyError, ValueError) as exc:
        raise CheckpointError(
            f"检查点格式不对：应为 {CHECKPOINT_PREFIX} seq=… hash=… at=… mac=…"
        ) from exc
    if seq < 1 or len(row_hash) != 64:
        raise CheckpointError("检查点格式不对：序号或哈希无效")
    if not hmac.compare_digest(mac, Checkpoint.sign(seq, row_hash, at)):
        raise CheckpointError("检查点签名无效：不是用本系统的审计密钥生成的，或已被改动")
    return Checkpoint(seq, row_hash, at, mac)


def audit_anchor(using: str = "default") -> Checkpoint:
    """A signed checkpoint of the chain's current head, to keep outside the database."""
    head = AuditHead.objects.using(using).filter(id=1).first()
    if head is None or head.seq < 1:
        raise CheckpointError("审计链还没有记录，无需锚定")
    at = timezone.now().astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Checkpoint(head.seq, head.last_hash, at, Checkpoint.sign(head.seq, head.last_hash, at))


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""
    checkpoint_seq: int | None = None


def audit_verify(using: str = "default", checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Walk the chain in order; report the first row whose link or digest is wrong.

    Then the head: it must be signed and name the last row. With a checkpoint,
    the chain must still hold the checkpoint's row unchanged (not shortened below it).
    """
    prev = "0" * 64
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"第 {expected_seq} 条记录缺失")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "与前一条记录的链接不符")
        if _row_digest(prev, _chained_fields(event)) != event.row_hash:
            return VerifyResult(False, checked, event.seq, "记录内容被改动")
        if checkpoint is not None and event.seq == checkpoint.seq:
            if not hmac.compare_digest(event.row_hash, checkpoint.row_hash):
                return VerifyResult(False, checked, event.seq, "与检查点不符：该条记录已被替换")
        prev = event.row_hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.using(using).filter(id=1).first()
    if head is None:
        if checked:
            return VerifyResult(False, checked, checked + 1, "链头记录缺失")
    elif not hmac.compare_digest(head.signature, _head_signature(head.seq, head.last_hash)):
        return VerifyResult(False, checked, checked + 1, "链头签名不符：链头被改写")
    elif head.seq > checked:
        return VerifyResult(False, checked, checked + 1, "链尾记录缺失")
    elif head.seq != checked or head.last_hash != prev:
        return VerifyResult(False, checked, head.seq + 1, "链头与末条记录不符")
    if checkpoint is not None and checked < checkpoint.seq:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"审计链比检查点短：检查点在第 {checkpoint.seq} 条，库中只有 {checked} 条（记录被截断）",
        )
    return VerifyResult(True, checked, checkpoint_seq=checkpoint.seq if checkpoint else None)
