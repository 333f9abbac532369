"""Writes on needs: configuration, intake, the work-order state machine, ticks.

Pages, the API, the public form, commands and the demo all call these; each
validates, writes a `NeedEvent` for every transition and an audit row in the
same transaction, and refuses bad input with a Chinese message.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.core.attachments import AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.crypto import blind_index
from lianjian.core.identifiers import is_valid_mobile, normalize_mobile
from lianjian.core.masking import mask
from lianjian.core.notifications import notify, notify_contact
from lianjian.core.registry import role_permissions
from lianjian.core.roles import Role
from lianjian.needs import workdays
from lianjian.needs.access import department_ids_of, needs_visible_to
from lianjian.needs.calendar.services import calendar_day_set  # noqa: F401 (its old home)
from lianjian.needs.models import (
    AWAITING_REPLY,
    EVENT_ACTION_LABELS,
    Callback,
    Category,
    Channel,
    Department,
    Need,
    NeedAttachment,
    NeedEvent,
    NeedSummary,
    NeedTally,
    Rating,
    ServiceItem,
    ServiceStation,
    Status,
    StreetSettings,
    SubmitterKind,
    TriageCorrection,
)
from lianjian.needs.selectors import department_open_count
from lianjian.needs.summary import (
    COUNTED_ACTIONS,
    EVENT_FOLD_FIELDS,
    STATE_FIELDS,
    TALLY_FIGURES,
    TALLY_KEY,
    SummaryState,
    apply_event,
    state_values,
    tally_deltas,
    tally_figures,
    tally_key,
)
from lianjian.orgs.models import Region, Unit

logger = logging.getLogger("lianjian.needs")

CONFLICT_MESSAGE = "该需求已被他人处理，请刷新后重试"
MAX_TEXT = 2000


class NeedError(ValueError):
    """Refused need write; `message` is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IdempotencyKeyReused(NeedError):
    """The Idempotency-Key came before with a different submission (the API answers 422)."""


class NeedConflict(NeedError):
    """Someone else changed the need since the caller loaded it."""


