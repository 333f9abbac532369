"""帮扶对子: a co-building unit's long-running pairing with a household, and its visits."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.core.attachments import IMAGES, AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.projects.models import Pair, PairVisit, PairVisitPhoto, Registration, RegStatus
from lianjian.projects.services import CONSENT_VERSION, ProjectError, _user, count, money, text

if TYPE_CHECKING:
    from lianjian.accounts.models import User

MAX_PHOTOS = 4


def _past_date(value: object, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ProjectError(f"{label}格式应为 YYYY-MM-DD", field)
    if value > timezone.localdate() or value < dt.date(2000, 1, 1):
        raise ProjectError(f"{label}应在 2000 年到今天之间", field)
    return value


def _lock_open(pair: Pair) -> None:
    """Lock the pair's row; an ended pair takes no more visits and cannot end twice."""
    ended_on = Pair.objects.select_for_update().values_list("ended_on", flat=True).get(pk=pair.pk)
    if ended_on is not None or pair.ended_on is not None:
        raise ProjectError("该帮扶对子已结束", "pair")


@transaction.atomic
def pair_create(
    *,
    registration: Registration,
    household_name: str,
    people: int | str,
    consent: bool,
    started_on: dt.date,
    household_note: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Pair:
    """Pair a unit registered at the community with a household there (with consent)."""
    if registration.status != RegStatus.APPROVED or not registration.party_org_id:
        raise ProjectError("须由已在该社区报到的共建单位结对", "registration")
    if consent is not True:
        raise ProjectError("登记帮扶对象须经本人同意", "consent")
    region = registration.region
    pair = Pair.objects.create(
        registration=registration,
        party_org_id=registration.party_org_id,
        region=region,
        household_name=text(household_name, "household_name", "帮扶对象", 50),
        household_note=text(household_note, "household_note", "困难情况", 500, required=False),
        people=count(people, "people", "家庭人数", 1, 50),
        consent_version=CONSENT_VERSION,
        consented_at=timezone.now(),
        started_on=_past_date(started_on, "started_on", "结对日期"),
        **region.ancestor_ids(),
    )
    audit_record("project.pair_create", user=actor, request=request, obj=pair)
    return pair


@transaction.atomic
def pair_visit_log(
    pair: Pair,
    *,
    visited_on: dt.date,
    note: str,
    value: Decimal | int | str = 0,
    photos: Iterable[UploadedFile] = (),
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> PairVisit:
    """Log one visit or act of help, with photos taken on the phone (checked images)."""
    _lock_open(pair)
    day = _past_date(visited_on, "visited_on", "帮扶日期")
    if day < pair.started_on:
        raise ProjectError("帮扶日期不能早于结对日期", "visited_on")
    note = text(note, "note", "帮扶内容", 500)
    amount = money(value, "value", "价值")
    try:
        checked = check_attachments(photos, max_files=MAX_PHOTOS, accept=IMAGES)
    except AttachmentError as exc:
        raise ProjectError(str(exc), "photos") from None
    visit = PairVisit.objects.create(
        pair=pair, visited_on=day, note=note, value=amount, created_by=_user(actor)
    )
    for f in checked:
        photo = PairVisitPhoto(
            visit=visit,
            token=secrets.token_hex(16),
            extension=f.extension,
            content_type=f.content_type,
            original_name=f.name,
            size=len(f.data),
        )
        photo.file.save("upload", ContentFile(f.data), save=False)
        photo.save()
    audit_record("project.pair_visit", user=actor, request=request, obj=pair)
    return visit


@transaction.atomic
def pair_end(
    pair: Pair,
    *,
    ended_on: dt.date,
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> Pair:
    _lock_open(pair)
    day = _past_date(ended_on, "ended_on", "结束日期")
    if day < pair.started_on:
        raise ProjectError("结束日期不能早于结对日期", "ended_on")
    pair.ended_on = day
    pair.household_note = ""  # processing ends with the pairing
    pair.save(update_fields=["ended_on", "household_note", "updated_at"])
    audit_record("project.pair_end", user=actor, request=request, obj=pair)
    return pair
