"""Chinese word segmentation, loaded once per process (jieba's dictionary ships in its wheel).

Loading the dictionary takes about a second, so nothing calls this at import
time and request paths avoid it; background tasks and the triage model do.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its start-up lines are not ours to print
    return jieba


def segment(text: str) -> list[str]:
    """jieba's words of `text`, in order (punctuation and spaces included)."""
    words: list[str] = _jieba().lcut(text or "")
    return words
