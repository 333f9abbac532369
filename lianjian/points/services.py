"""Writes of the points ledger: consent, rules, awards, deductions, expiry (DESIGN.md rule 5).

Every change is a new `Entry`; the member's `Balance` row is locked, then moved by a
conditional UPDATE in the same transaction, so the balance always equals the sum of
entries (`points_check`) and never goes below zero. A cause is awarded once per
(cause, cause id, member, rule): the unique key makes a replayed event a no-op.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.orgs.models import Member, Region
from lianjian.points.models import (
    RULE_CAUSES,
    Balance,
    CapPeriod,
    Cause,
    Enrolment,
    Entry,
    Rule,
    Scheme,
)

if TYPE_CHECKING:
    from lianjian.accounts.models import User

CONSENT_VERSION = "2026-1"


class PointsError(ValueError):
    """A write refused for a reason the user can act on (message in Chinese)."""


def _loc(member: Member) -> dict[str, int | None]:
    return {
        "district_id": member.district_id,
        "street_id": member.street_id,
        "community_id": member.community_id,
        "area_id": member.area_id,
    }


# ------------------------------------------------------------------ consent


@transaction.atomic
def enrol(member: Member, *, actor: User | None) -> Enrolment:
    """Join the programme: consent with its version and time (S16); rejoining renews it."""
    now = timezone.now()
    enrolment, created = Enrolment.objects.get_or_create(
        member=member,
        defaults={"consent_version": CONSENT_VERSION, "consent_at": now, **_loc(member)},
    )
    if not created:
        enrolment.consent_version = CONSENT_VERSION
        enrolment.consent_at = now
        enrolment.withdrawn_at = None
        enrolment.save(update_fields=["consent_version", "consent_at", "withdrawn_at"])
    Balance.objects.get_or_create(member=member, defaults=_loc(member))
    audit_record("points.enrol", user=actor, obj=enrolment, detail={"version": CONSENT_VERSION})
    return enrolment


@transaction.atomic
def withdraw(member: Member, *, actor: User | None) -> Enrolment:
    """Withdraw consent: no new awards, the card unusable at merchants; rows stay for audit."""
    enrolment = Enrolment.objects.select_for_update().filter(member=member).first()
    if enrolment is None:
        raise PointsError("尚未参加积分计划")
    if enrolment.withdrawn_at is None:
        enrolment.withdrawn_at = timezone.now()
        enrolment.save(update_fields=["withdrawn_at"])
        audit_record("points.withdraw", user=actor, obj=enrolment)
    return enrolment


def is_enrolled(member_id: int) -> bool:
    return Enrolment.objects.filter(member_id=member_id, withdrawn_at__isnull=True).exists()


# ------------------------------------------------------------------ rules


def scheme_of(street_id: int | None) -> Scheme | None:
    return Scheme.objects.filter(street_id=street_id).first() if street_id else None


@transaction.atomic
def scheme_save(street: Region, *, actor: User | None, **fields: Any) -> Scheme:
    """`fields` are `Scheme` field values by name (the desk's form, parsed)."""
    scheme = Scheme.objects.filter(street=street).first() or Scheme(**street_loc(street))
    for name, value in fields.items():
        setattr(scheme, name, value)
    if scheme.gold_threshold <= scheme.silver_threshold:
        raise PointsError("金卡门槛须高于银卡门槛")
    scheme.save()
    audit_record("points.scheme_save", user=actor, obj=scheme, detail=fields)
    return scheme


def street_loc(street: Region) -> dict[str, int | None]:
    return {"district_id": street.district_ref_id, "street_id": street.pk}


RULE_FIELDS = ("cause", "event_kind", "name", "points", "period_cap", "cap_period", "valid_from")


# a rule's `data` holds form or JSON values (text, numbers, a date) that `_clean_rule` checks
def _clean_rule(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in RULE_FIELDS if k in data}
    if out.get("cause") not in Cause.values:
        raise PointsError("请选择积分事由")
    if not str(out.get("name", "")).strip():
        raise PointsError("请填写规则名称")
    try:
        out["points"] = int(out.get("points") or 0)
    except (TypeError, ValueError):
        raise PointsError("积分须为整数") from None
    if out["points"] == 0:
        raise PointsError("积分不能为 0")
    cap = out.get("period_cap")
    out["period_cap"] = int(cap) if cap not in (None, "") else None
    if out["period_cap"] is not None and out["period_cap"] <= 0:
        raise PointsError("周期上限须为正整数")
    out["cap_period"] = out.get("cap_period") or CapPeriod.YEAR
    if out["cap_period"] not in CapPeriod.values:
        raise PointsError("上限周期无效")
    out["valid_from"] = out.get("valid_from") or timezone.localdate()
    out["event_kind"] = str(out.get("event_kind") or "")
    return out


@transaction.atomic
def rule_create(street: Region, *, actor: User | None, data: dict[str, Any]) -> Rule:
    rule = Rule.objects.create(created_by=actor, **street_loc(street), **_clean_rule(data))
    audit_record("points.rule_create", user=actor, obj=rule, detail={"name": rule.name})
    return rule


@transaction.atomic
def rule_edit(rule: Rule, *, actor: User | None, data: dict[str, Any]) -> Rule:
    """An edit closes `rule` the day before the new version starts; entries keep their version."""
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.valid_until is not None and hasattr(rule, "successor"):
        raise PointsError("该规则已被修订，请编辑最新版本")
    clean = _clean_rule({**{f: getattr(rule, f) for f in RULE_FIELDS}, **data})
    start = max(clean["valid_from"], timezone.localdate())
    clean["valid_from"] = start
    rule.valid_until = max(rule.valid_from, start - dt.timedelta(days=1))
    rule.save(update_fields=["valid_until"])
    new = Rule.objects.create(
        created_by=actor,
        previous=rule,
        district_id=rule.district_id,
        street_id=rule.street_id,
        **clean,
    )
    audit_record("points.rule_edit", user=actor, obj=new, detail={"previous": rule.pk})
    return new


@transaction.atomic
def rule_close(rule: Rule, *, actor: User, on: dt.date | None = None) -> Rule:
    rule.valid_until = max(rule.valid_from, on or timezone.localdate())
    rule.save(update_fields=["valid_until"])
    audit_record("points.rule_close", user=actor, obj=rule)
    return rule


def rule_for(street_id: int | None, cause: str, on: dt.date, event_kind: str = "") -> Rule | None:
    """The street's rule for `cause` valid on `on`; a rule naming the event kind wins."""
    if street_id is None:
        return None
    rules = Rule.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        street_id=street_id,
        cause=cause,
        valid_from__lte=on,
        event_kind__in=[event_kind, ""] if event_kind else [""],
    ).order_by("-event_kind", "-valid_from", "-pk")
    return rules.first()


