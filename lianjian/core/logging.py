"""Log filter that redacts ID numbers and mobile numbers (QUALITY.md S13)."""

from __future__ import annotations

import logging
import re

from lianjian.core.identifiers import id_number_checksum_ok

_ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def redact(text: str) -> str:
    text = _ID_RE.sub(
        lambda m: "[身份证号]" if id_number_checksum_ok(m.group()) else m.group(), text
    )
    return _MOBILE_RE.sub("[手机号]", text)


class RedactPersonalDataFilter(logging.Filter):
    """Second line of defence: code must not log personal data, but if it does, mask it.

    Tracebacks are redacted too: an exception message often quotes the bad value.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def find_personal_data(text: str) -> list[str]:
    """Valid 18-digit ID numbers and mobile numbers found in `text` (used by the S13 test guard)."""
    found = [m.group() for m in _ID_RE.finditer(text) if id_number_checksum_ok(m.group())]
    return found + _MOBILE_RE.findall(text)


class PersonalDataCollector(logging.Handler):
    """Keeps every record whose message or traceback carries personal data."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.offending: list[tuple[str, str, list[str]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is not our concern here
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        hits = find_personal_data(text)
        if hits:
            self.offending.append((record.name, text[:300], hits))


class QuietClientErrorsFilter(logging.Filter):
    """A 4xx is the client's doing (a denied page, a missing record): log its one line only.

    Django logs the PermissionDenied or Http404 behind a 403/404 with its full
    traceback; on a busy deployment those drown the 5xx tracebacks that matter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= int(getattr(record, "status_code", 0) or 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
