"""`lianjian resetpassword USERNAME [--otp]`: the operator's reset, on the server.

For the accounts no administrator may reset on the pages (`duties`: the
security and audit administrators, and any account whose peers cannot
reach it). Prints a one-time password (the first sign-in must change it),
ends the account's sessions and tokens, and is audited under the operator
as actor. `--otp` also removes the account's TOTP devices (a lost phone).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.accounts.models import User
from lianjian.accounts.services import AccountError, password_reset, second_factor_reset
from lianjian.core.audit import system_actor


class Command(BaseCommand):
    help = "在服务器上重置账户密码（一次性密码，只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--otp", action="store_true", help="同时清除该账户的双因素认证设备")

    def handle(self, *args: Any, username: str, otp: bool, **options: Any) -> None:
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"用户“{username}”不存在") from None
        with system_actor("系统：命令行 resetpassword"):
            try:
                initial = password_reset(user, None)
                removed = second_factor_reset(user, actor=None) if otp else 0
            except AccountError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(initial)
        if otp:
            self.stderr.write(f"已清除 {removed} 个双因素认证设备，下次登录时重新绑定。")
        self.stderr.write(
            "请当面或通过安全渠道交给本人：该一次性密码只显示这一次，首次登录须修改。"
        )
