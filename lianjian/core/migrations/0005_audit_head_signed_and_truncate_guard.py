"""The audit head is signed, cannot be deleted or moved back, and TRUNCATE is refused (S12).

Migration 0002 refused UPDATE and DELETE of audit rows but left TRUNCATE and
the head row open: emptying both looked like a fresh chain to `audit verify`.
PostgreSQL: a statement trigger refuses TRUNCATE of either table unless the
session sets `lianjian.audit_truncate = 'allow'` (the test suite does, so its
flushes of transactional tests still work); row triggers refuse deleting the
head or moving it backwards. SQLite has no TRUNCATE; its DELETE and UPDATE
triggers guard the head the same way. The database owner can still drop the
triggers: the head's HMAC and the checkpoint kept outside the database
(`lianjian audit anchor`) are what catch that.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models

PG_UP = """
CREATE OR REPLACE FUNCTION core_audit_no_truncate() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('lianjian.audit_truncate', true), '') = 'allow' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditevent_no_truncate BEFORE TRUNCATE ON core_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION core_audit_no_truncate();
CREATE TRIGGER core_audithead_no_truncate BEFORE TRUNCATE ON core_audithead
  FOR EACH STATEMENT EXECUTE FUNCTION core_audit_no_truncate();
CREATE OR REPLACE FUNCTION core_audithead_forward_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'core_audithead cannot be deleted';
  END IF;
  IF NEW.seq <= OLD.seq THEN
    RAISE EXCEPTION 'core_audithead only moves forward';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_audithead_forward_only BEFORE UPDATE OR DELETE ON core_audithead
  FOR EACH ROW EXECUTE FUNCTION core_audithead_forward_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
DROP TRIGGER IF EXISTS core_audithead_no_truncate ON core_audithead;
DROP TRIGGER IF EXISTS core_audithead_forward_only ON core_audithead;
DROP FUNCTION IF EXISTS core_audit_no_truncate();
DROP FUNCTION IF EXISTS core_audithead_forward_only();
"""
SQLITE_UP = [
    "CREATE TRIGGER core_audithead_no_delete BEFORE DELETE ON core_audithead "
    "BEGIN SELECT RAISE(ABORT, 'core_audithead cannot be deleted'); END;",
    "CREATE TRIGGER core_audithead_forward_only BEFORE UPDATE ON core_audithead "
    "WHEN NEW.seq <= OLD.seq "
    "BEGIN SELECT RAISE(ABORT, 'core_audithead only moves forward'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_audithead_no_delete;",
    "DROP TRIGGER IF EXISTS core_audithead_forward_only;",
]


def sign_existing_head(apps, schema_editor):
    """Sign the head an existing chain already has, with the running audit key.

    The same HMAC as `lianjian.core.audit._head_signature`, frozen here.
    """
    head_model = apps.get_model("core", "AuditHead")
    for head in head_model.objects.using(schema_editor.connection.alias).all():
        message = f"audit-head|{head.seq}|{head.last_hash}".encode()
        head.signature = hmac.new(settings.AUDIT_HMAC_KEY, message, hashlib.sha256).hexdigest()
        head.save(update_fields=["signature"])


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_worker_heartbeat_scheduled_run")]
    operations = [
        migrations.AddField(
            model_name="audithead",
            name="signature",
            field=models.CharField(blank=True, max_length=64),
        ),
        # before the triggers: re-signing keeps the head's seq, which they refuse
        migrations.RunPython(sign_existing_head, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
