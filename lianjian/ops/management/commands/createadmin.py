"""`lianjian createadmin`: the first real administrator of a deployment, with a checked grant.

`createsuperuser` makes an account whose flags mean nothing here (permissions
come from grants) and whose password nobody checked against the policy. This
command creates the account through the same service as the account pages —
a random one-time password (S3), changed at the first login, TOTP bound next
in production (S5) — and grants one administrative role on a district, the
region level every administrative role works on.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from lianjian.accounts.services import AccountError, grant_add, user_create
from lianjian.core.audit import system_actor
from lianjian.core.roles import Role
from lianjian.orgs.models import Region
from lianjian.orgs.services import RegistryError, region_create

ADMIN_ROLES = (Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


class Command(BaseCommand):
    help = (
        "创建管理员账户（区级管理员、系统管理员、安全管理员或审计管理员），授权于一个区；"
        "初始密码随机、仅显示一次，首次登录须修改。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument(
            "--role",
            required=True,
            choices=[str(r) for r in ADMIN_ROLES],
            help="角色：district_admin / system_admin / security_admin / audit_admin",
        )
        parser.add_argument("--district", required=True, help="授权的区（区域名称，区一级）")
        parser.add_argument(
            "--create-district",
            action="store_true",
            help="区域树里还没有这个区时先建立它（新部署的第一个账户）",
        )
        parser.add_argument("--display-name", default="", help="显示名称")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["district"].strip()
        try:
            with system_actor("createadmin"), transaction.atomic():
                district = Region.objects.filter(name=name, level=Region.Level.DISTRICT).first()
                if district is None:
                    if not options["create_district"]:
                        raise CommandError(
                            f"没有名为“{name}”的区；新部署可加 --create-district 先建立它"
                        )
                    district = region_create(name=name, level=Region.Level.DISTRICT)
                user, password = user_create(
                    username=options["username"],
                    display_name=options["display_name"],
                    home_region=district,
                )
                grant_add(user, options["role"], region=district)
        except (AccountError, RegistryError) as exc:
            raise CommandError(exc.message) from exc
        role = Role(options["role"]).label
        self.stdout.write(f"已创建 {user.username}：{role}，授权范围 {district.name}")
        self.stdout.write(f"初始密码（只显示这一次）：{password}")
        self.stdout.write("首次登录须修改密码；正式环境随后须绑定动态口令（TOTP）。")
