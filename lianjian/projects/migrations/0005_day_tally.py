from django.db import migrations, models

from lianjian.projects.tally import CLAIM_FIELDS, ITEM_FIELDS, TALLY_KEY, tally_totals


def backfill(apps, schema_editor):
    """Sum the existing items and claims into tallies (the services' very rules)."""
    Item = apps.get_model("projects", "Item")
    Claim = apps.get_model("projects", "Claim")
    DayTally = apps.get_model("projects", "DayTally")
    items = Item.objects.order_by().values_list(*ITEM_FIELDS, named=True)
    claims = Claim.objects.order_by().values_list(*CLAIM_FIELDS, "item__programme", named=True)
    totals = tally_totals(items.iterator(chunk_size=5000), claims.iterator(chunk_size=5000))
    DayTally.objects.bulk_create(
        [DayTally(**dict(zip(TALLY_KEY, key, strict=True)), **f) for key, f in totals.items()],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_report_covering_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="DayTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("district_id", models.BigIntegerField(default=0)),
                ("street_id", models.BigIntegerField(default=0)),
                ("community_id", models.BigIntegerField(default=0)),
                ("area_id", models.BigIntegerField(default=0)),
                ("programme", models.CharField(blank=True, max_length=50)),
                ("day", models.DateField()),
                ("published", models.IntegerField(default=0)),
                ("claimed", models.IntegerField(default=0)),
                ("delivered", models.IntegerField(default=0)),
                ("confirmed", models.IntegerField(default=0)),
                ("on_time", models.IntegerField(default=0)),
                ("value_fen", models.BigIntegerField(default=0)),
                ("people", models.BigIntegerField(default=0)),
                ("problems_solved", models.IntegerField(default=0)),
                ("pairs", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["district_id", "day"], name="proj_tally_district_idx"),
                    models.Index(fields=["street_id", "day"], name="proj_tally_street_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "community_id",
                            "day",
                            "programme",
                            "district_id",
                            "street_id",
                            "area_id",
                        ),
                        name="proj_tally_key",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("claimed__gte", 0),
                            ("confirmed__gte", 0),
                            ("delivered__gte", 0),
                            ("on_time__gte", 0),
                            ("pairs__gte", 0),
                            ("people__gte", 0),
                            ("problems_solved__gte", 0),
                            ("published__gte", 0),
                            ("value_fen__gte", 0),
                        ),
                        name="proj_tally_not_negative",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("on_time__lte", models.F("confirmed")),
                            ("pairs__lte", models.F("confirmed")),
                        ),
                        name="proj_tally_within_confirmed",
                    ),
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
