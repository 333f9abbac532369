"""Password policy presets (QUALITY.md S2): 等保 (default) or ASVS.

等保 2.0 level 3 asks for complexity and periodic change; ASVS 4 (2.1.x) asks
for long passwords and explicitly no forced rotation. One setting,
`PASSWORD_POLICY`, picks the preset; everything else is derived here so the
validator, the expiry check and the help text can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone

if TYPE_CHECKING:
    from lianjian.accounts.models import User


@dataclass(frozen=True)
class Preset:
    min_length: int
    min_classes: int
    history: int
    expiry_days: int
    help_text: str


PRESETS: dict[str, Preset] = {
    "dengbao": Preset(
        min_length=8,
        min_classes=3,
        history=5,
        expiry_days=90,
        help_text="至少8位，包含大写字母、小写字母、数字、符号中的三类，"
        "不含用户名、姓名、手机号或身份证号，不与近5次密码相同；每90天须更换。",
    ),
    "asvs": Preset(
        min_length=12,
        min_classes=0,
        history=0,
        expiry_days=0,
        help_text="至少12位，不含用户名、姓名、手机号或身份证号。",
    ),
}


def current_preset() -> Preset:
    return PRESETS[settings.PASSWORD_POLICY]


def password_expired(user: User) -> bool:
    """True when the preset rotates passwords and this one is older than allowed."""
    days = current_preset().expiry_days
    changed = getattr(user, "password_changed_at", None)
    return bool(days and changed and changed < timezone.now() - timedelta(days=days))


def _classes(password: str) -> int:
    patterns = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")
    return sum(1 for p in patterns if re.search(p, password))


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _name_forms(name: str) -> list[str]:
    """A real name as it may appear in a password: as written, and in pinyin.

    Chinese names are two or three characters, so any two count (the old
    rule skipped names under three characters: every 张伟). Their pinyin counts
    too (`zhangwei`), with each reading of the surname (曾: zeng or ceng).
    """
    name = name.strip().lower()
    if not name:
        return []
    if not _HAN.search(name):
        return [name] if len(name) >= 3 else []
    from pypinyin import Style, lazy_pinyin, pinyin

    forms = [name] if len(name) >= 2 else []
    han = "".join(_HAN.findall(name))
    rest = "".join(lazy_pinyin(han[1:], style=Style.NORMAL))
    for surname in pinyin(han[0], style=Style.NORMAL, heteronym=True)[0]:
        spelled = surname + rest
        if len(spelled) >= 4:
            forms.append(spelled)
    return forms


def _personal_values(user: User) -> tuple[list[str], list[str]]:
    """Names to keep out of the password, and phone/ID numbers (with their last 6 digits).

    The names are the username, the account's real name (`display_name`) and
    the name of the Party member the account is linked to.
    """
    profile = None
    if user.pk:
        try:
            profile = user.member_profile
        except (ObjectDoesNotExist, AttributeError):
            profile = None
    username = str(getattr(user, "username", "") or "").lower()
    names = [username] if len(username) >= 3 else []
    for real in (getattr(user, "display_name", ""), getattr(profile, "name", "")):
        names += _name_forms(str(real or ""))
    numbers: list[str] = []
    for value in (getattr(profile, "mobile", ""), getattr(profile, "id_number", "")):
        if value:
            numbers += [value.lower(), value[-6:].lower()]
    return names, numbers


class PolicyValidator:
    """Length, character classes, similarity to personal data, and history."""

    def validate(self, password: str, user: User | None = None) -> None:
        preset = current_preset()
        errors: list[str] = []
        if len(password) < preset.min_length:
            errors.append(f"密码长度至少{preset.min_length}位")
        if preset.min_classes and _classes(password) < preset.min_classes:
            errors.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
        if user is not None:
            lowered = password.lower()
            names, numbers = _personal_values(user)
            if any(n in lowered for n in names):
                errors.append("密码不能包含用户名或姓名（含姓名拼音）")
            if any(n in lowered for n in numbers):
                errors.append("密码不能包含手机号或身份证号")
            if preset.history and user.pk:
                recent = list(
                    user.password_history.order_by("-created_at", "-pk")[: preset.history - 1]
                )
                hashes = [user.password] if user.password else []
                hashes += [h.password_hash for h in recent]
                if any(check_password(password, h) for h in hashes):
                    errors.append(f"不能与最近{preset.history}次使用过的密码相同")
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return current_preset().help_text
