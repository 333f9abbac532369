"""`/api/v1/notifications`: the signed-in user's own notifications (others' are 404)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema
from pydantic import WithJsonSchema
from typing_extensions import TypeAliasType

from lianjian.core import inbox
from lianjian.core.actors import ActorRequest
from lianjian.core.registry import notification_kinds
from lianjian.core.schemas import ErrorOut, PageLimit, PageOffset, PathId

router = Router(tags=["通知"])
# the kinds every app declares (`NotificationKind`), and "" for a notification of no kind
NotificationKindKey = TypeAliasType(
    "NotificationKindKey",
    Annotated[
        str,
        WithJsonSchema(
            {
                "title": "NotificationKindKey",
                "type": "string",
                "enum": ["", *sorted(notification_kinds())],
                "description": "；".join(
                    f"{k.key}：{k.label}"
                    for k in sorted(notification_kinds().values(), key=lambda k: k.key)
                ),
            }
        ),
    ],
)


class NotificationOut(Schema):
    id: int
    kind: NotificationKindKey
    subject: str
    body: str
    link: str = Field(description="所指对象的站内路径，可能为空")
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    unread: int = Field(description="未读通知数")


class NotificationFilters(Schema):
    limit: PageLimit = Field(20, description="每页条数（1–100，默认 20）")
    offset: PageOffset = Field(0, description="跳过的条数")
    unread: bool = Field(False, description="仅未读")


class ReadAllOut(Schema):
    marked: int = Field(description="本次标为已读的条数")


def _out(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "kind": row.kind,
        "subject": row.subject,
        "body": row.body,
        "link": inbox.safe_link(row.link),
        "created_at": row.created_at,
        "read_at": row.read_at,
    }


@router.get(
    "/notifications",
    response={200: NotificationPage, 400: ErrorOut},
    operation_id="notifications_list",
    summary="我的通知",
)
def notifications_list(request: ActorRequest, filters: Query[NotificationFilters]) -> Any:
    qs = inbox.notifications_of(request.user, unread=filters.unread)
    rows = qs[filters.offset : filters.offset + filters.limit]
    return {
        "items": [_out(r) for r in rows],
        "count": qs.count(),
        "unread": inbox.unread_count(request.user),
    }


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, 404: ErrorOut},
    operation_id="notifications_read",
    summary="标为已读",
)
def notifications_read(request: ActorRequest, notification_id: PathId) -> Any:
    return _out(inbox.notification_mark_read(request.user, notification_id))


@router.post(
    "/notifications/read-all",
    response={200: ReadAllOut},
    operation_id="notifications_read_all",
    summary="全部标为已读",
)
def notifications_read_all(request: ActorRequest) -> Any:
    return {"marked": inbox.notifications_mark_all_read(request.user)}