# ---------------------------------------------------------------- state machine

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset({Status.DISPATCHED, Status.REJECTED, Status.MERGED}),
    Status.DISPATCHED: frozenset(
        {Status.ACCEPTED, Status.REPLIED, Status.RETURNED, Status.TRANSFERRED}
    ),
    Status.TRANSFERRED: frozenset(
        {Status.ACCEPTED, Status.REPLIED, Status.RETURNED, Status.TRANSFERRED}
    ),
    Status.ACCEPTED: frozenset({Status.REPLIED, Status.RETURNED, Status.TRANSFERRED}),
    Status.RETURNED: frozenset({Status.DISPATCHED, Status.REJECTED, Status.MERGED}),
    Status.REOPENED: frozenset(
        {Status.ACCEPTED, Status.REPLIED, Status.RETURNED, Status.TRANSFERRED, Status.DISPATCHED}
    ),
    Status.REPLIED: frozenset({Status.RATED, Status.CLOSED}),
    Status.RATED: frozenset({Status.REOPENED, Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.MERGED: frozenset(),
    Status.REJECTED: frozenset(),
}

# action → (target status, label, who may do it)
ACTIONS: dict[str, tuple[str, str, str]] = {
    "dispatch": (Status.DISPATCHED, EVENT_ACTION_LABELS["dispatch"], "dispatcher"),
    "reject": (Status.REJECTED, EVENT_ACTION_LABELS["reject"], "dispatcher"),
    "merge": (Status.MERGED, EVENT_ACTION_LABELS["merge"], "dispatcher"),
    "close": (Status.CLOSED, EVENT_ACTION_LABELS["close"], "dispatcher"),
    "accept": (Status.ACCEPTED, EVENT_ACTION_LABELS["accept"], "handler"),
    "reply": (Status.REPLIED, EVENT_ACTION_LABELS["reply"], "handler"),
    "return": (Status.RETURNED, EVENT_ACTION_LABELS["return"], "handler"),
    "transfer": (Status.TRANSFERRED, EVENT_ACTION_LABELS["transfer"], "handler_or_dispatcher"),
    "rate": (Status.RATED, EVENT_ACTION_LABELS["rate"], "submitter_or_staff"),
    "reopen": (Status.REOPENED, EVENT_ACTION_LABELS["reopen"], "system"),
}


def _now() -> dt.datetime:
    return timezone.now()


def _check_actor(need: Need, kind: str, actor: Any) -> None:
    """The actor's role and scope for this action; raises NeedError (refusal, nothing written)."""
    if kind == "system" or (actor is None and kind in {"submitter_or_staff"}):
        return
    if actor is None:
        raise NeedError("需要登录后操作")
    can_dispatch = needs_visible_to(actor, "needs.dispatch").filter(pk=need.pk).exists()
    can_handle = bool(need.department_id) and need.department_id in department_ids_of(
        actor, "needs.handle"
    )
    allowed = {
        "dispatcher": can_dispatch,
        "handler": can_handle,
        "handler_or_dispatcher": can_dispatch or can_handle,
        "submitter_or_staff": can_dispatch
        or needs_visible_to(actor, "needs.intake").filter(pk=need.pk).exists(),
    }[kind]
    if not allowed:
        raise NeedError("您没有处理该需求的权限")


def _event(need: Need, action: str, from_status: str, actor: Any, note: str, **extra: Any) -> None:
    event = NeedEvent.objects.create(
        need=need,
        action=action,
        from_status=from_status,
        to_status=need.status,
        actor=actor if getattr(actor, "pk", None) else None,
        at=_now(),
        note=note[:MAX_TEXT],
        channel=need.channel,
        department_id=need.department_id,
        category_id=need.category_id,
        deadline=need.deadline,
        district_id=need.district_id,
        street_id=need.street_id,
        community_id=need.community_id,
        area_id=need.area_id,
        **extra,
    )
    _summarize(event)


def _summarize(event: NeedEvent) -> None:
    """Fold the event into the need's summary row, in the caller's transaction.

    Every caller holds the need's row lock (or has just created the need), so
    the read-then-write here cannot interleave with another event of the need.
    """
    if event.action not in COUNTED_ACTIONS:
        return
    if event.action == "submit":
        state = apply_event(SummaryState(need_id=event.need_id), event)
        NeedSummary.objects.create(need_id=event.need_id, **state_values(state))
        _tally_apply(tally_deltas(None, state))
        return
    row = NeedSummary.objects.filter(need_id=event.need_id).first()
    if row is None:
        # a need recorded before summaries existed: rebuild it from its whole history
        needs_summary_rebuild(need_ids=[event.need_id])
        return
    before = SummaryState(need_id=row.pk, **state_values(row))  # type: ignore[arg-type]
    apply_event(row, event)  # type: ignore[arg-type]
    row.save()
    _tally_apply(tally_deltas(before, row))


def _tally_apply(deltas: list[tuple[tuple[Any, ...], dict[str, int]]]) -> None:
    """Add deltas to tally rows in key order (so two transactions never lock them crosswise).

    Tally rows are touched before the audit head in every transition; the one
    transaction with two transitions (rate, then reopen) moves the same key both
    times, so it never waits for a tally row while holding the audit head.
    """
    for key, delta in deltas:
        where = dict(zip(TALLY_KEY, key, strict=True))
        bump = {name: F(name) + value for name, value in delta.items()}
        if NeedTally.objects.filter(**where).update(**bump):
            continue
        try:
            with transaction.atomic():
                NeedTally.objects.create(**where, **delta)
        except IntegrityError:  # created concurrently: it exists now
            NeedTally.objects.filter(**where).update(**bump)


def needs_summary_rebuild(*, need_ids: Iterable[int] | None = None, batch: int = 5000) -> int:
    """Recompute summaries from the event history (all needs, or the given ones).

    For repairs and for data loaded around the services (bench seeding);
    returns how many summaries were written.
    """
    events = NeedEvent.objects.filter(action__in=COUNTED_ACTIONS)
    old: dict[int, SummaryState] = {}
    if need_ids is not None:
        need_ids = list(need_ids)
        events = events.filter(need_id__in=need_ids)
        old = {
            r.pk: SummaryState(need_id=r.pk, **state_values(r))  # type: ignore[arg-type]
            for r in NeedSummary.objects.filter(need_id__in=need_ids)
        }
    rows = events.order_by("need_id", "at", "id").values_list(*EVENT_FOLD_FIELDS, named=True)
    written = 0
    pending: list[NeedSummary] = []
    current: SummaryState | None = None

    def flush() -> None:
        nonlocal written
        NeedSummary.objects.bulk_create(
            pending,
            update_conflicts=True,
            unique_fields=["need"],
            update_fields=list(STATE_FIELDS),
        )
        written += len(pending)
        pending.clear()

    fresh: dict[int, SummaryState] = {}
    for event in rows.iterator(chunk_size=batch):
        if current is None or current.need_id != event.need_id:
            if current is not None:
                pending.append(NeedSummary(need_id=current.need_id, **state_values(current)))
                if need_ids is not None:
                    fresh[current.need_id] = current
                if len(pending) >= batch:
                    flush()
            current = SummaryState(need_id=event.need_id)
        apply_event(current, event)
    if current is not None:
        pending.append(NeedSummary(need_id=current.need_id, **state_values(current)))
        if need_ids is not None:
            fresh[current.need_id] = current
    if pending:
        flush()
    if need_ids is not None:
        # recount the tally rows these needs touch, before and after
        keys = {tally_key(state) for state in (*old.values(), *fresh.values())}
        _tally_recount(sorted(keys, key=lambda k: tuple(map(str, k))))
    if need_ids is None:
        _tally_rebuild()
    return written


def _tally_recount(keys: list[tuple[Any, ...]]) -> None:
    """These tally rows again, exactly, from the summaries that fall under them."""
    for key in keys:
        where = dict(zip(TALLY_KEY, key, strict=True))
        summaries = NeedSummary.objects.filter(
            **{k: (v if k == "channel" else v or None) for k, v in where.items()}
        ).values_list(*STATE_FIELDS, named=True)
        figures = dict.fromkeys(TALLY_FIGURES, 0)
        for row in summaries:
            for name, value in tally_figures(row).items():
                figures[name] += value
        NeedTally.objects.filter(**where).delete()
        if any(figures.values()):
            NeedTally.objects.create(**where, **figures)


def _tally_rebuild() -> None:
    """All tallies again from the summaries (after a full rebuild)."""
    NeedTally.objects.all().delete()
    totals: dict[tuple[Any, ...], dict[str, int]] = {}
    rows = NeedSummary.objects.values_list(*STATE_FIELDS, named=True)
    for row in rows.iterator(chunk_size=5000):
        bucket = totals.setdefault(tally_key(row), dict.fromkeys(TALLY_FIGURES, 0))
        for name, value in tally_figures(row).items():
            bucket[name] += value
    NeedTally.objects.bulk_create(
        [NeedTally(**dict(zip(TALLY_KEY, k, strict=True)), **f) for k, f in totals.items()],
        batch_size=2000,
    )


def _locked(need_id: int) -> Need | None:
    """The need with its row lock held to the end of the caller's transaction.

    Services that check or compute from the need's state (deadline, department,
    status) read it through this, so no concurrent transition can slip in
    between their check and `_transition` (which then re-reads the same row).
    """
    return Need.objects.select_for_update().filter(pk=need_id).first()


def _transition(
    need_id: int,
    action: str,
    *,
    actor: Any,
    expected_version: int | None,
    note: str = "",
    request: HttpRequest | None = None,
    changes: dict[str, Any] | None = None,
    event_extra: dict[str, Any] | None = None,
    check_actor: bool = True,
) -> Need:
    """The one transition function: lock, check version, table, actor; apply; history; audit.

    Must run inside a transaction (the public wrappers are atomic).
    """
    target, label, kind = ACTIONS[action]
    need = _locked(need_id)
    if need is None:
        raise NeedError("未找到该需求")
    if expected_version is not None and need.version != expected_version:
        raise NeedConflict(CONFLICT_MESSAGE)
    if target not in ALLOWED_TRANSITIONS[need.status]:
        raise NeedError(f"需求当前状态为“{Status(need.status).label}”，不能{label}")
    if check_actor:
        _check_actor(need, kind, actor)
    from_status = need.status
    for field, value in (changes or {}).items():
        setattr(need, field, value)
    need.status = target
    need.version += 1
    # the lock makes this safe; the version filter makes a lost update impossible anyway
    fields = {f: getattr(need, f) for f in (changes or {})}
    updated = Need.objects.filter(pk=need.pk, version=need.version - 1).update(
        status=need.status, version=need.version, updated_at=_now(), **fields
    )
    if updated != 1:
        raise NeedConflict(CONFLICT_MESSAGE)
    _event(need, action, from_status, actor, note, **(event_extra or {}))
    audit_record(
        f"need.{action}",
        user=actor if getattr(actor, "pk", None) else None,
        request=request,
        obj=need,
        scope=f"street:{need.street_id}",
        detail={"from": from_status, "to": need.status},
    )
    return need


# ---------------------------------------------------------------- notifications


def _dispatcher_users(need: Need) -> list[User]:
    roles = [r for r, perms in role_permissions().items() if "needs.dispatch" in perms]
    return list(
        User.objects.filter(
            is_active=True,
            grants__role__in=roles,
            grants__region_id__in=[r for r in (need.street_id, need.district_id) if r is not None],
        ).distinct()
    )


def _street_staff(need: Need) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, grants__role=Role.STREET_STAFF, grants__region_id=need.street_id or 0
        ).distinct()
    )


