"""Writes on items and claims: pages, API, tasks and the demo all call these.

Callers fetch rows through `access` first (404 outside scope); these check
the business rules, move the state machines through their transition
tables (one history row per move), write the audit row in the same
transaction, and raise `ProjectError(message_zh, field)` with nothing
written when something is wrong. Registrations (双报到) are in
`services_reg.py`, delivery and the overdue tick in `services_delivery.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.core.identifiers import clean_mobile, error_message
from lianjian.orgs.models import Region
from lianjian.projects.models import (
    OPEN_CLAIM_STATUSES,
    OPEN_ITEM_STATUSES,
    Beneficiary,
    Claim,
    ClaimStatus,
    Item,
    ItemEvent,
    ItemStatus,
    Kind,
    Registration,
    RegStatus,
    StreetRule,
)
from lianjian.projects.services_tally import claim_tallied, item_tallied, stored_claim_figures
from lianjian.projects.tally import item_figures

if TYPE_CHECKING:
    from lianjian.accounts.models import User

CONSENT_VERSION = "2026-1"
MAX_VALUE = Decimal("99999999.99")
MAX_CAPACITY = 500
MAX_PROMISE_DAYS = 366

# item status -> the statuses it may move to (DESIGN.md rule 4)
ITEM_TRANSITIONS: Mapping[str, frozenset[str]] = {
    ItemStatus.DRAFT: frozenset({ItemStatus.PUBLISHED, ItemStatus.WITHDRAWN}),
    ItemStatus.PUBLISHED: frozenset(
        {ItemStatus.CLAIMED, ItemStatus.IN_PROGRESS, ItemStatus.WITHDRAWN, ItemStatus.EXPIRED}
    ),
    ItemStatus.CLAIMED: frozenset(
        {ItemStatus.PUBLISHED, ItemStatus.IN_PROGRESS, ItemStatus.DELIVERED}
    ),
    ItemStatus.IN_PROGRESS: frozenset({ItemStatus.DELIVERED, ItemStatus.CONFIRMED}),
    ItemStatus.DELIVERED: frozenset({ItemStatus.IN_PROGRESS, ItemStatus.CONFIRMED}),
    ItemStatus.CONFIRMED: frozenset(),
    ItemStatus.WITHDRAWN: frozenset(),
    ItemStatus.EXPIRED: frozenset(),
}
CLAIM_TRANSITIONS: Mapping[str, frozenset[str]] = {
    ClaimStatus.CLAIMED: frozenset(
        {ClaimStatus.IN_PROGRESS, ClaimStatus.DELIVERED, ClaimStatus.WITHDRAWN}
    ),
    ClaimStatus.IN_PROGRESS: frozenset({ClaimStatus.DELIVERED}),
    ClaimStatus.DELIVERED: frozenset({ClaimStatus.CONFIRMED, ClaimStatus.IN_PROGRESS}),
    ClaimStatus.CONFIRMED: frozenset(),
    ClaimStatus.WITHDRAWN: frozenset(),
}
# kinds a member may claim; organizations may claim every kind
MEMBER_KINDS = frozenset({Kind.WISH, Kind.SERVICE})


class BeneficiaryData(TypedDict):
    """A named resident of `item_create` (the API's `BeneficiaryIn`, a test's dict)."""

    name: str
    consent: bool
    mobile: NotRequired[str]
    note: NotRequired[str]


class ProjectError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _user(actor: User | None) -> User | None:
    """The acting account, or None for the system (the demo, a task) or an unsaved one."""
    return actor if actor is not None and actor.pk else None


def text(value: object, field: str, label: str, max_len: int, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        raise ProjectError(f"请填写{label}", field)
    if len(out) > max_len:
        raise ProjectError(f"{label}不能超过 {max_len} 字", field)
    if "\x00" in out:
        raise ProjectError(f"{label}含有无效字符", field)
    return out


def money(value: object, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise ProjectError(f"{label}应为数字", field) from None
    if not amount.is_finite() or amount < 0:
        raise ProjectError(f"{label}不能为负数", field)
    if amount > MAX_VALUE:
        raise ProjectError(f"{label}过大", field)
    return amount.quantize(Decimal("0.01"))


def count(value: object, field: str, label: str, low: int = 0, high: int = 100_000) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except (TypeError, ValueError):
            raise ProjectError(f"{label}应为整数", field) from None
    if value < low or value > high:
        raise ProjectError(f"{label}应在 {low}–{high} 之间", field)
    return int(value)


def event(
    item: Item,
    action: str,
    before: str,
    after: str,
    actor: User | None,
    note: str = "",
    claim: Claim | None = None,
) -> ItemEvent:
    return ItemEvent.objects.create(
        item=item,
        claim=claim,
        action=action,
        from_status=before,
        to_status=after,
        note=note[:500],
        actor=_user(actor),
    )


def item_move(item: Item, to: str, action: str, actor: User | None, note: str = "") -> None:
    """Move an item through ITEM_TRANSITIONS, or refuse.

    `item` is the row as stored (locked or just read): the report's tallies move from
    what it added before the move to what it adds after.
    """
    before = item.status
    if before == to:
        return
    if to not in ITEM_TRANSITIONS[before]:
        raise ProjectError(
            f"“{ItemStatus(before).label}”的项目不能改为“{ItemStatus(to).label}”", "status"
        )
    figures = item_figures(item)
    item.status = to
    fields = ["status", "updated_at"]
    if to == ItemStatus.PUBLISHED and item.published_at is None:
        item.published_at = timezone.now()
        fields.append("published_at")
    if to == ItemStatus.CONFIRMED:
        item.confirmed_at = timezone.now()
        fields.append("confirmed_at")
    item.save(update_fields=fields)
    item_tallied(figures, item)
    event(item, action, before, to, actor, note)


def claim_move(claim: Claim, to: str, action: str, actor: User | None, note: str = "") -> None:
    before = claim.status
    if to not in CLAIM_TRANSITIONS[before]:
        raise ProjectError(
            f"“{ClaimStatus(before).label}”的认领不能改为“{ClaimStatus(to).label}”", "status"
        )
    figures, programme = stored_claim_figures(claim.pk)
    claim.status = to
    claim.save()
    claim_tallied(figures, claim, programme)
    event(claim.item, action, before, to, actor, note, claim=claim)


def item_sync(item: Item, actor: User | None) -> None:
    """Derive the item's status from its claims after a claim moved."""
    item.refresh_from_db()
    if item.status in (ItemStatus.DRAFT, ItemStatus.WITHDRAWN, ItemStatus.EXPIRED):
        return
    if item.status == ItemStatus.CONFIRMED:
        return
    statuses = list(item.claims.values_list("status", flat=True))
    open_ = [s for s in statuses if s in OPEN_CLAIM_STATUSES]
    confirmed = statuses.count(ClaimStatus.CONFIRMED)
    full = item.claimed_count >= item.capacity
    if full and not open_ and confirmed:
        target = ItemStatus.CONFIRMED
    elif full and open_ and all(s == ClaimStatus.DELIVERED for s in open_):
        target = ItemStatus.DELIVERED
    elif any(s in (ClaimStatus.IN_PROGRESS, ClaimStatus.DELIVERED) for s in open_) or confirmed:
        target = ItemStatus.IN_PROGRESS
    elif full:
        target = ItemStatus.CLAIMED
    else:
        target = ItemStatus.PUBLISHED
    if target != item.status:
        item_move(item, target, "sync", actor)


