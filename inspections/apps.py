from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    label = "inspections"
    verbose_name = _("检查与问题整改")

    def ready(self):
        from .import_page import register_importer

        register_importer()
        from chuangcheng.org import home

        from .selectors import todo_count

        home.register_count("issues", todo_count)
        from chuangcheng.notifications.reminders import register_source

        from . import reminders

        register_source("issues", reminders.issue_dues)
        register_source("issues-sign", reminders.sign_dues)
