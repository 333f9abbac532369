"""Events: create, publish, cancel and close; joint organizers (联组) counted for each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from lianjian.activities.models import (
    Audience,
    Event,
    EventOrganizer,
    EventPhoto,
    Kind,
    Signup,
    Team,
)
from lianjian.activities.services.common import ActivityError, located, text, token
from lianjian.alliances.models import Alliance
from lianjian.core.attachments import IMAGES, AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.notifications import notify
from lianjian.orgs.models import PartyOrg, Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User
    from lianjian.visits.models import Cadre


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _check_times(
    starts_at: dt.datetime | None, ends_at: dt.datetime | None, deadline: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime, dt.datetime | None]:
    # the types are checked again: a form or an API body may still leave a time out
    if not isinstance(starts_at, dt.datetime) or not isinstance(ends_at, dt.datetime):
        raise ActivityError("请填写活动的开始和结束时间", "starts_at")
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    deadline = _aware(deadline) if isinstance(deadline, dt.datetime) else deadline
    if ends_at <= starts_at:
        raise ActivityError("结束时间应晚于开始时间", "ends_at")
    if ends_at - starts_at > dt.timedelta(days=7):
        raise ActivityError("单次活动不能超过 7 天", "ends_at")
    if deadline is not None and (not isinstance(deadline, dt.datetime) or deadline > ends_at):
        raise ActivityError("报名截止时间应早于活动结束", "signup_deadline")
    return starts_at, ends_at, deadline


@transaction.atomic
def event_create(
    *,
    actor: User | None,
    kind: str,
    title: str,
    region: Region,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    organizer_org: PartyOrg | None = None,
    organizer_alliance: Alliance | None = None,
    organizer_team: Team | None = None,
    joint_orgs: Iterable[PartyOrg] = (),
    audience: str = Audience.COMMUNITY,
    audience_orgs: Iterable[PartyOrg] = (),
    capacity: int | None = None,
    signup_deadline: dt.datetime | None = None,
    place: str = "",
    description: str = "",
    cadre: Cadre | None = None,
    publish: bool = False,
) -> Event:
    if kind not in Kind.values:
        raise ActivityError("请选择活动类型", "kind")
    if audience not in Audience.values:
        raise ActivityError("请选择活动面向的对象", "audience")
    if not (organizer_org or organizer_alliance or organizer_team):
        raise ActivityError("请选择主办的党组织、联盟或志愿服务队", "organizer")
    if audience == Audience.TEAM and organizer_team is None:
        raise ActivityError("面向“本队队员”的活动须由志愿服务队主办", "audience")
    if audience == Audience.ALLIANCE and organizer_alliance is None:
        raise ActivityError("面向“联盟成员”的活动须由联盟主办", "audience")
    if capacity is not None and (capacity < 1 or capacity > 100000):
        raise ActivityError("名额应为 1 到 100000 之间的整数，不限名额请留空", "capacity")
    starts_at, ends_at, signup_deadline = _check_times(starts_at, ends_at, signup_deadline)
    event = Event.objects.create(
        kind=kind,
        title=text(title, "活动名称", "title", 100),
        description=text(description, "活动内容", "description", 5000, required=False),
        region=region,
        organizer_org=organizer_org,
        organizer_alliance=organizer_alliance,
        organizer_team=organizer_team,
        cadre=cadre,
        starts_at=starts_at,
        ends_at=ends_at,
        place=text(place, "地点", "place", 200, required=False),
        audience=audience,
        capacity=capacity,
        signup_deadline=signup_deadline,
        status=Event.Status.PUBLISHED if publish else Event.Status.DRAFT,
        checkin_token=token(),
        created_by=actor if getattr(actor, "pk", None) else None,
        **located(region),
    )
    orgs = {o.pk: o for o in joint_orgs}
    if organizer_org is not None:
        orgs[organizer_org.pk] = organizer_org
    EventOrganizer.objects.bulk_create(
        [EventOrganizer(event=event, party_org_id=pk) for pk in sorted(orgs)]
    )
    if audience_orgs:
        event.audience_orgs.set(list(audience_orgs))
    audit_record(
        "activity.event_created",
        user=actor,
        obj=event,
        detail={"kind": kind, "joint": len(orgs) >= 2},
    )
    return event


@transaction.atomic
def event_publish(event: Event, *, actor: User) -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.DRAFT:
        raise ActivityError(f"活动当前为“{event.get_status_display()}”，不能发布", status=409)
    if event.ends_at <= timezone.now():
        raise ActivityError("活动已结束，不能发布", "starts_at", 409)
    event.status = Event.Status.PUBLISHED
    event.save(update_fields=["status", "updated_at"])
    audit_record("activity.event_published", user=actor, obj=event)
    return event


@transaction.atomic
def event_cancel(event: Event, *, actor: User | None, reason: str = "") -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
        raise ActivityError(f"活动当前为“{event.get_status_display()}”，不能取消", status=409)
    reason = text(reason, "取消原因", "reason", 200, required=False)
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    open_signups = Signup.objects.filter(event=event, status__in=["confirmed", "waiting"])
    users = [s.volunteer.user for s in open_signups.select_related("volunteer__user")]
    open_signups.update(status=Signup.Status.CANCELLED, cancelled_at=timezone.now())
    Event.objects.filter(pk=event.pk).update(taken=0)
    notify(
        [u for u in users if u is not None],
        f"活动“{event.title}”已取消",
        reason,
        link=f"/activities/events/{event.pk}/",
        kind="activities.place_granted",
    )
    audit_record("activity.event_cancelled", user=actor, obj=event, detail={"reason": reason})
    return event


@transaction.atomic
def event_close(event: Event, *, actor: User, summary: str = "") -> Event:
    """After the event: the summary is written and the event counts as held."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.PUBLISHED:
        raise ActivityError(f"活动当前为“{event.get_status_display()}”，不能结束", status=409)
    if event.starts_at > timezone.now():
        raise ActivityError("活动尚未开始，不能结束", status=409)
    event.summary = text(summary, "活动小结", "summary", 5000, required=False)
    event.status = Event.Status.DONE
    event.save(update_fields=["summary", "status", "updated_at"])
    audit_record("activity.event_closed", user=actor, obj=event)
    return event


