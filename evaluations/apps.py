from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    label = "evaluations"
    verbose_name = _("模拟测评")

    def ready(self):
        from . import contributions
        from .import_page import register_importer

        contributions.register()
        register_importer()
