"""Token expiry (S27), the separation-of-duties guard on grants (S10), home regions.

- `ApiToken.expires_at`: existing tokens expire `API_TOKEN_DAYS` after their
  creation, but not sooner than a week after this migration, so an upgrade
  does not cut integrations off without warning.
- A trigger refuses a grant that conflicts with the user's other grants: the
  rule of `lianjian.accounts.duties` (system, security and audit
  administrator exclusive, and none with a business role), written in SQL
  (a change of `duties.ADMIN_DUTIES` needs a new migration). The service
  checks first under a row lock; this is the guard for any other write.
- Accounts without a home region take the place of their first grant, as
  `grant_add` now does, so revoking their grants keeps them on their
  administrators' pages.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

ADMIN = "('system_admin', 'security_admin', 'audit_admin')"
# built from the constants above only, never from input
CONFLICT = (
    "SELECT 1 FROM accounts_grant g WHERE g.user_id = NEW.user_id AND g.id <> NEW.id"  # noqa: S608
    f" AND g.role <> NEW.role AND (g.role IN {ADMIN} OR NEW.role IN {ADMIN})"
)
PG_UP = f"""
CREATE OR REPLACE FUNCTION accounts_grant_separate_duties() RETURNS trigger AS $$
BEGIN
  IF EXISTS ({CONFLICT}) THEN
    RAISE EXCEPTION 'accounts_grant: conflicting duties for user %%', NEW.user_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_grant_separate_duties BEFORE INSERT OR UPDATE ON accounts_grant
  FOR EACH ROW EXECUTE FUNCTION accounts_grant_separate_duties();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS accounts_grant_separate_duties ON accounts_grant;
DROP FUNCTION IF EXISTS accounts_grant_separate_duties();
"""
# SQLite: an INSERT's NEW.id may still be NULL, which `g.id <> NULL` would never match
SQLITE_CONFLICT = CONFLICT.replace("g.id <> NEW.id", "(NEW.id IS NULL OR g.id <> NEW.id)")
SQLITE_UP = [
    f"CREATE TRIGGER accounts_grant_separate_duties_insert BEFORE INSERT ON accounts_grant "
    f"WHEN EXISTS ({SQLITE_CONFLICT}) "
    "BEGIN SELECT RAISE(ABORT, 'accounts_grant: conflicting duties'); END;",
    f"CREATE TRIGGER accounts_grant_separate_duties_update BEFORE UPDATE ON accounts_grant "
    f"WHEN EXISTS ({SQLITE_CONFLICT}) "
    "BEGIN SELECT RAISE(ABORT, 'accounts_grant: conflicting duties'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS accounts_grant_separate_duties_insert;",
    "DROP TRIGGER IF EXISTS accounts_grant_separate_duties_update;",
]


def guard_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def guard_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


def expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    days = dt.timedelta(days=getattr(settings, "API_TOKEN_DAYS", 90))
    earliest = timezone.now() + dt.timedelta(days=7)
    for token in ApiToken.objects.filter(expires_at__isnull=True).iterator():
        token.expires_at = max(token.created_at + days, earliest)
        token.save(update_fields=["expires_at"])


def place_accounts(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Grant = apps.get_model("accounts", "Grant")
    unplaced = User.objects.filter(home_region__isnull=True).values_list("pk", flat=True)
    for user_id in unplaced.iterator():
        grant = (
            Grant.objects.filter(user_id=user_id)
            .exclude(region=None, party_org=None, unit=None)
            .select_related("party_org", "unit")
            .order_by("created_at", "pk")
            .first()
        )
        if grant is None:
            continue
        place = grant.region_id or (
            grant.party_org.region_id if grant.party_org_id else grant.unit.region_id
        )
        User.objects.filter(pk=user_id).update(home_region_id=place)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_home_region")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
        migrations.RunPython(guard_forwards, guard_backwards),
        migrations.RunPython(place_accounts, migrations.RunPython.noop),
    ]
