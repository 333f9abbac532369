"""The workflow of one organization's rating: self-assessment, review, confirmation, appeal.

Callers fetch the rating through `ratings.access` first (404 outside scope);
each function locks the row, checks the move against
`workflow.ALLOWED_TRANSITIONS` and the actor's permission, writes the history
row, the audit row and the notifications in one transaction, and raises
`RatingError` (Chinese message) with nothing written when refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from lianjian.core.attachments import AttachmentError, check_attachments
from lianjian.core.audit import audit_record
from lianjian.core.events import publish
from lianjian.core.notifications import notify
from lianjian.core.permissions import user_has_perm
from lianjian.core.roles import Role
from lianjian.ratings import workflow
from lianjian.ratings.models import (
    CriterionScore,
    Evidence,
    Method,
    Rating,
    RatingEvent,
    RatingStatus,
    Round,
)
from lianjian.ratings.services import RatingError, decimal_in, stars_for, total_of

if TYPE_CHECKING:
    from lianjian.accounts.models import User

S = RatingStatus
MAX_EVIDENCE_FILES = 5
CONFIRMED_EVENT = "ratings.rating_confirmed"


def _locked(rating: Rating, version: int | None) -> Rating:
    row = (
        Rating.objects.select_for_update()
        .select_related("round__scheme", "party_org")
        .get(pk=rating.pk)
    )
    if version is not None and row.version != version:
        raise RatingError("该定级已被他人处理，请刷新页面后再试", "version")
    if row.round.status != Round.Status.OPEN:
        raise RatingError("本轮评定已结束", "round")
    return row


def _move(rating: Rating, target: str, actor: User | None, note: str = "") -> None:
    allowed = workflow.moves_from(rating.status)
    if target not in allowed:
        raise RatingError(workflow.refusal(rating.status, target), "status")
    if actor is not None and not user_has_perm(actor, allowed[target]):
        raise RatingError("您没有执行此操作的权限", "status")
    RatingEvent.objects.create(
        rating=rating,
        from_status=rating.status,
        to_status=target,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "")[:150],
        note=note,
    )
    label = workflow.MOVE_LABELS.get((rating.status, target), target)
    rating.status = target
    rating.version += 1
    rating.save()
    audit_record("rating.move", user=actor, obj=rating, detail={"to": target, "move": label})


def org_admins(rating: Rating) -> list[User]:
    from lianjian.accounts.models import User

    org = rating.party_org
    return list(
        User.objects.filter(
            is_active=True,
            grants__role=Role.UNIT_ADMIN,
            grants__party_org__path__in=[
                org.path[:n] for n in range(org.steplen, len(org.path) + 1, org.steplen)
            ],
        ).distinct()
    )


def _region_staff(role: str, region_id: int | None) -> list[User]:
    from lianjian.accounts.models import User

    if not region_id:
        return []
    return list(
        User.objects.filter(
            is_active=True, grants__role=role, grants__region_id=region_id
        ).distinct()
    )


def _scores(rating: Rating) -> dict[int, CriterionScore]:
    return {s.criterion_id: s for s in rating.scores.select_related("criterion")}


# ---------------------------------------------------------------- the organization


@transaction.atomic
def self_assessment_save(
    rating: Rating,
    *,
    scores: Mapping[int, Mapping[str, object]],
    summary: str | None = None,
    actor: User | None = None,
    version: int | None = None,
) -> Rating:
    """The organization's own scores and evidence on its hand-scored criteria.

    `scores` maps a criterion id to {"score", "evidence_text"}; a computed
    criterion's score comes from the platform and is not the organization's to set."""
    rating = _locked(rating, version)
    if rating.status not in workflow.SELF_EDITABLE:
        raise RatingError(workflow.refusal(rating.status, S.SUBMITTED), "status")
    if actor is not None and not user_has_perm(actor, workflow.SELF_ASSESS):
        raise RatingError("您没有执行此操作的权限", "status")
    existing = _scores(rating)
    changed: list[CriterionScore] = []
    for key, data in scores.items():
        row = existing.get(int(key))
        if row is None:
            raise RatingError("指标不属于本方案", "scores")
        if row.criterion.method == Method.COMPUTED:
            continue
        field = f"score_{row.criterion_id}"
        if data.get("score") not in (None, ""):
            row.self_score = decimal_in(
                data.get("score"), f"“{row.criterion.name}”得分", field, Decimal(0),
                row.criterion.max_score,
            )  # fmt: skip
        text = str(data.get("evidence_text") or "").replace("\x00", "").strip()
        if len(text) > 2000:
            raise RatingError("佐证说明不能超过 2000 字", f"evidence_{row.criterion_id}")
        row.evidence_text = text
        changed.append(row)
    CriterionScore.objects.bulk_update(changed, ["self_score", "evidence_text"])
    if summary is not None:
        rating.summary = str(summary).replace("\x00", "").strip()[:4000]
    rating.self_total = total_of(
        rating.round.scheme, {k: v.self_score for k, v in existing.items()}
    )
    rating.save(update_fields=["summary", "self_total", "updated_at"])
    audit_record("rating.self_save", user=actor, obj=rating, detail={"criteria": len(changed)})
    return rating


@transaction.atomic
def evidence_add(
    rating: Rating, criterion_id: int, files: Iterable[UploadedFile], *, actor: User | None = None
) -> list[Evidence]:
    rating = _locked(rating, None)
    if rating.status not in workflow.SELF_EDITABLE:
        raise RatingError(workflow.refusal(rating.status, S.SUBMITTED), "status")
    row = rating.scores.filter(criterion_id=criterion_id, criterion__method=Method.MANUAL).first()
    if row is None:
        raise RatingError("该指标不需要上传佐证材料", "criterion")
    already = row.files.count()
    try:
        checked = check_attachments(files, max_files=max(0, MAX_EVIDENCE_FILES - already))
    except AttachmentError as exc:
        raise RatingError(str(exc), "files") from None
    out = []
    for f in checked:
        ev = Evidence(
            score=row,
            token=secrets.token_hex(16),
            extension=f.extension,
            content_type=f.content_type,
            original_name=f.name,
            size=len(f.data),
        )
        ev.file.save("upload", ContentFile(f.data), save=False)
        ev.save()
        out.append(ev)
    audit_record("rating.evidence_add", user=actor, obj=rating, detail={"files": len(out)})
    return out


@transaction.atomic
def rating_submit(
    rating: Rating, *, actor: User | None = None, version: int | None = None
) -> Rating:
    """Send the self-assessment to the street: every hand-scored criterion scored, and
    those asking for evidence carrying a text or a file."""
    rating = _locked(rating, version)
    rows = _scores(rating)
    for row in rows.values():
        if row.criterion.method != Method.MANUAL:
            continue
        if row.self_score is None:
            raise RatingError(f"请为“{row.criterion.name}”自评打分", f"score_{row.criterion_id}")
        if row.criterion.evidence_required and not row.evidence_text and not row.files.exists():
            raise RatingError(
                f"“{row.criterion.name}”须提供佐证材料", f"evidence_{row.criterion_id}"
            )
    rating.self_total = total_of(rating.round.scheme, {k: v.self_score for k, v in rows.items()})
    rating.submitted_at = timezone.now()
    _move(rating, S.SUBMITTED, actor)
    notify(
        _region_staff(Role.STREET_STAFF, rating.street_id),
        "党组织定级自评待审核",
        rating.party_org.name,
        f"/ratings/ratings/{rating.pk}/",
        kind="ratings.submitted",
    )
    return rating


@transaction.atomic
def rating_appeal(
    rating: Rating, *, reason: str, actor: User | None = None, version: int | None = None
) -> Rating:
    rating = _locked(rating, version)
    text = str(reason or "").replace("\x00", "").strip()
    if len(text) < 5:
        raise RatingError("请写明申诉理由（至少 5 个字）", "reason")
    if len(text) > 2000:
        raise RatingError("申诉理由不能超过 2000 字", "reason")
    rating.appeal_reason = text
    _move(rating, S.APPEALED, actor, text)
    notify(
        _region_staff(Role.DISTRICT_ADMIN, rating.district_id),
        "党组织对定级结果提出申诉",
        f"{rating.party_org.name}：{text[:60]}",
        f"/ratings/ratings/{rating.pk}/",
        kind="ratings.appeal",
    )
    return rating


# ---------------------------------------------------------------- the street


@transaction.atomic
def rating_review(
    rating: Rating,
    *,
    scores: Mapping[int, Mapping[str, object]] | None = None,
    comment: str = "",
    approve: bool = True,
    actor: User | None = None,
    version: int | None = None,
) -> Rating:
    """The street's scores and comments; approved, the rating goes to the district with
    its total, grade and stars; returned, back to the organization (a comment required)."""
    rating = _locked(rating, version)
    if rating.status not in workflow.REVIEW_EDITABLE:
        target = S.REVIEWED if approve else S.RETURNED
        raise RatingError(workflow.refusal(rating.status, target), "status")
    comment = str(comment or "").replace("\x00", "").strip()[:2000]
    rows = _scores(rating)
    changed = []
    for key, data in (scores or {}).items():
        row = rows.get(int(key))
        if row is None:
            raise RatingError("指标不属于本方案", "scores")
        if row.criterion.method == Method.MANUAL and data.get("score") not in (None, ""):
            row.review_score = decimal_in(
                data.get("score"), f"“{row.criterion.name}”审核分", f"score_{row.criterion_id}",
                Decimal(0), row.criterion.max_score,
            )  # fmt: skip
        row.comment = str(data.get("comment") or "").replace("\x00", "").strip()[:2000]
        changed.append(row)
    CriterionScore.objects.bulk_update(changed, ["review_score", "comment"])
    rating.review_comment = comment
    if approve:
        scheme = rating.round.scheme
        total = total_of(scheme, {k: v.score for k, v in rows.items()})
        rating.total = total
        rating.grade = scheme.grade_for(total)
        rating.stars = stars_for(scheme, total)
        rating.reviewed_at = timezone.now()
        _move(rating, S.REVIEWED, actor, comment)
        notify(
            _region_staff(Role.DISTRICT_ADMIN, rating.district_id),
            "党组织定级待确认",
            f"{rating.party_org.name}：{rating.get_grade_display()}（{total} 分）",
            f"/ratings/ratings/{rating.pk}/",
            kind="ratings.submitted",
        )
    else:
        if not comment:
            raise RatingError("退回时请填写审核意见", "comment")
        _move(rating, S.RETURNED, actor, comment)
        notify(
            org_admins(rating),
            "党组织定级自评被退回",
            f"{rating.party_org.name}：{comment[:60]}",
            f"/ratings/ratings/{rating.pk}/",
            kind="ratings.returned",
        )
    return rating


# ---------------------------------------------------------------- the district


@transaction.atomic
def rating_confirm(
    rating: Rating, *, note: str = "", actor: User | None = None, version: int | None = None
) -> Rating:
    """Confirm the reviewed grade (or uphold it after an appeal): locked from now on."""
    rating = _locked(rating, version)
    rating.confirmed_at = timezone.now()
    _move(rating, S.CONFIRMED, actor, str(note or "").strip()[:2000])
    notify(
        org_admins(rating),
        "党组织定级结果已确认",
        f"{rating.party_org.name}：{rating.get_grade_display()}"
        + (f"，{rating.stars} 星" if rating.stars else ""),
        f"/ratings/ratings/{rating.pk}/",
        kind="ratings.confirmed",
    )
    publish(
        CONFIRMED_EVENT,
        rating_id=rating.pk,
        party_org_id=rating.party_org_id,
        year=rating.year,
        grade=rating.grade,
        stars=rating.stars,
    )
    return rating


@transaction.atomic
def rating_send_back(
    rating: Rating, *, note: str, actor: User | None = None, version: int | None = None
) -> Rating:
    """The district sends a reviewed (or appealed) rating back to the street."""
    rating = _locked(rating, version)
    note = str(note or "").replace("\x00", "").strip()[:2000]
    if not note:
        raise RatingError("请填写退回原因", "note")
    # the street scores it again: the grade it had counts nowhere until confirmed again
    rating.grade, rating.total, rating.stars, rating.confirmed_at = "", None, 0, None
    _move(rating, S.SUBMITTED, actor, note)
    notify(
        _region_staff(Role.STREET_STAFF, rating.street_id),
        "党组织定级退回复核",
        f"{rating.party_org.name}：{note[:60]}",
        f"/ratings/ratings/{rating.pk}/",
        kind="ratings.returned",
    )
    return rating
