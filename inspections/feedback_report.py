"""整改情况报告: what a city sends back up for an inspection's problems — in the order received.

One row per issue (the 上级反馈 list's order, then the order recorded): 序号, 问题, 责任单位,
整改措施, 整改时间, the 整改前 and 整改后 photos side by side, 状态. As .docx (python-docx,
landscape A4, the layout of an official reply) and as .xlsx (through :mod:`chuangcheng.xlsx`,
photos anchored in their cells). Photos are the stored, re-encoded JPEGs, read through the
storage API.
"""

import io
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from PIL import Image

from chuangcheng.xlsx import workbook_bytes, write_row

from .models import IssueState, PhotoKind

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PHOTO_WIDTH_CM = 3.6
SHEET_PHOTO_PX = 150


@dataclass
class ReportRow:
    number: str
    issue: object
    before: object  # Photo or None
    after: object  # Photo or None

    @property
    def rectified_at(self):
        return self.issue.closed_at or self.issue.submitted_at

    @property
    def state_label(self):
        return self.issue.get_state_display()


def report_rows(inspection):
    """The inspection's issues in the received order, each with its first before- and last
    after-photo."""
    issues = list(
        inspection.issues.select_related("responsible_unit", "category", "region")
        .prefetch_related("photos")
        .order_by(F("feedback_order").asc(nulls_last=True), "created_at", "id")
    )
    rows = []
    for position, issue in enumerate(issues, start=1):
        photos = list(issue.photos.all())
        before = next((p for p in photos if p.kind == PhotoKind.BEFORE), None)
        after = [p for p in photos if p.kind == PhotoKind.AFTER]
        rows.append(ReportRow(issue.feedback_number or str(position), issue, before, after[-1] if after else None))
    return rows


def counts(rows):
    closed = sum(r.issue.state == IssueState.CLOSED for r in rows)
    submitted = sum(r.issue.state == IssueState.SUBMITTED for r in rows)
    return {"total": len(rows), "closed": closed, "submitted": submitted, "open": len(rows) - closed - submitted}


def _title(inspection):
    return _("关于%(date)s上级反馈问题整改情况的报告") % {
        "date": f"{inspection.date.year}年{inspection.date.month}月{inspection.date.day}日"
    }


def _photo_bytes(photo):
    if photo is None or not photo.file:
        return None
    with photo.file.open("rb") as handle:
        return handle.read()


def _when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def _headers():
    return [_("序号"), _("问题"), _("责任单位"), _("整改措施"), _("整改时间"), _("整改前"), _("整改后"), _("状态")]


def _set_cell_text(cell, text, *, bold=False, size=10):
    cell.text = ""
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(str(text))
    run.bold = bold
    run.font.size = Pt(size)
    run.font.name = "宋体"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def _add_photo(cell, photo):
    data = _photo_bytes(photo)
    if data is None:
        _set_cell_text(cell, "—")
        return
    cell.text = ""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run().add_picture(io.BytesIO(data), width=Cm(PHOTO_WIDTH_CM))


def report_docx(inspection):
    """The report as .docx bytes: title, a summary line, the table."""
    rows = report_rows(inspection)
    figures = counts(rows)
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(_title(inspection))
    run.bold, run.font.size = True, Pt(18)
    run.font.name = "宋体"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    summary = document.add_paragraph(
        _(
            "%(source)s反馈问题共 %(total)s 个，已整改销号 %(closed)s 个，已整改待核查 %(submitted)s 个，"
            "正在整改 %(open)s 个。具体情况如下："
        )
        % {"source": inspection.source_name or inspection.get_kind_display(), **figures}
    )
    summary.runs[0].font.size = Pt(12)
    table = document.add_table(rows=1, cols=8)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [Cm(1.2), Cm(5.2), Cm(3.0), Cm(4.4), Cm(2.2), Cm(4.0), Cm(4.0), Cm(1.8)]
    for cell, header, width in zip(table.rows[0].cells, _headers(), widths, strict=True):
        _set_cell_text(cell, header, bold=True)
        cell.width = width
    for row in rows:
        cells = table.add_row().cells
        issue = row.issue
        problem = issue.description + (f"（{issue.address}）" if issue.address else "")
        values = [
            row.number,
            problem,
            issue.responsible_unit.name if issue.responsible_unit_id else "",
            issue.measures,
            _when(row.rectified_at),
        ]
        for cell, value, width in zip(cells[:5], values, widths, strict=False):
            _set_cell_text(cell, value)
            cell.width = width
        _add_photo(cells[5], row.before)
        _add_photo(cells[6], row.after)
        _set_cell_text(cells[7], row.state_label)
        for cell, width in zip(cells[5:], widths[5:], strict=True):
            cell.width = width
    document.add_paragraph(
        _("报送单位：%(office)s　　日期：%(date)s")
        % {
            "office": inspection.campaign.office_unit.name,
            "date": "{d.year}年{d.month}月{d.day}日".format(d=timezone.localdate()),
        }
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _sheet_image(data):
    image = Image.open(io.BytesIO(data))
    ratio = SHEET_PHOTO_PX / max(image.width, 1)
    picture = SheetImage(io.BytesIO(data))
    picture.width, picture.height = SHEET_PHOTO_PX, int(image.height * ratio)
    return picture


def report_xlsx(inspection):
    """The report as .xlsx bytes: the same table, photos anchored in the 整改前/整改后 cells."""
    rows = report_rows(inspection)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("整改情况")
    headers = _headers()
    write_row(sheet, 1, [_title(inspection)], bold=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    write_row(sheet, 2, headers, bold=True)
    for index, width in enumerate([6, 36, 20, 30, 12, 22, 22, 10], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(rows):
        line = 3 + offset
        issue = row.issue
        problem = issue.description + (f"（{issue.address}）" if issue.address else "")
        unit = issue.responsible_unit.name if issue.responsible_unit_id else ""
        values = [row.number, problem, unit, issue.measures, _when(row.rectified_at), "", "", row.state_label]
        write_row(sheet, line, values)
        for column in range(1, 9):
            sheet.cell(row=line, column=column).alignment = wrap
        height = 20
        for column, photo in (("F", row.before), ("G", row.after)):
            data = _photo_bytes(photo)
            if data is None:
                sheet[f"{column}{line}"] = "—"
                continue
            picture = _sheet_image(data)
            picture.anchor = f"{column}{line}"
            sheet.add_image(picture)
            height = max(height, picture.height * 0.75 + 6)  # pixels → points
        sheet.row_dimensions[line].height = height
    sheet.freeze_panes = "A3"
    return workbook_bytes(workbook)
