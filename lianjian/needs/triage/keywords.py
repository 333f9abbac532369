"""Keyword rules: the triage fallback while a street has too little history.

Pure functions over `{label: [keyword, ...]}`, so the rules are data (each
street's `Category.keywords`) and the matcher is testable without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_SEPARATORS = re.compile(r"[\s,，、;；|/]+")
# keyword rules are coarser than a trained model: never claim more than this
MAX_KEYWORD_CONFIDENCE = 0.8


def parse_keywords(raw: str | None) -> list[str]:
    """Split a configured keyword string (spaces, commas, 、 or semicolons) into keywords."""
    seen: dict[str, None] = {}
    for word in _SEPARATORS.split((raw or "").strip().lower()):
        if word:
            seen.setdefault(word, None)
    return list(seen)


def keyword_match(text: str, rules: Mapping[str, Iterable[str]]) -> tuple[str | None, float]:
    """The label whose keywords cover the most characters of `text`, with a confidence.

    Each distinct keyword found counts its length (a longer keyword is more
    specific). A tie between labels answers `None`: a rule that cannot decide
    should not pretend to. Confidence is the winner's share of all matched
    weight, capped at MAX_KEYWORD_CONFIDENCE.
    """
    haystack = (text or "").lower()
    if not haystack:
        return None, 0.0
    weights: dict[str, int] = {}
    for label, keywords in rules.items():
        weight = sum(len(k) for k in {k.strip().lower() for k in keywords} if k and k in haystack)
        if weight:
            weights[label] = weight
    if not weights:
        return None, 0.0
    ranked = sorted(weights.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None, 0.0
    label, best = ranked[0]
    share = best / sum(weights.values())
    return label, round(min(MAX_KEYWORD_CONFIDENCE, share * MAX_KEYWORD_CONFIDENCE), 4)
