"""Natural order for Chinese names: 第二党支部 before 第十党支部, 2号楼 before 10号楼.

Sibling organizations and regions are numbered in their names (第一、第二、…、第十一;
一支部; 3号楼). Sorting by the characters puts 第十一 between 第一 and 第二 (and
十 before 二 by code point); `natural_sort_key` replaces every run of Chinese
numerals or digits with the number it spells, zero-padded, so a plain string
comparison (any database collation: the digits are ASCII) gives the natural order.
"""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_MYRIADS = {"万": 10_000, "亿": 100_000_000}
# a run of numerals; 万/亿 only count inside a run that already has a numeral
_RUN = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十百千][零〇一二两三四五六七八九十百千万亿]*")
WIDTH = 10
SORT_KEY_LENGTH = 255


def chinese_number(text: str) -> int:
    """The value of a run of Chinese numerals: 十二 = 12, 一百零五 = 105, 二〇二三 = 2023."""
    if not any(ch in _UNITS or ch in _MYRIADS for ch in text):
        # digit by digit, as years and house numbers are written
        value = 0
        for ch in text:
            value = value * 10 + _DIGITS[ch]
        return value
    total = section = digit = 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (digit or 1) * _UNITS[ch]
            digit = 0
        else:  # 万 / 亿
            total = (total + section + digit) * _MYRIADS[ch]
            section = digit = 0
    return total + section + digit


def natural_sort_key(name: str) -> str:
    """`name` with each numeral run as its zero-padded value (see the module docstring)."""
    text = unicodedata.normalize("NFKC", name or "").strip()

    def number(match: re.Match[str]) -> str:
        run = match.group(0)
        value = int(run) if run.isdigit() else chinese_number(run)
        return str(min(value, 10**WIDTH - 1)).zfill(WIDTH)

    return _RUN.sub(number, text)[:SORT_KEY_LENGTH]
