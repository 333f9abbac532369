"""Where a department grant points: the extension point `accounts.department_lookup`.

A department handler's grant names its department by key
(`Grant.department_key`). The departments themselves belong to a domain app
above accounts (needs: each street's functional departments), which accounts
must not import (the layers contract). So the owning app contributes a
`DepartmentDirectory` through its registry:

    extensions={"accounts.department_lookup": [DepartmentDirectory(...)]}

and accounts reads it with `lianjian.core.registry.extension(...)`. With it,
a department grant is checked against the department's own place, like
every other grant: a security administrator grants (and revokes) a
department only when the department's street lies in their own subtrees,
and the accounts of its handlers appear on the administrators' pages of that
subtree. A key no contributor knows belongs nowhere: it can be neither
granted nor seen through a grant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

POINT = "accounts.department_lookup"


@dataclass(frozen=True)
class DepartmentDirectory:
    # key -> id of the region the department belongs to (None: not a department of this app)
    region_of: Callable[[str], int | None]
    # a queryset of regions -> the keys of the departments inside them (a values("key")
    # queryset is best: it is used as a subquery)
    keys_in: Callable[[Any], Iterable[Any]]
    # (a queryset of regions, typed text) -> up to 21 (key, name, street name) inside
    # them whose name or key contains the text: the department picker of the grant form
    search: Callable[[Any, str], Iterable[tuple[str, str, str]]] | None = None
    # keys -> {key: name} for the keys this app knows (the picker's chosen value)
    names_of: Callable[[list[str]], Mapping[str, str]] | None = None


def _directories() -> list[DepartmentDirectory]:
    from lianjian.core.registry import extension

    return list(extension(POINT))


def department_region_id(key: str) -> int | None:
    """The id of the region the department `key` belongs to, None when no app knows it."""
    for directory in _directories():
        region_id = directory.region_of(key)
        if region_id is not None:
            return region_id
    return None


def department_grants_in(regions: Any, prefix: str = "") -> Q:
    """Grants (or, with `prefix="grants__"`, users) on departments inside `regions`."""
    q = Q(pk__in=[])
    for directory in _directories():
        q |= Q(**{f"{prefix}department_key__in": directory.keys_in(regions)})
    return q


def departments_matching(regions: Any, text: str) -> list[tuple[str, str, str]]:
    """Departments inside `regions` matching `text`, from every contributing app."""
    found: list[tuple[str, str, str]] = []
    for directory in _directories():
        if directory.search is not None:
            found.extend(directory.search(regions, text))
    return found


def department_names(keys: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for directory in _directories():
        if directory.names_of is not None:
            names.update(directory.names_of(keys))
    return names
