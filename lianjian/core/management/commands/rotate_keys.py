"""`lianjian rotate_keys`: re-encrypt every encrypted column with the active key (S14).

Add the new key first in FIELD_ENCRYPTION_KEYS (keeping the old ones), run
this, then remove the old keys once it reports nothing left to rotate.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lianjian.core.crypto import rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField value with the first key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--dry-run", action="store_true", help="count rows needing rotation, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_all(batch_size=options["batch_size"], dry_run=options["dry_run"])
        verb = "would re-encrypt" if options["dry_run"] else "re-encrypted"
        total = 0
        for label, count in report.items():
            total += count
            self.stdout.write(f"{label}: {verb} {count} rows")
        self.stdout.write(f"done: {verb} {total} rows with key {report_kid()}")


def report_kid() -> str:
    from django.conf import settings

    return next(iter(settings.FIELD_ENCRYPTION_KEYS))
