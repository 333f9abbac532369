"""Only a dispatch assigns a department (issue 11 finding 11).

Triage used to write its proposed department into `Need.department`, which
is what handlers' visibility reads, so a department saw needs nobody had
dispatched to it. From now on intake fills `proposed_department` alone.
Needs never dispatched keep their proposal there and lose the department,
on the need, its events, its summary, and so in the tallies (rebuilt from
the summaries, as `0004_need_tally` built them).
"""

from django.db import migrations
from django.db.models import F

from lianjian.needs.summary import TALLY_FIGURES, state_fields_of, tally_figures, tally_key

KEYS = ("district_id", "street_id", "community_id", "area_id", "department_id", "category_id")


def backfill(apps, schema_editor):
    Need = apps.get_model("needs", "Need")
    NeedEvent = apps.get_model("needs", "NeedEvent")
    NeedSummary = apps.get_model("needs", "NeedSummary")
    NeedTally = apps.get_model("needs", "NeedTally")
    ids = list(
        Need.objects.filter(dispatched_at__isnull=True, department__isnull=False).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        Need.objects.filter(pk__in=chunk, proposed_department__isnull=True).update(
            proposed_department=F("department")
        )
        Need.objects.filter(pk__in=chunk).update(department=None)
        NeedEvent.objects.filter(need_id__in=chunk).update(department=None)
        NeedSummary.objects.filter(need_id__in=chunk).update(department=None)
    NeedTally.objects.all().delete()
    totals = {}
    rows = NeedSummary.objects.values_list(*state_fields_of(NeedSummary), named=True)
    for row in rows.iterator(chunk_size=5000):
        bucket = totals.setdefault(tally_key(row), dict.fromkeys(TALLY_FIGURES, 0))
        for name, value in tally_figures(row).items():
            bucket[name] += value
    NeedTally.objects.bulk_create(
        [
            NeedTally(**dict(zip(KEYS + ("channel",), key, strict=True)), **figures)
            for key, figures in totals.items()
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0008_calendar_day_sources"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
