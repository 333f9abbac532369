"""Needs triage: propose a category and a department for a need's text at once.

`propose` is what intake calls. A street with enough confirmed history has
its own trained model (`history.retrain`, run by the `retrain_triage` task or
`lianjian triage retrain`); until then the street's category keywords decide;
when neither can, the proposal is empty and a dispatcher chooses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lianjian.needs.triage.keywords import keyword_match, parse_keywords
from lianjian.needs.triage.model import TriageError, TriageModel

logger = logging.getLogger(__name__)

__all__ = [
    "Proposal",
    "TriageError",
    "TriageModel",
    "keyword_match",
    "parse_keywords",
    "propose",
]


@dataclass(frozen=True)
class Proposal:
    category_id: int | None
    department_id: int | None
    confidence: float
    source: str  # "model" | "keywords" | "none"


NO_PROPOSAL = Proposal(None, None, 0.0, "none")


def _department_for(street_id: int, category_id: int) -> tuple[bool, int | None]:
    """(category still usable, routed department id) through the needs routing rule."""
    try:
        from lianjian.needs.models import Category
        from lianjian.needs.services import route_for
    except ImportError:
        return True, None
    category = (
        Category.objects.filter(pk=category_id, street_id=street_id, is_active=True)
        .select_related("department", "parent__department")
        .first()
    )
    if category is None:
        return False, None
    department = route_for(street_id, category)
    return True, department.pk if department is not None else None


def propose(text: str, street_id: int | None) -> Proposal:
    """The street's model if it has one, else its keyword rules, else no proposal."""
    from lianjian.needs.triage import history

    if not street_id or not (text or "").strip():
        return NO_PROPOSAL
    model = history.load_model(street_id)
    if model is not None:
        label, confidence = model.predict(text)
        usable, department_id = _department_for(street_id, int(label))
        if usable:
            return Proposal(int(label), department_id, round(confidence, 4), "model")
        logger.info("triage model for street %s proposed a retired category", street_id)
    category_id, confidence = history.keyword_proposal(text, street_id)
    if category_id is not None:
        usable, department_id = _department_for(street_id, category_id)
        if usable:
            return Proposal(category_id, department_id, confidence, "keywords")
    return NO_PROPOSAL
