"""Pausing Python's cyclic garbage collector around work that allocates many objects."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; reference counting still frees everything.

    A full collection walks every tracked object alive at that moment, so inside
    work holding many of them it costs in proportion: seconds of a 100k-row import
    (a million cells), a visible share of a past-date needs statistic (~66k folded
    rows and states; bench/README.md, fourth session). The objects are gone once the
    block ends, so a collection that
    runs later is cheap. Counted, so overlapping blocks on several threads keep
    it paused until the last one ends.
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
