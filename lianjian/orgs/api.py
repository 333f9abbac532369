"""Registry API routes: regions, units, Party organizations, members.

Thin routes over `selectors` (reads) and `services` (writes). Each route
checks the role permission first (403 without it, so nothing about the row
leaks), then fetches the row through the scope chokepoint (404 outside it),
then re-fetches every id named in the body through the same chokepoint with
the permission of the operation, so a forged or out-of-scope reference is
refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from ninja import Query, Router, Status

from lianjian.core.actors import ActorRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.core.schemas import PathId
from lianjian.orgs import selectors, services
from lianjian.orgs.access import (
    get_in_scope,
    get_party_org_for_user,
    get_region_for_user,
    get_unit_for_user,
    party_orgs_visible_to,
    regions_visible_to,
    units_visible_to,
)
from lianjian.orgs.conflicts import ConflictThrottled
from lianjian.orgs.models import OrgUnitCoverage, PartyOrg, Unit
from lianjian.orgs.schemas import (
    DeactivateIn,
    ErrorOut,
    Paging,
    PartyOrgFilters,
    PartyOrgIn,
    PartyOrgOut,
    PartyOrgPage,
    PartyOrgPatch,
    RegionFilters,
    RegionIn,
    RegionOut,
    RegionPage,
    RegionPatch,
    UnitFilters,
    UnitIn,
    UnitOut,
    UnitPage,
    UnitPatch,
)
from lianjian.orgs.services import RegistryError

router = Router()

READ_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# ---------------------------------------------------------------- helpers


def _bad(err: RegistryError) -> Status[dict[str, Any]]:
    return Status(400, {"detail": err.message, "field": err.field})


def _throttled(err: ConflictThrottled, response: HttpResponse) -> Status[dict[str, Any]]:
    response["Retry-After"] = str(err.retry_after)
    return Status(429, {"detail": err.message, "field": err.field})


def _ref(request: ActorRequest, qs: QuerySet[Any], pk: Any, field: str, label: str) -> Any:
    """Re-fetch an id named in the body through the chokepoint; refuse what lies outside."""
    try:
        return get_in_scope(qs, pk, user=request.user, request=request)
    except Http404:
        raise RegistryError(f"所选{label}不存在或不在您的管理范围内", field) from None


def _page(qs: QuerySet[Any], paging: Paging) -> dict[str, Any]:
    return {"items": list(qs[paging.offset : paging.offset + paging.limit]), "count": qs.count()}


def _filter_params(filters: Paging) -> dict[str, Any]:
    return filters.dict(exclude_none=True, exclude={"limit", "offset"})


def _patch_data(
    payload: Any, model: type[Model], *, nullable: Iterable[str] = (), blankable: Iterable[str] = ()
) -> dict[str, Any]:
    """The fields actually sent; null clears optional fields and is refused for required ones."""
    data: dict[str, Any] = payload.dict(exclude_unset=True)
    for key, value in list(data.items()):
        if value is not None or key in nullable:
            continue
        if key in blankable:
            data[key] = ""
            continue
        label = str(getattr(model._meta.get_field(key), "verbose_name", key))
        raise RegistryError(f"“{label}”不能为空", key)
    return data


# ---------------------------------------------------------------- regions


@router.get(
    "/regions",
    response={200: RegionPage, **READ_ERRORS},
    operation_id="regions_list",
    summary="区域列表",
    tags=["区域"],
)
def regions_list(request: ActorRequest, filters: Query[RegionFilters]) -> Any:
    ensure_perm(request, "orgs.view_region")
    return _page(selectors.regions_filtered(request.user, _filter_params(filters)), filters)


@router.get(
    "/regions/{region_id}",
    response={200: RegionOut, **READ_ERRORS},
    operation_id="regions_get",
    summary="区域详情",
    tags=["区域"],
)
def regions_get(request: ActorRequest, region_id: PathId) -> Any:
    ensure_perm(request, "orgs.view_region")
    return get_region_for_user(request.user, region_id, request=request)


@router.post(
    "/regions",
    response={201: RegionOut, **WRITE_ERRORS},
    operation_id="regions_create",
    summary="新增下级区域",
    tags=["区域"],
)
def regions_create(request: ActorRequest, payload: RegionIn) -> Any:
    ensure_perm(request, "orgs.change_region")
    try:
        parent = _ref(
            request,
            regions_visible_to(request.user, "orgs.change_region"),
            payload.parent,
            "parent",
            "上级区域",
        )
        region = services.region_create(
            name=payload.name,
            level=payload.level,
            parent=parent,
            area_type=payload.area_type,
            code=payload.code,
            actor=request.user,
        )
    except RegistryError as err:
        return _bad(err)
    return Status(201, region)


@router.patch(
    "/regions/{region_id}",
    response={200: RegionOut, **WRITE_ERRORS},
    operation_id="regions_update",
    summary="修改区域（名称、类型、区划代码）",
    tags=["区域"],
)
def regions_update(request: ActorRequest, region_id: PathId, payload: RegionPatch) -> Any:
    ensure_perm(request, "orgs.change_region")
    region = get_region_for_user(request.user, region_id, "orgs.change_region", request=request)
    try:
        return services.region_update(
            region, actor=request.user, **payload.dict(exclude_unset=True, exclude_none=True)
        )
    except RegistryError as err:
        return _bad(err)


@router.post(
    "/regions/{region_id}/deactivate",
    response={200: RegionOut, **WRITE_ERRORS},
    operation_id="regions_deactivate",
    summary="撤销区域（须无有效的下级区域、单位和党组织）",
    tags=["区域"],
)
def regions_deactivate(request: ActorRequest, region_id: PathId) -> Any:
    ensure_perm(request, "orgs.change_region")
    region = get_region_for_user(request.user, region_id, "orgs.change_region", request=request)
    try:
        return services.region_deactivate(region, actor=request.user)
    except RegistryError as err:
        return _bad(err)


# ---------------------------------------------------------------- units


def _unit_refs(request: ActorRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "region" in data:
        data["region"] = _ref(
            request,
            regions_visible_to(request.user, "orgs.change_unit"),
            data["region"],
            "region",
            "所在区域",
        )
    return data


@router.get(
    "/units",
    response={200: UnitPage, 429: ErrorOut, **READ_ERRORS},
    operation_id="units_list",
    summary="单位列表",
    tags=["单位"],
)
def units_list(request: ActorRequest, filters: Query[UnitFilters]) -> Any:
    ensure_perm(request, "orgs.view_unit")
    if filters.q:
        limit, window = selectors.UNIT_SEARCH_RATE
        limited = rate_limited(request, "orgs.unit_search", limit=limit, window=window)
        if limited is not None:
            return limited
    return _page(selectors.units_filtered(request.user, _filter_params(filters)), filters)


@router.get(
    "/units/{unit_id}",
    response={200: UnitOut, **READ_ERRORS},
    operation_id="units_get",
    summary="单位详情",
    tags=["单位"],
)
def units_get(request: ActorRequest, unit_id: PathId) -> Any:
    ensure_perm(request, "orgs.view_unit")
    return get_unit_for_user(request.user, unit_id, request=request)


@router.post(
    "/units",
    response={201: UnitOut, **WRITE_ERRORS},
    operation_id="units_create",
    summary="新增单位",
    tags=["单位"],
)
def units_create(request: ActorRequest, payload: UnitIn) -> Any:
    ensure_perm(request, "orgs.change_unit")
    try:
        data = _unit_refs(request, payload.dict())
        unit = services.unit_create(actor=request.user, **data)
    except RegistryError as err:
        return _bad(err)
    return Status(201, unit)


@router.patch(
    "/units/{unit_id}",
    response={200: UnitOut, **WRITE_ERRORS},
    operation_id="units_update",
    summary="修改单位",
    tags=["单位"],
)
def units_update(request: ActorRequest, unit_id: PathId, payload: UnitPatch) -> Any:
    ensure_perm(request, "orgs.change_unit")
    unit = get_unit_for_user(request.user, unit_id, "orgs.change_unit", request=request)
    try:
        data = _patch_data(
            payload,
            Unit,
            nullable={"credit_code", "registered_on", "deregistered_on"},
            blankable={"industry", "address", "liaison_name"},
        )
        unit = services.unit_update(unit, actor=request.user, **_unit_refs(request, data))
    except RegistryError as err:
        return _bad(err)
    return unit


@router.post(
    "/units/{unit_id}/deactivate",
    response={200: UnitOut, **WRITE_ERRORS},
    operation_id="units_deactivate",
    summary="注销单位",
    tags=["单位"],
)
def units_deactivate(
    request: ActorRequest, unit_id: PathId, payload: DeactivateIn | None = None
) -> Any:
    ensure_perm(request, "orgs.change_unit")
    unit = get_unit_for_user(request.user, unit_id, "orgs.change_unit", request=request)
    try:
        return services.unit_deactivate(
            unit, actor=request.user, on=payload.on if payload else None
        )
    except RegistryError as err:
        return _bad(err)


# ---------------------------------------------------------------- party organizations


def _annotate_party_orgs(orgs: list[PartyOrg]) -> list[PartyOrg]:
    """Attach parent ids and open coverage in two queries, whatever the page size."""
    parent_paths = {o.path[: -o.steplen] for o in orgs if o.depth > 1}
    parent_ids = dict(PartyOrg.objects.filter(path__in=parent_paths).values_list("path", "pk"))
    covered: dict[int, list[int]] = {o.pk: [] for o in orgs}
    links = OrgUnitCoverage.objects.filter(party_org__in=orgs, until__isnull=True).order_by("unit")
    for org_id, unit_id in links.values_list("party_org_id", "unit_id"):
        covered[org_id].append(unit_id)
    for org in orgs:
        org.parent_id = parent_ids.get(org.path[: -org.steplen]) if org.depth > 1 else None
        org.covered_unit_ids = covered[org.pk]
    return orgs


def _party_org_refs(
    request: ActorRequest, data: dict[str, Any], perm: str = "orgs.change_partyorg"
) -> dict[str, Any]:
    if data.get("parent") is not None:
        data["parent"] = _ref(
            request,
            party_orgs_visible_to(request.user, perm),
            data["parent"],
            "parent",
            "上级党组织",
        )
    if "region" in data:
        data["region"] = _ref(
            request, regions_visible_to(request.user, perm), data["region"], "region", "所在区域"
        )
    if data.get("covered_units") is not None:
        scope = units_visible_to(request.user, perm)
        data["covered_units"] = [
            _ref(request, scope, pk, "covered_units", "覆盖单位")
            for pk in dict.fromkeys(data["covered_units"])
        ]
    return data


@router.get(
    "/party-orgs",
    response={200: PartyOrgPage, **READ_ERRORS},
    operation_id="party_orgs_list",
    summary="党组织列表",
    tags=["党组织"],
)
def party_orgs_list(request: ActorRequest, filters: Query[PartyOrgFilters]) -> Any:
    ensure_perm(request, "orgs.view_partyorg")
    page = _page(selectors.party_orgs_filtered(request.user, _filter_params(filters)), filters)
    page["items"] = _annotate_party_orgs(page["items"])
    return page


@router.get(
    "/party-orgs/{org_id}",
    response={200: PartyOrgOut, **READ_ERRORS},
    operation_id="party_orgs_get",
    summary="党组织详情",
    tags=["党组织"],
)
def party_orgs_get(request: ActorRequest, org_id: PathId) -> Any:
    ensure_perm(request, "orgs.view_partyorg")
    org = get_party_org_for_user(request.user, org_id, request=request)
    return _annotate_party_orgs([org])[0]


@router.post(
    "/party-orgs",
    response={201: PartyOrgOut, **WRITE_ERRORS},
    operation_id="party_orgs_create",
    summary="新增党组织",
    tags=["党组织"],
)
def party_orgs_create(request: ActorRequest, payload: PartyOrgIn) -> Any:
    ensure_perm(request, "orgs.change_partyorg")
    try:
        data = _party_org_refs(request, payload.dict())
        org = services.party_org_create(actor=request.user, **data)
    except RegistryError as err:
        return _bad(err)
    return Status(201, _annotate_party_orgs([org])[0])


@router.patch(
    "/party-orgs/{org_id}",
    response={200: PartyOrgOut, **WRITE_ERRORS},
    operation_id="party_orgs_update",
    summary="修改党组织",
    tags=["党组织"],
)
def party_orgs_update(request: ActorRequest, org_id: PathId, payload: PartyOrgPatch) -> Any:
    ensure_perm(request, "orgs.change_partyorg")
    org = get_party_org_for_user(request.user, org_id, "orgs.change_partyorg", request=request)
    try:
        data = _patch_data(
            payload,
            PartyOrg,
            nullable={"founded_on", "covered_units"},
            blankable={"secretary_name"},
        )
        if "covered_units" in data and data["covered_units"] is None:
            data["covered_units"] = []  # null ends every open coverage link
        org = services.party_org_update(org, actor=request.user, **_party_org_refs(request, data))
    except RegistryError as err:
        return _bad(err)
    return _annotate_party_orgs([org])[0]


@router.post(
    "/party-orgs/{org_id}/deactivate",
    response={200: PartyOrgOut, **WRITE_ERRORS},
    operation_id="party_orgs_deactivate",
    summary="撤销党组织",
    tags=["党组织"],
)
def party_orgs_deactivate(
    request: ActorRequest, org_id: PathId, payload: DeactivateIn | None = None
) -> Any:
    ensure_perm(request, "orgs.change_partyorg")
    org = get_party_org_for_user(request.user, org_id, "orgs.change_partyorg", request=request)
    try:
        org = services.party_org_deactivate(
            org, actor=request.user, on=payload.on if payload else None
        )
    except RegistryError as err:
        return _bad(err)
    return _annotate_party_orgs([org])[0]
