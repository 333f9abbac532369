"""ECharts options for the results pages (drawn by core/app.js from a json_script).

The numbers are the selectors' own (rates already in percent, ADR 0010);
nothing here counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lianjian.core.permissions import user_has_perm

if TYPE_CHECKING:
    from lianjian.accounts.models import User
    from lianjian.surveys.satisfaction import Trend
    from lianjian.surveys.selectors import Results


def _bar(
    title: str, names: list[str], values: list[int], horizontal: bool = False
) -> dict[str, object]:
    category = {"type": "category", "data": names, "axisLabel": {"interval": 0}}
    value = {"type": "value", "minInterval": 1}
    return {
        "title": {"text": title[:40], "textStyle": {"fontSize": 13}},
        "tooltip": {},
        "grid": {"left": 100 if horizontal else 40, "right": 20, "bottom": 30, "top": 40},
        "xAxis": value if horizontal else category,
        "yAxis": category if horizontal else value,
        "series": [{"type": "bar", "data": values, "label": {"show": True}}],
    }


def question_charts(res: Results) -> list[dict[str, object]]:
    """One bar chart per choice or scale question: `{"id", "key", "option"}`."""
    out = []
    for q in res["questions"]:
        if "options" not in q:
            continue
        names = [o["label"] for o in q["options"]]
        counts = [o["n"] for o in q["options"]]
        out.append(
            {
                "id": f"chart-{q['key']}",
                "key": q["key"],
                "option": _bar(q["title"], names, counts, horizontal=len(names) > 4),
            }
        )
    return out


def trend_chart(trend: Trend) -> dict[str, object]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "bottom": 0},
        "grid": {"left": 40, "right": 20, "bottom": 60, "top": 20},
        "xAxis": {"type": "category", "data": trend["quarters"]},
        "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {"type": "line", "name": line["name"], "data": line["rates"], "connectNulls": True}
            for line in trend["lines"]
            if line["group"] == "department"
        ],
    }


def needs_satisfaction(user: User) -> dict[str, float | None]:
    """Department name → the needs channel's satisfaction rate (all time), for comparison."""
    if not user_has_perm(user, "needs.stats"):
        return {}
    from lianjian.needs.stats import need_stats

    return {
        str(r["label"]): r["satisfaction_rate"] for r in need_stats(user, dimension="department")
    }
