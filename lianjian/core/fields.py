"""Model field that stores text encrypted at rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from lianjian.core import crypto

if TYPE_CHECKING:
    _TextField = models.TextField[str, str]
else:
    _TextField = models.TextField


class EncryptedTextField(_TextField):
    """Encrypts on write, decrypts on read; the plaintext never reaches the database.

    `purpose` is authenticated data: a ciphertext copied into another column
    fails to decrypt there.
    """

    def __init__(self, *args: Any, purpose: str = "", **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, self.purpose)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), self.purpose)
