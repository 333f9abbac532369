"""`lianjian audit verify`: walk the audit chain and report the first broken row (S12)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools. `verify` checks the HMAC chain and exits non-zero when broken."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="check every row's link and digest in order")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            result = audit_verify()
            if not result.ok:
                raise CommandError(
                    f"BROKEN at seq {result.first_broken_seq}: {result.reason} "
                    f"({result.checked} rows verified before it)",
                    returncode=2,
                )
            self.stdout.write(f"OK {result.checked} rows verified")
