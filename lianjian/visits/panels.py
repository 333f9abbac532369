"""The visits section of a unit's page (extension point `orgs.unit_panels`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from lianjian.orgs.panels import UnitPanel
from lianjian.visits import access

if TYPE_CHECKING:
    # registries load before the models do
    from lianjian.accounts.requests import AuthenticatedRequest
    from lianjian.orgs.models import Unit

RECENT = 10


def _render(request: AuthenticatedRequest, unit: Unit) -> str:
    visits = access.visits_visible_to(request.user).filter(unit=unit)
    return render_to_string(
        "visits/_unit_panel.html",
        {
            "unit": unit,
            "count": visits.count(),
            "visits": visits.select_related("cadre", "party_org").order_by("-visited_on", "-id")[
                :RECENT
            ],
        },
        request=request,
    )


PANELS = [UnitPanel("visits", "走访记录", "visits.view", _render, order=100)]
