from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "lianjian.orgs"
    label = "orgs"

    def ready(self) -> None:
        from lianjian.orgs import signals

        signals.connect()
