"""Objects of one community for the API fuzz's object-level authorization (fuzz/conftest.py).

`fuzz_world` needs, per street, one object for every path id of the activities
API; the coordinator adds `**activities_objects(tree.community_b1, tree.org_b1, "b")`
(and the same for street a) to the id maps it builds there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lianjian.activities import services


def activities_objects(community: Any, org: Any, suffix: str) -> dict[str, int]:
    from lianjian.accounts.models import User

    user = User.objects.create(
        username=f"volunteer_{suffix}", display_name="志愿者", must_change_password=False
    )
    volunteer = services.volunteer_join(user=user, region=community, name="志愿者", consent=True)
    soon = timezone.now() + dt.timedelta(minutes=10)
    event = services.event_create(
        actor=None, kind="service", title="巡河", region=community, organizer_org=org,
        starts_at=soon, ends_at=soon + dt.timedelta(hours=2), capacity=5, publish=True,
    )  # fmt: skip
    services.signup_create(event, volunteer)
    services.checkin_by_token(event.checkin_token, volunteer, actor=None)
    record = volunteer.hours.get()
    venue = services.venue_create(
        actor=None, name="活动室", region=community, owner_org=org, capacity=20,
        opens_at=dt.time(8), closes_at=dt.time(21),
    )  # fmt: skip
    day = timezone.localdate() + dt.timedelta(days=3)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    booking = services.booking_request(
        venue, actor=None, starts_at=start, ends_at=start + dt.timedelta(hours=1), purpose="学习"
    )
    roster = services.roster_create(
        actor=None, name="值守", region=community, posts=["1号"], days=[day],
        times=[(dt.time(7), dt.time(9))], capacity=2,
    )  # fmt: skip
    slot = roster.slots.get()
    shift = services.shift_take(slot, volunteer)
    course = services.course_create(actor=None, title="党课", organizer_org=org)
    lesson = services.e_lesson_add(course, actor=None, title="5分钟电子党课", body="内容")
    return {
        "event_id": event.pk,
        "record_id": record.pk,
        "venue_id": venue.pk,
        "booking_id": booking.pk,
        "roster_id": roster.pk,
        "slot_id": slot.pk,
        "shift_id": shift.pk,
        "lesson_id": lesson.pk,
        "course_id": course.pk,
    }
