"""Triage over a deployment's own history: training data, model files, retraining.

Each street has its own categories, so each street gets its own model,
trained on its needs whose category a dispatcher confirmed. The needs app is
read defensively (missing tables or fields mean "no history"), so intake keeps
working whatever state the needs schema is in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from lianjian.needs.triage.keywords import keyword_match, parse_keywords
from lianjian.needs.triage.model import TriageError, TriageModel

logger = logging.getLogger(__name__)

DEFAULT_MIN_HISTORY = 100
DEFAULT_RETRAIN_EVERY = 50
# one queued retraining per street at a time; the lock also spaces out retries
# when training cannot succeed (e.g. every label in one category)
RETRAIN_LOCK_SECONDS = 600


def min_history() -> int:
    """Labelled needs a street needs before its model replaces the keyword rules."""
    return int(getattr(settings, "TRIAGE_MIN_HISTORY", DEFAULT_MIN_HISTORY))


def retrain_every() -> int:
    """New dispatcher labels after which a street's model is retrained on its own."""
    return int(getattr(settings, "TRIAGE_RETRAIN_EVERY", DEFAULT_RETRAIN_EVERY))


def model_dir() -> Path:
    """Where models live: per database, so a test database never reads a dev model."""
    base = Path(getattr(settings, "TRIAGE_MODEL_DIR", None) or Path(settings.VAR_DIR) / "triage")
    db = connection.settings_dict
    ident = f"{db.get('ENGINE')}|{db.get('HOST')}|{db.get('PORT')}|{db.get('NAME')}"
    return base / hashlib.sha256(ident.encode()).hexdigest()[:12]


def model_path(street_id: int) -> Path:
    return model_dir() / f"street-{int(street_id)}.joblib"


# ---------------------------------------------------------------- training data


def labelled_history(street_id: int) -> tuple[list[str], list[str]]:
    """(texts, category-id labels) a dispatcher confirmed in this street.

    The latest correction row of a need wins; dispatched needs without any
    correction row (imported history) count with their current category.
    Only active categories are labels: a retired category must not be proposed.
    """
    try:
        from lianjian.needs.models import Category, Need, TriageCorrection
    except ImportError:
        return [], []
    try:
        active = set(
            Category.objects.filter(street_id=street_id, is_active=True).values_list(
                "pk", flat=True
            )
        )
        latest: dict[int, tuple[str, int]] = {}
        rows = (
            TriageCorrection.objects.filter(street_id=street_id)
            .order_by("created_at", "pk")
            .values_list("need_id", "text", "category_id")
        )
        for need_id, text, category_id in rows.iterator():
            latest[need_id] = (text, category_id)
        needs = (
            Need.objects.filter(
                street_id=street_id, category__isnull=False, dispatched_at__isnull=False
            )
            .exclude(pk__in=list(latest))
            .values_list("pk", "text", "category_id")
        )
        for need_id, text, category_id in needs.iterator():
            latest[need_id] = (text, category_id)
    except DatabaseError:
        logger.warning("triage history unavailable for street %s", street_id)
        return [], []
    pairs = [(t, str(c)) for t, c in latest.values() if c in active and t]
    return [t for t, _ in pairs], [c for _, c in pairs]


def keyword_rules(street_id: int) -> dict[str, list[str]]:
    """{category id: keywords} from the street's active categories."""
    try:
        from lianjian.needs.models import Category
    except ImportError:
        return {}
    try:
        rows = Category.objects.filter(street_id=street_id, is_active=True).values_list(
            "pk", "keywords"
        )
        return {str(pk): parse_keywords(raw) for pk, raw in rows if raw}
    except DatabaseError:
        return {}


def keyword_proposal(text: str, street_id: int) -> tuple[int | None, float]:
    label, confidence = keyword_match(text, keyword_rules(street_id))
    return (int(label), confidence) if label else (None, 0.0)


# ---------------------------------------------------------------- model files


_CACHE: dict[Path, tuple[float, TriageModel]] = {}


def load_model(street_id: int) -> TriageModel | None:
    """The street's model, cached in the process and reloaded when its file changes."""
    path = model_path(street_id)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        _CACHE.pop(path, None)
        return None
    cached = _CACHE.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        model = TriageModel.load(path)
    except Exception:  # a corrupt or foreign file: fall back to keywords, never crash intake
        logger.exception("triage model unreadable: %s", path.name)
        return None
    _CACHE[path] = (mtime, model)
    return model


