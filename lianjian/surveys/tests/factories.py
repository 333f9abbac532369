"""Survey fixtures for the tests: a definition using every kind of question."""

from __future__ import annotations

from typing import Any

from lianjian.surveys import services

DEFINITION: dict[str, Any] = {
    "questions": [
        {
            "key": "needs",
            "kind": "multiple",
            "title": "贵单位需要哪些服务？",
            "required": True,
            "options": [
                {"key": "party", "label": "党群服务"},
                {"key": "legal", "label": "法律服务"},
                {"key": "health", "label": "卫生保健"},
            ],
        },
        {
            "key": "legal_detail",
            "kind": "text",
            "title": "需要哪方面的法律服务？",
            "required": True,
            "show_if": {"question": "needs", "in": ["legal"]},
        },
        {
            "key": "size",
            "kind": "single",
            "title": "职工人数",
            "required": True,
            "options": [{"key": "s", "label": "50人以下"}, {"key": "l", "label": "50人及以上"}],
        },
        {"key": "sat", "kind": "scale", "title": "对街道服务的满意度", "min": 1, "max": 5},
        {"key": "members", "kind": "number", "title": "党员人数", "min": 0, "max": 10000},
        {
            "key": "grid",
            "kind": "matrix",
            "title": "各项服务评价",
            "rows": [{"key": "r1", "label": "办事效率"}, {"key": "r2", "label": "服务态度"}],
            "options": [{"key": "good", "label": "好"}, {"key": "bad", "label": "差"}],
        },
        {"key": "advice", "kind": "text", "title": "意见建议"},
    ]
}

GOOD = {"needs": ["party", "legal"], "legal_detail": "劳动合同咨询", "size": "s", "sat": 4}


def unit_survey(tree: Any, staff: Any, **kw: Any) -> Any:
    defaults: dict[str, Any] = {
        "actor": staff,
        "region": tree.street_a,
        "title": "园区企业需求调查问卷",
        "audience": "units",
        "definition": DEFINITION,
    }
    defaults.update(kw)
    return services.survey_create(**defaults)


def open_unit_survey(tree: Any, staff: Any, **kw: Any) -> Any:
    survey = unit_survey(tree, staff, **kw)
    return services.survey_open(survey, actor=staff)


def unit_admin(unit: Any, username: str) -> Any:
    """A unit admin answering for `unit`: a UNIT_ADMIN grant on it."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    user = User(username=username, display_name=username, must_change_password=False)
    user.set_password("Persona-pass-1")
    user.save()
    grant_add(user, Role.UNIT_ADMIN, unit=unit)
    return user
