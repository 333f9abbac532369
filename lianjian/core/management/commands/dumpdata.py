"""`dumpdata` that will not write decrypted personal data in production (S14, R4).

Django's serializers read every field through the model, so `dumpdata` writes
ID numbers and mobiles as plaintext. In production it refuses any model with
an encrypted column (and names `lianjian backup`, which keeps ciphertexts as
stored and encrypts the archive); elsewhere it warns on stderr.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.dumpdata import Command as DjangoDumpdata

from lianjian.core.fields import EncryptedTextField


def _selected_models(labels: tuple[str, ...], excluded: list[str]) -> list[Any]:
    if labels:
        chosen = []
        for label in labels:
            app_label, _, model_name = label.partition(".")
            try:
                config = apps.get_app_config(app_label)
            except LookupError:
                continue  # Django's own command names the unknown label
            if model_name:
                try:
                    chosen.append(config.get_model(model_name))
                except LookupError:
                    continue
            else:
                chosen.extend(config.get_models())
    else:
        chosen = list(apps.get_models())
    return [
        m
        for m in chosen
        if m._meta.app_label not in excluded
        and m._meta.label not in excluded
        and m._meta.label_lower not in excluded
    ]


def personal_models(labels: tuple[str, ...], excluded: list[str]) -> list[str]:
    """The selected models holding encrypted personal data."""
    return sorted(
        m._meta.label
        for m in _selected_models(labels, excluded)
        if any(isinstance(f, EncryptedTextField) for f in m._meta.concrete_fields)
    )


class Command(DjangoDumpdata):
    def handle(self, *app_labels: str, **options: Any) -> None:
        personal = personal_models(app_labels, list(options.get("exclude") or []))
        if personal:
            message = (
                f"dumpdata 会把加密字段（身份证号、手机号）解密成明文写出：{', '.join(personal)}。"
            )
            if settings.PRODUCTION:
                raise CommandError(
                    message + "正式环境不允许导出这些表；请用 `lianjian backup`（密文原样保存，"
                    "整个文件再加密），或用 --exclude 排除它们。"
                )
            self.stderr.write("警告：" + message + "请勿用于真实数据。")
        super().handle(*app_labels, **options)
