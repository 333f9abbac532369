"""Alliances API under /api/v1/alliances/…: role permission first (403), the row through the
scope chokepoint (404), every id in the body re-fetched in scope, writes through services."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from ninja import Query, Router, Status

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.alliances import access, selectors
from lianjian.alliances import schemas as s
from lianjian.alliances.models import Meeting
from lianjian.alliances.services import agreements as agreement_services
from lianjian.alliances.services import alliances as alliance_services
from lianjian.alliances.services import meetings as meeting_services
from lianjian.alliances.services.common import AllianceError
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import ErrorOut, PathId
from lianjian.orgs.access import (
    get_in_scope,
    party_orgs_visible_to,
    regions_visible_to,
    units_visible_to,
)

router = Router(tags=["党建联盟与联席会议"])
VIEW, MANAGE, PROPOSE, ACT = (
    "alliances.view",
    "alliances.manage",
    "alliances.propose",
    "alliances.act",
)
READ: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _page(qs: Any, q: s.PageQuery) -> dict[str, Any]:
    return {"items": list(qs[q.offset : q.offset + q.limit]), "count": qs.count()}


def _ref(request: AuthenticatedRequest, qs: Any, pk: Any, field: str, label: str) -> Any:
    try:
        return get_in_scope(qs, pk, user=request.user, request=request)
    except Http404:
        raise AllianceError(f"所选{label}不存在或不在您的管理范围内", field) from None


def _err(err: AllianceError) -> Status[dict[str, Any]]:
    return Status(err.status, {"detail": err.message, "field": err.field})


# ---------------------------------------------------------------- reports (static paths first)


@router.get(
    "/alliances/reports/cadence",
    response={200: s.CadenceOut, **READ},
    operation_id="alliances_cadence_report",
    summary="联席会议召开情况（按周期、层级、街道）",
)
def cadence_report(request: AuthenticatedRequest, query: Query[s.CadenceQuery]) -> Any:
    import datetime as dt

    ensure_perm(request, VIEW)
    report = selectors.cadence_report(
        request.user, dt.date(query.year, 1, 1), dt.date(query.year, 12, 31)
    )

    def totals(groups: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"name": g, **{k: c.get(k, 0) for k in ("on_time", "late", "missed", "due")}}
            for g, c in groups.items()
        ]

    return {
        "year": query.year,
        "rows": [
            {
                "body_id": r.body_id,
                "name": r.name,
                "kind": r.kind,
                "cells": [
                    {"period_start": c[0], "label": c[1], "state": c[2], "held_on": c[3]}
                    for c in r.cells
                ],
            }
            for r in report.rows
        ],
        "by_kind": totals(report.by_kind),
        "by_street": totals(report.by_street),
    }


@router.get(
    "/alliances/reports/units",
    response={200: list[s.UnitReportOut], **READ},
    operation_id="alliances_unit_report",
    summary="成员单位落实任务与到会率",
)
def unit_report(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, VIEW)
    return [
        {**r.__dict__, "attendance_rate": r.attendance_rate}
        for r in selectors.unit_task_report(request.user)
    ]


@router.get(
    "/alliances/reports/proposals",
    response={200: s.ProposalReportOut, **READ},
    operation_id="alliances_proposal_report",
    summary="议案按状态、来源；决议落实",
)
def proposal_report(request: AuthenticatedRequest) -> Any:
    ensure_perm(request, VIEW)
    r = selectors.proposal_report(request.user)
    return {
        "by_status": [{"key": k, "count": v} for k, v in r.by_status.items()],
        "by_source": [{"key": k, "count": v} for k, v in r.by_source.items()],
        "resolutions": r.resolutions,
        "implemented": r.implemented,
        "implemented_on_time": r.implemented_on_time,
    }


# ---------------------------------------------------------------- bodies


@router.get(
    "/alliances/bodies",
    response={200: s.BodyPage, **READ},
    operation_id="alliances_bodies_list",
    summary="联席会议列表",
)
def bodies_list(request: AuthenticatedRequest, filters: Query[s.BodyFilters]) -> Any:
    ensure_perm(request, VIEW)
    qs = (
        selectors.bodies_not_met(request.user)
        if filters.not_met
        else access.bodies_visible_to(request.user)
    )
    return _page(qs.order_by("pk"), filters)


@router.get(
    "/alliances/bodies/{body_id}",
    response={200: s.BodyOut, **READ},
    operation_id="alliances_bodies_get",
    summary="联席会议详情",
)
def bodies_get(request: AuthenticatedRequest, body_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    return access.get_body_for_user(request.user, body_id, request=request)


@router.post(
    "/alliances/bodies",
    response={201: s.BodyOut, **WRITE},
    operation_id="alliances_bodies_create",
    summary="新建联席会议",
)
def bodies_create(request: AuthenticatedRequest, payload: s.BodyIn) -> Any:
    ensure_perm(request, MANAGE)
    try:
        data = payload.dict()
        data["region"] = _ref(
            request, regions_visible_to(request.user, MANAGE), data["region"], "region", "区域"
        )
        return Status(
            201, alliance_services.body_create(actor=request.user, request=request, **data)
        )
    except AllianceError as err:
        return _err(err)


@router.post(
    "/alliances/bodies/{body_id}/members",
    response={201: s.AllianceMemberOut, **WRITE},
    operation_id="alliances_bodies_member_add",
    summary="添加联席会议成员单位",
)
def bodies_member_add(
    request: AuthenticatedRequest, body_id: PathId, payload: s.AllianceMemberIn
) -> Any:
    ensure_perm(request, MANAGE)
    body = access.get_body_for_user(request.user, body_id, MANAGE, request=request)
    try:
        unit = _ref(request, units_visible_to(request.user, MANAGE), payload.unit, "unit", "单位")
        member = alliance_services.body_member_add(
            body, unit=unit, joined_on=payload.joined_on, actor=request.user
        )
    except AllianceError as err:
        return _err(err)
    return Status(
        201,
        {
            "id": member.pk,
            "unit_id": unit.pk,
            "unit_name": unit.name,
            "position": "member",
            "joined_on": member.joined_on,
            "left_on": None,
            "is_founding": False,
            "liaison_name": "",
        },
    )


@router.post(
    "/alliances/bodies/{body_id}/meetings",
    response={201: s.MeetingOut, **WRITE},
    operation_id="alliances_meetings_create",
    summary="安排会议",
)
def meetings_create(request: AuthenticatedRequest, body_id: PathId, payload: s.MeetingIn) -> Any:
    ensure_perm(request, MANAGE)
    body = access.get_body_for_user(request.user, body_id, MANAGE, request=request)
    try:
        return Status(
            201,
            meeting_services.meeting_schedule(
                body, actor=request.user, request=request, **payload.dict()
            ),
        )
    except AllianceError as err:
        return _err(err)


# ---------------------------------------------------------------- agreements


@router.get(
    "/alliances/agreements",
    response={200: s.AgreementPage, **READ},
    operation_id="alliances_agreements_list",
    summary="共驻共建协议书列表",
)
def agreements_list(request: AuthenticatedRequest, filters: Query[s.AgreementFilters]) -> Any:
    ensure_perm(request, VIEW)
    qs = access.agreements_visible_to(request.user).prefetch_related("items")
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    return _page(qs.order_by("-signed_on", "-pk"), filters)


@router.get(
    "/alliances/agreements/{agreement_id}",
    response={200: s.AgreementOut, **READ},
    operation_id="alliances_agreements_get",
    summary="共建协议详情",
)
def agreements_get(request: AuthenticatedRequest, agreement_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    return access.get_agreement_for_user(request.user, agreement_id, request=request)


@router.post(
    "/alliances/agreements",
    response={201: s.AgreementOut, **WRITE},
    operation_id="alliances_agreements_create",
    summary="登记共驻共建协议书",
)
def agreements_create(request: AuthenticatedRequest, payload: s.AgreementIn) -> Any:
    ensure_perm(request, MANAGE)
    user = request.user
    try:
        data = payload.dict()
        data["region"] = _ref(
            request, regions_visible_to(user, MANAGE), data["region"], "region", "社区/街道"
        )
        data["party_org"] = _ref(
            request, party_orgs_visible_to(user, MANAGE), data["party_org"], "party_org", "党组织"
        )
        data["unit"] = _ref(request, units_visible_to(user, MANAGE), data["unit"], "unit", "单位")
        data["items"] = [(i["side"], i["kind"], i["text"]) for i in data["items"]]
        agreement = agreement_services.agreement_sign(actor=user, request=request, **data)
    except AllianceError as err:
        return _err(err)
    return Status(201, agreement)


# ---------------------------------------------------------------- alliances


@router.get(
    "/alliances",
    response={200: s.AlliancePage, **READ},
    operation_id="alliances_list",
    summary="党建联盟列表",
)
def alliances_list(request: AuthenticatedRequest, page: Query[s.PageQuery]) -> Any:
    ensure_perm(request, VIEW)
    return _page(access.alliances_visible_to(request.user).order_by("pk"), page)


@router.get(
    "/alliances/{alliance_id}",
    response={200: s.AllianceDetailOut, **READ},
    operation_id="alliances_get",
    summary="联盟详情（含现行章程）",
)
def alliances_get(request: AuthenticatedRequest, alliance_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    alliance = access.get_alliance_for_user(request.user, alliance_id, request=request)
    current, founding = selectors.member_counts([alliance.pk]).get(alliance.pk, (0, 0))
    charter = selectors.current_charter(alliance)
    return {
        **{
            f: getattr(alliance, f)
            for f in (
                "id",
                "name",
                "level",
                "region_id",
                "lead_unit_id",
                "lead_party_org_id",
                "founded_on",
                "purpose",
                "is_active",
            )
        },
        "members": current,
        "founding_members": founding,
        "charter_version": charter.version if charter else None,
        "charter_text": charter.text if charter else "",
        "charter_adopted_on": charter.adopted_on if charter else None,
    }


@router.post(
    "/alliances",
    response={201: s.AllianceOut, **WRITE},
    operation_id="alliances_create",
    summary="新建党建联盟",
)
def alliances_create(request: AuthenticatedRequest, payload: s.AllianceIn) -> Any:
    ensure_perm(request, MANAGE)
    user = request.user
    try:
        data = payload.dict()
        data["region"] = _ref(
            request, regions_visible_to(user, MANAGE), data["region"], "region", "区域"
        )
        if data["lead_unit"] is not None:
            data["lead_unit"] = _ref(
                request, units_visible_to(user, MANAGE), data["lead_unit"], "lead_unit", "牵头单位"
            )
        if data["lead_party_org"] is not None:
            data["lead_party_org"] = _ref(
                request,
                party_orgs_visible_to(user, MANAGE),
                data["lead_party_org"],
                "lead_party_org",
                "牵头党组织",
            )
        return Status(201, alliance_services.alliance_create(actor=user, request=request, **data))
    except AllianceError as err:
        return _err(err)


@router.get(
    "/alliances/{alliance_id}/members",
    response={200: list[s.AllianceMemberOut], **READ},
    operation_id="alliances_members_list",
    summary="联盟成员单位",
)
def alliances_members(request: AuthenticatedRequest, alliance_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    alliance = access.get_alliance_for_user(request.user, alliance_id, request=request)
    return list(alliance.members.select_related("unit").order_by("pk")[:2000])


@router.post(
    "/alliances/{alliance_id}/members",
    response={201: s.AllianceMemberOut, **WRITE},
    operation_id="alliances_members_add",
    summary="添加联盟成员单位",
)
def alliances_member_add(
    request: AuthenticatedRequest, alliance_id: PathId, payload: s.AllianceMemberIn
) -> Any:
    ensure_perm(request, MANAGE)
    alliance = access.get_alliance_for_user(request.user, alliance_id, MANAGE, request=request)
    try:
        unit = _ref(request, units_visible_to(request.user, MANAGE), payload.unit, "unit", "单位")
        data = payload.dict()
        data["unit"] = unit
        return Status(
            201,
            alliance_services.alliance_member_add(
                alliance, actor=request.user, request=request, **data
            ),
        )
    except AllianceError as err:
        return _err(err)


@router.get(
    "/alliances/{alliance_id}/charters",
    response={200: list[s.CharterOut], **READ},
    operation_id="alliances_charters_list",
    summary="章程各版本（新版在前）",
)
def alliances_charters(request: AuthenticatedRequest, alliance_id: PathId) -> Any:
    ensure_perm(request, VIEW)
    alliance = access.get_alliance_for_user(request.user, alliance_id, request=request)
    return list(alliance.charters.order_by("-version"))


@router.post(
    "/alliances/{alliance_id}/charters",
    response={201: s.CharterOut, **WRITE},
    operation_id="alliances_charters_adopt",
    summary="通过新版章程",
)
def alliances_charter_adopt(
    request: AuthenticatedRequest, alliance_id: PathId, payload: s.CharterIn
) -> Any:
    ensure_perm(request, MANAGE)
    alliance = access.get_alliance_for_user(request.user, alliance_id, MANAGE, request=request)
    try:
        meeting: Meeting | None = None
        if payload.meeting is not None:
            meeting = _ref(
                request,
                access.meetings_visible_to(request.user, MANAGE),
                payload.meeting,
                "meeting",
                "会议",
            )
        version = alliance_services.charter_adopt(
            alliance,
            text_body=payload.text,
            adopted_on=payload.adopted_on,
            meeting=meeting,
            actor=request.user,
            request=request,
        )
    except AllianceError as err:
        return _err(err)
    return Status(201, version)
