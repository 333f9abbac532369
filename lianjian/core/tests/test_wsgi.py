"""The WSGI module leaves a worker with its start-up objects frozen (out of the collector's walk)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_importing_the_application_freezes_what_it_loaded() -> None:
    code = (
        "import gc, lianjian.wsgi as w; "
        "from django.urls import resolve; "
        "print(gc.get_freeze_count(), callable(w.application), resolve('/api/v1/members').route)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lianjian.settings"}
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    frozen, is_callable, route = out.stdout.split()
    # the URLconf, every view module and the API's schemas were loaded before freezing
    assert int(frozen) > 50_000 and is_callable == "True" and route
