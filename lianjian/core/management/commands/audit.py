"""`lianjian audit verify | anchor`: check the audit chain, or print a checkpoint of it (S12).

`anchor` prints a signed checkpoint (seq, hash, time, HMAC) of the chain's
head for the operator to keep outside the database (a ticket, a printout,
another machine); `verify --checkpoint` then proves the chain still holds
that row unchanged and was not cut back below it, which the database alone
cannot show once its owner empties the table and the head together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.core.audit import (
    CheckpointError,
    audit_anchor,
    audit_record,
    audit_verify,
    parse_checkpoint,
    system_actor,
)


def _checkpoint_text(value: str) -> str:
    """The argument is a checkpoint line itself or the path of a file holding one."""
    if value.strip().startswith("LJAUDIT1"):
        return value
    path = Path(value)
    if not path.is_file():
        raise CommandError(f"找不到检查点文件：{value}（也可以直接给出 LJAUDIT1 开头的检查点文本）")
    return path.read_text(encoding="utf-8", errors="replace")


class Command(BaseCommand):
    help = (
        "Audit trail tools. `verify` checks the HMAC chain and its signed head and exits "
        "non-zero when broken; `anchor` prints a signed checkpoint to keep elsewhere."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="check every row's link and digest in order")
        verify.add_argument(
            "--checkpoint",
            help="a checkpoint printed by `audit anchor` (the text, or a file holding it)",
        )
        sub.add_parser("anchor", help="print a signed checkpoint of the chain's head")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = None
        if options["subcommand"] == "verify" and options.get("checkpoint"):
            try:
                checkpoint = parse_checkpoint(_checkpoint_text(options["checkpoint"]))
            except CheckpointError as exc:
                raise CommandError(str(exc), returncode=2) from exc
        result = audit_verify(checkpoint=checkpoint)
        if not result.ok:
            raise CommandError(
                f"BROKEN at seq {result.first_broken_seq}: {result.reason} "
                f"({result.checked} rows verified before it)",
                returncode=2,
            )
        if options["subcommand"] == "verify":
            suffix = f"; checkpoint seq {checkpoint.seq} matches" if checkpoint else ""
            self.stdout.write(f"OK {result.checked} rows verified{suffix}")
            return
        try:
            anchor = audit_anchor()
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        with system_actor("audit anchor"):
            audit_record("audit.anchor", object_type="audit", detail={"seq": anchor.seq})
        self.stdout.write(anchor.text())
        self.stderr.write(
            f"请把上面一行保存在数据库以外（另一台机器、工单或纸面）；"
            f"核对：lianjian audit verify --checkpoint '<检查点>'（{result.checked} 条记录已核验）"
        )
