from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lianjian.accounts"
    label = "accounts"

    def ready(self) -> None:
        from lianjian.accounts import auth_cache

        auth_cache.connect()
