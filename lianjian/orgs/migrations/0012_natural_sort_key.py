"""Siblings in natural order (第一、第二、…、第十): a sort key derived from each name."""

from typing import Any

from django.db import migrations, models

from lianjian.core.naturalsort import natural_sort_key


def fill_sort_keys(apps: Any, schema_editor: Any) -> None:
    for model_name in ("Region", "PartyOrg"):
        model = apps.get_model("orgs", model_name)
        batch = []
        for row in model.objects.only("pk", "name").iterator(chunk_size=2000):
            row.sort_key = natural_sort_key(row.name)
            batch.append(row)
            if len(batch) >= 2000:
                model.objects.bulk_update(batch, ["sort_key"])
                batch = []
        model.objects.bulk_update(batch, ["sort_key"])


class Migration(migrations.Migration):
    dependencies = [("orgs", "0011_jobs_move_to_ledger")]

    operations = [
        migrations.AddField(
            model_name="partyorg",
            name="sort_key",
            field=models.CharField(
                blank=True, editable=False, max_length=255, verbose_name="排序键"
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="sort_key",
            field=models.CharField(
                blank=True, editable=False, max_length=255, verbose_name="排序键"
            ),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
    ]
