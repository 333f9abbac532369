"""Background retraining of the triage models (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def retrain_triage(street_id: int) -> dict[str, object]:
    """Retrain one street's model from its confirmed needs and corrections."""
    from lianjian.needs.triage.history import retrain, retrain_finished

    try:
        result = retrain(street_id)
    finally:
        retrain_finished(street_id)
    return {
        "street_id": result.street_id,
        "samples": result.samples,
        "classes": result.classes,
        "trained": result.trained,
        "seconds": result.seconds,
        "reason": result.reason,
    }