def cap_bounds(period: str, on: dt.date) -> tuple[dt.date, dt.date]:
    if period == CapPeriod.MONTH:
        start = on.replace(day=1)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
    elif period == CapPeriod.QUARTER:
        start = on.replace(month=(on.month - 1) // 3 * 3 + 1, day=1)
        nxt = (start + dt.timedelta(days=95)).replace(day=1)
    else:
        start = on.replace(month=1, day=1)
        nxt = start.replace(year=start.year + 1)
    return start, nxt - dt.timedelta(days=1)


# ------------------------------------------------------------------ the ledger


def _locked_balance(member: Member) -> Balance:
    balance = Balance.objects.select_for_update().filter(member=member).first()
    if balance is None:
        try:
            with transaction.atomic():
                Balance.objects.create(member=member, **_loc(member))
        except IntegrityError:
            pass
        balance = Balance.objects.select_for_update().get(member=member)
    return balance


def _write(
    member: Member,
    points: int,
    *,
    cause: str,
    cause_id: str,
    on: dt.date,
    rule: Rule | None = None,
    actor: User | None = None,
    note: str = "",
) -> Entry | None:
    """Append one entry and move the balance; None when the cause was already recorded.

    Runs with the member's balance row locked (the caller took it)."""
    if Entry.objects.filter(cause=cause, cause_id=cause_id, member=member, rule=rule).exists():
        return None
    expires_on = None
    if points > 0:
        scheme = scheme_of(member.street_id)
        if scheme is not None and scheme.expiry_enabled:
            expires_on = on + dt.timedelta(days=scheme.expiry_days)
    if points < 0:
        moved = Balance.objects.filter(member=member, points__gte=-points).update(
            points=F("points") + points
        )
        if not moved:
            raise PointsError("积分余额不足")
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                member=member,
                points=points,
                cause=cause,
                cause_id=cause_id[:64],
                rule=rule,
                actor=actor if getattr(actor, "pk", None) else None,
                created_at=timezone.now(),
                on=on,
                note=note[:200],
                expires_on=expires_on,
                **_loc(member),
            )
    except IntegrityError:
        if points < 0:
            raise  # the debit above is rolled back with the caller's transaction
        return None
    if points > 0:
        Balance.objects.filter(member=member).update(points=F("points") + points)
    return entry


