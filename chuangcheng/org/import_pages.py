"""The org app's imports on the import pages (:mod:`chuangcheng.imports`): the holiday notice
(节假日安排), the 单位名录 and the 测评点位清单. Registered at start-up."""

from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.imports.forms import UploadForm
from chuangcheng.imports.registry import Importer, register
from chuangcheng.imports.services import batch_data

from .directory import import_sites, import_units
from .holidays import calendar_import, covered_years
from .permissions import can_manage_org, is_admin


class CalendarImportForm(UploadForm):
    accept = ".csv,.xlsx,.xlsm"


class DirectoryImportForm(UploadForm):
    accept = ".xlsx,.xlsm,.csv"


def sites_preview(batch):
    return import_sites(batch_data(batch), actor=batch.created_by, filename=batch.original_name, dry_run=True)


def sites_apply(batch, progress):
    plan = import_sites(batch_data(batch), actor=batch.created_by, filename=batch.original_name, progress=progress)
    return plan.summary(), {"url": reverse("admin:org_site_changelist"), "label": str(_("查看测评点位"))}


def units_preview(batch):
    return import_units(batch_data(batch), actor=batch.created_by, filename=batch.original_name, dry_run=True)


def units_apply(batch, progress):
    plan = import_units(batch_data(batch), actor=batch.created_by, filename=batch.original_name, progress=progress)
    return plan.summary(), {"url": reverse("admin:org_unit_changelist"), "label": str(_("查看单位"))}


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
    register(
        Importer(
            kind="sites",
            label=gettext_lazy("测评点位清单"),
            form=DirectoryImportForm,
            may_import=can_manage_org,
            preview=sites_preview,
            apply=sites_apply,
            preview_template="org/partials/_sites_preview.html",
            help_lines=(
                gettext_lazy(
                    "表头：点位名称、点位类型、所属区域、地址、经度、纬度、责任单位、启用（与“导出测评点位清单”相同，可导出修改后再导入）。"
                ),
                gettext_lazy(
                    "点位类型写名称或常用说法（如 菜市场 → 农贸市场，公交站台 → 公交站点）；所属区域可写“金水区/花园路街道”或区划代码。"
                ),
                gettext_lazy("同一区域内同类型同名的点位视为同一个：再次导入只更新有变化的内容。"),
            ),
            template_url=reverse_lazy("sites_export"),
            order=40,
        )
    )
    register(
        Importer(
            kind="units",
            label=gettext_lazy("单位名录"),
            form=DirectoryImportForm,
            may_import=can_manage_org,
            preview=units_preview,
            apply=units_apply,
            preview_template="org/partials/_units_preview.html",
            help_lines=(
                gettext_lazy(
                    "表头：单位名称、简称、别名、类型（职能部门、属地、其他）、层级（市直、区直、街道、社区）、辖区、上级单位、启用。"
                ),
                gettext_lazy("简称和别名（多个用“、”分隔）用于各类导入中按简称匹配单位，如“住建局”“卫健委”。"),
                gettext_lazy("同一辖区内同名的单位视为同一个：再次导入只更新有变化的内容。"),
            ),
            template_url=reverse_lazy("units_export"),
            order=50,
        )
    )
