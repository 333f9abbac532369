"""What the needs services refuse with: a Chinese message the caller shows as is."""

from __future__ import annotations

CONFLICT_MESSAGE = "该需求已被他人处理，请刷新后重试"
MAX_TEXT = 2000


class NeedError(ValueError):
    """Refused need write; `message` is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IdempotencyKeyReused(NeedError):
    """The Idempotency-Key came before with a different submission (the API answers 422)."""


class NeedConflict(NeedError):
    """Someone else changed the need since the caller loaded it."""
