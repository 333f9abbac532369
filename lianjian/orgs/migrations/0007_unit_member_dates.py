"""Each unit's member dates (Unit.member_since, min_members_since), filled from its members."""

import datetime as dt

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill_member_dates(apps, schema_editor):  # type: ignore[no-untyped-def]
    """As `orgs.services_members.unit_member_dates_refresh` computes them, over every unit."""
    member = apps.get_model("orgs", "Member")
    unit = apps.get_model("orgs", "Unit")
    joined = (
        member.objects.filter(is_active=True, workplace_unit=OuterRef("pk"))
        .order_by(F("joined_on").asc(nulls_first=True))
        .annotate(on=Coalesce("joined_on", Value(dt.date.min)))
        .values("on")
    )
    unit.objects.update(member_since=Subquery(joined[:1]), min_members_since=Subquery(joined[2:3]))


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0006_export_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="member_since",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="有党员起始日"
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="min_members_since",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="党员达3人起始日"
            ),
        ),
        migrations.RunPython(fill_member_dates, migrations.RunPython.noop),
    ]
