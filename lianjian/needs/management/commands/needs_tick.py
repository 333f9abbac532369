"""`lianjian needs_tick`: send due reminders and escalate overdue needs once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "到期前提醒承办部门，逾期未答复的需求升级到街道，答复后久未评价的需求自动办结"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台任务队列，而不是立即执行"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from lianjian.needs.tasks import needs_tick_recorded, needs_tick_task

        if options["enqueue"]:
            result = needs_tick_task.enqueue()
            self.stdout.write(f"已加入队列：{result.id}")
            return
        counts = needs_tick_recorded()
        self.stdout.write(
            f"提醒 {counts['reminded']} 件，升级 {counts['escalated']} 件，"
            f"自动办结 {counts['closed']} 件"
        )
