from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NeedsConfig(AppConfig):
    name = "lianjian.needs"
    label = "needs"

    def ready(self) -> None:
        from lianjian.needs import tasks  # noqa: F401  (declares the tick to the health page)

        post_migrate.connect(_load_official_calendar, sender=self)


def _load_official_calendar(
    sender: Any, using: str = "default", apps: Any = None, **kwargs: Any
) -> None:
    """Every migrate (and test flush) loads the installed package's holidays (R5)."""
    from django.apps import apps as global_apps

    from lianjian.needs.calendar.services import sync_national

    try:
        model = (apps or global_apps).get_model("needs", "CalendarDay")
    except LookupError:  # migrated back past the needs app
        return
    if "source" not in {f.name for f in model._meta.get_fields()}:
        return  # migrated back before the calendar had levels
    sync_national(model, using)
