"""`lianjian calendar sync|status`: the official holiday schedule from the installed package.

No network: upgrade the `chinesecalendar` package (it follows the State Council's
yearly notice) and run `sync`. Days edited here, at any level, are never overwritten.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from lianjian.needs.calendar.selectors import official_years
from lianjian.needs.calendar.services import calendar_sync, package_version


class Command(BaseCommand):
    help = (
        "工作日历：从已安装的 chinesecalendar 载入国家节假日和调休安排（sync）或查看状态（status）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sync", help="载入或更新国家安排，不覆盖本地修改")
        sub.add_parser("status", help="已载入的年份")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "sync":
            result = calendar_sync(audit=True)
            self.stdout.write(
                f"chinesecalendar {package_version()}（{result.years[0]}–{result.years[-1]} 年）："
                f"新增 {result.added} 天，更新 {result.updated} 天，删除 {result.removed} 天，"
                f"保留本地修改 {result.kept} 天"
            )
        years = official_years()
        this_year = timezone.localdate().year
        missing = [y for y in (this_year, this_year + 1) if y not in years]
        if years:
            self.stdout.write(f"已载入国家安排：{years[0]}–{years[-1]} 年")
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    "、".join(map(str, missing))
                    + " 年的国家安排尚未载入：请升级 chinesecalendar 后再运行 lianjian calendar sync"
                )
            )
