from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "lianjian.projects"
    label = "projects"
    verbose_name = "项目认领"
