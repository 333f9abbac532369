"""`lianjian backup [drill]`: an encrypted archive of the database, or the restore drill (R4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.core.audit import audit_record, system_actor
from lianjian.ops.archive import ArchiveError
from lianjian.ops.backup import BackupError, backup_create, backup_drill


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB"


class Command(BaseCommand):
    help = (
        "备份数据库：一致的快照，加密字段保持密文，整个文件再用 BACKUP_KEY 加密。"
        "`lianjian backup drill`：备份后恢复到临时数据库，核对行数、审计链和解密，并计时。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["drill"], help="drill：恢复演练")
        parser.add_argument("--output", "-o", help="备份文件路径（默认 BACKUP_DIR 下按时间命名）")
        parser.add_argument("--archive", help="drill：演练这个已有的备份文件，而不是先备份")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "drill":
                self._drill(Path(options["archive"]) if options["archive"] else None)
            else:
                self._backup(Path(options["output"]) if options["output"] else None)
        except (BackupError, ArchiveError) as exc:
            raise CommandError(str(exc)) from exc

    def _backup(self, path: Path | None) -> None:
        result = backup_create(path)
        audit = result.manifest["audit"]
        with system_actor("backup"):
            audit_record(
                "backup.create",
                object_type="backup",
                detail={"file": result.path.name, "audit_seq": audit["seq"]},
            )
        rows = sum(result.manifest["tables"].values())
        self.stdout.write(
            f"备份完成：{result.path}（{_mb(result.archive_bytes)}，{len(result.manifest['tables'])} 张表 "
            f"{rows:,} 行，审计链至第 {audit['seq']} 条，用时 {result.seconds:.1f} 秒）"
        )
        self.stdout.write(
            "恢复时需要 BACKUP_KEY 以及写入时的 FIELD_ENCRYPTION_KEYS、BLIND_INDEX_KEY、AUDIT_HMAC_KEY。"
        )

    def _drill(self, archive: Path | None) -> None:
        if archive is not None and not archive.is_file():
            raise CommandError(f"找不到备份文件：{archive}")
        result = backup_drill(archive)
        check = result.check
        with system_actor("backup drill"):
            audit_record(
                "backup.drill",
                object_type="backup",
                result="success" if result.ok else "failure",
                detail={
                    "tables": check.tables,
                    "rows": check.rows,
                    "seconds": round(result.total_seconds, 1),
                    "problems": check.problems[:20],
                },
            )
        self.stdout.write(
            f"恢复演练（{result.manifest['vendor']}，备份于 {result.manifest['created_at']}，"
            f"{_mb(result.archive_bytes)}）"
        )
        self.stdout.write(f"  备份     {result.backup_seconds:6.1f} 秒")
        self.stdout.write(
            f"  恢复     {result.restore_seconds:6.1f} 秒（到临时数据库，演练后删除）"
        )
        self.stdout.write(
            f"  核对     {result.check_seconds:6.1f} 秒：{check.tables} 张表 {check.rows:,} 行，"
            f"审计链 {check.audit_rows:,} 条，解密抽样 {check.decrypted} 个"
        )
        self.stdout.write(f"  合计     {result.total_seconds:6.1f} 秒")
        if not result.ok:
            for problem in check.problems:
                self.stderr.write(f"  不符：{problem}")
            raise CommandError("恢复演练未通过", returncode=2)
        self.stdout.write("演练通过：行数、审计链和解密均与备份一致")
