"""`lianjian projects_tick`: remind overdue claimants, escalate, expire unclaimed items once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "超过承诺日期的认领提醒认领方，超期一周升级到社区，过了期望日期无人认领的项目过期"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="放入后台任务队列，而不是立即执行"
        )

    def handle(self, *args: str, **options: object) -> None:
        from lianjian.projects.tasks import projects_tick_recorded, projects_tick_task

        if options["enqueue"]:
            result = projects_tick_task.enqueue()
            self.stdout.write(f"已加入队列：{result.id}")
            return
        counts = projects_tick_recorded()
        self.stdout.write(
            f"提醒 {counts['reminded']} 项，升级 {counts['escalated']} 项，过期 {counts['expired']} 项"
        )
