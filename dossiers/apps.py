from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    label = "dossiers"
    verbose_name = _("档案资料")

    def ready(self):
        from . import contributions

        contributions.register()
