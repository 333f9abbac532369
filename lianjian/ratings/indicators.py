"""The lookup of the indicators a rating scheme's computed criteria may name (DOMAIN.md §9).

Ratings reads no other app's tables: each app that owns a figure contributes it under
the extension point `"ratings.indicators"` (`lianjian.core.indicators.Indicator`) from
its own registry — orgs the units covered, alliances the joint meetings attended,
needs the needs answered on time, projects the claims delivered, activities the
activities held (ADR 0018). The keys name the owning app and stay stable.
"""

from __future__ import annotations

from lianjian.core.indicators import Indicator
from lianjian.core.registry import extension

EXTENSION_POINT = "ratings.indicators"


def indicators() -> dict[str, Indicator]:
    """Every indicator a scheme may name, by key (the first contribution of a key wins)."""
    found: dict[str, Indicator] = {}
    for item in extension(EXTENSION_POINT):
        if isinstance(item, Indicator) and item.key not in found:
            found[item.key] = item
    return found
