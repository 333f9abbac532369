"""The extension point `orgs.unit_panels`: sections of a unit's page that other apps own.

A unit's page shows its visits and its needs, but those apps sit above orgs,
which must not import them (the layers contract). So each contributes a
`UnitPanel` through its registry:

    extensions={"orgs.unit_panels": [UnitPanel("visits", "走访记录", "visits.view", render)]}

`render(request, unit)` returns the panel's HTML (a rendered template), reading
through the contributing app's own scoped selectors; the unit page shows the
panels of the permissions the user holds, in `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString

from lianjian.core.actors import ActorRequest
from lianjian.core.permissions import user_has_any_perm

if TYPE_CHECKING:
    # registries import this module before the models load
    from lianjian.orgs.models import Unit

POINT = "orgs.unit_panels"


@dataclass(frozen=True)
class UnitPanel:
    key: str
    title: str
    # shown to users holding it (alternatives joined by `|`)
    perm: str
    # (request, unit) -> HTML. The apps above take their `AuthenticatedRequest`, which
    # orgs cannot name; a callable typed for it is no `Callable[[ActorRequest, ...]]`
    # (parameters are contravariant), so the request stays `Any` here (ADR 0022)
    render: Callable[[Any, Unit], str]
    order: int = 500


def unit_panels(request: ActorRequest, unit: Unit) -> list[tuple[UnitPanel, SafeString]]:
    from lianjian.core.registry import extension

    panels = sorted(extension(POINT), key=lambda p: p.order)
    return [
        (panel, SafeString(panel.render(request, unit)))
        for panel in panels
        if user_has_any_perm(request.user, panel.perm)
    ]
