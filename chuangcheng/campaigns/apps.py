from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "chuangcheng.campaigns"
    label = "campaigns"
    verbose_name = _("创建活动与测评体系")

    def ready(self):
        from chuangcheng.org import home

        from . import checks  # noqa: F401  (registers the system checks)
        from .import_page import register_importer
        from .selectors import countdown_panel

        register_importer()
        home.register_panel("countdown", countdown_panel)
