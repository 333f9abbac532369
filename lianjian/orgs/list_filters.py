"""Filter boxes of the registry lists that name a region or an organization."""

from __future__ import annotations

from django.http import HttpRequest

from lianjian.core.pickers import PickerWidget
from lianjian.orgs import access


def region_filter(request: HttpRequest, value: str) -> str:
    """The list filter's region box: a picker, not a select of a district's regions."""
    regions = access.regions_visible_to(request.user)

    def names(values: list[str]) -> dict[str, str]:
        ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 12]
        return {str(pk): name for pk, name in regions.filter(pk__in=ids).values_list("pk", "name")}

    widget = PickerWidget("orgs.region", placeholder="全部区域（输入名称搜索）", labels=names)
    return widget.render("region", value, attrs={"id": "filter-region"})


def org_filter_label(request: HttpRequest, filters: dict[str, str]) -> str:
    """The name of the organization the list is narrowed to (never its bare id)."""
    for key, suffix in (("org", "（含下级组织）"), ("party_org", "")):
        if filters.get(key, "").isdigit():
            name = (
                access.party_orgs_visible_to(request.user)
                .filter(pk=filters[key])
                .values_list("name", flat=True)
                .first()
            )
            return f"{name or '（无权查看的组织）'}{suffix}"
    return ""
