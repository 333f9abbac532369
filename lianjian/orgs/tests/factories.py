"""Test data builders that go through the services, as real writes do."""

from __future__ import annotations

import itertools
from typing import Any

from lianjian.core.identifiers import (
    CREDIT_CODE_ALPHABET,
    admin_division_codes,
    credit_code_check_char,
    id_number_check_char,
)
from lianjian.orgs.models import Member, PartyOrg, Region, Unit, UnitKind
from lianjian.orgs.services import party_org_create, unit_create
from lianjian.orgs.services_members import member_create

# Automatic numbers start far above the small ones tests pass explicitly, so a
# builder never repeats an ID number or credit code a test chose.
_seq = itertools.count(1_000_000)

# Real county-level GB/T 2260 codes, Shanghai's first and 310105 (长宁区) at the head.
_ADDRESSES = sorted(
    (c for c in admin_division_codes() if not c.endswith("00")),
    key=lambda c: (c != "310105", not c.startswith("31"), c),
)


def make_id_number(n: int | None = None, birth: str = "19850612", gender_odd: bool = True) -> str:
    """A valid 18-digit ID number, distinct for every `n` below 499 × len(_ADDRESSES)
    (about 3.2 million): the serial takes `n` modulo 499, the address code (a real
    GB/T 2260 code; 310105 = 长宁区 for the first 499) the rest."""
    n = next(_seq) if n is None else n
    address = _ADDRESSES[(n // 499) % len(_ADDRESSES)]
    serial = f"{(n % 499) * 2 + (1 if gender_odd else 0):03d}"
    first17 = f"{address}{birth}{serial}"
    return first17 + id_number_check_char(first17)


def make_credit_code(n: int | None = None) -> str:
    """A checksum-valid unified social credit code."""
    n = next(_seq) if n is None else n
    body = ""
    value = n
    for _ in range(9):
        body = CREDIT_CODE_ALPHABET[value % 31] + body
        value //= 31
    first17 = "91310105" + body
    return first17 + credit_code_check_char(first17)


def make_mobile(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return f"139{n % 100_000_000:08d}"


def make_unit(region: Region, name: str | None = None, **extra: Any) -> Unit:
    n = next(_seq)
    data: dict[str, Any] = {
        "name": name or f"测试单位{n}",
        "kind": UnitKind.PRIVATE_ENTERPRISE,
        "credit_code": make_credit_code(n),
        "industry": "信息技术",
        "employees": 20,
    }
    data.update(extra)
    return unit_create(region=region, **data)


def make_party_org(region: Region, name: str | None = None, **extra: Any) -> PartyOrg:
    data: dict[str, Any] = {
        "name": name or f"测试党支部{next(_seq)}",
        "level": PartyOrg.Level.BRANCH,
        "formation": PartyOrg.Formation.SINGLE,
        "org_type": PartyOrg.OrgType.INDEPENDENT,
    }
    data.update(extra)
    return party_org_create(region=region, **data)


def make_member(party_org: PartyOrg, name: str | None = None, **extra: Any) -> Member:
    n = next(_seq)
    data: dict[str, Any] = {
        "name": name or f"党员{n}",
        "id_number": make_id_number(n),
        "mobile": make_mobile(n),
    }
    data.update(extra)
    return member_create(party_org=party_org, **data)
