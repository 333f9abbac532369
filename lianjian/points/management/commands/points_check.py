"""`lianjian points_check`: every balance equals the sum of its member's entries."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lianjian.points.services import check_balances


class Command(BaseCommand):
    help = "核对积分余额与积分明细之和"

    def handle(self, *args: Any, **options: Any) -> None:
        wrong = check_balances()
        for member_id, balance, total in wrong[:50]:
            self.stdout.write(f"党员 {member_id}：余额 {balance}，明细合计 {total}")
        if wrong:
            self.stderr.write(f"{len(wrong)} 个余额与明细不一致")
            raise SystemExit(1)
        self.stdout.write("积分余额与明细一致")
