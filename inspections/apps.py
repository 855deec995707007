from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    label = "inspections"
    verbose_name = _("检查与问题整改")

    def ready(self):
        from .import_page import register_importer

        register_importer()