def _handlers(department_id: int | None) -> list[User]:
    if not department_id:
        return []
    key = Department.objects.filter(pk=department_id).values_list("key", flat=True).first()
    return list(
        User.objects.filter(
            is_active=True, grants__role=Role.DEPT_HANDLER, grants__department_key=key
        ).distinct()
    )


def notify_users(users: Iterable[User], subject: str, body: str, link: str = "") -> int:
    return notify(users, subject, body, link, kind="needs")


def _notify_submitter(need: Need, subject: str, body: str, kind: str = "needs.replied") -> None:
    """An SMS to a submitter who left a mobile (the worker sends it; kinds in registry.py)."""
    notify_contact(
        need.contact_phone, subject, body, kind=kind, params={"code": need.tracking_code}
    )


def _link(need: Need) -> str:
    return f"/needs/{need.pk}/"


# ---------------------------------------------------------------- configuration


def _street_of(region: Region) -> Region:
    if region.level == Region.Level.STREET:
        return region
    if region.street_ref_id:
        return Region.objects.get(pk=region.street_ref_id)
    raise NeedError("请选择街道或街道以下的区域", "region")


@transaction.atomic
def department_create(
    *, street: Region, key: str, name: str, phone: str = "", actor: Any = None
) -> Department:
    key, name = key.strip(), name.strip()
    if street.level != Region.Level.STREET:
        raise NeedError("部门必须属于某个街道", "street")
    if not key or not name:
        raise NeedError("部门编码和名称不能为空", "key")
    if Department.objects.filter(key=key).exists():
        raise NeedError("部门编码已被使用", "key")
    dept = Department.objects.create(street=street, key=key, name=name, phone=phone)
    audit_record("needs.department_create", user=actor, obj=dept, detail={"key": key})
    return dept


