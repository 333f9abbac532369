"""Delivery backends of the outside notification channels (SMS, e-mail).

A backend's `send` delivers one message or raises `DeliveryError`; it returns
the provider's message id (or ""). Which backend serves a channel is set by
the environment (`NOTIFY_SMS_BACKEND`, `NOTIFY_EMAIL_BACKEND`; see
`.env.example`). Nothing here writes a full phone number to a log (S13).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail

from lianjian.core.masking import mask

logger = logging.getLogger("lianjian.notifications")


class DeliveryError(Exception):
    """The message was not accepted; `retry` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class NotificationBackend(Protocol):
    def send(
        self,
        *,
        channel: str,
        recipient: str,
        subject: str,
        body: str,
        template: str = "",
        params: dict[str, Any] | None = None,
    ) -> str: ...


def shown(channel: str, recipient: str) -> str:
    """The recipient as logs and pages show it."""
    if channel == "sms":
        return mask(recipient, "mobile")
    if channel == "email" and "@" in recipient:
        name, _, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return recipient


class LoggingBackend:
    """Default: writes one line (recipient masked) instead of sending anything."""

    def send(
        self,
        *,
        channel: str,
        recipient: str,
        subject: str,
        body: str,
        template: str = "",
        params: dict[str, Any] | None = None,
    ) -> str:
        logger.info(
            "notify channel=%s recipient=%s subject=%s template=%s",
            channel,
            shown(channel, recipient),
            subject,
            template,
        )
        return ""


class EmailBackend:
    """E-mail through Django's mail backend (SMTP, configured by EMAIL_* settings)."""

    def send(
        self,
        *,
        channel: str,
        recipient: str,
        subject: str,
        body: str,
        template: str = "",
        params: dict[str, Any] | None = None,
    ) -> str:
        try:
            send_mail(f"【联建】{subject}", body or subject, None, [recipient])
        except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
            raise DeliveryError(f"邮件发送失败：{type(exc).__name__}") from exc
        return ""


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """HMAC-SHA256 over timestamp, nonce and the body's SHA-256, hex (the gateway checks it)."""
    digest = hashlib.sha256(body).hexdigest()
    message = f"{timestamp}\n{nonce}\n{digest}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class HttpSmsBackend:
    """An HTTP SMS gateway: template id and parameters, no free text (as operators require).

    POST `SMS_GATEWAY_URL` with JSON `{app_key, phone, sign_name, template_id, params}`
    and headers `X-App-Key`, `X-Timestamp`, `X-Nonce`, `X-Signature` (see `sign`). The
    gateway answers 2xx with `{"code": "OK", "message_id": ...}`; another code is a
    refusal (not retried when the gateway says the request itself is wrong, 4xx).
    """

    def send(
        self,
        *,
        channel: str,
        recipient: str,
        subject: str,
        body: str,
        template: str = "",
        params: dict[str, Any] | None = None,
    ) -> str:
        if not template:
            raise DeliveryError("该类通知未配置短信模板（SMS_TEMPLATES）", retry=False)
        payload = json.dumps(
            {
                "app_key": settings.SMS_GATEWAY_APP_KEY,
                "phone": recipient,
                "sign_name": settings.SMS_SIGN_NAME,
                "template_id": template,
                "params": {k: str(v) for k, v in (params or {}).items()},
            },
            ensure_ascii=False,
        ).encode()
        timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
        # SMS_GATEWAY_URL is http(s) only: settings.py refuses any other scheme
        request = urllib.request.Request(  # noqa: S310
            settings.SMS_GATEWAY_URL,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-App-Key": settings.SMS_GATEWAY_APP_KEY,
                "X-Timestamp": timestamp,
                "X-Nonce": nonce,
                "X-Signature": sign(settings.SMS_GATEWAY_SECRET, timestamp, nonce, payload),
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=settings.SMS_TIMEOUT_SECONDS
            ) as resp:
                answer = json.loads(resp.read(64 * 1024) or b"{}")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"短信网关返回 {exc.code}", retry=exc.code >= 500) from exc
        except (OSError, ValueError) as exc:  # refused, timed out, not JSON
            raise DeliveryError(f"短信网关不可用：{type(exc).__name__}") from exc
        if not isinstance(answer, dict) or answer.get("code") != "OK":
            code = answer.get("code") if isinstance(answer, dict) else "?"
            raise DeliveryError(f"短信网关拒绝：{str(code)[:50]}", retry=False)
        return str(answer.get("message_id") or "")[:100]
