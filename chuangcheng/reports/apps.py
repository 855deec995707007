from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "chuangcheng.reports"
    label = "reports"
    verbose_name = _("统计与通报")

    def ready(self):
        # The list pages (lower layers) count the figures defined here: register their predicates.
        from chuangcheng.notifications.channels import register_attachment
        from inspections import counting as issue_counting
        from tasks import counting as task_counting

        from .briefings import pdf_bytes
        from .figures import predicates

        register_attachment("briefing_pdf", pdf_bytes)

        issue_counting.register(issues_overdue_open=predicates.issues_overdue_open)
        task_counting.register(tasks_overdue=predicates.tasks_overdue, measured=predicates.MEASURED_TASKS)