@transaction.atomic
def department_update(
    department: Department, *, name: str, phone: str = "", actor: Any = None
) -> Department:
    """Rename a department or change its phone; its key (what handler grants name) stays."""
    name, phone = (name or "").strip(), (phone or "").strip()
    if not name:
        raise NeedError("部门名称不能为空", "name")
    if len(name) > 100 or len(phone) > 30:
        raise NeedError("部门名称或电话过长", "name")
    if (
        Department.objects.filter(street_id=department.street_id, name=name)
        .exclude(pk=department.pk)
        .exists()
    ):
        raise NeedError("本街道已有同名部门", "name")
    before = {"name": department.name, "phone": department.phone}
    department.name, department.phone = name, phone
    department.save(update_fields=["name", "phone", "updated_at"])
    audit_record(
        "needs.department_update",
        user=actor,
        obj=department,
        scope=f"street:{department.street_id}",
        detail={"before": before, "name": name},
    )
    return department


@transaction.atomic
def department_set_active(department: Department, *, active: bool, actor: Any = None) -> Department:
    """Deactivate (or restore) a department.

    Refused while it still owes replies or is the street's fallback: needs must
    never sit with a department nobody routes to. Categories routed to it fall
    back to the street's fallback department (`route_for` skips inactive ones).
    """
    department = Department.objects.select_for_update().get(pk=department.pk)
    if department.is_active == active:
        return department
    if not active:
        open_count = department_open_count(department)
        if open_count:
            raise NeedError(f"该部门还有 {open_count} 件在办需求，请先转办或办结后再停用")
        if StreetSettings.objects.filter(fallback_department=department).exists():
            raise NeedError("该部门是本街道的兜底部门，请先更换兜底部门")
    department.is_active = active
    department.save(update_fields=["is_active", "updated_at"])
    audit_record(
        "needs.department_activate" if active else "needs.department_deactivate",
        user=actor,
        obj=department,
        scope=f"street:{department.street_id}",
    )
    return department


@transaction.atomic
def category_create(
    *,
    street: Region,
    name: str,
    parent: Category | None = None,
    department: Department | None = None,
    deadline_workdays: int = 5,
    keywords: str = "",
    actor: Any = None,
) -> Category:
    name = name.strip()
    if street.level != Region.Level.STREET:
        raise NeedError("类别必须属于某个街道", "street")
    if not name:
        raise NeedError("类别名称不能为空", "name")
    if not 1 <= int(deadline_workdays) <= 60:
        raise NeedError("答复时限应为 1 到 60 个工作日", "deadline_workdays")
    if parent is not None and parent.street_id != street.pk:
        raise NeedError("上级类别不属于该街道", "parent")
    if department is not None and department.street_id != street.pk:
        raise NeedError("责任部门不属于该街道", "department")
    if Category.objects.filter(street=street, parent=parent, name=name).exists():
        raise NeedError("同级下已有同名类别", "name")
    cat = Category.objects.create(
        street=street,
        parent=parent,
        name=name,
        department=department,
        deadline_workdays=deadline_workdays,
        keywords=keywords.strip(),
    )
    audit_record("needs.category_create", user=actor, obj=cat, detail={"name": name})
    return cat


@transaction.atomic
def category_update(
    category: Category,
    *,
    department: Department | None,
    deadline_workdays: int,
    is_active: bool = True,
    name: str | None = None,
    keywords: str | None = None,
    actor: Any = None,
) -> Category:
    """Change a category's routing rule, deadline, name or keywords (new dispatches use them).

    Needs already dispatched keep the deadline they were given.
    """
    if department is not None and department.street_id != category.street_id:
        raise NeedError("责任部门不属于该街道", "department")
    if (
        department is not None
        and not department.is_active
        and department.pk != (category.department_id)
    ):
        raise NeedError("责任部门已停用", "department")
    if not 1 <= int(deadline_workdays) <= 60:
        raise NeedError("答复时限应为 1 到 60 个工作日", "deadline_workdays")
    name = category.name if name is None else name.strip()
    if not name or len(name) > 50:
        raise NeedError("类别名称不能为空，且不超过 50 字", "name")
    if (
        Category.objects.filter(
            street_id=category.street_id, parent_id=category.parent_id, name=name
        )
        .exclude(pk=category.pk)
        .exists()
    ):
        raise NeedError("同级下已有同名类别", "name")
    keywords = category.keywords if keywords is None else keywords.strip()
    if len(keywords) > 300:
        raise NeedError("关键词不能超过 300 字", "keywords")
    before = {
        "name": category.name,
        "department": category.department_id,
        "deadline": category.deadline_workdays,
        "active": category.is_active,
    }
    category.department = department
    category.deadline_workdays = deadline_workdays
    category.is_active = is_active
    category.name = name
    category.keywords = keywords
    category.save(
        update_fields=[
            "department",
            "deadline_workdays",
            "is_active",
            "name",
            "keywords",
            "updated_at",
        ]
    )
    audit_record(
        "needs.category_update",
        user=actor,
        obj=category,
        scope=f"street:{category.street_id}",
        detail={"before": before, "department": category.department_id, "name": name},
    )
    return category


