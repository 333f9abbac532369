"""`lianjian import KIND FILE --user USERNAME [--valid-only]` (units, party-orgs, members…).

Runs the same importer as the upload page and the API (.xlsx, .xls or CSV),
as the named user and within that user's scope; exits non-zero when the file
is refused or has row errors (and then writes nothing, unless `--valid-only`
asked for the valid rows to be written), printing each error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lianjian.core.permissions import user_has_any_perm
from lianjian.ledger.importer import import_ledger
from lianjian.ledger.kinds import kinds
from lianjian.ledger.safety import LedgerFileError


class Command(BaseCommand):
    help = "导入台账（.xlsx、.xls、.csv；单位 units、党组织 party-orgs、党员 members）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=sorted(kinds()))
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="以该用户的身份和数据范围导入")
        parser.add_argument("--errors", type=Path, help="把错误报告写入此 .xlsx 文件")
        parser.add_argument(
            "--valid-only", action="store_true", help="仅导入有效行：跳过有错误的行，导入其余各行"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = get_user_model().objects.get(username__iexact=opts["user"], is_active=True)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"用户“{opts['user']}”不存在或已停用") from exc
        if not user_has_any_perm(user, kinds()[opts["kind"]].import_perm):
            raise CommandError(f"用户“{user.username}”没有导入台账的权限")
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            outcome = import_ledger(
                opts["kind"],
                path.read_bytes(),
                user=user,
                file_name=path.name,
                progress=lambda phase, done, total: self.stderr.write(
                    f"{phase} {done}" + (f"/{total}" if total else ""), ending="\r"
                ),
                valid_only=opts["valid_only"],
            )
        except LedgerFileError as exc:
            raise CommandError(exc.message) from exc
        if outcome.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"导入成功：{outcome.total_rows} 行，新增 {outcome.created}，更新 {outcome.updated}"
                )
            )
            return
        if outcome.written:
            self.stdout.write(
                self.style.WARNING(
                    f"已导入有效行：新增 {outcome.created}，更新 {outcome.updated}；"
                    f"跳过 {outcome.skipped} 行有错误的行"
                )
            )
        for error in outcome.errors[:200]:
            self.stderr.write(f"第 {error.row} 行 [{error.column}] {error.reason}")
        if opts.get("errors"):
            from lianjian.ledger.exporter import read_bytes
            from lianjian.ledger.report import error_report

            opts["errors"].write_bytes(read_bytes(error_report(outcome.errors, outcome.sheet)))
        if not outcome.written:
            raise CommandError(f"发现 {len(outcome.errors)} 处错误，整个文件未导入")
