"""`lianjian createtoken USERNAME [--name NAME] [--days N]`: issue a bearer token for the REST API.

The key is printed once (standard output, alone, so scripts can read it) and
only its hash is stored, so a lost key is replaced, never recovered. The
expiry goes to standard error with the reminder (`API_TOKEN_DAYS`, default 90).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.accounts.policy import account_refusal, has_confirmed_device
from lianjian.accounts.services import token_issue


class Command(BaseCommand):
    help = "为用户生成 API 令牌（只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="integration", help="令牌用途说明")
        parser.add_argument(
            "--days", type=int, default=None, help="有效天数（不超过 API_TOKEN_DAYS，默认即该值）"
        )

    def handle(
        self, *args: Any, username: str, name: str, days: int | None, **options: Any
    ) -> None:
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"用户“{username}”不存在") from None
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能生成令牌")
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("令牌用途说明须为1至100个字符")
        if days is not None and not 1 <= days <= settings.API_TOKEN_DAYS:
            # the setting is the longest a token may live; shorter is always allowed
            raise CommandError(f"有效天数须为1至{settings.API_TOKEN_DAYS}（API_TOKEN_DAYS）")
        key, token = token_issue(user, name, days=days)
        self.stdout.write(key)
        expires = timezone.localtime(token.expires_at)
        self.stderr.write(f"有效期至 {expires:%Y-%m-%d %H:%M}（{expires.tzname()}）。")
        refusal = account_refusal(user, second_factor=lambda: has_confirmed_device(user))
        if refusal is not None:
            self.stderr.write(f"注意：该账户目前不能使用令牌：{refusal.message}。")
        self.stderr.write("请妥善保存：该令牌只显示这一次。")
