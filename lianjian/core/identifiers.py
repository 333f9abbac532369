"""The one normalization and validation of personal and unit identifiers (QUALITY.md S26).

Forms, API routes (through the services), the ledger importer, member search
and the blind indexes all call these functions, so one person is one row
however the number was typed:

- `normalize_*` only rewrites: Unicode NFKC (full-width `３１０` becomes `310`),
  spaces, hyphens and zero-width characters dropped anywhere, upper case
  (`x` becomes `X`); a mobile also loses a `+86`/`0086` prefix. It never refuses.
- `clean_*` normalizes, then accepts only ASCII: digits and `X` for an ID
  number (GB 11643), the GB 32100 alphabet for a credit code, `1[3-9]` and nine
  digits for a mobile. Characters NFKC leaves as they are (Devanagari `३`,
  Arabic-Indic `٣`, ...) are refused, never mapped: `int("३")` is 3, and mapping
  them would let a look-alike number slip past the duplicate check or create a
  second row. It raises Django's `ValidationError` with a Chinese message and a
  code; messages never echo the raw input (it may hold unprintable characters).

An ID number must also carry a real birth date between 1900-01-01 and today,
start with a GB/T 2260 code that existed at any time (`data/gbt2260.txt`),
and end in its check character.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources

from django.core.exceptions import ValidationError
from django.utils import timezone

# ---------------------------------------------------------------- normalization

# After NFKC: whitespace, hyphens and dashes, soft hyphen and zero-width characters
# (Excel and chat apps paste U+200B / U+FEFF / U+00A0 into copied numbers).
_SEPARATORS = re.compile("[\\s\\-\u00ad\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]+")


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def normalize_identifier(raw: str) -> str:
    """NFKC, separators dropped, upper case: the rewriting every identifier shares.

    Only ASCII letters are upper-cased (no other letter is ever accepted), and NFKC
    runs again after, so normalizing twice gives the same text: `str.upper` turns
    some composed letters into a letter and a combining mark.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw)))
    return unicodedata.normalize("NFKC", text.translate(_ASCII_UPPER))


def normalize_id_number(raw: str) -> str:
    return normalize_identifier(raw)


def normalize_credit_code(raw: str) -> str:
    return normalize_identifier(raw)


def normalize_mobile(raw: str) -> str:
    value = normalize_identifier(raw)
    for prefix in ("+86", "0086"):
        if value.startswith(prefix) and len(value) == len(prefix) + 11:
            return value[len(prefix) :]
    return value


# ---------------------------------------------------------------- ID number (GB 11643)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_ID_CHARS = re.compile(r"[0-9X]*")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


@cache
def admin_division_codes() -> frozenset[str]:
    """Every GB/T 2260 code that existed since 1980 (see data/gbt2260-sources.txt)."""
    text = resources.files("lianjian.core.data").joinpath("gbt2260.txt").read_text("utf-8")
    return frozenset(
        line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#")
    )


def id_number_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_checksum_ok(value: str) -> bool:
    """Shape and check character only (the log redactor: mask anything that looks real)."""
    value = normalize_id_number(value)
    return bool(_ID_RE.fullmatch(value)) and id_number_check_char(value[:17]) == value[17]


def _id_error(message: str, code: str) -> ValidationError:
    return ValidationError(f"身份证号码无效：{message}", code=code)


def clean_id_number(raw: str) -> str:
    """The normalized ID number, or `ValidationError` saying what is wrong with it."""
    value = normalize_id_number(raw)
    if not value:
        raise _id_error("未填写", "id_number_required")
    if not _ID_CHARS.fullmatch(value):
        raise _id_error(
            "只能由数字和末位的 X 组成（全角数字可以，其他文字的数字不行）", "id_number_chars"
        )
    if len(value) != 18:
        raise _id_error(f"应为18位（现为{len(value)}位）", "id_number_length")
    if not _ID_RE.fullmatch(value):
        raise _id_error("只有末位可以是 X", "id_number_chars")
    if value[:6] not in admin_division_codes():
        raise _id_error(f"前6位“{value[:6]}”不是行政区划代码（GB/T 2260）", "id_number_region")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise _id_error("第7–14位的出生日期不存在", "id_number_birth_date") from None
    if born < EARLIEST_BIRTH or born > timezone.localdate():
        raise _id_error("出生日期须在1900年1月1日至今天之间", "id_number_birth_date")
    if id_number_check_char(value[:17]) != value[17]:
        raise _id_error("末位校验码不符，请逐位核对", "id_number_checksum")
    return value


def birth_date_from_id(value: str) -> dt.date:
    value = normalize_id_number(value)
    return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id(value: str) -> str:
    """'M' or 'F' from the 17th digit (odd is male)."""
    return "M" if int(normalize_id_number(value)[16]) % 2 else "F"


# ---------------------------------------------------------------- credit code (GB 32100)

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CHARS = re.compile(f"[{CREDIT_CODE_ALPHABET}]*")


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def _credit_error(message: str, code: str) -> ValidationError:
    return ValidationError(f"统一社会信用代码无效：{message}", code=code)


def clean_credit_code(raw: str) -> str:
    """The normalized credit code, or `ValidationError` saying what is wrong with it."""
    value = normalize_credit_code(raw)
    if not value:
        raise _credit_error("未填写", "credit_code_required")
    if not _CREDIT_CHARS.fullmatch(value):
        raise _credit_error(
            "只能由数字和大写字母组成（不含 I、O、S、V、Z；全角可以，其他文字不行）",
            "credit_code_chars",
        )
    if len(value) != 18:
        raise _credit_error(f"应为18位（现为{len(value)}位）", "credit_code_length")
    if not value[2:8].isdigit():
        raise _credit_error("第3–8位（登记管理机关行政区划码）应为数字", "credit_code_region")
    if credit_code_check_char(value[:17]) != value[17]:
        raise _credit_error("末位校验码不符合 GB 32100，请逐位核对", "credit_code_checksum")
    return value


# ---------------------------------------------------------------- mobile

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")


def clean_mobile(raw: str) -> str:
    """The normalized mobile number, or `ValidationError`."""
    value = normalize_mobile(raw)
    if not value:
        raise ValidationError("手机号码无效：未填写", code="mobile_required")
    if not _MOBILE_RE.fullmatch(value):
        raise ValidationError("手机号码无效：应为以1开头的11位数字", code="mobile_invalid")
    return value


# ---------------------------------------------------------------- yes/no and message forms


def is_valid_id_number(value: str) -> bool:
    return refusal(clean_id_number, value) is None


def is_valid_credit_code(value: str) -> bool:
    return refusal(clean_credit_code, value) is None


def is_valid_mobile(value: str) -> bool:
    return refusal(clean_mobile, value) is None


def error_message(err: ValidationError) -> str:
    """The Chinese sentence of a `clean_*` refusal."""
    return " ".join(str(m) for m in err.messages)


def refusal(clean: Callable[[str], str], value: str) -> str | None:
    """Why `clean` refuses `value` (its Chinese message), or None when it passes."""
    try:
        clean(value)
    except ValidationError as err:
        return error_message(err)
    return None
