"""The issue list and the inspection list as .xlsx.

The export takes the queryset the list page shows (same selector, same filter, same scope),
so a spreadsheet never holds a row its reader could not open in the browser. Rows are read in
chunks and written in openpyxl's streaming mode: a list of 100,000 issues stays small in
memory, and the region names cost one query per chunk. A list longer than
``EXPORT_INLINE_MAX_ROWS`` is written by a background job (:mod:`chuangcheng.imports.exports`)
from the same :func:`export_rows` and :func:`issue_sheets`, registered in :func:`register`.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from chuangcheng.imports.registry import Exporter, register_exporter
from chuangcheng.org.selectors import region_full_names
from chuangcheng.xlsx import append_row, chunks, list_sheets, workbook_bytes

from . import counting, selectors
from .filters import IssueFilter
from .models import Inspection, IssueSource, IssueState, Severity

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else ""


def issue_columns():
    """(header, width, value(issue, context)) for each column of the export."""
    states, sources, severities = dict(IssueState.choices), dict(IssueSource.choices), dict(Severity.choices)
    return [
        (_("编号"), 8, lambda i, c: i.pk),
        (_("状态"), 10, lambda i, c: str(states[i.state])),
        (_("问题类别"), 18, lambda i, c: i.category.name),
        (_("严重程度"), 10, lambda i, c: str(severities.get(i.severity, i.severity))),
        (_("紧急"), 6, lambda i, c: _("是") if i.urgent else _("否")),
        (_("问题来源"), 10, lambda i, c: str(sources.get(i.source, i.source))),
        (_("问题描述"), 40, lambda i, c: i.description),
        (_("所在区域"), 30, lambda i, c: c["regions"].get(i.region_id, i.region.name)),
        (_("地址"), 30, lambda i, c: i.address),
        (_("纬度"), 11, lambda i, c: float(i.latitude) if i.latitude is not None else ""),
        (_("经度"), 11, lambda i, c: float(i.longitude) if i.longitude is not None else ""),
        (_("测评点位"), 20, lambda i, c: i.site.name if i.site_id else ""),
        (_("责任单位"), 24, lambda i, c: i.responsible_unit.name if i.responsible_unit_id else ""),
        (_("创建活动"), 20, lambda i, c: i.campaign.name),
        (
            _("检查"),
            20,
            lambda i, c: f"{i.inspection.date:%Y-%m-%d} {i.inspection.get_kind_display()}" if i.inspection_id else "",
        ),
        (_("登记时间"), 18, lambda i, c: _local(i.created_at)),
        (_("交办时间"), 18, lambda i, c: _local(i.assigned_at)),
        (_("签收时间"), 18, lambda i, c: _local(i.signed_at)),
        (_("整改时限"), 18, lambda i, c: _local(i.rectification_deadline)),
        (_("是否超期"), 10, lambda i, c: _("是") if i.overdue_now else _("否")),
        (_("销号时间"), 18, lambda i, c: _local(i.closed_at)),
        (_("返工次数"), 10, lambda i, c: i.rework_count),
        (_("反弹次数"), 10, lambda i, c: i.recurrence_count),
        (_("延期次数"), 10, lambda i, c: i.extension_count),
        (_("整改措施"), 30, lambda i, c: i.measures),
    ]


def issue_workbook(issues, *, now=None):
    """The rows of ``issues`` (an iterable of issues with the list's relations selected and
    :func:`inspections.counting.annotate`'s ``overdue_now``) as .xlsx bytes, one row per issue in
    the given order."""
    return workbook_bytes(issue_sheets(issues, now=now))


def issue_sheets(issues, *, now=None):
    """:func:`issue_workbook`'s write-only workbook, not yet saved (the job saves it to a file)."""
    columns = issue_columns()
    context = {"now": now or timezone.now(), "regions": {}}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("问题清单"))
    for index, (_header, width, _value) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    append_row(sheet, [header for header, _width, _value in columns], bold=True)
    for chunk in chunks(issues, CHUNK):
        missing = {i.region_id: i.region for i in chunk if i.region_id not in context["regions"]}
        context["regions"].update(region_full_names(list(missing.values())))
        for issue in chunk:
            append_row(sheet, [value(issue, context) for _header, _width, value in columns])
    return workbook


def export_rows(user, query):
    """What 问题清单 shows ``user`` for ``query``, every page, as the export writes it."""
    _filterset, issues, _states = selectors.filtered_issues(user=user, query=query)
    return counting.annotate(issues)


# --- the inspection list ----------------------------------------------------------------------------


def inspection_rows(user, query=None):
    """The inspections ``user`` may see, newest first, with their issue counts (as they may see them)."""
    return (
        Inspection.objects.visible_to(user)
        .select_related("campaign", "region", "created_by")
        .prefetch_related("inspectors")
        .annotate(**selectors.inspection_issue_counts(user))
        .order_by("-date", "-id")
    )


def inspection_sheets(inspections):
    columns = [
        (_("检查日期"), 12),
        (_("检查类型"), 12),
        (_("创建活动"), 24),
        (_("检查区域"), 16),
        (_("检查人员"), 24),
        (_("问题数"), 8),
        (_("在办问题"), 8),
        (_("检查情况"), 40),
        (_("来源文件"), 24),
        (_("登记人"), 12),
    ]
    rows = (
        [
            i.date,
            i.get_kind_display(),
            i.campaign.name,
            i.region.name,
            "、".join(str(p) for p in i.inspectors.all()),
            i.issue_count,
            i.open_count,
            i.summary,
            i.source_name,
            str(i.created_by or ""),
        ]
        for i in inspections
    )
    return list_sheets(_("检查清单"), columns, rows)


KIND = "issues"
INSPECTIONS_KIND = "inspections"


def register():
    """The lists' exports, for the background exports (called in ``AppConfig.ready()``)."""
    register_exporter(
        Exporter(
            kind=KIND,
            label=gettext_lazy("问题清单"),
            may_export=lambda user: user.is_authenticated,
            rows=export_rows,
            workbook=issue_sheets,
            list_url="inspections:issue_list",
            filterset=IssueFilter,
        )
    )
    register_exporter(
        Exporter(
            kind=INSPECTIONS_KIND,
            label=gettext_lazy("检查清单"),
            may_export=lambda user: user.is_authenticated,
            rows=inspection_rows,
            workbook=inspection_sheets,
            list_url="inspections:inspection_list",
        )
    )
