from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Uploads on their way in (preview → confirm → done), for every spreadsheet import.

    The lowest layer with ``org``: it knows nothing of what is imported. Each app registers its
    importers (:class:`~chuangcheng.imports.registry.Importer`) in its ``AppConfig.ready()``."""

    name = "chuangcheng.imports"
    label = "imports"
    verbose_name = _("数据导入")
