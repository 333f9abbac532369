"""Field rules of the registries, one function per rule.

The services call them for every write (forms and the API reach them through
the services); the ledger importer calls the same functions row by row so it
can report each problem with its row number before writing anything. Each
returns the Chinese message for a bad value, or None when the value is fine.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

PARTY_FOUNDED = dt.date(1921, 7, 1)
# 党章第一条: a member is at least eighteen when admitted
MIN_JOIN_AGE = 18


def birthday_at(born: dt.date, age: int) -> dt.date:
    """The day someone born on `born` turns `age` (29 February: 1 March in common years)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return dt.date(born.year + age, 3, 1)


def joined_on_problem(
    joined: object, born: dt.date | None, today: dt.date | None = None
) -> str | None:
    """入党日期: a date between the Party's founding and today (the platform's day, Beijing
    time, not the host's), on or after the 18th birthday."""
    if joined is None:
        return None
    if not isinstance(joined, dt.date):
        return "入党日期无效"
    today = today or timezone.localdate()
    if joined < PARTY_FOUNDED:
        return "入党日期不能早于1921年7月1日（中国共产党成立之日）"
    if joined > today:
        return "入党日期不能晚于今天"
    if born is not None:
        adult = birthday_at(born, MIN_JOIN_AGE)
        if joined < adult:
            return f"入党日期早于年满18周岁之日（{adult:%Y-%m-%d}，按身份证号的出生日期），请核对"
    return None


def gender_problem(gender: object, id_number: str) -> str | None:
    """性别, when given, as the ID number's 17th digit says (odd: male)."""
    if not gender or len(id_number) != 18 or not id_number[16].isdigit():
        return None
    if gender != ("M" if int(id_number[16]) % 2 else "F"):
        return "性别与身份证号不符（身份证号第17位为奇数是男性、偶数是女性），请核对"
    return None


def floating_problem(is_floating: object, floating_to: object) -> str | None:
    """流动党员 must say where they went (or came from)."""
    if is_floating and not str(floating_to or "").strip():
        return "流动党员须填写流入/流出地"
    return None


def unit_dates_problem(registered: dt.date | None, deregistered: dt.date | None) -> str | None:
    if registered and deregistered and deregistered < registered:
        return "注销日期早于登记日期"
    return None


def party_org_dates_problem(founded: dt.date | None, dissolved: dt.date | None) -> str | None:
    if founded and dissolved and dissolved < founded:
        return "撤销日期早于成立日期"
    return None


def employees_problem(employees: object) -> str | None:
    if employees is not None and int(str(employees)) < 0:
        return "从业人员数不能为负数"
    return None
