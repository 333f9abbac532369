"""`lianjian alliances_tick`: escalate overdue tasks, warn bodies not met, remind renewals."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "逾期落实任务升级，本期未召开的联席会议提醒，共建协议到期续签提醒"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台任务队列，而不是立即执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from lianjian.alliances.services.tasks import alliances_tick
        from lianjian.alliances.tasks import alliances_tick_task

        if options["enqueue"]:
            result = alliances_tick_task.enqueue()
            self.stdout.write(f"已加入队列：{result.id}")
            return
        counts = alliances_tick()
        self.stdout.write(
            f"任务升级 {counts['escalated']} 项，召开提醒 {counts['warned']} 个，"
            f"续签提醒 {counts['reminded']} 份"
        )
