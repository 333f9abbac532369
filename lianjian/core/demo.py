"""What every app's demo builder shares: the build context and fictional people.

The composition layer (`lianjian.portal.demo`) creates one `DemoContext` and
calls each app's `demo.build(ctx)` in a declared order; a builder reads the
objects earlier builders published in `ctx.objects`, publishes its own, adds
its row counts and one Chinese summary line, and creates its demo logins
through `ctx.login` (supplied by the composition layer, which owns accounts).
Every person is fictional: generated names, checksum-valid ID numbers and
mobile numbers, unique within a build.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError

from lianjian.core.models import AuditEvent, AuditHead
from lianjian.core.validators import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    id_number_check_char,
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁琳晨欣怡佳雪颖倩婷慧"
    "思源嘉睿博文轩泽涵梓辰瑞昊天翔晓晴一诺雨萱子墨若曦梦瑶海峰志远国庆建华卫东振宇立新永康春燕秋菊冬梅"
)


class PeopleFactory:
    """Fictional people and codes, deterministic for a given seed and unique within a build."""

    def __init__(self, seed: int = 20171231) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self._ids: set[str] = set()
        self._mobiles: set[str] = set()
        self._codes: set[str] = set()

    def name(self) -> str:
        given_len = 1 if self.rng.random() < 0.35 else 2
        return self.rng.choice(_SURNAMES) + "".join(
            self.rng.choice(_GIVEN) for _ in range(given_len)
        )

    def id_number(self, region_code: str, born_from: int = 1950, born_to: int = 1998) -> str:
        """A GB 11643 number: region, birth date, serial and the check character."""
        while True:
            birth = dt.date(self.rng.randint(born_from, born_to), 1, 1) + dt.timedelta(
                days=self.rng.randint(0, 364)
            )
            first17 = f"{region_code}{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
            value = first17 + id_number_check_char(first17)
            if value not in self._ids:
                self._ids.add(value)
                return value

    def mobile(self) -> str:
        while True:
            value = self.rng.choice(("139", "138", "137", "186", "159", "151", "177", "188"))
            value += f"{self.rng.randint(0, 99_999_999):08d}"
            if value not in self._mobiles:
                self._mobiles.add(value)
                return value

    def credit_code(self, region_code: str, org_kind: str = "91") -> str:
        """A GB 32100 code: registration kind, region, a 9-character body, check character."""
        while True:
            body = "".join(self.rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
            first17 = f"{org_kind}{region_code}{body}"
            value = first17 + credit_code_check_char(first17)
            if value not in self._codes:
                self._codes.add(value)
                return value

    def joined_on(self, id_number: str) -> dt.date:
        born = int(id_number[6:10])
        year = min(born + self.rng.randint(20, 40), 2023)
        return dt.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))


@dataclass(frozen=True)
class DemoFigure:
    """A seed figure an app's demo reproduces (extension point `"portal.demo_figures"`).

    `read()` reads it back from the built demo through the app's own report, as
    the demo login `username` sees it, never from the builder's counters; the
    portal's demo test builds the default demo once and compares every
    declared figure with `expected`.
    """

    key: str
    label: str
    expected: Any
    read: Callable[[], Any]


@dataclass
class DemoLogin:
    username: str
    role: str
    scope: str
    display_name: str


@dataclass
class DemoContext:
    """Shared by the builders of one demo build (see the module docstring)."""

    people: PeopleFactory
    password: str
    with_ledger: bool = False
    # named objects later builders use, e.g. "changning.hq" (a Region)
    objects: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # builder name -> one line in Chinese for the command's output
    summaries: dict[str, str] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    # login(username, display_name, role, scope, **grant_target) -> the new account
    login: Callable[..., Any] | None = None

    def add_login(
        self, username: str, display_name: str, role: str, scope: str, **target: Any
    ) -> Any:
        if self.login is None:
            raise RuntimeError("demo logins are created by the composition layer")
        return self.login(username, display_name, role, scope, **target)


# ---------------------------------------------------------------- clearing


def _blockers(exc: ProtectedError | RestrictedError) -> Iterable[Any]:
    if isinstance(exc, ProtectedError):
        return exc.protected_objects
    return exc.restricted_objects


def force_delete(qs: QuerySet[Any], depth: int = 0) -> None:
    """Delete `qs`; rows of any app that protect it (needs, visits…) are deleted first.

    Demo rows may be referenced by rows other engineers' apps created on top
    of them; those are demo-owned too. The audit trail has no foreign keys,
    so it is never reached from here.
    """
    for _ in range(50):
        try:
            with transaction.atomic():
                qs.delete()
            return
        except (ProtectedError, RestrictedError) as exc:
            if depth > 20:
                raise
            by_model: dict[type[models.Model], list[Any]] = defaultdict(list)
            for obj in _blockers(exc):
                by_model[type(obj)].append(obj.pk)
            for model, pks in by_model.items():
                if model in (AuditEvent, AuditHead):
                    raise
                force_delete(model._default_manager.filter(pk__in=pks), depth + 1)
    raise RuntimeError("演示数据删除失败：依赖关系无法解开")
