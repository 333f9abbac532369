"""gunicorn's configuration, as the README deploys it: `gunicorn -c python:lianjian.gunicorn_conf`.

(`gunicorn.conf.py` at the top of a checkout loads this module, so a bare
`gunicorn` run there uses it too.) Sync workers, two per CPU, behind nginx on
the loopback address; options given on the command line still win.
"""

from __future__ import annotations

import os
import sys
from typing import Any

wsgi_app = "lianjian.wsgi:application"
bind = os.environ.get("LIANJIAN_ADDR", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
worker_class = "sync"
timeout = 60
# gunicorn >= 25 opens a control socket under $HOME/.gunicorn by default; a service
# account's home is no place for it and nothing here uses gunicornc
control_socket_disable = True
# no access log here: nginx in front keeps it (and URLs never carry personal data, S13)
# request lines and headers: gunicorn's own limits, refused before Django sees them
limit_request_line = 4094
limit_request_fields = 100
# The master loads the application and its URLconf once, then forks: without it every
# worker built the URLconf and the API schema on its first request (7-10 s on a busy
# 2-CPU machine), so the first minute after a restart queued every request (P5).
preload_app = True


def on_starting(server: Any) -> None:
    """A bad setting stops the server with the one line naming the variable, before any worker."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianjian.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - loads and checks the settings
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"lianjian: 配置错误 (ImproperlyConfigured): {exc}\n")
        sys.exit(2)


def when_ready(server: Any) -> None:
    """Warm the URLconf (every view, the API and its schema) in the master, before forking.

    The connections opened meanwhile, if any, are closed so that no worker inherits a
    socket of the master's.
    """
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module and the API
    connections.close_all()
