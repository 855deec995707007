from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    label = "tasks"
    verbose_name = _("任务台账")

    def ready(self):
        # What the ledger contributes to the lower layers, registered (they never import it).
        from chuangcheng.notifications.reminders import register_source
        from chuangcheng.org import home
        from chuangcheng.org.scoping import register_assigned

        from . import exports, reminders
        from .imports.page import register_importer
        from .models import assigned_task_ids
        from .selectors import attention

        register_importer()
        exports.register()  # 任务台账: a large one is written by a job
        home.register_attention("tasks", attention)  # 需要我处理 on the home page; the 我的待办 badge
        register_source("tasks", reminders.task_windows)  # the reminder pass
        register_assigned("task", assigned_task_ids)  # 领导包保 of a task widens a leader's scope
