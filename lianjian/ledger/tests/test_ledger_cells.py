"""Ledger cells as offices type them: numbers Excel mangled, dates in every written style,
and the same field rules as the member form and the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from lianjian.core.normalize import CellError
from lianjian.ledger.cells import read_cell, read_date
from lianjian.ledger.importer import import_ledger
from lianjian.ledger.tests.ledger_files import csv_bytes, numeric_id_that_passes_checksum, xlsx
from lianjian.ledger.tests.test_ledger_import import MEMBER_HEADER, UNIT_HEADER, registry_state
from lianjian.orgs.ledger_columns import COLUMNS
from lianjian.orgs.models import Member, Unit
from lianjian.orgs.tests.factories import make_credit_code, make_id_number

D = dt.date


def errors_of(outcome: Any) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in outcome.errors]


# ---------------------------------------------------------------- numbers Excel turned to floats


def test_numeric_id_cell_is_refused_even_when_the_mangled_number_passes_the_checksum(
    tree: Any, personas: Any
) -> None:
    mangled, cell = numeric_id_that_passes_checksum()
    from lianjian.core.validators import is_valid_id_number

    assert is_valid_id_number(mangled)  # the trap: a different person, checksum intact
    before = registry_state()
    rows: list[list[Any]] = [
        MEMBER_HEADER,
        ["数值身份证", cell, "13900006001", "虹储居民区党总支", "", ""],
    ]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    [(row, column, reason)] = errors_of(outcome)
    assert (row, column) == (2, "身份证号")
    assert "Excel" in reason and "浮点数" in reason and "文本" in reason
    assert registry_state() == before


def test_numeric_credit_code_cell_is_refused_but_a_numeric_mobile_imports(
    tree: Any, personas: Any
) -> None:
    before = registry_state()
    rows: list[list[Any]] = [
        UNIT_HEADER,
        ["数值代码单位", 913101051234567890, "非公企业", "虹储居民区", "否", ""],
    ]
    outcome = import_ledger("units", xlsx(rows), user=personas.street_staff)
    [(row, column, reason)] = errors_of(outcome)
    assert (row, column) == (2, "统一社会信用代码") and "文本" in reason
    assert registry_state() == before
    rows = [
        MEMBER_HEADER,
        ["数值手机", make_id_number(6002), 13900006002, "虹储居民区党总支"],
    ]
    assert import_ledger("members", xlsx(rows), user=personas.street_staff).ok
    assert Member.objects.get(name="数值手机").mobile == "13900006002"


def test_scientific_notation_text_from_a_csv_export_is_refused_with_the_same_advice(
    tree: Any, personas: Any
) -> None:
    rows: list[list[Any]] = [
        MEMBER_HEADER,
        ["科学计数", "3.10104E+17", "", "虹储居民区党总支", "", ""],
    ]
    outcome = import_ledger(
        "members", csv_bytes(rows), user=personas.street_staff, file_name="a.csv"
    )
    [(_, column, reason)] = errors_of(outcome)
    assert column == "身份证号" and "科学计数" in reason and "文本" in reason


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2005.03", D(2005, 3, 1)),
        ("2005.3", D(2005, 3, 1)),
        ("2005.10", D(2005, 10, 1)),
        ("2005.3.15", D(2005, 3, 15)),
        ("2005-3-5", D(2005, 3, 5)),
        ("2005/3/5", D(2005, 3, 5)),
        ("2005-03", D(2005, 3, 1)),
        ("2005/03", D(2005, 3, 1)),
        ("2005年3月", D(2005, 3, 1)),
        ("2005年3月5日", D(2005, 3, 5)),
        ("２００５年３月５日", D(2005, 3, 5)),
        ("二〇〇五年三月", D(2005, 3, 1)),
        ("二零零五年三月十五日", D(2005, 3, 15)),
        ("一九九八年十二月三十一日", D(1998, 12, 31)),
        ("二〇二〇年元月二十日", D(2020, 1, 20)),
        ("20050305", D(2005, 3, 5)),
        ("2017-07-18 00:00:00", D(2017, 7, 18)),
        # cells Excel typed: a date cell, a serial in a number cell, 2005.03 typed as a number
        (dt.datetime(2005, 3, 5), D(2005, 3, 5)),
        (42934, D(2017, 7, 18)),
        (2005.03, D(2005, 3, 1)),
        (2005.12, D(2005, 12, 1)),
    ],
)
def test_dates_as_offices_write_them(raw: Any, expected: dt.date) -> None:
    assert read_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("42934", "文本"),  # a text cell is never read as an Excel serial
        ("2005.1.", "不是有效日期"),
        ("2005", "月份"),
        ("2005年", "月份"),
        (2005, "月份"),  # a year typed into a number cell, not the serial 2005 (1905-06-27)
        (2005.1, "2005.10"),  # Excel dropped the zero of 2005.10: October or January?
        ("2005.13", "不存在"),
        ("2005-02-30", "不存在"),
        ("二〇〇五年十三月", "不存在"),
        ("1850-01-01", "1900"),
        ("明年三月", "不是有效日期"),
    ],
)
def test_dates_refused_with_a_clear_message(raw: Any, says: str) -> None:
    with pytest.raises(CellError) as exc:
        read_date(raw)
    assert says in str(exc.value)


@given(
    st.one_of(
        st.text(max_size=30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.booleans(),
        st.datetimes(),
        st.none(),
    )
)
def test_any_cell_gives_a_value_or_a_cell_error(raw: Any) -> None:
    """Bad input never gives a 500: every column type reads a value or says why not."""
    for column in {c.key: c for cols in COLUMNS.values() for c in cols}.values():
        try:
            read_cell(column, raw)
        except CellError as exc:
            assert str(exc)


def test_text_date_with_dots_imports_as_that_month_not_1905(tree: Any, personas: Any) -> None:
    rows: list[list[Any]] = [
        MEMBER_HEADER,
        ["点号日期", make_id_number(6101), "", "虹储居民区党总支", "", "2005.03"],
    ]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    assert outcome.ok, outcome.errors
    assert Member.objects.get(name="点号日期").joined_on == D(2005, 3, 1)


# ---------------------------------------------------------------- one rule per field


def test_join_dates_the_form_refuses_are_refused_by_the_import(tree: Any, personas: Any) -> None:
    """Birth 1985-06-12 (the factories'): 18 on 2003-06-12; the Party founded 1921-07-01."""
    before = registry_state()
    rows: list[list[Any]] = [
        MEMBER_HEADER,
        ["建党前", make_id_number(6201), "", "虹储居民区党总支", "", "1920-05-01"],
        ["未满十八", make_id_number(6202), "", "虹储居民区党总支", "", "2003-06-11"],
        ["明天入党", make_id_number(6203), "", "虹储居民区党总支", "", "2999-01-01"],
        ["刚满十八", make_id_number(6204), "", "虹储居民区党总支", "", "2003-06-12"],
    ]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    errors = errors_of(outcome)
    assert [(r, c) for r, c, _ in errors] == [(2, "入党日期"), (3, "入党日期"), (4, "入党日期")]
    assert "1921" in errors[0][2] and "18" in errors[1][2]
    assert registry_state() == before


def test_the_form_and_the_api_apply_the_18th_birthday_rule(
    tree: Any, personas: Any, client_for: Any
) -> None:
    from lianjian.orgs.tests.test_views_registry import member_data

    client = client_for(personas.secretary_a1)
    before = registry_state()
    page = client.post(reverse("orgs:member_create"), member_data(tree, joined_on="2001-07-01"))
    assert page.status_code == 200 and "年满18" in page.content.decode()
    body = {
        "name": "少年",
        "id_number": make_id_number(6301),
        "party_org": tree.org_a1.pk,
        "joined_on": "2001-07-01",
    }
    api = client.post("/api/v1/members", json.dumps(body), content_type="application/json")
    assert api.status_code == 400 and "年满18" in api.json()["detail"]
    assert registry_state() == before


def test_unit_and_party_org_date_order_is_one_rule(tree: Any, personas: Any) -> None:
    from lianjian.orgs.services import RegistryError, party_org_update, unit_update

    with pytest.raises(RegistryError, match="注销日期早于登记日期"):
        unit_update(tree.unit_a1, registered_on=D(2020, 1, 1), deregistered_on=D(2019, 1, 1))
    with pytest.raises(RegistryError, match="撤销日期早于成立日期"):
        party_org_update(tree.org_a1, founded_on=D(2020, 1, 1), dissolved_on=D(2019, 1, 1))
    rows: list[list[Any]] = [[*UNIT_HEADER, "注销日期"]]
    rows.append(["倒序单位", make_credit_code(6401), "非公企业", "虹储居民区", "否", "2020-01-01"])
    rows[1].append("2019-01-01")
    outcome = import_ledger("units", xlsx(rows), user=personas.street_staff)
    assert errors_of(outcome) == [(2, "注销日期", "注销日期早于登记日期")]
    assert not Unit.objects.filter(name="倒序单位").exists()
