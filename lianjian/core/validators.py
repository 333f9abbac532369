"""Former home of the identifier checks, kept so existing imports keep working.

Everything here is `lianjian.core.identifiers` (one normalization, one rule per
identifier: QUALITY.md S26); new code imports from there.
"""

from __future__ import annotations

from lianjian.core.identifiers import (
    CREDIT_CODE_ALPHABET,
    birth_date_from_id,
    credit_code_check_char,
    gender_from_id,
    id_number_check_char,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_mobile,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
)

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "birth_date_from_id",
    "credit_code_check_char",
    "gender_from_id",
    "id_number_check_char",
    "is_valid_credit_code",
    "is_valid_id_number",
    "is_valid_mobile",
    "normalize_credit_code",
    "normalize_id_number",
    "normalize_mobile",
]