@transaction.atomic
def street_settings_save(
    street: Region,
    *,
    fallback_department: Department | None,
    default_deadline_workdays: int = 5,
    escalate_after_workdays: int = 0,
    remind_before_workdays: int = 1,
    autoclose_after_workdays: int | None = None,
    actor: Any = None,
) -> StreetSettings:
    if fallback_department is not None and fallback_department.street_id != street.pk:
        raise NeedError("兜底部门不属于该街道", "fallback_department")
    if fallback_department is not None and not fallback_department.is_active:
        raise NeedError("兜底部门已停用", "fallback_department")
    if autoclose_after_workdays is not None and not 0 <= autoclose_after_workdays <= 60:
        raise NeedError("自动办结天数应为 0 到 60 个工作日", "autoclose_after_workdays")
    if not 1 <= default_deadline_workdays <= 60:
        raise NeedError("答复时限应为 1 到 60 个工作日", "default_deadline_workdays")
    if not 0 <= escalate_after_workdays <= 30 or not 0 <= remind_before_workdays <= 10:
        raise NeedError("提醒或升级天数超出范围", "escalate_after_workdays")
    obj, _ = StreetSettings.objects.update_or_create(
        street=street,
        defaults={
            "fallback_department": fallback_department,
            "default_deadline_workdays": default_deadline_workdays,
            "escalate_after_workdays": escalate_after_workdays,
            "remind_before_workdays": remind_before_workdays,
            **(
                {"autoclose_after_workdays": autoclose_after_workdays}
                if autoclose_after_workdays is not None
                else {}
            ),
        },
    )
    audit_record("needs.settings_save", user=actor, obj=obj, scope=f"street:{street.pk}")
    return obj


@transaction.atomic
def service_station_create(
    *, name: str, region: Region, address: str = "", actor: Any = None
) -> ServiceStation:
    name = name.strip()
    if not name:
        raise NeedError("服务站名称不能为空", "name")
    station = ServiceStation.objects.create(
        name=name, region=region, address=address.strip(), **region.ancestor_ids()
    )
    audit_record("needs.station_create", user=actor, obj=station)
    return station


@transaction.atomic
def service_item_create(
    *,
    station: ServiceStation,
    name: str,
    kind: str = "",
    description: str = "",
    provider: Unit | None = None,
    category: Category | None = None,
    actor: Any = None,
) -> ServiceItem:
    name = name.strip()
    if not name:
        raise NeedError("服务项目名称不能为空", "name")
    item = ServiceItem.objects.create(
        station=station,
        name=name,
        kind=kind.strip(),
        description=description.strip(),
        provider=provider,
        category=category,
        district_id=station.district_id,
        street_id=station.street_id,
        community_id=station.community_id,
        area_id=station.area_id,
    )
    audit_record("needs.service_item_create", user=actor, obj=item)
    return item


def route_for(street_id: int, category: Category | None) -> Department | None:
    """Routing rule: the category's department (or its parent's), else the street fallback."""
    node = category
    while node is not None:
        if node.department_id and node.department and node.department.is_active:
            return node.department
        node = node.parent
    settings_row = (
        StreetSettings.objects.filter(street_id=street_id)
        .select_related("fallback_department")
        .first()
    )
    return settings_row.fallback_department if settings_row else None


# ---------------------------------------------------------------- intake

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


