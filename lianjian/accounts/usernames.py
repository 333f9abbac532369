"""One form of a username, and the characters a new one may use (QUALITY.md S1, S26).

Every username is folded the same way at creation, at login, in lockout
counting and in the management commands: Unicode NFKC (full-width `ａｄｍｉｎ`
becomes `admin`, compatibility forms become their plain letters), surrounding
space stripped, then lower case. So two names that look alike after folding
are one name, and the case-insensitive unique constraint holds for them.

A *new* username must also be unambiguous to the eye. The safe set is:

- ASCII letters and digits and `. _ - @` (the name may be an e-mail address);
- or Chinese characters (CJK Unified Ideographs, the basic block and
  extension A) with ASCII digits and the same punctuation.

Latin letters and Chinese characters are not mixed in one name, and nothing
else is accepted: no Cyrillic or Greek letters that look Latin (`аdmin`
with a Cyrillic `а`), no invisible or combining characters, no spaces. A
name outside the set is refused with a message; existing accounts keep
signing in with whatever name they have.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 150
_PUNCT = "._-@"
_ASCII_NAME = re.compile(r"[a-z0-9._@-]+")
_HAN_NAME = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff0-9._@-]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

RULE_MESSAGE = (
    "用户名只能由英文字母、数字和 . _ - @ 组成，或由汉字、数字和 . _ - @ 组成"
    "（英文字母与汉字不能混用），且不超过150个字符"
)


def normalize_username(username: str) -> str:
    """The one folded form of a username: NFKC, stripped, lower case."""
    return unicodedata.normalize("NFKC", str(username)).strip().lower()


def username_problem(username: str) -> str | None:
    """Why a (folded) username may not be created, or None when it may."""
    if not username:
        return "请填写用户名"
    if len(username) > MAX_LENGTH:
        return RULE_MESSAGE
    if _ASCII_NAME.fullmatch(username):
        return None
    if _HAN_NAME.fullmatch(username) and _HAN.search(username):
        return None
    return RULE_MESSAGE