@dataclass(frozen=True)
class RetrainResult:
    street_id: int
    samples: int
    classes: int
    trained: bool
    seconds: float
    reason: str = ""


def retrain(street_id: int) -> RetrainResult:
    """Train the street's model from its history, or remove it when history is too small."""
    started = time.perf_counter()
    texts, labels = labelled_history(street_id)
    classes = len(set(labels))
    path = model_path(street_id)
    if len(texts) < min_history() or classes < 2:
        path.unlink(missing_ok=True)
        _CACHE.pop(path, None)
        reason = (
            f"已标注需求 {len(texts)} 条、{classes} 个类别，不足 {min_history()} 条，使用关键词规则"
        )
        return RetrainResult(street_id, len(texts), classes, False, 0.0, reason)
    try:
        model = TriageModel.train(texts, labels)
    except TriageError as exc:
        return RetrainResult(street_id, len(texts), classes, False, 0.0, str(exc))
    model.save(path)
    _CACHE.pop(path, None)
    seconds = round(time.perf_counter() - started, 2)
    return RetrainResult(street_id, len(texts), classes, True, seconds)


def trained_at(street_id: int) -> dt.datetime | None:
    """When the street's current model was written (None: it has none)."""
    try:
        return dt.datetime.fromtimestamp(model_path(street_id).stat().st_mtime, tz=dt.UTC)
    except OSError:
        return None


def labels_since_training(street_id: int, cap: int) -> int:
    """Dispatcher labels written since the model was trained, counted up to `cap`.

    Capped so the check that runs after every dispatch reads at most `cap` rows.
    """
    from lianjian.needs.models import TriageCorrection

    since = trained_at(street_id)
    recent = TriageCorrection.objects.filter(street_id=street_id)
    if since is not None:
        recent = recent.filter(created_at__gt=since)
    return recent.order_by()[:cap].count()


def labelled_needs(street_id: int, cap: int) -> int:
    """Dispatched needs with a category (the training set before any model), up to `cap`."""
    from lianjian.needs.models import Need

    labelled = Need.objects.filter(
        street_id=street_id, category__isnull=False, dispatched_at__isnull=False
    )
    return labelled.order_by()[:cap].count()


def retrain_due(street_id: int) -> bool:
    """A model exists and enough new labels arrived, or there is none and history suffices."""
    if trained_at(street_id) is not None:
        return labels_since_training(street_id, retrain_every()) >= retrain_every()
    return labelled_needs(street_id, min_history()) >= min_history()


def _lock_key(street_id: int) -> str:
    return f"triage:retrain:{model_dir().name}:{int(street_id)}"


def schedule_retrain(street_id: int, *, force: bool = False) -> bool:
    """Queue the street's retraining when due (or asked for); False if not queued.

    Dispatch calls this after its transaction commits; any failure is logged,
    never raised, because a dispatch must not fail over training.
    """
    try:
        if not force and not retrain_due(street_id):
            return False
        if not cache.add(_lock_key(street_id), 1, RETRAIN_LOCK_SECONDS):
            return False
        from lianjian.needs.triage.tasks import retrain_triage

        retrain_triage.enqueue(int(street_id))
        return True
    except Exception:
        logger.exception("could not queue triage retraining for street %s", street_id)
        return False


def retrain_finished(street_id: int) -> None:
    cache.delete(_lock_key(street_id))


@dataclass(frozen=True)
class ModelStatus:
    trained_at: dt.datetime | None
    samples: int
    classes: int
    new_labels: int
    min_history: int
    retrain_every: int
    queued: bool


def model_status(street_id: int) -> ModelStatus:
    """What the configuration page shows about a street's triage model."""
    model = load_model(street_id)
    shown = 10_000  # counts above this read as "10000+" on the page
    return ModelStatus(
        trained_at=trained_at(street_id) if model is not None else None,
        samples=model.n_samples if model is not None else 0,
        classes=len(model.labels) if model is not None else 0,
        new_labels=labels_since_training(street_id, shown)
        if model is not None
        else labelled_needs(street_id, shown),
        min_history=min_history(),
        retrain_every=retrain_every(),
        queued=cache.get(_lock_key(street_id)) is not None,
    )


def streets_with_categories() -> list[int]:
    try:
        from lianjian.needs.models import Category
    except ImportError:
        return []
    try:
        return sorted(set(Category.objects.values_list("street_id", flat=True)))
    except DatabaseError:
        return []
