"""Type-ahead pickers (issue 13.5): a form widget and one search endpoint for every app.

Selects of a district's units or organizations ran to 850 options; free-text
reference fields made staff type department codes. A picker is a search box
that asks the server for at most `LIMIT` matches as the user types (htmx),
inside the user's scope, and keeps the chosen id in a hidden input, so the
form field behind it (a `ModelChoiceField` over the same scoped queryset)
validates the choice as before.

Apps declare their pickers in their registry under the extension point
`core.pickers`:

    extensions={"core.pickers": [Picker("orgs.unit", ("orgs.view_unit",), search_units)]}

`search(user, perm, text, params)` returns `Choice`s found with the scope of
`perm`; the endpoint (`/pick/<key>/`) only runs it for a user holding `perm`,
one of the picker's declared `perms` (the first is the default).

Why our own widget rather than django-autocomplete-light or
django-htmx-autocomplete: the latter renders inline `onclick` handlers, inline
styles and a `<script>` block, and links htmx and Bootstrap from CDNs, which our
CSP (`default-src 'self'`, no inline script) and intranet rule forbid;
django-autocomplete-light's mature widgets need jQuery and Select2 (its
web-component flavour is a new major version), and either way the scoped
querysets, the limit and the name-only member search are ours to write. With
htmx already vendored, the widget is a template, one view and a few lines in
`core/app.js`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.http import urlencode

POINT = "core.pickers"
LIMIT = 20
MAX_TEXT = 50


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Picker:
    key: str
    # the user must hold the one asked for (the first when none is asked)
    perms: tuple[str, ...]
    search: Callable[[Any, str, str, Mapping[str, str]], Iterable[Choice]]


def pickers() -> dict[str, Picker]:
    from lianjian.core.registry import extension

    return {p.key: p for p in extension(POINT)}


def picker_url(key: str, perm: str | None = None, **params: str) -> str:
    query = {k: v for k, v in {"perm": perm or "", **params}.items() if v}
    return reverse("pick:search", args=[key]) + ("?" + urlencode(query) if query else "")


class PickerWidget(forms.Widget):
    """A search box with a hidden input holding the chosen id (or several, `multiple`).

    The labels of the values already chosen come from the field's queryset (a
    `ModelChoiceField` hands its choices to the widget), or from `labels`
    (values -> {value: label}) for a field over plain keys.
    """

    template_name = "core/widgets/picker.html"

    def __init__(
        self,
        key: str,
        *,
        perm: str | None = None,
        params: Mapping[str, str] | None = None,
        multiple: bool = False,
        placeholder: str = "输入名称搜索",
        labels: Callable[[list[str]], Mapping[str, str]] | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.key = key
        self.perm = perm
        self.params = dict(params or {})
        self.multiple = multiple
        self.placeholder = placeholder
        self.labels = labels

    def _values(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        items = value if isinstance(value, list | tuple) else [value]
        return [str(getattr(v, "pk", v)) for v in items if v not in (None, "")]

    def _labels(self, values: list[str]) -> dict[str, str]:
        if not values:
            return {}
        if self.labels is not None:
            return dict(self.labels(values))
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if queryset is None:
            return {}
        ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]
        return {str(obj.pk): str(obj) for obj in queryset.filter(pk__in=ids)}

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        values = self._values(value)
        labels = self._labels(values)
        chosen = [(v, labels[v]) for v in values if v in labels]
        context["widget"].update(
            {
                "url": picker_url(self.key, self.perm, **self.params),
                "multiple": self.multiple,
                "chosen": chosen,
                "single_value": chosen[0][0] if chosen and not self.multiple else "",
                "single_label": chosen[0][1] if chosen and not self.multiple else "",
                "placeholder": self.placeholder,
            }
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multiple:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False if self.multiple else name not in data
