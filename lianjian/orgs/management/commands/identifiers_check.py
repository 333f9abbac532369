"""`lianjian identifiers_check`: stored identifiers that one normalization would merge.

Lists members whose ID numbers or mobiles, and units whose credit codes, become
the same value once normalized (`lianjian.core.identifiers`: full-width digits,
spaces, lower-case x), and stored values today's rules refuse. Migration
`orgs.0009_normalize_identifiers` repaired every row it could; the rows listed
here are for a person to resolve (merge or correct the duplicate record), after
which `--repair` normalizes them too.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lianjian.orgs.identifier_repair import find_problems, repair
from lianjian.orgs.models import Member, Unit


class Command(BaseCommand):
    help = "列出规范化后相互冲突的身份证号、手机号和统一社会信用代码；--repair 规范化其余记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repair",
            action="store_true",
            help="把不冲突的记录改写为规范形式并重算盲索引（冲突的记录保持不动）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["repair"]:
            result = repair(Member, Unit)
            problems = result.problems
            self.stdout.write(f"已规范化 {result.members} 名党员、{result.units} 个单位的号码")
        else:
            problems = find_problems(Member, Unit)
        for line in problems.lines():
            self.stdout.write(line)
        blocking = len(problems.blocking())
        self.stdout.write(
            f"冲突 {len(problems.collisions)} 组（其中 {blocking} 组须人工合并或更正），"
            f"无效号码 {len(problems.invalid)} 个"
        )
