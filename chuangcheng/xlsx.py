"""Writing the .xlsx files the product hands out, through one helper.

Why one helper: text typed by anyone (a 随手拍 address, a task title, a unit name from an
import) ends up in spreadsheets that officials open in Excel or WPS. A text cell that begins
with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some readers strip before
looking) would be taken for a formula — ``=cmd|' /C calc'!A0`` runs a program on the reader's
machine. Every cell written here goes through :func:`cell`, which keeps such text *verbatim*
but stores it as a string (``t="inlineStr"``/shared string, never ``<f>``) with Excel's
quote-prefix flag, so the reader sees exactly what was typed and editing the cell keeps it
text. Numbers, dates and booleans are written as they are.

Use :class:`SheetWriter` for lists (streaming, constant memory) or :func:`write_row` on an
ordinary worksheet (templates, reports with images), and :func:`workbook_bytes` to finish.
"""

import datetime as dt
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)


def is_risky(value):
    """Text a spreadsheet program could read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def plain(value):
    """A value openpyxl can write: numbers, dates and booleans as they are; aware datetimes
    in local wall-clock time (Excel has no zones); ``None`` empty; anything else as text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime | dt.time):
        return value
    return str(value)


def _as_text(target):
    target.data_type = "s"
    target.quotePrefix = True


def cell(sheet, value, *, bold=False):
    """A write-only cell holding ``value``, formula text stored as text."""
    target = WriteOnlyCell(sheet, value=plain(value))
    if is_risky(target.value):
        _as_text(target)
    if bold:
        target.font, target.fill = HEADER_FONT, HEADER_FILL
    return target


def write_row(sheet, row, values, *, start_column=1, bold=False):
    """Write ``values`` into row ``row`` of an ordinary (not write-only) worksheet."""
    for offset, value in enumerate(values):
        target = sheet.cell(row=row, column=start_column + offset)
        target.value = plain(value)
        if is_risky(target.value):
            _as_text(target)
        if bold:
            target.font, target.fill = HEADER_FONT, HEADER_FILL


def append_row(sheet, values, *, bold=False):
    """``sheet.append(values)`` for any worksheet (write-only or not), each value through
    :func:`cell` — the way to add a row when a :class:`SheetWriter` does not fit."""
    sheet.append([cell(sheet, value, bold=bold) for value in values])


class SheetWriter:
    """A streaming sheet: a header row (bold, frozen) and rows appended one by one.

    ``columns``: ``[(header, width), …]``. Rows are lists of values in column order."""

    def __init__(self, workbook, title, columns, *, freeze="A2"):
        self.sheet = workbook.create_sheet(title[:31])
        for index, (_header, width) in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            self.sheet.freeze_panes = freeze
        self.sheet.append([cell(self.sheet, header, bold=True) for header, _width in columns])

    def append(self, values):
        append_row(self.sheet, values)


def streaming_workbook():
    return Workbook(write_only=True)


def workbook_bytes(workbook):
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def list_workbook(title, columns, rows):
    """One sheet named ``title`` with ``columns`` and ``rows`` → .xlsx bytes (streaming)."""
    return workbook_bytes(list_sheets(title, columns, rows))


def list_sheets(title, columns, rows):
    """:func:`list_workbook`'s write-only workbook, not yet saved (a job saves it to a file)."""
    workbook = streaming_workbook()
    writer = SheetWriter(workbook, title, columns)
    for values in rows:
        writer.append(values)
    return workbook


def xlsx_response(data, filename):
    """An attachment response for .xlsx bytes (the file name may be Chinese)."""
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def chunks(iterable, size):
    """``iterable`` in lists of ``size`` (the last shorter): an export reads what its rows need
    (region names, sub-tasks) once per chunk, not once per row."""
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
