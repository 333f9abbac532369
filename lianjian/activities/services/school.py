"""The Party school: courses, lectures (held as events) and e-lessons, completions.

A completion is recorded once per member and lesson: by checking in at a
lecture (`attendance._attend` calls `lesson_complete_on_checkin`) or by
finishing an e-lesson on the phone; each publishes `activities.lesson_completed`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianjian.activities import events as domain_events
from lianjian.activities.models import Audience, Completion, Course, Event, Kind, Lesson, Volunteer
from lianjian.activities.models_school import VIDEO_MAX_BYTES
from lianjian.activities.services.common import ActivityError, copy_scope, located, text, token
from lianjian.activities.services.events import event_create
from lianjian.core.attachments import VIDEO, AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.orgs.models import PartyOrg

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@transaction.atomic
def course_create(
    *,
    actor: User | None,
    title: str,
    organizer_org: PartyOrg,
    description: str = "",
    is_open: bool = True,
) -> Course:
    course = Course.objects.create(
        title=text(title, "课程名称", "title", 100),
        region=organizer_org.region,
        organizer_org=organizer_org,
        description=text(description, "课程简介", "description", 5000, required=False),
        is_open=is_open,
        **located(organizer_org.region),
    )
    audit_record("activity.course_created", user=actor, obj=course)
    return course


@transaction.atomic
def course_update(
    course: Course, *, actor: User, title: str, description: str = "", is_open: bool = True
) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    course.title = text(title, "课程名称", "title", 100)
    course.description = text(description, "课程简介", "description", 5000, required=False)
    course.is_open = is_open
    course.save(update_fields=["title", "description", "is_open", "updated_at"])
    audit_record("activity.course_updated", user=actor, obj=course)
    return course


@transaction.atomic
def lecture_add(
    course: Course,
    *,
    actor: User | None,
    title: str,
    teacher: str,
    starts_at: dt.datetime,
    minutes: int,
    place: str,
    capacity: int | None = None,
) -> Lesson:
    """A lecture of the course, held as a public 讲座党课 event with its own QR check-in."""
    event = event_create(
        actor=actor, kind=Kind.LECTURE, title=title, region=course.region,
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=minutes),
        organizer_org=course.organizer_org, audience=Audience.PUBLIC, capacity=capacity,
        place=place, description=f"{course.title} · 主讲：{teacher}", publish=True,
    )  # fmt: skip
    lesson = Lesson.objects.create(
        course=course, kind=Lesson.Kind.LECTURE, title=event.title,
        teacher=text(teacher, "主讲人", "teacher", 100), event=event, minutes=minutes,
        order=course.lessons.count() + 1,
    )  # fmt: skip
    audit_record("activity.lesson_added", user=actor, obj=lesson)
    return lesson


@transaction.atomic
def e_lesson_add(
    course: Course,
    *,
    actor: User | None,
    title: str,
    body: str,
    minutes: int = 5,
    teacher: str = "",
    video: UploadedFile | None = None,
) -> Lesson:
    """A short e-lesson: text and an optional MP4 (checked by its bytes, size-capped)."""
    if minutes < 1 or minutes > 60:
        raise ActivityError("电子党课时长应为 1 到 60 分钟", "minutes")
    checked = None
    if video is not None:
        try:
            checked = check_attachments(
                [video], max_files=1, max_bytes=VIDEO_MAX_BYTES, accept=VIDEO
            )[0]
        except AttachmentError as err:
            raise ActivityError(str(err), "video") from None
    lesson = Lesson(
        course=course, kind=Lesson.Kind.E_LESSON, title=text(title, "课题", "title", 100),
        teacher=text(teacher, "主讲人", "teacher", 100, required=False),
        body=text(body, "内容", "body", 20000), minutes=minutes,
        order=course.lessons.count() + 1,
    )  # fmt: skip
    if checked is not None:
        lesson.video_token = token()
        lesson.video.save(f"{lesson.video_token}.mp4", ContentFile(checked.data), save=False)
    lesson.save()
    audit_record("activity.lesson_added", user=actor, obj=lesson)
    return lesson


def _complete(lesson: Lesson, volunteer: Volunteer, via: str) -> Completion | None:
    try:
        with transaction.atomic():
            row = Completion.objects.create(
                lesson=lesson, volunteer=volunteer, via=via, at=timezone.now(),
                **copy_scope(volunteer),
            )  # fmt: skip
    except IntegrityError:
        return None  # completed before: once per member
    publish(
        domain_events.LESSON_COMPLETED,
        completion_id=row.pk,
        lesson_id=lesson.pk,
        course_id=lesson.course_id,
        member_id=volunteer.member_id,
        community_id=volunteer.community_id,
        on=timezone.localdate(row.at),
    )
    return row


def lesson_complete_on_checkin(event: Event, volunteer: Volunteer) -> Completion | None:
    lesson = Lesson.objects.filter(event=event).first()
    return _complete(lesson, volunteer, Completion.Via.CHECKIN) if lesson else None


@transaction.atomic
def e_lesson_complete(
    lesson: Lesson, volunteer: Volunteer, *, actor: User | None = None
) -> Completion:
    if lesson.kind != Lesson.Kind.E_LESSON:
        raise ActivityError("专题讲座以到场签到记录学习", status=409)
    if volunteer.withdrawn_at is not None:
        raise ActivityError("您已撤回参加活动的同意", "volunteer", 409)
    row = _complete(lesson, volunteer, Completion.Via.E_LESSON)
    if row is None:
        return Completion.objects.get(lesson=lesson, volunteer=volunteer)
    audit_record("activity.lesson_completed", user=actor, obj=row)
    return row
