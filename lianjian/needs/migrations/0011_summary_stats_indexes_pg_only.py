"""The statistics indexes keep their INCLUDE columns on PostgreSQL only (core.indexes.CoveringIndex).

The database is left as it is: PostgreSQL already holds the covering indexes of
0007, and SQLite the same indexes without INCLUDE (Django skipped it there).
Only the model state changes, so `migrate` on SQLite stops warning models.W040.
"""

from django.db import migrations

import lianjian.core.indexes

_COVERING = (
    "need",
    "channel",
    "department",
    "category",
    "{other}",
    "community",
    "status",
    "deadline",
    "first_dispatched_at",
    "first_replied_at",
    "first_on_time",
    "first_reply_seconds",
    "rating",
    "rated_at",
    "first_reopened_at",
)


def _index(level, other):
    return lianjian.core.indexes.CoveringIndex(
        covering=tuple(c.format(other=other) for c in _COVERING),
        fields=[level, "last_event_at", "submitted_at"],
        name=f"needs_sum_{level[:4]}_stats_idx",
    )


class Migration(migrations.Migration):
    dependencies = [("needs", "0010_need_idempotency_fingerprint")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="needsummary", name="needs_sum_dist_stats_idx"),
                migrations.RemoveIndex(model_name="needsummary", name="needs_sum_stre_stats_idx"),
                migrations.AddIndex(model_name="needsummary", index=_index("district", "street")),
                migrations.AddIndex(model_name="needsummary", index=_index("street", "district")),
            ],
            database_operations=[],
        )
    ]
