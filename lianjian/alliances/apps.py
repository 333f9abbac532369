from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "lianjian.alliances"
    label = "alliances"
    verbose_name = "党建联盟与联席会议"
