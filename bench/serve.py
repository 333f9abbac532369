"""A WSGI server with a fixed pool of threads, for the HTTP benchmarks (loopback only).

    python bench/serve.py PORT [THREADS] [WORKERS]

`runserver` starts a thread per request; with persistent database
connections (CONN_MAX_AGE=60 on PostgreSQL) every finished thread leaves its
connection open until garbage collection, and a 16-client burst exhausted
PostgreSQL's connection slots. Here a fixed pool of threads serves the
requests, each keeping its one connection, as a production server would;
WORKERS processes (forked after the socket is bound, like a pre-fork server)
share the listening socket so more than one CPU serves.
"""

from __future__ import annotations

import os
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from common import setup


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: it would cost more than some requests."""


class PooledWSGIServer(WSGIServer):
    request_queue_size = 128
    threads = 16

    def server_activate(self) -> None:
        super().server_activate()
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="wsgi")

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._handle, request, client_address)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


def main() -> None:
    port = int(sys.argv[1])
    PooledWSGIServer.threads = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    setup()
    from django.core.wsgi import get_wsgi_application
    from django.urls import get_resolver

    application = get_wsgi_application()
    # build the URL resolver (every URLconf, the API and its routers) once, before
    # forking, as a preloading server does, instead of on each worker's first request
    get_resolver().url_patterns  # noqa: B018
    server = make_server(
        "127.0.0.1",
        port,
        application,
        server_class=PooledWSGIServer,
        handler_class=QuietHandler,
    )
    # SIGTERM ends serve_forever through SystemExit, so the finally below runs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    children = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:
            children = []
            break
        children.append(pid)
    try:
        server.serve_forever()
    finally:
        for pid in children:
            os.kill(pid, 15)


if __name__ == "__main__":
    main()
