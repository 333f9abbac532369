"""`lianjian restore ARCHIVE [--to DATABASE_URL]`: restore a backup into a fresh database (R4)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.ops.archive import ArchiveError
from lianjian.ops.backup import BackupError, Target, check_restored, restore_archive


class Command(BaseCommand):
    help = (
        "把 `lianjian backup` 的备份恢复到一个新的（空）数据库，并核对行数、审计链和解密。"
        "默认恢复到 DATABASE_URL 指向的数据库（须为空）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="备份文件")
        parser.add_argument("--to", help="目标数据库地址（默认 DATABASE_URL）")
        parser.add_argument(
            "--create", action="store_true", help="PostgreSQL：目标数据库不存在时先创建"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(f"找不到备份文件：{archive}")
        try:
            target = Target.from_url(options["to"]) if options["to"] else Target.configured()
            started = time.perf_counter()
            manifest = restore_archive(archive, target, create=options["create"])
            restored = time.perf_counter() - started
            check = check_restored(target, manifest)
        except (BackupError, ArchiveError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已恢复到 {target.describe()}（备份于 {manifest['created_at']}，用时 {restored:.1f} 秒）："
            f"{check.tables} 张表 {check.rows:,} 行，审计链 {check.audit_rows:,} 条，"
            f"解密抽样 {check.decrypted} 个"
        )
        if not check.ok:
            for problem in check.problems:
                self.stderr.write(f"  不符：{problem}")
            raise CommandError("恢复后的核对未通过", returncode=2)
        self.stdout.write(
            "核对通过。请用 `lianjian audit verify --checkpoint …` 对照保存在库外的检查点。"
        )
