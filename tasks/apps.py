from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    label = "tasks"
    verbose_name = _("任务台账")

    def ready(self):
        from .imports.page import register_importer

        register_importer()
