"""Log filter that redacts ID numbers and mobile numbers (QUALITY.md S13)."""

from __future__ import annotations

import logging
import re

from lianjian.core.validators import is_valid_id_number

_ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def redact(text: str) -> str:
    text = _ID_RE.sub(lambda m: "[身份证号]" if is_valid_id_number(m.group()) else m.group(), text)
    return _MOBILE_RE.sub("[手机号]", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
