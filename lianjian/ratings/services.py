"""Writes of rating schemes and rounds: criteria, publication, opening a round.

The workflow of each organization's rating lives in `ratings.flow`. Every
function validates first and raises `RatingError(message_zh, field)` with
nothing written; each write shares its transaction with its audit row.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from lianjian.core.audit import audit_record
from lianjian.orgs.models import LIANGXIN_KINDS, OrgUnitCoverage, PartyOrg, Region
from lianjian.ratings.indicators import indicators
from lianjian.ratings.models import (
    Criterion,
    CriterionGroup,
    CriterionScore,
    Method,
    Rating,
    RatingStatus,
    Round,
    Scheme,
    StarLevel,
)

if TYPE_CHECKING:
    from lianjian.accounts.models import User

ONE_DECIMAL = Decimal("0.1")
RATED_LEVELS = (
    PartyOrg.Level.COMMITTEE,
    PartyOrg.Level.GENERAL_BRANCH,
    PartyOrg.Level.BRANCH,
)


class RatingError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def decimal_in(value: object, label: str, field: str, low: Decimal, high: Decimal) -> Decimal:
    """A score or weight with one decimal, within [low, high]; a Chinese refusal otherwise."""
    if value is None or str(value).strip() == "":
        raise RatingError(f"请填写{label}", field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RatingError(f"{label}应为数字", field) from None
    if not number.is_finite() or not low <= number <= high:
        raise RatingError(f"{label}应在 {low} 到 {high} 之间", field)
    return number.quantize(ONE_DECIMAL)


def _text(value: object, label: str, field: str, max_len: int, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise RatingError(f"请填写{label}", field)
    if len(text) > max_len:
        raise RatingError(f"{label}不能超过 {max_len} 字", field)
    return text


def _draft(scheme: Scheme) -> None:
    """The one rule of every edit of a scheme: a draft, and no round started on it."""
    if Round.objects.filter(scheme_id=scheme.pk).exists():
        raise RatingError("本方案的评定已经开始，指标不能再修改", "scheme")
    # the stored status, not the caller's copy, which may be stale (a form opened before)
    status = Scheme.objects.filter(pk=scheme.pk).values_list("status", flat=True).first()
    if (status or scheme.status) != Scheme.Status.DRAFT:
        raise RatingError("方案已发布，指标不能再修改", "scheme")


def _save_named(
    obj: CriterionGroup | Criterion,
    *,
    taken: str,
    action: str,
    actor: User | None,
    detail: dict[str, object] | None = None,
) -> None:
    """Save a new or edited group or criterion with its audit row; `taken` refuses a name
    its scheme (a group) or group (a criterion) already holds."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise RatingError(taken, "name") from None
    audit_record(action, user=actor, obj=obj, detail=detail)


# ---------------------------------------------------------------- schemes

BOUNDS = (Decimal(0), Decimal(100))


def _thresholds(t: Mapping[str, object]) -> tuple[Decimal, Decimal, Decimal]:
    good = decimal_in(t.get("good_min"), "“好”最低分", "good_min", *BOUNDS)
    fair = decimal_in(t.get("fair_min"), "“较好”最低分", "fair_min", *BOUNDS)
    average = decimal_in(t.get("average_min"), "“一般”最低分", "average_min", *BOUNDS)
    if not good > fair > average:
        raise RatingError("等次分数线应满足：好 > 较好 > 一般", "good_min")
    return good, fair, average


def _stars_save(scheme: Scheme, stars: Mapping[int, object]) -> None:
    """Replace the scheme's star levels: level (1–5) -> minimum total; a blank drops one."""
    levels: dict[int, Decimal] = {}
    for level, minimum in stars.items():
        if level not in range(1, 6):
            raise RatingError("星级应为 1 到 5", "stars")
        if minimum is None or str(minimum).strip() == "":
            continue
        levels[level] = decimal_in(minimum, "星级分数线", "stars", *BOUNDS)
    ordered = [levels[k] for k in sorted(levels)]
    if any(a > b for a, b in itertools.pairwise(ordered)):
        raise RatingError("星级越高，分数线不能越低", "stars")
    StarLevel.objects.filter(scheme=scheme).delete()
    StarLevel.objects.bulk_create(
        [StarLevel(scheme=scheme, stars=k, min_score=v) for k, v in sorted(levels.items())]
    )


