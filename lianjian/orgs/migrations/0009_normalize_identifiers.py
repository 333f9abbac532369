"""Stored ID numbers, mobiles and credit codes rewritten to their one normal form (S26).

Before `lianjian.core.identifiers`, a value typed in full-width digits was stored
as typed, with a blind index over that text: the same person could be entered
again in ASCII and get a second row. This migration rewrites every stored value
to its normal form and recomputes the blind indexes (`orgs.identifier_repair`).

Where two rows' ID numbers or credit codes normalize to the same value, those
rows are left exactly as they are and listed on the console, as
`lianjian identifiers_check` lists them. Both cannot take the value (the blind
index and the credit code are unique), and choosing one means deciding which
record is the person's: each carries its own Party organization, dates, visits
and audit history, and deleting or merging either would lose data no migration
can judge. A person resolves the pair, then `lianjian identifiers_check --repair`
finishes the job. Mobiles are not unique (a family shares one), so they are always
normalized. Values the rules now refuse (other scripts' digits, unknown region
codes) are kept and listed as invalid; nothing is deleted.
"""

import sys

from django.db import migrations


def normalize_identifiers(apps, schema_editor):  # type: ignore[no-untyped-def]
    from lianjian.orgs.identifier_repair import repair

    result = repair(apps.get_model("orgs", "Member"), apps.get_model("orgs", "Unit"))
    lines = result.problems.lines()
    if result.members or result.units or lines:
        sys.stdout.write(f"\n  规范化了 {result.members} 名党员、{result.units} 个单位的号码\n")
    for line in lines:
        sys.stdout.write(f"  {line}\n")
    if result.problems.blocking():
        sys.stdout.write(
            "  以上冲突的记录未改动：请人工合并或更正后运行 lianjian identifiers_check --repair\n"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0008_importjob_valid_only_skipped"),
    ]

    operations = [
        migrations.RunPython(normalize_identifiers, migrations.RunPython.noop, elidable=True),
    ]
