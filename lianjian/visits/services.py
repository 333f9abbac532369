"""Writes on visits and cadres: every page, API route and command goes through these.

Callers fetch the unit, organization, cadre or visit through the scope
chokepoint first; these functions check the business rules, write in one
transaction with the audit row, and raise `VisitError(message_zh, field)`
with nothing written when the input is wrong.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.orgs.models import Member, PartyOrg, Unit
from lianjian.visits.models import Cadre, CadrePost, Visit, VisitNeed

if TYPE_CHECKING:
    from lianjian.accounts.models import User

EARLIEST = dt.date(2000, 1, 1)


class VisitError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _check_date(value: Any, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise VisitError(f"{label}格式应为 YYYY-MM-DD", field)
    if value > timezone.localdate():
        raise VisitError(f"{label}不能晚于今天", field)
    if value < EARLIEST:
        raise VisitError(f"{label}不能早于 2000 年", field)
    return value


def _text(value: Any, field: str, label: str, max_len: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise VisitError(f"请填写{label}", field)
    if len(text) > max_len:
        raise VisitError(f"{label}不能超过 {max_len} 字", field)
    return text


def post_held_on(cadre: Cadre, party_org: PartyOrg, day: dt.date) -> bool:
    return cadre.posts.filter(party_org=party_org, since__lte=day).exclude(until__lt=day).exists()


# ---------------------------------------------------------------- visits


@transaction.atomic
def visit_record(
    *,
    unit: Unit,
    visited_on: dt.date,
    visitors: str,
    findings: str,
    method: str = Visit.Method.ON_SITE,
    follow_up: str = "",
    follow_up_status: str = Visit.FollowUp.NONE,
    cadre: Cadre | None = None,
    party_org: PartyOrg | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Visit:
    """Record one visit; it is located (and scoped) where the visited unit is."""
    if not unit.is_active:
        raise VisitError("该单位已注销，不能登记走访", "unit")
    visited_on = _check_date(visited_on, "visited_on", "走访日期")
    visitors = _text(visitors, "visitors", "走访人员", 200)
    findings = _text(findings, "findings", "走访情况", 5000)
    follow_up = _text(follow_up, "follow_up", "跟进事项", 2000, required=False)
    if method not in Visit.Method.values:
        raise VisitError("走访方式无效", "method")
    if follow_up_status not in Visit.FollowUp.values:
        raise VisitError("跟进状态无效", "follow_up_status")
    if follow_up_status == Visit.FollowUp.PENDING and not follow_up:
        raise VisitError("待跟进的走访请写明跟进事项", "follow_up")
    if party_org is not None and not party_org.is_active:
        raise VisitError("所选党组织已撤销", "party_org")
    if cadre is not None:
        if not cadre.is_active:
            raise VisitError("所选干部已停用", "cadre")
        if party_org is not None and not post_held_on(cadre, party_org, visited_on):
            raise VisitError("该干部在走访日期未在所选党组织任职", "party_org")
    visit = Visit.objects.create(
        unit=unit,
        visited_on=visited_on,
        method=method,
        visitors=visitors,
        findings=findings,
        follow_up=follow_up,
        follow_up_status=follow_up_status,
        cadre=cadre,
        party_org=party_org,
        created_by=actor if getattr(actor, "pk", None) else None,
        **unit.region.ancestor_ids(),
    )
    audit_record(
        "visit.record",
        user=actor,
        request=request,
        obj=visit,
        scope=f"street:{visit.street_id}",
        detail={"unit": unit.pk, "visited_on": visited_on.isoformat()},
    )
    return visit


@transaction.atomic
def visit_follow_up(
    visit: Visit,
    *,
    status: str,
    follow_up: str | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Visit:
    """Update what follows from a visit (e.g. mark the promised follow-up as done)."""
    if status not in Visit.FollowUp.values:
        raise VisitError("跟进状态无效", "follow_up_status")
    text = visit.follow_up if follow_up is None else follow_up
    text = _text(text, "follow_up", "跟进事项", 2000, required=False)
    if status == Visit.FollowUp.PENDING and not text:
        raise VisitError("待跟进的走访请写明跟进事项", "follow_up")
    before = visit.follow_up_status
    visit.follow_up_status = status
    visit.follow_up = text
    visit.save(update_fields=["follow_up_status", "follow_up", "updated_at"])
    audit_record(
        "visit.follow_up",
        user=actor,
        request=request,
        obj=visit,
        detail={"before": before, "after": status},
    )
    return visit


@transaction.atomic
def visit_raise_need(
    visit: Visit,
    *,
    text: str,
    contact_phone: str,
    submitter_name: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Any:
    """Turn what a visit found into a need in one step (channel "visit"), linked to the visit.

    The needs app validates and triages the need; its refusal (a `NeedError`)
    becomes a `VisitError` and, the transaction rolling back, nothing is written.
    """
    from lianjian.needs.services import NeedError, need_submit

    unit = visit.unit
    try:
        need = need_submit(
            channel="visit",
            text=text,
            region=unit.region,
            submitter_kind="unit",
            submitter_name=(submitter_name or unit.name).strip()[:50],
            contact_phone=contact_phone,
            unit=unit,
            actor=actor,
            request=request,
        )
    except NeedError as exc:
        raise VisitError(exc.message, exc.field) from exc
    VisitNeed.objects.create(visit=visit, need=need)
    audit_record(
        "visit.raise_need",
        user=actor,
        request=request,
        obj=visit,
        detail={"need": need.pk},
    )
    return need


# ---------------------------------------------------------------- cadres and posts


def _check_post(party_org: PartyOrg, title: str, since: Any) -> tuple[str, dt.date]:
    if not party_org.is_active:
        raise VisitError("所选党组织已撤销", "party_org")
    title = _text(title, "title", "职务", 50)
    if not isinstance(since, dt.date):
        raise VisitError("任职日期格式应为 YYYY-MM-DD", "since")
    return title, since


@transaction.atomic
def cadre_create(
    *,
    name: str,
    party_org: PartyOrg,
    title: str,
    since: dt.date,
    member: Member | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Cadre:
    """A cadre always starts with a post: the post is what places them in a scope."""
    name = _text(name, "name", "姓名", 50)
    title, since = _check_post(party_org, title, since)
    cadre = Cadre.objects.create(name=name, member=member)
    CadrePost.objects.create(
        cadre=cadre,
        party_org=party_org,
        title=title,
        since=since,
        **party_org.region.ancestor_ids(),
    )
    audit_record(
        "cadre.create", user=actor, request=request, obj=cadre, detail={"party_org": party_org.pk}
    )
    return cadre


@transaction.atomic
def cadre_post_add(
    cadre: Cadre,
    *,
    party_org: PartyOrg,
    title: str,
    since: dt.date,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> CadrePost:
    title, since = _check_post(party_org, title, since)
    if cadre.posts.filter(party_org=party_org, until__isnull=True).exists():
        raise VisitError("该干部已在此党组织任职", "party_org")
    try:
        with transaction.atomic():
            post = CadrePost.objects.create(
                cadre=cadre,
                party_org=party_org,
                title=title,
                since=since,
                **party_org.region.ancestor_ids(),
            )
    except IntegrityError:  # a concurrent add of the same post
        raise VisitError("该干部已在此党组织任职", "party_org") from None
    audit_record(
        "cadre.post_add",
        user=actor,
        request=request,
        obj=cadre,
        detail={"party_org": party_org.pk, "title": title},
    )
    return post


@transaction.atomic
def cadre_post_end(
    post: CadrePost,
    *,
    until: dt.date,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> CadrePost:
    if post.until is not None:
        raise VisitError("该任职已结束", "until")
    if not isinstance(until, dt.date) or until < post.since:
        raise VisitError("离任日期不能早于任职日期", "until")
    post.until = until
    post.save(update_fields=["until", "updated_at"])
    audit_record(
        "cadre.post_end",
        user=actor,
        request=request,
        obj=post.cadre,
        detail={"party_org": post.party_org_id, "until": until.isoformat()},
    )
    return post