# ---------------------------------------------------------------- items


@transaction.atomic
def item_create(
    *,
    region: Region,
    kind: str,
    title: str,
    description: str = "",
    beneficiary_count: int | str = 0,
    estimated_value: Decimal | int | str = 0,
    wanted_by: dt.date | None = None,
    capacity: int | str = 1,
    programme: str = "",
    beneficiaries: Iterable[BeneficiaryData] = (),
    publish_now: bool = False,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Item:
    """A draft (or published) item of a community; named beneficiaries need consent."""
    if region.level != Region.Level.COMMUNITY:
        raise ProjectError("项目须发布在社区（居民区）", "region")
    if kind not in Kind.values:
        raise ProjectError("项目类别无效", "kind")
    capacity = count(capacity, "capacity", "认领名额", 1, MAX_CAPACITY)
    if kind in (Kind.WISH, Kind.PROBLEM) and capacity != 1:
        raise ProjectError(f"{Kind(kind).label}只能由一个单位或党员认领", "capacity")
    if wanted_by is not None:
        if not isinstance(wanted_by, dt.date):
            raise ProjectError("期望完成日期格式应为 YYYY-MM-DD", "wanted_by")
        if wanted_by < timezone.localdate():
            raise ProjectError("期望完成日期不能早于今天", "wanted_by")
    item = Item.objects.create(
        region=region,
        kind=kind,
        title=text(title, "title", "标题", 100),
        description=text(description, "description", "内容", 5000, required=False),
        programme=text(programme, "programme", "公益品牌", 50, required=False),
        beneficiary_count=count(beneficiary_count, "beneficiary_count", "受益人数"),
        estimated_value=money(estimated_value, "estimated_value", "预估价值"),
        wanted_by=wanted_by,
        capacity=capacity,
        created_by=_user(actor),
        **region.ancestor_ids(),
    )
    event(item, "create", "", ItemStatus.DRAFT, actor)
    for b in beneficiaries:
        beneficiary_add(item, actor=actor, **b)
    if publish_now:
        # the report's tally moves before the audit head is locked (`services_tally`)
        item_move(item, ItemStatus.PUBLISHED, "publish", actor)
    audit_record(
        "project.item_create",
        user=actor,
        request=request,
        obj=item,
        scope=f"community:{item.community_id}",
        detail={"kind": kind, "capacity": capacity},
    )
    if publish_now:
        _published(item, actor, request)
    return item


@transaction.atomic
def item_publish(
    item: Item, *, actor: User | None = None, request: HttpRequest | None = None
) -> Item:
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.status == ItemStatus.PUBLISHED:
        return item  # a double submission changes nothing
    item_move(item, ItemStatus.PUBLISHED, "publish", actor)
    _published(item, actor, request)
    return item


def _published(item: Item, actor: User | None, request: HttpRequest | None) -> None:
    audit_record("project.item_publish", user=actor, request=request, obj=item)
    publish("projects.item_published", item_id=item.pk, community_id=item.community_id)


@transaction.atomic
def item_withdraw(
    item: Item, *, reason: str, actor: User | None = None, request: HttpRequest | None = None
) -> Item:
    """The community takes an item back: only while nobody has claimed it."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    reason = text(reason, "reason", "撤回原因", 200)
    if item.claims.filter(status__in=OPEN_CLAIM_STATUSES).exists():
        raise ProjectError("已有单位或党员认领，不能撤回；请先与认领方沟通", "status")
    item_move(item, ItemStatus.WITHDRAWN, "withdraw", actor, reason)
    audit_record("project.item_withdraw", user=actor, request=request, obj=item)
    return item


@transaction.atomic
def item_close(
    item: Item, *, actor: User | None = None, request: HttpRequest | None = None
) -> Item:
    """Close an item whose remaining slots nobody took, once its claims are confirmed."""
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.claims.filter(status__in=OPEN_CLAIM_STATUSES).exists():
        raise ProjectError("还有未确认的认领，不能结项", "status")
    if not item.claims.filter(status=ClaimStatus.CONFIRMED).exists():
        raise ProjectError("没有已确认的交付，不能结项；可以撤回项目", "status")
    item_move(item, ItemStatus.CONFIRMED, "close", actor)
    audit_record("project.item_close", user=actor, request=request, obj=item)
    return item


@transaction.atomic
def beneficiary_add(
    item: Item,
    *,
    name: str,
    consent: bool,
    mobile: str = "",
    note: str = "",
    actor: User | None = None,
) -> Beneficiary:
    """Name a resident the item helps; refused without the resident's consent (S16)."""
    if consent is not True:
        raise ProjectError("登记受益人姓名和联系方式须经本人同意", "consent")
    phone = ""
    if mobile:
        try:
            phone = clean_mobile(mobile)
        except ValidationError as exc:
            raise ProjectError(error_message(exc), "mobile") from None
    return Beneficiary.objects.create(
        item=item,
        name=text(name, "name", "受益人姓名", 50),
        mobile=phone,
        note=text(note, "note", "情况说明", 500, required=False),
        consent_version=CONSENT_VERSION,
        consented_at=timezone.now(),
        recorded_by=_user(actor),
    )


@transaction.atomic
def beneficiary_withdraw_consent(
    beneficiary: Beneficiary, *, actor: User | None = None, request: HttpRequest | None = None
) -> Beneficiary:
    """Withdrawal stops processing: the personal data is erased, the count stays."""
    beneficiary.name = "（已撤回同意）"
    beneficiary.mobile = ""
    beneficiary.note = ""
    beneficiary.consent_withdrawn_at = timezone.now()
    beneficiary.save()
    audit_record(
        "project.beneficiary_consent_withdrawn", user=actor, request=request, obj=beneficiary
    )
    return beneficiary


# ---------------------------------------------------------------- claims


def hard_problem_limit(street_id: int | None) -> int:
    rule = StreetRule.objects.filter(street_id=street_id).first() if street_id else None
    return rule.hard_problem_limit if rule else 1


@transaction.atomic
def street_rule_set(
    street: Region,
    *,
    limit: int | str,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> StreetRule:
    if street.level != Region.Level.STREET:
        raise ProjectError("“1+1”规则按街道设置", "street")
    limit = count(limit, "limit", "每单位同时认领难题数", 1, 20)
    rule, _ = StreetRule.objects.update_or_create(
        street=street, defaults={"hard_problem_limit": limit}
    )
    audit_record("project.rule_set", user=actor, request=request, obj=rule, detail={"limit": limit})
    return rule


@transaction.atomic
def claim_create(
    item: Item,
    *,
    registration: Registration,
    promised_by: dt.date | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Claim:
    """Take one slot of an item for a registered organization or member.

    Capacity is a conditional update of the item's counter (the row lock makes
    concurrent claims of the last slot queue; the check constraint backs it),
    "1+1" a numbered slot unique per organization while open. A second claim
    by the same registrant returns the first (double submission).
    """
    existing = Claim.objects.filter(
        item_id=item.pk, registration=registration, status__in=OPEN_CLAIM_STATUSES
    ).first()
    if existing is not None:
        return existing
    if registration.status != RegStatus.APPROVED:
        raise ProjectError("须先到该社区报到并经社区审核通过，才能认领", "registration")
    if registration.region_id != item.region_id:
        raise ProjectError("只能认领报到社区发布的项目", "registration")
    if registration.member_id and item.kind not in MEMBER_KINDS:
        raise ProjectError(f"{Kind(item.kind).label}由共建单位认领，党员可认领微心愿和服务岗位")
    today = timezone.localdate()
    promised_by = promised_by or item.wanted_by or today + dt.timedelta(days=30)
    if not isinstance(promised_by, dt.date):
        raise ProjectError("承诺完成日期格式应为 YYYY-MM-DD", "promised_by")
    if promised_by < today or promised_by > today + dt.timedelta(days=MAX_PROMISE_DAYS):
        raise ProjectError("承诺完成日期应在今天到一年之内", "promised_by")
    taken = Item.objects.filter(
        pk=item.pk, status__in=OPEN_ITEM_STATUSES, claimed_count__lt=F("capacity")
    ).update(claimed_count=F("claimed_count") + 1)
    if not taken:
        raise ProjectError("该项目已认领满或已不再接受认领", "item")
    hard_slot = None
    if item.kind == Kind.PROBLEM and registration.party_org_id:
        limit = hard_problem_limit(item.street_id)
        used = set(
            Claim.objects.filter(
                party_org_id=registration.party_org_id,
                status__in=OPEN_CLAIM_STATUSES,
                hard_slot__isnull=False,
            ).values_list("hard_slot", flat=True)
        )
        free = [n for n in range(1, limit + 1) if n not in used]
        if not free:
            raise ProjectError(
                f"按“1+1”难题认领机制，每个共建单位同时只能认领 {limit} 个难题，"
                "请先完成已认领的难题",
                "item",
            )
        hard_slot = free[0]
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                item_id=item.pk,
                registration=registration,
                party_org_id=registration.party_org_id,
                member_id=registration.member_id,
                kind=item.kind,
                hard_slot=hard_slot,
                promised_by=promised_by,
                claimed_by=_user(actor),
                district_id=item.district_id,
                street_id=item.street_id,
                community_id=item.community_id,
                area_id=item.area_id,
            )
    except IntegrityError:
        raise ProjectError(
            "认领未成功：该单位已认领此项目，或已达到“1+1”难题认领上限", "item"
        ) from None
    claim_tallied(None, claim, item.programme)
    event(claim.item, "claim", "", ClaimStatus.CLAIMED, actor, claim=claim)
    item_sync(claim.item, actor)
    audit_record(
        "project.claim",
        user=actor,
        request=request,
        obj=claim,
        scope=f"community:{claim.community_id}",
        detail={"item": item.pk, "promised_by": promised_by.isoformat()},
    )
    publish(
        "projects.claim_created",
        claim_id=claim.pk,
        item_id=item.pk,
        party_org_id=claim.party_org_id,
        member_id=claim.member_id,
    )
    return claim


@transaction.atomic
def claim_withdraw(
    claim: Claim, *, reason: str = "", actor: User | None = None, request: HttpRequest | None = None
) -> Claim:
    """The claimant steps back before work starts; the slot opens again."""
    claim = Claim.objects.select_for_update().select_related("item").get(pk=claim.pk)
    if claim.status == ClaimStatus.WITHDRAWN:
        return claim
    if claim.status != ClaimStatus.CLAIMED:
        raise ProjectError("已开始实施的认领不能退出，请与社区沟通", "status")
    claim_move(
        claim, ClaimStatus.WITHDRAWN, "withdraw", actor, text(reason, "reason", "原因", 200, False)
    )
    Item.objects.filter(pk=claim.item_id).update(claimed_count=F("claimed_count") - 1)
    item_sync(claim.item, actor)
    audit_record("project.claim_withdraw", user=actor, request=request, obj=claim)
    publish("projects.claim_withdrawn", claim_id=claim.pk, item_id=claim.item_id)
    return claim
