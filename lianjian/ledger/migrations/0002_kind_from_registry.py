"""The job kind is any key the registries declare (`ledger.kinds`): no choices; no SQL."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="exportjob",
            name="kind",
            field=models.CharField(max_length=16, verbose_name="台账类型"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="kind",
            field=models.CharField(max_length=16, verbose_name="台账类型"),
        ),
    ]