def triage_retrain_request(street: Region, *, actor: Any, request: Any = None) -> bool:
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
    actor: Any = None,
    idempotency_key: str | None = None,
    request: HttpRequest | None = None,
) -> Need:
    """Record a need from any channel; triage proposes category and department at once.

    With `idempotency_key` (API), a retry returns the first need; the unique
    constraint makes concurrent retries create one row. `need.replayed` says which.
    The same key with a different submission raises `IdempotencyKeyReused`.
    """
    text = (text or "").strip()
    if channel not in Channel.values:
        raise NeedError("来源渠道无效", "channel")
    if not text:
        raise NeedError("请填写需求内容", "text")
    if len(text) > MAX_TEXT:
        raise NeedError(f"需求内容不能超过 {MAX_TEXT} 字", "text")
    if submitter_kind not in SubmitterKind.values:
        raise NeedError("提出人类型无效", "submitter_kind")
    phone = normalize_mobile(contact_phone or "")
    if phone and not is_valid_mobile(phone):
        raise NeedError("联系电话应为 11 位手机号码", "contact_phone")
    if submitter_kind != SubmitterKind.ANONYMOUS and not phone:
        raise NeedError("请留下联系电话，以便答复", "contact_phone")
    if submitter_kind == SubmitterKind.UNIT and unit is None and not submitter_name.strip():
        raise NeedError("请填写提出单位", "unit")
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


# ---------------------------------------------------------------- lifecycle


def _same_street(need: Need, obj: Any, what: str) -> None:
    if obj is None or obj.street_id != need.street_id:
        raise NeedError(f"{what}不属于该需求所在街道", what)
    if not getattr(obj, "is_active", True):
        raise NeedError(f"{what}已停用", what)


