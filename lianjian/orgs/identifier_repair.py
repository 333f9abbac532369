"""Stored identifiers from before the one normalization (QUALITY.md S26): find and repair.

Before `lianjian.core.identifiers`, the API and the pages stored an ID number as
typed once stripped and upper-cased: full-width digits, other scripts' digits,
each with its own blind index, so one person could hold two or three rows.
`find_problems` lists the rows whose normalized value collides with another
row's and the values today's rules refuse; `repair` rewrites every other row to
its normal form with a fresh blind index.

Both take the model classes: migration `0009_normalize_identifiers` passes its
historical models, the `identifiers_check` command the live ones. The migration
depends on these signatures; keep them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from lianjian.core.identifiers import (
    clean_credit_code,
    clean_id_number,
    clean_mobile,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
    refusal,
)
from lianjian.core.masking import mask
from lianjian.orgs.services import id_number_index, mobile_index

LABELS = {"id_number": "身份证号", "mobile": "手机号", "credit_code": "统一社会信用代码"}


@dataclass
class Collision:
    """Rows whose values normalize to one value: `field`, the value (masked), the rows."""

    field: str
    shown: str
    rows: list[str]

    def line(self) -> str:
        return f"{LABELS[self.field]} {self.shown}：{'；'.join(self.rows)}"


@dataclass
class Problems:
    collisions: list[Collision] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)

    def blocking(self) -> list[Collision]:
        """The collisions a unique constraint forbids repairing (ID numbers, credit codes)."""
        return [c for c in self.collisions if c.field != "mobile"]

    def lines(self) -> list[str]:
        out = [f"冲突 {c.line()}" for c in self.collisions]
        return out + [f"无效 {text}" for text in self.invalid]


@dataclass
class Repaired:
    members: int = 0
    units: int = 0
    problems: Problems = field(default_factory=Problems)


def _member(pk: int, name: str) -> str:
    return f"党员 #{pk} {mask(name, 'name')}"


def _unit(pk: int, name: str) -> str:
    return f"单位 #{pk} {name}"


def _collisions(
    rows: Iterable[tuple[str, str]],
    normalize: Callable[[str], str],
    field_name: str,
    shown: Callable[[str], str],
) -> list[Collision]:
    """(row label, stored value) pairs grouped by normalized value; groups of two or more."""
    groups: dict[str, list[str]] = defaultdict(list)
    for label, value in rows:
        if value:
            groups[normalize(value)].append(label)
    return [
        Collision(field_name, shown(value), labels)
        for value, labels in sorted(groups.items())
        if len(labels) > 1
    ]


def _member_rows(member_model: Any) -> list[tuple[Any, ...]]:
    return list(
        member_model.objects.order_by("pk").values_list(
            "pk", "name", "id_number", "id_number_index", "mobile", "mobile_index"
        )
    )


def _unit_rows(unit_model: Any) -> list[tuple[Any, ...]]:
    return list(
        unit_model.objects.exclude(credit_code=None)
        .order_by("pk")
        .values_list("pk", "name", "credit_code")
    )


def find_problems(member_model: Any, unit_model: Any) -> Problems:
    members, units = _member_rows(member_model), _unit_rows(unit_model)
    problems = Problems()
    problems.collisions += _collisions(
        ((_member(m[0], m[1]), m[2]) for m in members),
        normalize_id_number,
        "id_number",
        lambda v: mask(v, "id_number"),
    )
    problems.collisions += _collisions(
        ((_unit(u[0], u[1]), u[2]) for u in units), normalize_credit_code, "credit_code", str
    )
    problems.collisions += _collisions(
        ((_member(m[0], m[1]), m[4]) for m in members),
        normalize_mobile,
        "mobile",
        lambda v: mask(v, "mobile"),
    )
    for pk, name, idn, _, mobile, _ in members:
        for value, clean in ((idn, clean_id_number), (mobile, clean_mobile)):
            if value and (reason := refusal(clean, value)):
                problems.invalid.append(f"{_member(pk, name)}：{reason}")
    for pk, name, code in units:
        if reason := refusal(clean_credit_code, code):
            problems.invalid.append(f"{_unit(pk, name)}：{reason}")
    return problems


def _update(model: Any, pk: int, values: dict[str, Any]) -> bool:
    """One row rewritten in place (no `updated_at`: a repair is not an edit); a unique
    clash the grouping did not foresee leaves the row as it was."""
    try:
        with transaction.atomic():
            model.objects.filter(pk=pk).update(**values)
    except IntegrityError:
        return False
    return True


def repair(member_model: Any, unit_model: Any) -> Repaired:
    """Normalize every stored identifier and its blind index, except the rows of a
    blocking collision, which are left exactly as they are (see `Problems.blocking`)."""
    problems = find_problems(member_model, unit_model)
    result = Repaired(problems=problems)
    blocked = {label for c in problems.blocking() for label in c.rows}
    for pk, name, idn, idn_index, mobile, mobile_idx in _member_rows(member_model):
        values: dict[str, Any] = {}
        if _member(pk, name) not in blocked:
            normal = normalize_id_number(idn)
            if (normal, id_number_index(normal)) != (idn, idn_index):
                values |= {"id_number": normal, "id_number_index": id_number_index(normal)}
        # mobiles are not unique (a family shares one): they are always normalized
        normal = normalize_mobile(mobile or "")
        index = mobile_index(normal) if normal else ""
        if (normal, index) != (mobile or "", mobile_idx):
            values |= {"mobile": normal, "mobile_index": index}
        if values and _update(member_model, pk, values):
            result.members += 1
    width = unit_model._meta.get_field("credit_code").max_length
    for pk, name, code in _unit_rows(unit_model):
        normal = normalize_credit_code(code)
        # NFKC can lengthen text ("㍱" is "hPa"): such a value is refused anyway, listed as invalid
        if _unit(pk, name) not in blocked and normal != code and len(normal) <= width:
            if _update(unit_model, pk, {"credit_code": normal}):
                result.units += 1
    return result
