"""The org app's imports on the import pages (:mod:`chuangcheng.imports`): the holiday notice
(节假日安排), the 单位名录 and the 测评点位清单. Registered at start-up."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.imports.forms import UploadForm
from chuangcheng.imports.registry import Importer, register
from chuangcheng.imports.services import batch_data

from .holidays import calendar_import, covered_years
from .permissions import is_admin


class CalendarImportForm(UploadForm):
    accept = ".csv,.xlsx,.xlsm"


def calendar_preview(batch):
    plan = calendar_import(batch_data(batch), filename=batch.original_name, dry_run=True)
    plan.covered_after = sorted(covered_years() | set(plan.years))
    return plan


def calendar_apply(batch, progress):
    plan = calendar_import(batch_data(batch), filename=batch.original_name)
    progress(len(plan.rows), len(plan.rows))
    return plan.summary(), {
        "url": reverse("admin:org_calendaroverride_changelist"),
        "label": str(_("查看工作日历调整")),
    }


def register_importers():
    register(
        Importer(
            kind="calendar",
            label=gettext_lazy("节假日安排"),
            form=CalendarImportForm,
            may_import=is_admin,
            preview=calendar_preview,
            apply=calendar_apply,
            preview_template="org/partials/_calendar_preview.html",
            help_lines=(
                gettext_lazy("国务院办公厅每年公布的“部分节假日安排的通知”：每段一行。"),
                gettext_lazy(
                    "表头：年份、节日、类型（放假 或 调休上班）、开始日期、结束日期、依据。格式见 data/holidays_cn.csv。"
                ),
                gettext_lazy("导入后，该年的期限按法定节假日和调休计算；未导入的年份只能按周一至周五估算。"),
            ),
            order=60,
        )
    )
