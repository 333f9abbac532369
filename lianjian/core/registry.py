"""What each app declares to the platform, collected in one place (ADR 0006).

Every app of the project may have a `registry.py` holding one `REGISTRY =
AppRegistry(...)`: its permissions and the roles that hold them, its
navigation entries, its home-page cards and to-dos, its notification kinds,
its URL prefix, its API router, the domain events it listens to, and
contributions to other apps' extension points (ledger kinds, rating
indicators…). `accounts`, the API, the URLconf and the composition layer read
the collected declarations, so adding an app edits no other app's files.

Collection follows Django's own autodiscovery (as `admin.autodiscover` does):
the conventional module of every installed `lianjian.*` app is imported once.
No lower layer names an upper module, so the import contract stays true.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Literal

from django.apps import apps

from lianjian.core.actors import Actor

Surface = Literal["desk", "phone", "both"]


@dataclass(frozen=True)
class NavEntry:
    """A menu entry; shown to users holding `perm` (alternatives joined by `|`)."""

    label: str
    url_name: str
    perm: str
    order: int = 500
    # desk: the staff menu; phone: the tiles of the phone home; both: either
    surface: Surface = "desk"
    # URL path prefixes that mark this entry active (defaults to its own URL)
    active_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CardValue:
    """What a home card shows: a figure, where it leads, and how urgent it is."""

    value: int | str
    url: str = ""
    hint: str = ""
    level: Literal["normal", "warn", "danger"] = "normal"


@dataclass(frozen=True)
class HomeCard:
    """A KPI card or a to-do on the home page of the users holding `perm`.

    `compute(user)` returns the card's value in the user's scope, or None to
    leave it out (nothing to do, or nothing in scope).
    """

    key: str
    label: str
    perm: str
    compute: Callable[[Any], CardValue | None]
    kind: Literal["kpi", "todo"] = "kpi"
    order: int = 500
    surface: Surface = "desk"


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification an app sends; users choose extra channels per kind."""

    key: str
    label: str
    # channels besides in-app that a user may switch on for this kind
    channels: tuple[str, ...] = ()
    default_channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class AppRegistry:
    """One app's declarations (see the module docstring)."""

    label: str
    # permission string -> the roles that hold it
    permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)
    # permission string -> what it allows, in Chinese (shown on the grant pages)
    permission_labels: Mapping[str, str] = field(default_factory=dict)
    nav: Sequence[NavEntry] = ()
    cards: Sequence[HomeCard] = ()
    notification_kinds: Sequence[NotificationKind] = ()
    # (URL prefix, URLconf module of this app), e.g. ("needs/", "lianjian.needs.urls"),
    # included in this order (a longer prefix of the same app goes first)
    urls: Sequence[tuple[str, str]] = ()
    # returns this app's ninja Routers (called once, when the API is assembled; the
    # import stays inside the function so collecting registries loads no API module)
    api_routers: Callable[[], Sequence[Any]] | None = None
    # domain event name -> handler(**payload), called in the publisher's transaction
    subscriptions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    # contributions to extension points of other apps: point name -> items
    # (e.g. "ledger.kinds"); the owning app documents each point and reads it
    extensions: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    # order of this app's URL include and API router (lower first)
    order: int = 500


@functools.cache
def registries() -> tuple[AppRegistry, ...]:
    """Every installed project app's REGISTRY, in their declared order."""
    found: list[AppRegistry] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("lianjian."):
            continue
        module_name = f"{config.name}.registry"
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        found.append(module.REGISTRY)
    return tuple(sorted(found, key=lambda r: r.order))


@functools.cache
def role_permissions() -> Mapping[str, frozenset[str]]:
    """Role -> every permission some app grants it."""
    table: dict[str, set[str]] = defaultdict(set)
    for registry in registries():
        for perm, roles in registry.permissions.items():
            for role in roles:
                table[str(role)].add(perm)
    return {role: frozenset(perms) for role, perms in table.items()}


def all_permissions() -> dict[str, str]:
    """Every declared permission with its label (the permission string when none)."""
    out: dict[str, str] = {}
    for registry in registries():
        for perm in registry.permissions:
            out[perm] = registry.permission_labels.get(perm, perm)
    return out


def nav_entries() -> list[NavEntry]:
    return sorted((e for r in registries() for e in r.nav), key=lambda e: e.order)


def home_cards() -> list[HomeCard]:
    return sorted((c for r in registries() for c in r.cards), key=lambda c: c.order)


def notification_kinds() -> dict[str, NotificationKind]:
    return {k.key: k for r in registries() for k in r.notification_kinds}


def extension(point: str) -> list[Any]:
    """Every app's contributions to the extension point `point`."""
    return [item for r in registries() for item in r.extensions.get(point, ())]


def subscribers(event: str) -> list[Callable[..., Any]]:
    return [r.subscriptions[event] for r in registries() if event in r.subscriptions]


def _core_api_routers() -> list[Any]:
    from lianjian.core.api_health import router
    from lianjian.core.api_notifications import router as notifications_router

    return [router, notifications_router]


def _chain_status(user: Actor) -> CardValue:
    # imported when computed: this module loads before the models do
    from lianjian.core.cards import chain_status

    return chain_status(user)


def _denied_recent(user: Actor) -> CardValue:
    from lianjian.core.cards import denied_recent

    return denied_recent(user)


def _core_registry() -> AppRegistry:
    from lianjian.core.roles import Role

    return AppRegistry(
        label="core",
        order=900,
        permissions={
            "core.view_audit": (Role.AUDIT_ADMIN,),
            # the health page (/system/health/): workers, queue, stale jobs, the tick
            "core.view_health": (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN),
        },
        permission_labels={"core.view_audit": "查看审计日志", "core.view_health": "查看系统状态"},
        nav=(
            NavEntry("审计日志", "core:audit_list", "core.view_audit", order=90),
            NavEntry("系统状态", "system:health", "core.view_health", order=92),
            # the phone home's tile (desk users reach the inbox by the bell)
            NavEntry(
                "我的消息", "core_notifications:inbox", "self.view", order=80, surface="phone"
            ),
        ),
        cards=(
            HomeCard("core.chain", "审计链状态", "core.view_audit", _chain_status, "kpi", 60),
            HomeCard("core.denied", "近期拒绝访问", "core.view_audit", _denied_recent, "todo", 61),
        ),
        urls=(
            ("audit/", "lianjian.core.urls"),
            ("system/", "lianjian.core.urls_health"),
            ("notifications/", "lianjian.core.urls_notifications"),
            ("pick/", "lianjian.core.urls_pick"),
        ),
        api_routers=_core_api_routers,
    )


# core's own declarations: the audit trail and the health page
REGISTRY = _core_registry()
