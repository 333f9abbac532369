"""双报到 writes: an in-service organization or a member registers at a community.

An organization registers at a community of its own street (where it sits);
a member at the community where the registry says they live. The community
approves or declines; only an approved registration may claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.core.notifications import notify
from lianjian.orgs.models import Member, PartyOrg, Region
from lianjian.projects.models import LIVE_REG_STATUSES, OPEN_CLAIM_STATUSES, Registration, RegStatus
from lianjian.projects.services import ProjectError, _user, text

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def _lists(data: Mapping[str, str]) -> dict[str, str]:
    labels = {
        "resources": "资源清单",
        "skills": "服务特长",
        "needs": "需求清单",
        "proposals": "项目清单",
    }
    return {k: text(data.get(k, ""), k, label, 2000, required=False) for k, label in labels.items()}


@transaction.atomic
def registration_submit(
    *,
    region: Region,
    party_org: PartyOrg | None = None,
    member: Member | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
    **lists: str,
) -> Registration:
    """Register (双报到); a second submission while one is live returns the live one."""
    if (party_org is None) == (member is None):
        raise ProjectError("请选择报到的党组织或党员", "party_org")
    if region.level != Region.Level.COMMUNITY:
        raise ProjectError("请选择报到的社区（居民区）", "region")
    if party_org is not None:
        if not party_org.is_active:
            raise ProjectError("该党组织已撤销", "party_org")
        home_street = party_org.street_id
        if home_street is not None and region.street_ref_id != home_street:
            raise ProjectError("在职党组织到所在街道的社区报到", "region")
        live = Registration.objects.filter(
            party_org=party_org, region=region, status__in=LIVE_REG_STATUSES
        ).first()
    else:
        assert member is not None
        if not member.is_active:
            raise ProjectError("该党员已不在册", "member")
        if member.residence_community_id is None:
            raise ProjectError("党员信息中没有居住社区，请先由所在党组织补充", "region")
        if member.residence_community_id != region.pk:
            raise ProjectError("党员到居住地社区报到", "region")
        live = Registration.objects.filter(member=member, status__in=LIVE_REG_STATUSES).first()
    if live is not None:
        return live
    try:
        with transaction.atomic():
            reg = Registration.objects.create(
                region=region,
                party_org=party_org,
                member=member,
                **_lists(lists),
                **region.ancestor_ids(),
            )
    except IntegrityError:
        raise ProjectError("已在该社区报到", "region") from None
    audit_record(
        "project.registration_submit",
        user=actor,
        request=request,
        obj=reg,
        scope=f"community:{reg.community_id}",
    )
    return reg


@transaction.atomic
def registration_decide(
    reg: Registration,
    *,
    approve: bool,
    reason: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Registration:
    reg = Registration.objects.select_for_update().get(pk=reg.pk)
    target = RegStatus.APPROVED if approve else RegStatus.DECLINED
    if reg.status == target:
        return reg
    if reg.status != RegStatus.PENDING:
        raise ProjectError(f"“{reg.get_status_display()}”的报到不能再审核", "status")
    if not approve:
        reg.decline_reason = text(reason, "reason", "未通过原因", 200)
    reg.status = target
    reg.decided_at = timezone.now()
    reg.decided_by = _user(actor)
    reg.save()
    audit_record(
        "project.registration_decide",
        user=actor,
        request=request,
        obj=reg,
        detail={"approve": approve},
    )
    if reg.member_id and reg.member and reg.member.user_id:
        notify(
            [reg.member.user],
            "报到已通过" if approve else "报到未通过",
            reg.decline_reason,
            "/projects/m/",
            kind="projects.registration",
        )
    if approve:
        publish(
            "projects.registration_approved",
            registration_id=reg.pk,
            community_id=reg.community_id,
            party_org_id=reg.party_org_id,
            member_id=reg.member_id,
        )
    return reg


@transaction.atomic
def registration_withdraw(
    reg: Registration, *, actor: User | None = None, request: HttpRequest | None = None
) -> Registration:
    reg = Registration.objects.select_for_update().get(pk=reg.pk)
    if reg.status == RegStatus.WITHDRAWN:
        return reg
    if reg.claims.filter(status__in=OPEN_CLAIM_STATUSES).exists():
        raise ProjectError("还有未完成的认领，暂不能退出报到", "status")
    reg.status = RegStatus.WITHDRAWN
    reg.save(update_fields=["status", "updated_at"])
    audit_record("project.registration_withdraw", user=actor, request=request, obj=reg)
    return reg
