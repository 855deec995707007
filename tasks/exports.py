"""Spreadsheets out of the ledger: the filtered ledger as .xlsx, and the 任务分解表 template.

The export takes the queryset the ledger page shows (same selector, same filter, same scope),
so a spreadsheet never holds a row its reader could not open in the browser. Written through
:mod:`chuangcheng.xlsx` (text that looks like a formula stays text).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from chuangcheng.imports.registry import Exporter, register_exporter
from chuangcheng.xlsx import CONTENT_TYPE, SheetWriter, chunks, streaming_workbook, workbook_bytes, write_row

from . import counting, selectors
from .filters import TaskFilter
from .imports import COLUMNS
from .models import TaskState
from .permissions import can_view_ledger

XLSX_CONTENT_TYPE = CONTENT_TYPE


def _leader(task):
    if task.responsible_leader_id:
        return str(task.responsible_leader)
    if task.responsible_leader_name:
        return _("%(name)s（未关联）") % {"name": task.responsible_leader_name}
    return ""


def ledger_columns():
    """(header, width, value(task, today)) for each column of the export."""
    return [
        (_("序号"), 8, lambda t, d: t.number),
        (_("任务名称"), 40, lambda t, d: t.title),
        (_("创建活动"), 24, lambda t, d: t.campaign.name),
        (_("责任单位"), 24, lambda t, d: t.owner_unit.name),
        (_("牵头单位"), 24, lambda t, d: t.lead_unit.name if t.lead_unit_id else ""),
        (_("责任领导"), 14, lambda t, d: _leader(t)),
        (_("区域"), 14, lambda t, d: t.region.name if t.region_id else ""),
        (_("上级任务"), 30, lambda t, d: t.parent.title if t.parent_id else ""),
        (_("开始日期"), 12, lambda t, d: t.start_date),
        (_("完成时限"), 12, lambda t, d: t.deadline),
        # A decomposed task's state, progress and lag are its sub-tasks' (selectors.shown), as on
        # the page; a recurring series' progress is its rounds done ("2/3 期").
        (_("状态"), 10, lambda t, d: t.shown.state_label),
        (_("完成进度（%）"), 12, lambda t, d: _series(t.shown.series) if t.shown.series else t.shown.progress),
        (_("应完成进度（%）"), 14, lambda t, d: "" if t.shown.series else t.expected_progress(d)),
        (_("滞后（百分点）"), 14, lambda t, d: t.shown.lag),
        (_("剩余天数"), 10, lambda t, d: "" if t.state == TaskState.DONE else t.days_left(d)),
        (_("是否超期"), 10, lambda t, d: (_("是") if t.overdue_now else _("否")) if t.measured else _("按子任务计")),
        (
            _("最近报送"),
            18,
            lambda t, d: timezone.localtime(t.last_reported_at).replace(tzinfo=None) if t.last_reported_at else "",
        ),
    ]


def ledger_workbook(tasks, *, today=None):
    """The rows of ``tasks`` (an iterable of tasks with campaign, units, leader, region and parent
    selected, and :func:`tasks.counting.annotate`'s ``measured`` and ``overdue_now``) as .xlsx
    bytes, one row per task in the given order. Written in streaming mode, so a ledger of tens of
    thousands of rows stays small in memory."""
    return workbook_bytes(ledger_sheets(tasks, today=today))


def ledger_sheets(tasks, *, today=None):
    """:func:`ledger_workbook`'s write-only workbook, not yet saved (the job saves it to a file)."""
    today = today or timezone.localdate()
    columns = ledger_columns()
    workbook = streaming_workbook()
    writer = SheetWriter(workbook, _("任务台账"), [(h, w) for h, w, _v in columns], freeze="C2")
    for chunk in chunks(tasks, ROLLUP_CHUNK):
        rollups = selectors.task_rollups([t.pk for t in chunk], today=today)
        for task in chunk:
            task.shown = selectors.shown(task, rollups.get(task.pk), today)
            writer.append([value(task, today) for _header, _width, value in columns])
    return workbook


ROLLUP_CHUNK = 500  # rows whose sub-tasks are read in one query


def _series(rollup):
    return _("%(done)s/%(total)s 期") % {"done": rollup.done, "total": rollup.total}


def export_rows(user, query):
    """What 任务台账 shows ``user`` for ``query``, every page, as the export writes it."""
    _filterset, tasks, _states = selectors.filtered_ledger(user=user, query=query)
    return counting.annotate(tasks.select_related("responsible_leader"))


KIND = "tasks"


def register():
    """The ledger's export, for the background exports (called in ``AppConfig.ready()``)."""
    register_exporter(
        Exporter(
            kind=KIND,
            label=gettext_lazy("任务台账"),
            may_export=can_view_ledger,
            rows=export_rows,
            workbook=ledger_sheets,
            list_url="tasks:ledger",
            filterset=TaskFilter,
        )
    )


TEMPLATE_EXAMPLE = [
    "1",
    "背街小巷环境卫生整治",
    "路面无垃圾、无乱堆乱放、无乱贴乱画",
    "3.2",
    "郑州市城市管理局",
    "各区人民政府",
    "市场监管局、住建局",
    "",
    "2026-06-01",
    "2027年1月底前",
    "",
    "",
    "",
    "",
]


def import_template_workbook():
    """The 任务分解表 template: a title row (as offices write it), the headers
    :func:`tasks.imports.plan_tasks` reads, and one example row to overwrite."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("任务分解表")
    headers = [spellings[0] for spellings in COLUMNS.values()]
    write_row(sheet, 1, [_("××市创建工作任务分解表")], bold=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    write_row(sheet, 2, headers, bold=True)
    write_row(sheet, 3, TEMPLATE_EXAMPLE)
    widths = [6, 30, 36, 10, 22, 30, 24, 10, 12, 14, 8, 16, 10, 14]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    notes = workbook.create_sheet(_("填写说明"))
    for line in (
        _("每行一个任务；任务名称、责任单位、完成时限必填。表头上方可以有标题行。"),
        _(
            "责任单位可填多个（用“、”分隔）或统称（各区人民政府、各街道办事处、市直各部门……）：生成一个上级任务并分解到各单位。"
        ),
        _("单位写全称、简称或系统中登记的别名均可；推断出的简称在预览中标出，确认导入后记为别名。"),
        _("指标编号填写测评体系中的编号，多个用“、”分隔。"),
        _(
            "完成时限可写 2026-12-31、2027年1月底前、12月31日前、年底前、立行立改、长期坚持（须填周期：每周、每月、每季度）。"
        ),
        _("责任领导须写系统中包保领导的姓名。区域可写区划名称、“区县/街道”或区划代码；不填则取责任单位的辖区。"),
        _("序号和任务名称都相同的行视为已导入，再次导入时跳过。"),
    ):
        write_row(notes, notes.max_row + 1 if notes["A1"].value else 1, [line])
    notes.column_dimensions["A"].width = 110
    return workbook_bytes(workbook)