MAX_EVENT_PHOTOS = 9


@transaction.atomic
def event_report(
    event: Event,
    *,
    actor: User | None,
    summary: str | None = None,
    photos: Iterable[UploadedFile] = (),
) -> Event:
    """After the event: its written summary and photos (checked like every attachment).

    Allowed once the event has started; a published event is closed by it (held), a
    held one may have its summary rewritten and more photos added, up to
    `MAX_EVENT_PHOTOS`."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status not in (Event.Status.PUBLISHED, Event.Status.DONE):
        raise ActivityError(f"活动当前为“{event.get_status_display()}”，不能写小结", status=409)
    if event.starts_at > timezone.now():
        raise ActivityError("活动尚未开始，举办后才能写小结、传照片", status=409)
    already = event.photos.count()
    try:
        checked = check_attachments(
            photos, max_files=max(0, MAX_EVENT_PHOTOS - already), accept=IMAGES
        )
    except AttachmentError as err:
        raise ActivityError(
            f"{err}（每个活动最多 {MAX_EVENT_PHOTOS} 张照片）" if "最多" in str(err) else str(err),
            "photos",
        ) from None
    if summary is not None:
        event.summary = text(summary, "活动小结", "summary", 5000, required=False)
    if not event.summary and not checked and not already:
        raise ActivityError("请填写活动小结或上传照片", "summary")
    closed = event.status == Event.Status.PUBLISHED
    event.status = Event.Status.DONE
    event.save(update_fields=["summary", "status", "updated_at"])
    for f in checked:
        photo = EventPhoto(
            event=event,
            token=token(),
            extension=f.extension,
            content_type=f.content_type,
            original_name=f.name,
            size=len(f.data),
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        photo.file.save("upload", ContentFile(f.data), save=False)
        photo.save()
    audit_record(
        "activity.event_reported",
        user=actor,
        obj=event,
        detail={"photos": len(checked), "closed": closed},
    )
    return event
