"""Reading spreadsheets people actually send: CSV in UTF-8 or GBK, or .xlsx; English or
Chinese headers. Every problem is reported with its line number; nothing is guessed silently.

Importers call :func:`read_table` and collect their own row errors into an :class:`ImportErrors`,
raised before anything is written.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class ImportErrors(Exception):
    """The file cannot be imported. ``errors`` is a list of (line or None, message)."""

    def __init__(self, errors):
        super().__init__("\n".join(format_error(line, msg) for line, msg in errors))
        self.errors = errors


def format_error(line, message):
    return _("第 %(line)s 行：%(msg)s") % {"line": line, "msg": message} if line else str(message)


@dataclass
class Row:
    line: int  # the line (CSV) or row (xlsx) number a person sees in their editor
    values: dict = field(default_factory=dict)

    def get(self, key):
        value = self.values.get(key)
        return "" if value is None else str(value).strip()


def _decode(data, filename):
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # GBK/GB18030 files are common in the wild (Excel on Chinese Windows saves CSV this way).
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportErrors(
            [(None, _("无法识别文件 %(f)s 的编码：请另存为 UTF-8 或 GBK 编码的 CSV。") % {"f": filename})]
        ) from None


def _xlsx_rows(data):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield [
            ""
            if v is None
            else (
                v.date().isoformat()
                if hasattr(v, "date") and callable(v.date)
                else str(int(v))
                if isinstance(v, float) and v.is_integer()
                else str(v)
            )
            for v in values
        ]


def read_table(source, *, columns, required, filename=None):
    """Read a CSV or .xlsx into rows keyed by canonical column names.

    ``columns``: canonical name → accepted header spellings (e.g. ``"code": ["code", "编号"]``).
    ``required``: canonical names whose header must be present.
    ``source``: a path, or bytes (then ``filename`` tells the format).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportErrors([(None, _("无法读取文件 %(f)s：%(e)s") % {"f": filename, "e": exc.strerror})]) from None
    else:
        data = source
    filename = filename or "upload"
    if not data.strip():
        raise ImportErrors([(None, _("文件 %(f)s 是空的。") % {"f": filename})])

    if filename.lower().endswith((".xlsx", ".xlsm")):
        try:
            raw_rows = list(_xlsx_rows(data))
        except (InvalidFileException, BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ImportErrors([(None, _("无法打开 Excel 文件 %(f)s：%(e)s") % {"f": filename, "e": exc})]) from None
    else:
        text = _decode(data, filename)
        try:
            raw_rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise ImportErrors([(None, _("CSV 格式错误：%(e)s") % {"e": exc})]) from None

    # Header: first non-empty row.
    header_index = next((i for i, r in enumerate(raw_rows) if any(c.strip() for c in r)), None)
    if header_index is None:
        raise ImportErrors([(None, _("文件 %(f)s 是空的。") % {"f": filename})])
    header = [c.strip().lower() for c in raw_rows[header_index]]
    lookup = {spelling.lower(): canonical for canonical, spellings in columns.items() for spelling in spellings}
    positions = {}
    for pos, name in enumerate(header):
        canonical = lookup.get(name)
        if canonical and canonical not in positions:
            positions[canonical] = pos
    missing = [c for c in required if c not in positions]
    if missing:
        expected = "，".join(f"{columns[c][0]}（{columns[c][-1]}）" for c in missing)
        raise ImportErrors(
            [
                (
                    header_index + 1,
                    _("表头缺少列：%(missing)s。实际表头：%(found)s")
                    % {"missing": expected, "found": "，".join(header)},
                )
            ]
        )

    rows = []
    for index, raw in enumerate(raw_rows[header_index + 1 :], start=header_index + 2):
        if not any(str(c).strip() for c in raw):
            continue
        rows.append(Row(line=index, values={c: (raw[p] if p < len(raw) else "") for c, p in positions.items()}))
    if not rows:
        raise ImportErrors([(None, _("文件 %(f)s 只有表头，没有数据行。") % {"f": filename})])
    return rows
