"""The one masking function for personal data (QUALITY.md S15).

Pages, API schemas, exports and logs all call `mask`, so a number is never
shown more fully in one place than in another.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["id_number", "mobile", "name"]


def mask(value: str | None, kind: Kind) -> str:
    if not value:
        return ""
    if kind == "id_number":
        # keep the region prefix and the check character: enough to tell two apart
        return (
            value[:3] + "*" * (len(value) - 5) + value[-2:] if len(value) > 6 else "*" * len(value)
        )
    if kind == "mobile":
        return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)
    if kind == "name":
        return value[0] + "*" * (len(value) - 1) if len(value) > 1 else value
    raise ValueError(f"unknown kind {kind}")
