"""django-axes under a Chinese name in the admin (its own app config has no verbose name, so
the admin showed "AXES"). Listed in INSTALLED_APPS instead of ``"axes"``; the label stays."""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("登录保护")
