"""The import and export jobs move to the ledger app, their tables untouched (ADR 0011)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0010_job_worker_beat_retry"),
    ]

    operations = [
        # the tables stay: lianjian.ledger takes the models over (its 0001)
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="importjob",
                    name="retry_of",
                ),
                migrations.RemoveField(
                    model_name="importjob",
                    name="user",
                ),
                migrations.DeleteModel(
                    name="ExportJob",
                ),
                migrations.DeleteModel(
                    name="ImportJob",
                ),
            ],
            database_operations=[],
        ),
    ]
