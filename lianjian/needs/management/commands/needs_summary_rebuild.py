"""`lianjian needs_summary_rebuild`: recompute every need's statistics summary from history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "按需求流转历史重新计算统计摘要（修复或批量导入数据后使用）"

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import transaction

        from lianjian.needs.services import needs_summary_rebuild

        with transaction.atomic():
            written = needs_summary_rebuild()
        self.stdout.write(f"已重算 {written} 件需求的统计摘要")
