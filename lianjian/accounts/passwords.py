"""Password policy presets (QUALITY.md S2): 等保 (default) or ASVS."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


def _classes(password: str) -> int:
    patterns = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")
    return sum(1 for p in patterns if re.search(p, password))


class PolicyValidator:
    """Length, character classes, similarity to personal data, and history."""

    def validate(self, password: str, user: Any = None) -> None:
        errors: list[str] = []
        if settings.PASSWORD_POLICY == "dengbao":
            if len(password) < 8:
                errors.append("密码长度至少8位")
            if _classes(password) < 3:
                errors.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
        elif len(password) < 12:
            errors.append("密码长度至少12位")
        if user is not None:
            lowered = password.lower()
            for attr in ("username", "display_name"):
                value = str(getattr(user, attr, "") or "").lower()
                if len(value) >= 3 and value in lowered:
                    errors.append("密码不能包含用户名或姓名")
                    break
            profile = getattr(user, "member_profile", None) if user.pk else None
            for secret in (getattr(profile, "mobile", ""), getattr(profile, "id_number", "")):
                if secret and (secret[-6:] in password or secret in password):
                    errors.append("密码不能包含手机号或身份证号")
                    break
            if settings.PASSWORD_HISTORY and user.pk:
                recent = user.password_history.all()[: settings.PASSWORD_HISTORY]
                if any(check_password(password, h.password_hash) for h in recent):
                    errors.append(f"不能与最近{settings.PASSWORD_HISTORY}次使用过的密码相同")
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        if settings.PASSWORD_POLICY == "dengbao":
            return "至少8位，包含大写字母、小写字母、数字、符号中的三类，不含个人信息，不与近5次密码相同。"
        return "至少12位，不含个人信息。"
