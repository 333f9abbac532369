from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The composition layer: role homes, the dashboard, `start` and the demo orchestration.

    It depends on every domain app and none depends on it (the import contract in
    pyproject.toml).
    """

    name = "lianjian.portal"
    label = "portal"