@transaction.atomic
def award(
    member: Member,
    *,
    cause: str,
    cause_id: object,
    on: dt.date,
    rule: Rule,
    units: Decimal | int = 1,
    actor: User | None = None,
    note: str = "",
) -> Entry | None:
    """Award `rule`'s points (times `units`, e.g. verified hours) for one cause, once.

    Nothing is awarded to a member who has not joined or has withdrawn (S16); the
    rule's per-period cap trims the award to what is left in the period."""
    if not is_enrolled(member.pk):
        return None
    _locked_balance(member)
    points = int(Decimal(rule.points) * Decimal(units))
    if rule.period_cap is not None and points > 0:
        start, end = cap_bounds(rule.cap_period, on)
        used = (
            Entry.objects.filter(
                member=member,
                rule__street_id=rule.street_id,
                rule__cause=rule.cause,
                rule__event_kind=rule.event_kind,
                on__range=(start, end),
            ).aggregate(s=Sum("points"))["s"]
            or 0
        )
        points = min(points, rule.period_cap - used)
    if points <= 0 and rule.points > 0:
        return None
    if points == 0:
        return None
    return _write(
        member,
        points,
        cause=cause,
        cause_id=str(cause_id),
        on=on,
        rule=rule,
        actor=actor,
        note=note or rule.name,
    )


@transaction.atomic
def adjust(member: Member, *, points: int, reason: str, actor: User | None) -> Entry:
    """A secretary's award or deduction with its reason (a correction is one of these)."""
    reason = (reason or "").strip()
    if not reason:
        raise PointsError("请填写调整原因")
    if points == 0:
        raise PointsError("调整积分不能为 0")
    if points > 0 and not is_enrolled(member.pk):
        raise PointsError("该党员未参加积分计划或已撤回同意")
    _locked_balance(member)
    entry = _write(
        member,
        points,
        cause=Cause.MANUAL,
        cause_id=uuid.uuid4().hex,
        on=timezone.localdate(),
        actor=actor,
        note=reason,
    )
    assert entry is not None  # a fresh cause id
    audit_record("points.adjust", user=actor, obj=entry, detail={"points": points})
    return entry


@transaction.atomic
def spend(
    member: Member, *, points: int, key: str, actor: User | None, note: str = ""
) -> Entry | None:
    """Spend points (never below zero); `key` makes a repeated request a no-op."""
    if points <= 0:
        raise PointsError("兑换积分须为正整数")
    _locked_balance(member)
    return _write(
        member,
        -points,
        cause=Cause.SPEND,
        cause_id=key,
        on=timezone.localdate(),
        actor=actor,
        note=note or "积分兑换",
    )


@transaction.atomic
def expire(member: Member, today: dt.date | None = None) -> int:
    """Expire what is left of awards past their date, oldest award spent first (FIFO).

    Debits (spending, deductions, earlier expiries) consume awards in the order they
    were made; what an expired award still holds becomes one expiry entry, keyed by
    the award so a second run writes nothing. Returns the points expired."""
    today = today or timezone.localdate()
    _locked_balance(member)
    rows = list(
        Entry.objects.filter(member=member)
        .order_by("created_at", "pk")
        .values_list("pk", "points", "expires_on", "cause", "cause_id")
    )
    expired_keys = {cid for _, _, _, cause, cid in rows if cause == Cause.EXPIRY}
    debit = -sum(p for _, p, _, _, _ in rows if p < 0)
    total = 0
    for pk, points, expires_on, _, _ in rows:
        if points <= 0:
            continue
        used = min(points, debit)
        debit -= used
        left = points - used
        if left and expires_on is not None and expires_on <= today and str(pk) not in expired_keys:
            _write(
                member,
                -left,
                cause=Cause.EXPIRY,
                cause_id=str(pk),
                on=today,
                note=f"积分到期（{expires_on:%Y-%m-%d}）",
            )
            total += left
    return total


