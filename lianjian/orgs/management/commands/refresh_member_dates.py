"""`lianjian refresh_member_dates`: recompute every unit's member dates from its members.

The member services keep them true on every write; this is for rows written
around them (a restore, a repair made in SQL).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lianjian.orgs.services_members import unit_member_dates_refresh


class Command(BaseCommand):
    help = "重新计算各单位的党员起始日期（覆盖统计使用）"

    def handle(self, *args: Any, **options: Any) -> None:
        count = unit_member_dates_refresh()
        self.stdout.write(f"已重新计算 {count} 个单位的党员日期")
