"""PostgreSQL only: no two approved bookings of one venue overlap (an exclusion constraint).

It needs the btree_gist extension (for `venue_id WITH =` in a GiST index). Creating
an extension needs a privileged role; where the deployment's role may not, the
migration leaves the constraint out and says so, and the locked check of
`services.booking_decide` (which runs on every database) still holds the rule.
SQLite has no exclusion constraints: the locked check alone serves it.
"""

from django.db import DatabaseError, migrations, transaction

SQL = (
    "ALTER TABLE activities_booking ADD CONSTRAINT act_booking_no_overlap "
    "EXCLUDE USING gist (venue_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
    "WHERE (status = 'approved')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        except DatabaseError:
            print("\n  btree_gist unavailable: bookings rely on the locked check only")  # noqa: T201
            return
        cursor.execute(SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE activities_booking DROP CONSTRAINT IF EXISTS act_booking_no_overlap"
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0002_venues")]
    operations = [migrations.RunPython(forwards, backwards)]
