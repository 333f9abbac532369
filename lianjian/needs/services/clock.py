"""The needs services' clock: every time a service writes (events, deadlines,
replies, ratings) comes from `now()`.

The demo replays months of history by patching `now` here (`needs.demo.needs_clock`);
the services call it as `clock.now()`, so one patch reaches every module.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