def expire_all(today: dt.date | None = None) -> int:
    """The periodic run: every member holding an award past its date."""
    today = today or timezone.localdate()
    member_ids = (
        Entry.objects.filter(points__gt=0, expires_on__lte=today)
        .values_list("member_id")
        .distinct()
    )
    total = 0
    for member in Member.objects.filter(pk__in=member_ids):
        total += expire(member, today)
    return total


def check_balances() -> list[tuple[int, int, int]]:
    """(member id, balance, sum of entries) for every member where the two differ."""
    sums = dict(
        Entry.objects.values("member_id")
        .annotate(s=Sum("points"))
        .values_list("member_id", "s")
        .iterator()
    )
    wrong = []
    seen = set()
    for member_id, points in Balance.objects.values_list("member_id", "points").iterator():
        seen.add(member_id)
        if sums.get(member_id, 0) != points:
            wrong.append((member_id, points, sums.get(member_id, 0)))
    for member_id, s in sums.items():
        if member_id not in seen:
            wrong.append((member_id, 0, s))
    return wrong


# ------------------------------------------------------------------ event handlers


def _award_cause(
    member_id: int | str | None,
    cause: str,
    cause_id: object,
    on: object,
    *,
    kind: str = "",
    units: Decimal | int = 1,
) -> Entry | None:
    if member_id is None:
        return None
    member = Member.objects.filter(pk=member_id, is_active=True).first()
    if member is None:
        return None
    day = on if isinstance(on, dt.date) else timezone.localdate()
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date()
    rule = rule_for(member.street_id, cause, day, kind)
    if rule is None or cause_id in (None, ""):
        return None
    try:
        # a savepoint: a refused award never takes the publisher's fact down with it
        with transaction.atomic():
            return award(member, cause=cause, cause_id=cause_id, on=day, rule=rule, units=units)
    except PointsError:
        return None


# the handlers take an event's payload as published (JSON values, read by name)
def on_attendance_confirmed(**p: Any) -> Entry | None:
    """`activities.attendance_confirmed`: the street's rule for the event's kind."""
    return _award_cause(
        p.get("member_id"),
        Cause.ATTENDANCE,
        p.get("attendance_id"),
        p.get("on"),
        kind=str(p.get("event_kind") or ""),
    )


def on_hours_verified(**p: Any) -> Entry | None:
    """`activities.hours_verified`: the rule's points per verified hour."""
    return _award_cause(
        p.get("member_id"),
        Cause.SERVICE_HOURS,
        p.get("record_id"),
        p.get("on"),
        units=Decimal(str(p.get("hours") or 0)),
    )


def on_lesson_completed(**p: Any) -> Entry | None:
    return _award_cause(p.get("member_id"), Cause.LESSON, p.get("completion_id"), p.get("on"))


def on_claim_delivered(**p: Any) -> Entry | None:
    """`projects.claim_delivered`: a member's own claim (an organization's claim earns no
    member points)."""
    return _award_cause(p.get("member_id"), Cause.CLAIM, p.get("claim_id"), p.get("confirmed_at"))


__all__ = ["RULE_CAUSES", "PointsError"]


@transaction.atomic
def import_entry(
    member: Member,
    *,
    points: int,
    voucher: str,
    reason: str,
    actor: User,
    on: dt.date | None = None,
) -> Entry | None:
    """One row of an imported points ledger; the voucher keys it (a re-import adds nothing)."""
    if points > 0 and not is_enrolled(member.pk):
        raise PointsError("该党员未参加积分计划或已退出")
    _locked_balance(member)
    return _write(
        member,
        points,
        cause=Cause.IMPORT,
        cause_id=voucher,
        on=on or timezone.localdate(),
        actor=actor,
        note=(reason or "台账导入")[:200],
    )


def audit_import(actor: User, created: int, source: str) -> None:
    audit_record(
        "points.import",
        user=actor,
        object_type="points.entry",
        detail={"created": created, "source": source[:200]},
    )
