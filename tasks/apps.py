from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    label = "tasks"
    verbose_name = _("任务台账")

    def ready(self):
        from .imports.page import register_importer

        register_importer()
        from chuangcheng.org import home

        from .selectors import todo_count

        home.register_count("tasks", todo_count)
        from chuangcheng.notifications.reminders import register_source

        from . import reminders

        register_source("tasks", reminders.task_dues)
