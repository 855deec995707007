from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "chuangcheng.org"
    label = "org"
    verbose_name = _("组织与人员")

    def ready(self):
        from .import_pages import register_importers

        register_importers()
