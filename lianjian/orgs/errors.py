"""The registries' input error, shared by the services and the ID-conflict rules."""

from __future__ import annotations


class RegistryError(ValueError):
    """Bad input for a registry write; `field` names the offending field when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
