"""Spreadsheets out of the ledger: the filtered ledger as .xlsx, and the 任务分解表 template.

The export takes the queryset the ledger page shows (same selector, same filter, same scope),
so a spreadsheet never holds a row its reader could not open in the browser.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .imports import COLUMNS
from .models import TaskState

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ledger_columns():
    """(header, width, value(task, today)) for each column of the export."""
    states = dict(TaskState.choices)
    return [
        (_("序号"), 8, lambda t, d: t.number),
        (_("任务名称"), 40, lambda t, d: t.title),
        (_("创建活动"), 24, lambda t, d: t.campaign.name),
        (_("责任单位"), 24, lambda t, d: t.owner_unit.name),
        (_("牵头单位"), 24, lambda t, d: t.lead_unit.name if t.lead_unit_id else ""),
        (_("区域"), 14, lambda t, d: t.region.name if t.region_id else ""),
        (_("上级任务"), 30, lambda t, d: t.parent.title if t.parent_id else ""),
        (_("开始日期"), 12, lambda t, d: t.start_date),
        (_("完成时限"), 12, lambda t, d: t.deadline),
        (_("状态"), 10, lambda t, d: str(states[t.state])),
        (_("完成进度（%）"), 12, lambda t, d: t.progress),
        (_("应完成进度（%）"), 14, lambda t, d: t.expected_progress(d)),
        (_("滞后（百分点）"), 14, lambda t, d: t.lag(d)),
        (_("剩余天数"), 10, lambda t, d: "" if t.state == TaskState.DONE else t.days_left(d)),
        (_("是否超期"), 10, lambda t, d: (_("是") if t.overdue_now else _("否")) if t.measured else _("按子任务计")),
        (
            _("最近报送"),
            18,
            lambda t, d: timezone.localtime(t.last_reported_at).replace(tzinfo=None) if t.last_reported_at else "",
        ),
    ]


def _save(workbook):
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def ledger_workbook(tasks, *, today=None):
    """The rows of ``tasks`` (an iterable of tasks with campaign, units, region and parent
    selected, and :func:`tasks.counting.annotate`'s ``measured`` and ``overdue_now``) as .xlsx bytes, one row per task in the given order. Written in streaming mode,
    so a ledger of tens of thousands of rows stays small in memory."""
    today = today or timezone.localdate()
    columns = ledger_columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("任务台账"))
    for index, (_header, width, _value) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    sheet.append([header for header, _width, _value in columns])
    for task in tasks:
        sheet.append([value(task, today) for _header, _width, value in columns])
    return _save(workbook)


def import_template_workbook():
    """The 任务分解表 template: the headers :func:`tasks.imports.plan_tasks` reads (in Chinese,
    as ledgers are written) and one example row to overwrite."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("任务分解表")
    headers = [spellings[0] for spellings in COLUMNS.values()]
    sheet.append(headers)
    sheet.append(
        [
            "1",
            "背街小巷环境卫生整治",
            "路面无积存垃圾、无乱堆乱放、无乱贴乱画",
            "3.2",
            "郑州市城市管理局",
            "经八路街道办事处、花园路街道办事处",
            "郑州市市场监督管理局",
            "李市长",
            "2026-06-01",
            "2026年6月底",
            "金水区",
        ]
    )
    widths = [6, 30, 36, 10, 22, 34, 22, 10, 12, 14, 16]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填写说明"))
    for line in (
        _("每行一个任务；任务名称、责任单位、完成时限必填。"),
        _("责任单位可填多个（用“、”或“,”分隔）：将生成一个上级任务（由牵头单位负责）并分解到各责任单位。"),
        _("配合单位可填多个；单位名称须与系统中的单位全称或简称一致。"),
        _("指标编号填写测评体系中的编号，多个用“、”分隔。"),
        _("日期可写 2026-06-30、2026/6/30、2026年6月30日 或 2026年6月底。"),
        _("区域可写区划名称、“区县/街道”或区划代码。"),
        _("序号和任务名称都相同的行视为已导入，再次导入时跳过。"),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    return _save(workbook)
