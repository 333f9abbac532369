"""Rates: one convention for every rate the platform shows (ADR 0010).

A rate is a percentage rounded to one decimal (`95.0` is 95 %), or None when
there is nothing to divide by (no unit, no need): pages show "—", the API
`null`. Pages, API, exports and charts all carry the same number, so none of
them multiplies or divides by 100 again.
"""

from __future__ import annotations


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` as a percentage with one decimal; None when `whole` is 0."""
    return round(part * 100 / whole, 1) if whole else None
