"""`lianjian retention [--dry-run]`: anonymize personal data past its retention period (S17)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from lianjian.core.retention import retention_run


class Command(BaseCommand):
    help = "按保存期限匿名化或删除过期的个人信息（统计数据和审计记录不变），并打印清单。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计，不修改")

    def handle(self, *args: Any, **options: Any) -> None:
        report = retention_run(dry_run=options["dry_run"])
        verb = "将处理" if report.dry_run else "已处理"
        self.stdout.write(f"保存期限检查（{timezone.localtime(report.ran_at):%Y-%m-%d %H:%M}）")
        for line in report.lines:
            cutoff = timezone.localtime(line.cutoff)
            self.stdout.write(f"  {line.label}（{cutoff:%Y-%m-%d} 以前）：{verb} {line.count} 条")
        self.stdout.write(
            f"合计{verb} {report.total} 条"
            + ("（未修改，--dry-run）" if report.dry_run else "；已记入审计日志")
        )
