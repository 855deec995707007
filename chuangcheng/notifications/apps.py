from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "chuangcheng.notifications"
    label = "notifications"
    verbose_name = _("通知与作业")

    def ready(self):
        from celery.signals import task_success

        from chuangcheng.imports import registry as imports_registry
        from chuangcheng.org import home

        from . import heartbeats, homepanel, services

        task_success.connect(heartbeats.heartbeat_after_success, weak=False, dispatch_uid="notifications-heartbeat")
        home.register_panel("jobs", homepanel.job_board_panel)
        # A finished background export is announced through the outbox (in-app, and email etc.
        # by the person's settings): the imports app is below this one and only knows its registry.
        imports_registry.register_notifier(services.delivery_create)
        imports_registry.register_reader(services.notices_mark_read)  # its page or file opened
