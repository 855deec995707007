from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    label = "inspections"
    verbose_name = _("检查与问题整改")

    def ready(self):
        # What issues contribute to the lower layers, registered (they never import this app).
        from chuangcheng.notifications.reminders import register_source
        from chuangcheng.org import home
        from chuangcheng.org.services import on_region_move

        from . import exports, reminders, tally
        from .import_page import register_importer
        from .selectors import attention

        register_importer()
        exports.register()  # 问题清单 and 检查清单: large ones are written by a job
        home.register_attention("issues", attention)  # 需要我处理 on the home page; the 我的待办 badge
        register_source("issues", reminders.issue_windows)  # deadlines and overdue steps
        register_source("issues-sign", reminders.sign_windows)  # 签收超时
        on_region_move(tally.region_moved)  # a 社区 moved to another 街道: its issues count there