@transaction.atomic
def scheme_create(
    *,
    district: Region,
    year: int,
    name: str,
    thresholds: Mapping[str, object] | None = None,
    stars: Mapping[int, object] | None = None,
    actor: User | None = None,
) -> Scheme:
    """A draft scheme for `district` and `year`; `stars` maps 1–5 to the minimum total."""
    if district.level != Region.Level.DISTRICT:
        raise RatingError("评定方案只能按区制定", "district")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise RatingError("年度应在 2000 到 2100 之间", "year")
    good, fair, average = _thresholds(
        {"good_min": 90, "fair_min": 75, "average_min": 60, **(thresholds or {})}
    )
    if Scheme.objects.filter(district=district, year=year).exists():
        raise RatingError(f"{district.name}{year}年度已有评定方案", "year")
    scheme = Scheme.objects.create(
        district=district,
        year=year,
        name=_text(name, "方案名称", "name", 200),
        good_min=good,
        fair_min=fair,
        average_min=average,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _stars_save(scheme, stars or {})
    audit_record("rating.scheme_create", user=actor, obj=scheme, detail={"year": year})
    return scheme


@transaction.atomic
def group_add(
    scheme: Scheme, *, name: str, weight: object, order: int = 0, actor: User | None = None
) -> CriterionGroup:
    _draft(scheme)
    group = CriterionGroup(scheme=scheme, order=order)
    return _group_save(
        group, name=name, weight=weight, order=None, action="rating.group_add", actor=actor
    )


def _group_save(
    group: CriterionGroup,
    *,
    name: str,
    weight: object,
    order: int | None,
    action: str,
    actor: User | None,
) -> CriterionGroup:
    """A group's checked name and weight (and a changed place, 0–999) saved and audited."""
    group.name = _text(name, "分组名称", "name", 100)
    group.weight = decimal_in(weight, "权重", "weight", Decimal("0.1"), Decimal(100))
    if order is not None:
        group.order = max(0, min(order, 999))
    _save_named(
        group,
        taken="同名分组已存在",
        action=action,
        actor=actor,
        detail={"scheme": group.scheme_id},
    )
    return group


@transaction.atomic
def criterion_add(
    group: CriterionGroup,
    *,
    name: str,
    max_score: object,
    method: str = Method.MANUAL,
    indicator: str = "",
    target: object = None,
    description: str = "",
    evidence_required: bool = False,
    order: int = 0,
    actor: User | None = None,
) -> Criterion:
    """A criterion of `group`: computed from an indicator, or scored by hand."""
    scheme = group.scheme
    _draft(scheme)
    criterion = Criterion(
        group=group,
        scheme=scheme,
        order=order,
        **_criterion_fields(
            name=name,
            max_score=max_score,
            method=method,
            indicator=indicator,
            target=target,
            description=description,
            evidence_required=evidence_required,
        ),
    )
    _save_named(
        criterion,
        taken="本分组已有同名指标",
        action="rating.criterion_add",
        actor=actor,
        detail={"group": group.pk},
    )
    return criterion


@transaction.atomic
def scheme_update(
    scheme: Scheme,
    *,
    name: str,
    thresholds: Mapping[str, object],
    stars: Mapping[int, object],
    actor: User | None = None,
) -> Scheme:
    """A draft's name, grade thresholds and star levels (the whole set of stars)."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _draft(scheme)
    scheme.name = _text(name, "方案名称", "name", 200)
    scheme.good_min, scheme.fair_min, scheme.average_min = _thresholds(thresholds)
    scheme.save(update_fields=["name", "good_min", "fair_min", "average_min", "updated_at"])
    _stars_save(scheme, stars)
    audit_record("rating.scheme_update", user=actor, obj=scheme)
    return scheme


@transaction.atomic
def group_update(
    group: CriterionGroup,
    *,
    name: str,
    weight: object,
    order: int | None = None,
    actor: User | None = None,
) -> CriterionGroup:
    _draft(group.scheme)
    return _group_save(
        group, name=name, weight=weight, order=order, action="rating.group_update", actor=actor
    )


@transaction.atomic
def group_remove(group: CriterionGroup, *, actor: User | None = None) -> None:
    """Drop a group of a draft, with its criteria."""
    _draft(group.scheme)
    audit_record("rating.group_remove", user=actor, obj=group, detail={"name": group.name})
    group.delete()


class CriterionFields(TypedDict):
    name: str
    description: str
    max_score: Decimal
    method: str
    indicator: str
    target: float | None
    evidence_required: bool


def _criterion_fields(
    *,
    name: str,
    max_score: object,
    method: str,
    indicator: str,
    target: object,
    description: str,
    evidence_required: bool,
) -> CriterionFields:
    """The checked fields of a criterion: an indicator from the documented list and the
    value that earns full marks when computed, nothing of the kind when scored by hand."""
    if method not in Method.values:
        raise RatingError("评分方式不正确", "method")
    target_value: float | None = None
    if method == Method.COMPUTED:
        if indicator not in indicators():
            raise RatingError("未知的数据指标", "indicator")
        target_value = float(
            decimal_in(target, "满分对应值", "target", Decimal("0.1"), Decimal(10**6))
        )
    else:
        indicator = ""
    return {
        "name": _text(name, "指标名称", "name", 200),
        "description": _text(description, "评分说明", "description", 2000, required=False),
        "max_score": decimal_in(max_score, "满分", "max_score", Decimal("0.1"), Decimal(100)),
        "method": method,
        "indicator": indicator,
        "target": target_value,
        "evidence_required": bool(evidence_required) and method == Method.MANUAL,
    }


@transaction.atomic
def criterion_update(
    criterion: Criterion,
    *,
    name: str,
    max_score: object,
    method: str = Method.MANUAL,
    indicator: str = "",
    target: object = None,
    description: str = "",
    evidence_required: bool = False,
    actor: User | None = None,
) -> Criterion:
    _draft(criterion.scheme)
    fields = _criterion_fields(
        name=name,
        max_score=max_score,
        method=method,
        indicator=indicator,
        target=target,
        description=description,
        evidence_required=evidence_required,
    )
    for key, value in fields.items():
        setattr(criterion, key, value)
    _save_named(
        criterion, taken="本分组已有同名指标", action="rating.criterion_update", actor=actor
    )
    return criterion


@transaction.atomic
def criterion_remove(criterion: Criterion, *, actor: User | None = None) -> None:
    _draft(criterion.scheme)
    audit_record(
        "rating.criterion_remove", user=actor, obj=criterion, detail={"name": criterion.name}
    )
    criterion.delete()


@transaction.atomic
def scheme_publish(scheme: Scheme, *, actor: User | None = None) -> Scheme:
    """Fix the criteria: weights add up to 100 and every group holds a criterion."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _draft(scheme)
    groups = list(scheme.groups.all())
    if not groups:
        raise RatingError("方案还没有指标分组", "groups")
    if sum((g.weight for g in groups), Decimal(0)) != Decimal(100):
        raise RatingError("各分组权重之和应为 100", "weight")
    empty = [g.name for g in groups if not g.criteria.exists()]
    if empty:
        raise RatingError(f"分组“{empty[0]}”还没有指标", "criteria")
    scheme.status = Scheme.Status.PUBLISHED
    scheme.save(update_fields=["status", "updated_at"])
    audit_record("rating.scheme_publish", user=actor, obj=scheme)
    return scheme


@transaction.atomic
def scheme_build(*, district: Region, data: Mapping[str, Any], actor: User | None = None) -> Scheme:
    """A whole scheme from one description (the API's body): all of it or nothing.

    `data` is that body's JSON values (or `scheme_copy`'s, of the same shape)."""
    scheme = scheme_create(
        district=district,
        year=data["year"],
        name=data["name"],
        thresholds={k: data[k] for k in ("good_min", "fair_min", "average_min") if k in data},
        stars={s["stars"]: s["min_score"] for s in data.get("stars") or ()},
        actor=actor,
    )
    for i, g in enumerate(data.get("groups") or (), start=1):
        group = group_add(scheme, name=g["name"], weight=g["weight"], order=i, actor=actor)
        for j, c in enumerate(g.get("criteria") or (), start=1):
            criterion_add(group, order=j, actor=actor, **c)
    if data.get("publish"):
        scheme = scheme_publish(scheme, actor=actor)
    return scheme


@transaction.atomic
def scheme_copy(scheme: Scheme, *, year: int, actor: User | None = None) -> Scheme:
    """Next year's draft from this one: the same thresholds, stars, groups and criteria."""
    data: dict[str, Any] = {  # `scheme_build`'s description, as the API's body
        "year": year,
        "name": scheme.name.replace(str(scheme.year), str(year))
        if str(scheme.year) in scheme.name
        else f"{scheme.name}（{year}）",
        "good_min": scheme.good_min,
        "fair_min": scheme.fair_min,
        "average_min": scheme.average_min,
        "stars": [{"stars": s.stars, "min_score": s.min_score} for s in scheme.star_levels.all()],
        "groups": [
            {
                "name": g.name,
                "weight": g.weight,
                "criteria": [
                    {
                        "name": c.name,
                        "max_score": c.max_score,
                        "method": c.method,
                        "indicator": c.indicator,
                        "target": c.target,
                        "description": c.description,
                        "evidence_required": c.evidence_required,
                    }
                    for c in g.criteria.all()
                ],
            }
            for g in scheme.groups.prefetch_related("criteria")
        ],
    }
    return scheme_build(district=scheme.district, data=data, actor=actor)


# ---------------------------------------------------------------- totals


Structure = list[tuple[Decimal, list[tuple[int, Decimal]]]]


def scheme_structure(scheme: Scheme) -> Structure:
    """Each group's weight with its criteria's ids and maximum scores (read once)."""
    return [
        (g.weight, [(c.pk, c.max_score) for c in g.criteria.all()])
        for g in scheme.groups.prefetch_related("criteria")
    ]


def total_from(structure: Structure, scores: Mapping[int, Decimal | None]) -> Decimal:
    """The 100-point total: each group's weight times its share of its criteria's max."""
    total = Decimal(0)
    for weight, crits in structure:
        top = sum((m for _, m in crits), Decimal(0))
        got = sum((scores.get(pk) or Decimal(0) for pk, _ in crits), Decimal(0))
        if top:
            total += weight * got / top
    return total.quantize(ONE_DECIMAL)


def total_of(scheme: Scheme, scores: Mapping[int, Decimal | None]) -> Decimal:
    return total_from(scheme_structure(scheme), scores)


def stars_for(scheme: Scheme, total: Decimal) -> int:
    return max((s.stars for s in scheme.star_levels.all() if total >= s.min_score), default=0)


def computed_score(criterion: Criterion, value: float) -> Decimal:
    share = min(1.0, max(0.0, value / float(criterion.target or 1)))
    return (criterion.max_score * Decimal(str(share))).quantize(ONE_DECIMAL)


# ---------------------------------------------------------------- rounds


def orgs_in_scope(district: Region, scope: str) -> QuerySet[PartyOrg]:
    """The organizations a round rates: live committees, general branches and branches of
    the district; for 两新 rounds, those covering a live 两新 unit."""
    qs = PartyOrg.objects.filter(district=district, is_active=True, level__in=RATED_LEVELS)
    if scope == Round.Scope.LIANGXIN:
        covering = OrgUnitCoverage.objects.filter(
            until__isnull=True, unit__kind__in=LIANGXIN_KINDS
        ).values("party_org_id")
        qs = qs.filter(pk__in=covering)
    return qs


@transaction.atomic
def round_open(
    scheme: Scheme,
    *,
    name: str = "",
    scope: str = Round.Scope.LIANGXIN,
    self_due: dt.date | None = None,
    review_due: dt.date | None = None,
    orgs: Iterable[PartyOrg] | None = None,
    actor: User | None = None,
) -> Round:
    """Open the year's round: one pending rating per organization, computed criteria filled."""
    if scheme.status != Scheme.Status.PUBLISHED:
        raise RatingError("方案发布后才能开始评定", "scheme")
    if scope not in Round.Scope.values:
        raise RatingError("评定范围不正确", "scope")
    if Round.objects.filter(scheme=scheme).exists():
        raise RatingError("本方案的评定已经开始", "scheme")
    rnd = Round.objects.create(
        scheme=scheme,
        district=scheme.district,
        year=scheme.year,
        name=_text(name or f"{scheme.year}年度分类定级", "名称", "name", 200),
        scope=scope,
        self_due=self_due,
        review_due=review_due,
    )
    targets = list(orgs if orgs is not None else orgs_in_scope(scheme.district, scope))
    ratings = Rating.objects.bulk_create(
        [
            Rating(
                round=rnd,
                party_org=org,
                year=scheme.year,
                org_type=org.org_type,
                district_id=org.district_id,
                street_id=org.street_id,
                community_id=org.community_id,
                area_id=org.area_id,
            )
            for org in targets
        ],
        batch_size=1000,
    )
    criteria = list(scheme.criteria.all())
    CriterionScore.objects.bulk_create(
        [CriterionScore(rating=r, criterion=c) for r in ratings for c in criteria],
        batch_size=2000,
    )
    refresh_computed(rnd, ratings)
    audit_record(
        "rating.round_open", user=actor, obj=rnd, detail={"ratings": len(ratings), "scope": scope}
    )
    return rnd


def refresh_computed(rnd: Round, ratings: Sequence[Rating] | None = None) -> int:
    """Recompute every computed criterion of the round's ratings still open to change.

    A rating past the street's review keeps the values it was scored on."""
    if ratings is None:
        ratings = list(
            rnd.ratings.filter(
                status__in=[RatingStatus.PENDING, RatingStatus.RETURNED, RatingStatus.SUBMITTED]
            )
        )
    org_ids = [r.party_org_id for r in ratings]
    computed = [c for c in rnd.scheme.criteria.all() if c.method == Method.COMPUTED]
    if not org_ids or not computed:
        return 0
    known = indicators()
    rating_of = {r.party_org_id: r.pk for r in ratings}
    scores = {
        (s.rating_id, s.criterion_id): s
        for s in CriterionScore.objects.filter(
            rating_id__in=list(rating_of.values()), criterion__in=computed
        )
    }
    for criterion in computed:
        indicator = known.get(criterion.indicator)
        values = indicator.compute(org_ids, rnd.year) if indicator else {}
        for org_id, rating_id in rating_of.items():
            score = scores.get((rating_id, criterion.pk))
            if score is None:
                continue
            score.value = float(values.get(org_id, 0.0))
            score.self_score = computed_score(criterion, score.value)
            score.review_score = None
    CriterionScore.objects.bulk_update(
        scores.values(), ["value", "self_score", "review_score"], batch_size=2000
    )
    return len(scores)


def manual_q() -> Q:
    return Q(criterion__method=Method.MANUAL)
