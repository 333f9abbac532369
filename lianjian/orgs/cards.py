"""The registries' home cards (declared in `registry.py`): organization coverage."""

from __future__ import annotations

from typing import Any, cast

from django.urls import reverse
from django.utils import timezone

from lianjian.core.actors import Actor
from lianjian.core.rates import percent
from lianjian.core.registry import CardValue
from lianjian.orgs import coverage


def _figures(user: Actor) -> tuple[Any, dict[str, int]] | None:
    """The figures of the user's widest region, computed once per request's user object."""
    if hasattr(user, "_lianjian_home_coverage"):
        cached: tuple[Any, dict[str, int]] | None = getattr(user, "_lianjian_home_coverage")  # noqa: B009
        return cached
    region = coverage.default_region(user)
    found = None
    if region is not None:
        found = region, coverage.figures(user, region, timezone.localdate())
    # memoised on the instance: the two cards of one home page share one computation
    cast("Any", user)._lianjian_home_coverage = found
    return found


def org_coverage(user: Actor) -> CardValue | None:
    """两新 organizations covered by a Party organization / all 两新 organizations."""
    found = _figures(user)
    if found is None:
        return None
    region, f = found
    rate = percent(f["liangxin_covered"], f["liangxin"])
    shown = "—" if rate is None else f"{rate:.1f}%"
    hint = f"{region.name}：{f['liangxin_covered']} / {f['liangxin']} 家两新组织"
    return CardValue(shown, f"{reverse('ledger:coverage')}?region={region.pk}", hint)


def uncovered(user: Actor) -> CardValue | None:
    """The 两新 organizations still without organization coverage, linked to their list."""
    found = _figures(user)
    if found is None:
        return None
    region, f = found
    n = f["liangxin_uncovered"]
    url = f"{reverse('ledger:coverage_units')}?region={region.pk}&figure=liangxin_uncovered"
    return CardValue(n, url, "尚未实现组织覆盖", "warn" if n else "normal")
