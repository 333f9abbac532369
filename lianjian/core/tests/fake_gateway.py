"""A local fake of an operator's HTTP SMS gateway, started by the tests that use it.

It checks the HMAC signature as a real gateway would, records every request,
and answers with the statuses queued in `answers` (then 200 OK).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lianjian.core.notify_backends import sign

SECRET = "fake-gateway-secret"
APP_KEY = "lianjian-test"


@dataclass
class FakeGateway:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    # statuses to answer, in order; afterwards 200 {"code": "OK"}
    answers: list[int] = field(default_factory=list)
    bad_signatures: int = 0


@contextmanager
def fake_sms_gateway() -> Iterator[FakeGateway]:
    state = FakeGateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            expected = sign(
                SECRET, self.headers["X-Timestamp"] or "", self.headers["X-Nonce"] or "", body
            )
            if self.headers.get("X-Signature") != expected:
                state.bad_signatures += 1
                self._answer(401, {"code": "BAD_SIGNATURE"})
                return
            state.received.append(json.loads(body))
            status = state.answers.pop(0) if state.answers else 200
            count = len(state.received)
            code = "OK" if status == 200 else "ERROR"
            self._answer(status, {"code": code, "message_id": f"m{count}"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the request line carries nothing useful, and no phone

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def gateway_settings(settings: Any, gateway: FakeGateway) -> None:
    """Point the SMS channel of the pytest-django `settings` fixture at the fake."""
    settings.NOTIFICATION_BACKENDS = {
        "sms": "lianjian.core.notify_backends.HttpSmsBackend",
        "email": "lianjian.core.notify_backends.EmailBackend",
    }
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_APP_KEY = APP_KEY
    settings.SMS_GATEWAY_SECRET = SECRET
    settings.SMS_TEMPLATES = {"needs.replied": "SMS_1001", "needs.closed": "SMS_1002"}
