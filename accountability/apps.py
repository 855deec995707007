from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    """约谈、问责、通报表扬: what the office did about the figures. Sits at the level of
    ``reports``: it links to issues, tasks and briefings (below or beside it) and the reports
    layer reads it through :mod:`accountability.selectors`; nothing below imports it."""

    name = "accountability"
    label = "accountability"
    verbose_name = _("约谈问责")

    def ready(self):
        from . import contributions

        contributions.register()
