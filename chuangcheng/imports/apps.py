from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Uploads on their way in (preview → confirm → done), for every spreadsheet import.

    Also the other way out: list exports too large for a request, written by a job (后台导出).

    The lowest layer with ``org``: it knows nothing of what is imported or exported. Each app
    registers its importers and exporters (:class:`~chuangcheng.imports.registry.Importer`,
    :class:`~chuangcheng.imports.registry.Exporter`) in its ``AppConfig.ready()``; the
    notifications app registers how a finished export is announced."""

    name = "chuangcheng.imports"
    label = "imports"
    verbose_name = _("数据导入")
