"""Notice API: the recipients' list and detail (reading records a receipt), and the
publishers' publish, pin, withdraw and receipts. Another's notice is 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from typing_extensions import TypeAliasType

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import ensure_perm
from lianjian.core.schemas import (
    LAX,
    ErrorOut,
    Id,
    IdempotencyKey,
    InputSchema,
    IsoDateTime,
    PageLimit,
    PageOffset,
    PathId,
    choices_schema,
)
from lianjian.notices import selectors, services
from lianjian.notices.models import Notice
from lianjian.orgs.access import get_in_scope, get_region_for_user, party_orgs_visible_to

router = Router(tags=["通知公告"])
NoticeStatus = TypeAliasType(
    "NoticeStatus", Annotated[Notice.Status, LAX, choices_schema(Notice.Status, "NoticeStatus")]
)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    region_id: int
    region_name: str
    publish_at: dt.datetime
    expire_at: dt.datetime | None
    pinned: bool
    status: NoticeStatus
    is_read: bool
    attachments: list[str] = Field(description="附件下载路径")


class NoticePage(Schema):
    items: list[NoticeOut]
    count: int


class NoticeFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100，默认 20）")
    offset: PageOffset = Field(0, description="跳过的条数")
    unread: bool = Field(False, description="仅未读")


class NoticeIn(InputSchema):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=20000)
    region: Id = Field(description="发布范围（区域 id）")
    orgs: list[Id] = Field(default_factory=list, max_length=50, description="限定党组织 id")
    publish_at: IsoDateTime | None = None
    expire_at: IsoDateTime | None = None
    pinned: bool = False


class PinIn(InputSchema):
    pinned: bool


class OrgReceiptOut(Schema):
    name: str
    recipients: int
    read: int
    rate: float | None = Field(description="阅读率（%）")


class ReceiptsOut(Schema):
    recipients: int
    read: int
    orgs: list[OrgReceiptOut]


def _out(n: Notice, is_read: bool | None = None) -> dict[str, Any]:
    return {
        "id": n.pk,
        "title": n.title,
        "body": n.body,
        "region_id": n.region_id,
        "region_name": n.region.name,
        "publish_at": n.publish_at,
        "expire_at": n.expire_at,
        "pinned": n.pinned,
        "status": n.status,
        "is_read": bool(getattr(n, "is_read", False) if is_read is None else is_read),
        "attachments": [f"/notices/attachments/{a.token}/" for a in n.attachments.all()],
    }


def _get(request: AuthenticatedRequest, pk: int, *, manage: bool = False) -> Notice:
    notice = selectors.notice_for_user(request.user, pk)
    if notice is None or (manage and not selectors.may_manage(request.user, notice)):
        raise HttpError(404, "未找到该通知")
    return notice


@router.get(
    "/notices",
    response={200: NoticePage, **ERRORS},
    operation_id="notices_list",
    summary="我收到的通知公告",
)
def notices_list(request: AuthenticatedRequest, filters: Query[NoticeFilters]) -> Any:
    ensure_perm(request, "notices.view")
    qs = selectors.notices_for(request.user, unread=filters.unread).prefetch_related("attachments")
    rows = qs[filters.offset : filters.offset + filters.limit]
    return {"items": [_out(n) for n in rows], "count": qs.count()}


@router.get(
    "/notices/{notice_id}",
    response={200: NoticeOut, **ERRORS},
    operation_id="notices_detail",
    summary="通知详情（记为已读）",
)
def notices_detail(request: AuthenticatedRequest, notice_id: PathId) -> Any:
    ensure_perm(request, "notices.view")
    notice = _get(request, notice_id)
    services.notice_mark_read(notice, user=request.user)
    return _out(notice, is_read=notice.status == Notice.Status.PUBLISHED)


@router.post(
    "/notices",
    response={201: NoticeOut, **ERRORS},
    operation_id="notices_publish",
    summary="发布通知（支持 Idempotency-Key 重试）",
)
def notices_publish(
    request: AuthenticatedRequest, payload: NoticeIn, idempotency_key: IdempotencyKey = None
) -> Any:
    ensure_perm(request, "notices.publish")
    region = get_region_for_user(request.user, payload.region, "notices.publish", request=request)
    orgs = [
        get_in_scope(party_orgs_visible_to(request.user, "notices.publish"), pk, request=request)
        for pk in payload.orgs
    ]
    try:
        notice = services.notice_publish(
            actor=request.user,
            title=payload.title,
            body=payload.body,
            region=region,
            orgs=orgs,
            publish_at=payload.publish_at,
            expire_at=payload.expire_at,
            pinned=payload.pinned,
            idempotency_key=idempotency_key,
            request=request,
        )
    except services.NoticeError as err:
        raise HttpError(400, err.message) from err
    return Status(201, _out(notice))


@router.post(
    "/notices/{notice_id}/pin",
    response={200: NoticeOut, **ERRORS},
    operation_id="notices_pin",
    summary="置顶或取消置顶",
)
def notices_pin(request: AuthenticatedRequest, notice_id: PathId, payload: PinIn) -> Any:
    ensure_perm(request, "notices.publish")
    notice = _get(request, notice_id, manage=True)
    return _out(services.notice_set_pinned(notice, actor=request.user, pinned=payload.pinned))


@router.post(
    "/notices/{notice_id}/withdraw",
    response={200: NoticeOut, **ERRORS},
    operation_id="notices_withdraw",
    summary="撤回通知",
)
def notices_withdraw(request: AuthenticatedRequest, notice_id: PathId) -> Any:
    ensure_perm(request, "notices.publish")
    notice = _get(request, notice_id, manage=True)
    return _out(services.notice_withdraw(notice, actor=request.user, request=request))


@router.get(
    "/notices/{notice_id}/receipts",
    response={200: ReceiptsOut, **ERRORS},
    operation_id="notices_receipts",
    summary="阅读情况（按党组织）",
)
def notices_receipts(request: AuthenticatedRequest, notice_id: PathId) -> Any:
    ensure_perm(request, "notices.publish")
    notice = _get(request, notice_id, manage=True)
    rows, recipients, read = selectors.receipts(notice)
    return {
        "recipients": recipients,
        "read": read,
        "orgs": [
            {"name": r.name, "recipients": r.recipients, "read": r.read, "rate": r.rate}
            for r in rows
        ],
    }