@transaction.atomic
def need_dispatch(
    need_id: int,
    *,
    actor: Any,
    category: Category | None,
    department: Department | None,
    expected_version: int | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Need:
    """Confirm or correct triage, assign a department and set the working-day deadline.

    The final labels are stored as a `TriageCorrection` (training data).
    """
    need = _locked(need_id)
    if need is None:
        raise NeedError("未找到该需求")
    if category is None:
        raise NeedError("请选择需求类别", "category")
    _same_street(need, category, "类别")
    if department is None:
        department = route_for(need.street_id, category) if need.street_id else None
    if department is None:
        raise NeedError("请选择责任部门", "department")
    _same_street(need, department, "部门")
    now = _now()
    need = _transition(
        need_id,
        "dispatch",
        actor=actor,
        expected_version=expected_version,
        note=note,
        request=request,
        changes={
            "category": category,
            "department": department,
            "dispatched_at": now,
            "deadline": workdays.deadline_after(
                now, category.deadline_workdays, workdays.Place.of(need)
            ),
            "reminded_at": None,
            "escalated_at": None,
        },
    )
    street_id = need.street_id or category.street_id
    TriageCorrection.objects.create(
        need=need,
        street_id=street_id,
        text=need.text,
        proposed_category_id=need.proposed_category_id,
        proposed_department_id=need.proposed_department_id,
        category=category,
        department=department,
        corrected=(
            need.proposed_category_id != category.pk or need.proposed_department_id != department.pk
        ),
        actor=actor,
    )
    # every confirmed label is training data: retrain once enough have gathered
    transaction.on_commit(lambda: _schedule_retrain(street_id))
    notify_users(
        _handlers(department.pk),
        "新派单需求",
        f"{category.name}：{need.text[:60]}（{timezone.localtime(need.deadline):%m-%d} 前答复）",
        _link(need),
    )
    return need


@transaction.atomic
def need_accept(
    need_id: int, *, actor: Any, expected_version: int | None = None, request: Any = None
) -> Need:
    return _transition(
        need_id, "accept", actor=actor, expected_version=expected_version, request=request
    )


@transaction.atomic
def need_reply(
    need_id: int,
    *,
    actor: Any,
    reply_text: str,
    service_item: ServiceItem | None = None,
    expected_version: int | None = None,
    request: Any = None,
) -> Need:
    """The department answers; on-time and elapsed time are fixed on the event for statistics."""
    reply_text = (reply_text or "").strip()
    if not reply_text:
        raise NeedError("请填写答复内容", "reply_text")
    if len(reply_text) > MAX_TEXT:
        raise NeedError(f"答复内容不能超过 {MAX_TEXT} 字", "reply_text")
    current = _locked(need_id)
    if current is None:
        raise NeedError("未找到该需求")
    if service_item is not None and service_item.street_id != current.street_id:
        raise NeedError("服务项目不属于该街道", "service_item")
    now = _now()
    started = current.dispatched_at or current.created_at
    need = _transition(
        need_id,
        "reply",
        actor=actor,
        expected_version=expected_version,
        note=reply_text,
        request=request,
        changes={"reply_text": reply_text, "replied_at": now, "service_item": service_item},
        event_extra={
            "on_time": current.deadline is None or now <= current.deadline,
            "reply_seconds": max(int((now - started).total_seconds()), 0),
        },
    )
    _notify_submitter(need, "您的需求已答复", f"查询码 {need.tracking_code}：请查看答复并评价。")
    for dup in need.duplicates.all():
        _notify_submitter(dup, "您的需求已答复", f"查询码 {dup.tracking_code}：已随主件答复。")
    return need


@transaction.atomic
def need_return(
    need_id: int,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None = None,
    request: Any = None,
) -> Need:
    """Not ours: back to the dispatcher with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise NeedError("退回须说明理由", "reason")
    need = _transition(
        need_id,
        "return",
        actor=actor,
        expected_version=expected_version,
        note=reason,
        request=request,
        changes={"deadline": None, "reminded_at": None, "escalated_at": None},
    )
    notify_users(_dispatcher_users(need), "需求被退回", reason[:100], _link(need))
    return need


@transaction.atomic
def need_transfer(
    need_id: int,
    *,
    actor: Any,
    department: Department | None,
    note: str = "",
    expected_version: int | None = None,
    request: Any = None,
) -> Need:
    """Hand over to another department of the street; the deadline keeps running."""
    current = _locked(need_id)
    if current is None:
        raise NeedError("未找到该需求")
    if department is None:
        raise NeedError("请选择转办部门", "department")
    _same_street(current, department, "部门")
    if department.pk == current.department_id:
        raise NeedError("转办部门与当前部门相同", "department")
    need = _transition(
        need_id,
        "transfer",
        actor=actor,
        expected_version=expected_version,
        note=note,
        request=request,
        changes={"department": department},
    )
    notify_users(_handlers(department.pk), "转办需求", need.text[:60], _link(need))
    return need


@transaction.atomic
def need_reject(
    need_id: int,
    *,
    actor: Any,
    reason: str,
    expected_version: int | None = None,
    request: Any = None,
) -> Need:
    reason = (reason or "").strip()
    if not reason:
        raise NeedError("不予受理须说明理由", "reason")
    need = _transition(
        need_id,
        "reject",
        actor=actor,
        expected_version=expected_version,
        note=reason,
        request=request,
    )
    _notify_submitter(need, "需求不予受理", f"查询码 {need.tracking_code}：{reason[:60]}")
    return need


@transaction.atomic
def need_merge(
    need_id: int,
    *,
    into: Need,
    actor: Any,
    expected_version: int | None = None,
    request: Any = None,
) -> Need:
    """Mark a duplicate; it follows the main case (tracking shows the main case's progress)."""
    if into.pk == need_id:
        raise NeedError("不能与自身合并", "into")
    # both rows locked in id order: two opposite merges cannot deadlock, and the
    # main case cannot be merged away while this one joins it
    locked = {pk: _locked(pk) for pk in sorted((need_id, into.pk))}
    current, main = locked[need_id], locked[into.pk]
    if main is None or main.status in (Status.MERGED, Status.REJECTED):
        raise NeedError("主件已合并或不予受理，不能作为主件", "into")
    into = main
    if current is None or current.street_id != into.street_id:
        raise NeedError("只能合并同一街道的需求", "into")
    if not needs_visible_to(actor, "needs.dispatch").filter(pk=into.pk).exists():
        raise NeedError("未找到主件，或您无权查看", "into")
    return _transition(
        need_id,
        "merge",
        actor=actor,
        expected_version=expected_version,
        note=f"并入 {into.tracking_code}",
        request=request,
        changes={"merged_into": into},
    )


@transaction.atomic
def need_close(
    need_id: int, *, actor: Any, note: str = "", expected_version: int | None = None
) -> Need:
    need = _transition(need_id, "close", actor=actor, expected_version=expected_version, note=note)
    _notify_submitter(
        need, "您的需求已办结", f"查询码 {need.tracking_code}：已办结。", "needs.closed"
    )
    return need


def _rate(
    need: Need, rating: str, comment: str, actor: Any, check_actor: bool, request: Any
) -> Need:
    if rating not in Rating.values:
        raise NeedError("请选择满意度", "rating")
    comment = (comment or "").strip()[:500]
    need = _transition(
        need.pk,
        "rate",
        actor=actor,
        expected_version=None,
        note=comment,
        request=request,
        changes={"rating": rating, "rating_comment": comment},
        event_extra={"rating": rating},
        check_actor=check_actor,
    )
    if rating == Rating.UNSATISFIED and need.reopen_count == 0:
        # unsatisfied reopens once: back to the same department with a fresh deadline
        days = need.category.deadline_workdays if need.category else 5
        need = _transition(
            need.pk,
            "reopen",
            actor=None,
            expected_version=None,
            note="评价不满意，重新办理",
            request=request,
            changes={
                "reopen_count": need.reopen_count + 1,
                "deadline": workdays.deadline_after(_now(), days, workdays.Place.of(need)),
                "dispatched_at": _now(),
                "reminded_at": None,
                "escalated_at": None,
            },
        )
        notify_users(_handlers(need.department_id), "需求被重新打开", need.text[:60], _link(need))
    return need


@transaction.atomic
def need_rate_by_code(
    tracking_code: str, *, rating: str, comment: str = "", request: Any = None
) -> Need:
    """The submitter rates through the tracking link (no account)."""
    need = (
        Need.objects.select_for_update().filter(tracking_code=tracking_code.strip().upper()).first()
    )
    if need is None:
        raise NeedError("查询码无效")
    if need.status != Status.REPLIED:
        raise NeedError("该需求当前不能评价")
    return _rate(need, rating, comment, None, False, request)


@transaction.atomic
def need_callback(
    need_id: int, *, actor: Any, rating: str, note: str = "", request: Any = None
) -> Callback:
    """Staff phone callback (回访): recorded, and it rates a replied need not yet rated."""
    need = _locked(need_id)
    if need is None:
        raise NeedError("未找到该需求")
    if rating not in Rating.values:
        raise NeedError("请选择满意度", "rating")
    if need.status not in (Status.REPLIED, Status.RATED, Status.CLOSED):
        raise NeedError("需求尚未答复，不能回访")
    _check_actor(need, "submitter_or_staff", actor)
    callback = Callback.objects.create(
        need=need, rating=rating, note=(note or "").strip()[:500], actor=actor
    )
    if need.status == Status.REPLIED:
        _rate(need, rating, f"电话回访：{callback.note}", actor, True, request)
    else:
        audit_record("need.callback", user=actor, request=request, obj=need)
    return callback


# ---------------------------------------------------------------- deadlines


def needs_tick(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind handlers one working day before the deadline; escalate overdue needs to the street.

    Idempotent: `reminded_at` / `escalated_at` mark what was already sent.
    """
    now = now or _now()
    today = workdays.local_date(now)
    counts = {"reminded": 0, "escalated": 0, "closed": 0}
    settings_by_street = {s.street_id: s for s in StreetSettings.objects.all()}
    candidates = Need.objects.filter(status__in=AWAITING_REPLY, deadline__isnull=False).filter(
        Q(reminded_at__isnull=True, deadline__gte=now)
        | Q(escalated_at__isnull=True, deadline__lt=now)
    )
    fields = ("pk", "district_id", "street_id", "deadline", "reminded_at", "escalated_at")
    for need in candidates.only(*fields):
        rule = settings_by_street.get(need.street_id or 0)
        assert need.deadline is not None
        due = workdays.local_date(need.deadline)
        if need.deadline >= now:
            before = rule.remind_before_workdays if rule else 1
            if today >= workdays.subtract_workdays(due, before, workdays.Place.of(need)):
                counts["reminded"] += _mark(need.pk, "remind", now)
        else:
            after = rule.escalate_after_workdays if rule else 0
            if after == 0 or today > workdays.add_workdays(due, after - 1, workdays.Place.of(need)):
                counts["escalated"] += _mark(need.pk, "escalate", now)
    counts["closed"] = _autoclose_unrated(now, settings_by_street)
    return counts


def _autoclose_unrated(now: dt.datetime, settings_by_street: dict[int, StreetSettings]) -> int:
    """Close replied needs left unrated for the street's number of working days (0 = never).

    A reply on day D with N days is closed once the N-th working day after D
    has ended. A rating that lands first wins: the close re-checks under the lock.
    """
    today = workdays.local_date(now)
    closed = 0
    replied = Need.objects.filter(status=Status.REPLIED, replied_at__isnull=False)
    days_by_street = {k: s.autoclose_after_workdays for k, s in settings_by_street.items()}
    default = StreetSettings._meta.get_field("autoclose_after_workdays").default
    rows = replied.values_list("pk", "district_id", "street_id", "replied_at")
    for need_id, district_id, street_id, replied_at in rows:
        days = days_by_street.get(street_id or 0, default)
        if not days or replied_at is None:
            continue
        place = workdays.Place(district_id, street_id)
        if today > workdays.add_workdays(workdays.local_date(replied_at), days, place):
            closed += _autoclose(need_id, days)
    return closed


@transaction.atomic
def _autoclose(need_id: int, days: int) -> int:
    need = Need.objects.select_for_update().filter(pk=need_id, status=Status.REPLIED).first()
    if need is None:
        return 0
    _transition(
        need_id,
        "close",
        actor=None,
        expected_version=None,
        note=f"答复后 {days} 个工作日未评价，系统自动办结",
        check_actor=False,
    )
    return 1


@transaction.atomic
def _mark(need_id: int, action: str, now: dt.datetime) -> int:
    field = "reminded_at" if action == "remind" else "escalated_at"
    need = (
        Need.objects.select_for_update()
        .filter(pk=need_id, status__in=AWAITING_REPLY, **{field + "__isnull": True})
        .first()
    )
    if need is None:
        return 0
    Need.objects.filter(pk=need_id).update(**{field: now})
    setattr(need, field, now)
    deadline = timezone.localtime(need.deadline) if need.deadline else None
    _event(need, action, need.status, None, "")
    if action == "remind":
        notify_users(
            _handlers(need.department_id),
            "需求即将到期",
            f"请于 {deadline:%Y-%m-%d} 前答复：{need.text[:60]}",
            _link(need),
        )
    else:
        notify_users(
            _street_staff(need),
            "需求逾期未答复（升级）",
            f"期限 {deadline:%Y-%m-%d}：{need.text[:60]}",
            _link(need),
        )
    audit_record(f"need.{action}", obj=need, scope=f"street:{need.street_id}")
    return 1
