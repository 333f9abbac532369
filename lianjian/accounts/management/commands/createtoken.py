"""`lianjian createtoken USERNAME [--name NAME]`: issue a bearer token for the REST API.

The key is printed once and only its hash is stored, so a lost key is
replaced, never recovered.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.accounts.models import User
from lianjian.accounts.services import token_create


class Command(BaseCommand):
    help = "为用户生成 API 令牌（只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="integration", help="令牌用途说明")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"用户“{username}”不存在") from None
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能生成令牌")
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("令牌用途说明须为1至100个字符")
        key = token_create(user, name)
        self.stdout.write(key)
        self.stderr.write("请妥善保存：该令牌只显示这一次。")
