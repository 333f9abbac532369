"""`lianjian demo`: rebuild the demo district and print its logins."""

from __future__ import annotations

import os
import time
import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.portal.demo import DEFAULT_DEMO_PASSWORD, DemoResult, demo_build


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where CJK characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 1)


# what each builder's line is called in the output
SUMMARY_LABELS = {
    "orgs": "登记数据",
    "needs": "需求配置",
    "visits": "走访台账",
    "needs.work": "需求工单",
    "ledger": "两新台账",
}


def print_summaries(out: Any, result: DemoResult) -> None:
    """One Chinese line per builder that reported something."""
    for name, line in result.summaries.items():
        out.write(f"{SUMMARY_LABELS.get(name, name)}：{line}")


def print_logins(out: Any, result: DemoResult) -> None:
    """The login table shown after a build and by `lianjian start`."""
    out.write("")
    out.write("演示账号（仅供评估使用，切勿在正式环境中创建）")
    out.write(_pad("用户名", 20) + _pad("角色", 20) + "范围")
    for login in result.logins:
        out.write(_pad(login.username, 20) + _pad(login.role, 20) + login.scope)
    out.write(f"所有演示账号的密码：{result.password}")
    out.write("")


class Command(BaseCommand):
    help = "删除并重建演示数据（长宁区、朝阳区）及演示账号；审计日志保留。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("LIANJIAN_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
            help="所有演示账号使用的密码（默认取 LIANJIAN_DEMO_PASSWORD 或内置演示密码）",
        )
        parser.add_argument(
            "--without-ledger",
            action="store_true",
            help="不生成长宁区规模的两新台账（约2万家单位，用于覆盖率报表）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("正式环境（LIANJIAN_ENV=production）不允许创建演示数据和演示账号")
        started = time.monotonic()
        result = demo_build(password=options["password"], with_ledger=not options["without_ledger"])
        elapsed = time.monotonic() - started
        self.stdout.write(f"演示数据已重建（{elapsed:.1f} 秒）")
        print_summaries(self.stdout, result)
        print_logins(self.stdout, result)
