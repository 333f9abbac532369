"""`{% picker %}`: a type-ahead picker in a template's own form (list filters, report forms)."""

from __future__ import annotations

from typing import Any

from django import template

from lianjian.core.pickers import PickerWidget

register = template.Library()


@register.simple_tag
def picker(
    key: str,
    name: str,
    value: Any = "",
    label: str = "",
    perm: str = "",
    placeholder: str = "输入名称搜索",
    element_id: str = "",
) -> str:
    """A picker named `name` showing `label` for the current `value`."""
    current = "" if value in (None, "") else str(value)
    widget = PickerWidget(
        key,
        perm=perm or None,
        placeholder=placeholder,
        labels=lambda values: {current: label} if current and label else {},
    )
    return widget.render(name, current, attrs={"id": element_id or f"picker-{name}"})
