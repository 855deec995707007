from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    """配置变更历史: who changed a unit, a membership, a leader assignment, a campaign, its
    scoring rule or an indicator, when, and what it was before (django-simple-history)."""

    name = "chuangcheng.history"
    label = "history"
    verbose_name = _("配置变更历史")
