"""Dashboard figures, always computed through the scope chokepoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.urls import NoReverseMatch, reverse

from lianjian.core.permissions import user_has_any_perm, user_has_perm
from lianjian.core.registry import HomeCard, home_cards, nav_entries
from lianjian.needs.models import OPEN_STATUSES, Status
from lianjian.needs.selectors import needs_overdue, status_counts
from lianjian.orgs.access import members_visible_to, party_orgs_visible_to, units_visible_to
from lianjian.orgs.models import UnitKind

if TYPE_CHECKING:
    from lianjian.accounts.models import User


def cards_for(user: User, surface: str) -> dict[str, list[dict[str, Any]]]:
    """The to-dos and KPI cards every app declares for this user's permissions.

    `surface` is "desk" or "phone"; cards declared for "both" show on either.
    A card whose `compute` returns None (nothing to do, nothing in scope) is left out.
    """
    out: dict[str, list[dict[str, Any]]] = {"todo": [], "kpi": []}
    card: HomeCard
    for card in home_cards():
        if card.surface not in (surface, "both") or not user_has_any_perm(user, card.perm):
            continue
        value = card.compute(user)
        if value is None:
            continue
        dom_id = "card-" + card.key.replace(".", "-").replace("_", "-")
        out[card.kind].append({"card": card, "value": value, "id": dom_id})
    return out


def phone_tiles(user: User) -> list[dict[str, str]]:
    """The phone home's large tiles: every app's nav entries for the phone surface."""
    tiles = []
    for entry in nav_entries():
        if entry.surface == "desk" or not user_has_any_perm(user, entry.perm):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        tiles.append({"label": entry.label, "url": url, "id": entry.url_name.replace(":", "-")})
    return tiles


def dashboard_summary(user: User) -> dict[str, Any]:
    units = units_visible_to(user, "dashboard.view").filter(is_active=True)
    orgs = party_orgs_visible_to(user, "dashboard.view").filter(is_active=True)
    members = members_visible_to(user, "dashboard.view").filter(is_active=True)
    kind_labels = dict(UnitKind.choices)
    by_kind = [
        {"name": kind_labels.get(row["kind"], row["kind"]), "value": row["n"]}
        for row in units.values("kind").annotate(n=Count("id")).order_by("-n")
    ]
    # members of street-level organizations have no community: group them under their street
    by_community = list(
        members.values("community__name", "street__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:15]
    )
    return {
        "unit_count": units.count(),
        "org_count": orgs.count(),
        "member_count": members.count(),
        "floating_count": members.filter(is_floating=True).count(),
        "units_by_kind": by_kind,
        "members_by_community": by_community,
    }


def needs_summary(user: User) -> dict[str, Any] | None:
    """Work-order figures for users who handle needs; None for everyone else."""
    if not user_has_perm(user, "needs.view"):
        return None
    counts = status_counts(user)
    labels = dict(Status.choices)
    return {
        "open": sum(counts[s] for s in OPEN_STATUSES),
        "overdue": needs_overdue(user).count(),
        "total": sum(counts.values()),
        "by_status": [
            {"name": labels[s], "value": n} for s, n in counts.items() if n and s in labels
        ],
    }


def needs_chart_options(needs: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": {"text": "需求工单状态", "left": "center"},
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "60%"],
                "center": ["50%", "45%"],
                "label": {"show": False},
                "data": needs["by_status"],
            }
        ],
    }


def chart_options(summary: dict[str, Any]) -> dict[str, Any]:
    """ECharts options for the two dashboard charts."""
    names = [
        row["community__name"] or f"{row['street__name'] or '区'}（街道直属）"
        for row in summary["members_by_community"]
    ]
    values = [row["n"] for row in summary["members_by_community"]]
    return {
        "kinds": {
            "title": {"text": "单位类别构成", "left": "center"},
            "tooltip": {"trigger": "item"},
            # one kind usually dominates: a legend reads better than crowded slice labels
            "legend": {"bottom": 0, "type": "scroll"},
            "series": [
                {
                    "type": "pie",
                    "radius": "55%",
                    "center": ["50%", "45%"],
                    "label": {"show": False},
                    "data": summary["units_by_kind"],
                }
            ],
        },
        "members": {
            "title": {"text": "党员分布（按社区）", "left": "center"},
            "tooltip": {},
            "grid": {"left": 40, "right": 10, "bottom": 80},
            "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 40}},
            "yAxis": {"type": "value"},
            "series": [{"type": "bar", "data": values, "itemStyle": {"color": "#c8102e"}}],
        },
    }
