"""Reading the spreadsheets people actually send — one reader for every import.

Offices write their tables for people, not programs: a merged title row (``全国文明城市测评体系
（2015年版）``) and a date line above the header, header cells with line breaks, ``*`` marks or a
note in brackets (``完成时限（年月日）``), merged cells running down a group of rows, section rows
(``一、市容环境``), blank rows, and notes at the bottom (``填表说明：…``). :func:`read_table`
takes all of that and gives the importer rows keyed by its own column names, each with the row
number the person sees in Excel (or the line in the CSV, or the row of the Word table), so every
message can point at it.

Formats: CSV (UTF-8 with or without BOM, GBK/GB18030), .xlsx/.xlsm (openpyxl), and the tables
of a .docx (python-docx; lists of problems often arrive as a Word table). Images embedded in an
.xlsx sheet or a Word table are read too and attached to the row they are anchored on
(:attr:`Row.images`).

The header row is found among the first :data:`HEADER_SEARCH_ROWS` non-blank rows: the row
that names the most known columns (and all required ones). Column names are compared after
normalising (spaces, line breaks, ``*``, full-width brackets, a trailing bracketed note), against
every spelling the importer accepts — aliases such as 测评方法/考察方法 or 完成时限/时限要求/完成时间.

Importers call :func:`read_table`, check every row, and raise :class:`ImportErrors` with all
row errors before writing anything (all or nothing).
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from zipfile import BadZipFile

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

HEADER_SEARCH_ROWS = 10
# A row whose first text starts like this (and that fills at most two cells) is a note, not data.
NOTE_PREFIXES = (
    "填表说明",
    "说明：",
    "说明:",
    "注：",
    "注:",
    "备注：",
    "备注:",
    "填报说明",
    "制表",
    "填表人",
    "审核人",
)
_BRACKETED_TAIL = re.compile(r"[（(][^）)]*[）)]$")
_SPACES = re.compile(r"\s+")


class ImportErrors(Exception):
    """The file cannot be imported. ``errors`` is a list of ``(line or None, message)``."""

    def __init__(self, errors):
        super().__init__("\n".join(format_error(line, msg) for line, msg in errors))
        self.errors = errors


def format_error(line, message):
    return _("第 %(line)s 行：%(msg)s") % {"line": line, "msg": message} if line else str(message)


@dataclass
class Row:
    """One data row: ``line`` is the row number a person sees (Excel row, CSV line, Word table
    row); ``values`` maps the importer's column names to the cell text; ``images`` holds the
    bytes of the pictures anchored on this row (xlsx, docx)."""

    line: int
    values: dict = field(default_factory=dict)
    images: list = field(default_factory=list)

    def get(self, key):
        value = self.values.get(key)
        return "" if value is None else str(value).strip()


class Table(list):
    """The rows of a file (a list of :class:`Row`), with where they were found:
    ``sheet`` (sheet name, or ``""``), ``header_line``, ``headers`` (column name → the header
    text as written) and ``ignored`` (``[(line, text)]`` of title, section and note rows)."""

    def __init__(self, rows=(), *, sheet="", header_line=0, headers=None, ignored=None):
        super().__init__(rows)
        self.sheet = sheet
        self.header_line = header_line
        self.headers = headers or {}
        self.ignored = ignored or []


@dataclass
class _Grid:
    """A sheet as text: ``rows`` of (line, [cell text]), plus images by line and the lines
    that are one merged banner across the table (titles, section rows)."""

    name: str
    rows: list
    images: dict = field(default_factory=dict)
    banners: set = field(default_factory=set)


# --- reading the bytes --------------------------------------------------------------------------


def _text(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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


def _csv_grids(data, filename):
    text = _decode(data, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, start = [], 1
    try:
        for values in reader:
            rows.append((start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportErrors([(None, _("CSV 格式错误：%(e)s") % {"e": exc})]) from None
    return [_Grid(name="", rows=rows)]


def _xlsx_grids(data, filename):
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportErrors([(None, _("无法打开 Excel 文件 %(f)s：%(e)s") % {"f": filename, "e": exc})]) from None
    grids = []
    for sheet in workbook.worksheets:
        cells = {}
        for row in sheet.iter_rows():
            for c in row:
                if c.value is not None:
                    cells[(c.row, c.column)] = _text(c.value)
        banners = set()
        for merged in sheet.merged_cells.ranges:
            value = cells.get((merged.min_row, merged.min_col), "")
            for r in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    cells[(r, col)] = value
            if merged.max_col - merged.min_col >= 2 and merged.min_row == merged.max_row:
                banners.add(merged.min_row)
        width = max((col for _r, col in cells), default=0)
        height = max((r for r, _col in cells), default=0)
        rows = [(r, [cells.get((r, col), "") for col in range(1, width + 1)]) for r in range(1, height + 1)]
        images = {}
        for image in getattr(sheet, "_images", []):
            anchor = getattr(image.anchor, "_from", None)
            if anchor is None:
                continue
            images.setdefault(anchor.row + 1, []).append(image._data())
        grids.append(_Grid(name=sheet.title, rows=rows, images=images, banners=banners))
    return grids


def _docx_grids(data, filename):
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, BadZipFile, KeyError, ValueError) as exc:
        raise ImportErrors([(None, _("无法打开 Word 文件 %(f)s：%(e)s") % {"f": filename, "e": exc})]) from None
    grids = []
    for number, table in enumerate(document.tables, start=1):
        rows, images = [], {}
        for index, row in enumerate(table.rows, start=1):
            rows.append((index, [cell.text for cell in row.cells]))
            seen = set()
            for cell in row.cells:
                for rid in cell._tc.xpath(".//a:blip/@r:embed"):
                    if rid in seen or rid not in document.part.related_parts:
                        continue
                    seen.add(rid)
                    images.setdefault(index, []).append(document.part.related_parts[rid].blob)
        grids.append(_Grid(name=_("表格%(n)s") % {"n": number}, rows=rows, images=images))
    return grids


def _grids(data, filename):
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return _xlsx_grids(data, filename)
    if name.endswith(".docx"):
        return _docx_grids(data, filename)
    if name.endswith((".xls", ".doc", ".et", ".wps")):
        raise ImportErrors(
            [(None, _("不支持旧版 Office 格式（%(f)s）：请另存为 .xlsx（或 .docx）后再导入。") % {"f": filename})]
        )
    return _csv_grids(data, filename)


# --- finding the header --------------------------------------------------------------------------


def normalise_header(text):
    """``" 完成\\n时限 * "`` → ``"完成时限"``; full-width letters and brackets folded; lower case."""
    text = _SPACES.sub("", str(text or "")).replace("*", "").replace("＊", "")
    text = text.replace("（", "(").replace("）", ")").replace("：", ":").strip(":")
    return text.lower()


def _lookup(columns):
    spellings = {}
    for canonical, names in columns.items():
        for spelling in names:
            spellings.setdefault(normalise_header(spelling), canonical)
    return spellings


def _match_header(cells, spellings):
    """Column name → position for the cells of one candidate header row."""
    positions = {}
    for pos, raw in enumerate(cells):
        name = normalise_header(raw)
        canonical = spellings.get(name) or spellings.get(_BRACKETED_TAIL.sub("", name))
        if canonical and canonical not in positions:
            positions[canonical] = pos
    return positions


def _blank(cells):
    return not any(str(c).strip() for c in cells)


def _find_header(grid, spellings, required):
    """(index into grid.rows, positions) of the best header among the first non-blank rows,
    or (index, positions) of the closest miss with ``ok=False``."""
    best = None
    seen = 0
    for index, (_line, cells) in enumerate(grid.rows):
        if _blank(cells):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
        positions = _match_header(cells, spellings)
        ok = all(c in positions for c in required)
        score = (ok, len(positions))
        if best is None or score > best[0]:
            best = (score, index, positions)
    if best is None:
        return None, {}, False
    (ok, _count), index, positions = best
    return index, positions, ok


def _is_note(cells):
    filled = [str(c).strip() for c in cells if str(c).strip()]
    return bool(filled) and len(set(filled)) <= 2 and filled[0].startswith(NOTE_PREFIXES)


# --- the reader ----------------------------------------------------------------------------------


def read_table(source, *, columns, required, filename=None, sheet=None):
    """Read a CSV, .xlsx or .docx into a :class:`Table` of :class:`Row` keyed by column names.

    ``columns``: column name → accepted header spellings, the first being the one shown in
    messages (e.g. ``"method": ["测评方法", "考察方法", "method"]``).
    ``required``: column names whose header must be present.
    ``source``: a path, or bytes (then ``filename`` tells the format by its extension).
    ``sheet``: a sheet name (or a list of acceptable names) to read; by default the first sheet
    (or Word table) whose header is found.

    Skipped silently and listed in ``Table.ignored``: rows above the header (titles, dates),
    blank rows, rows that are one merged banner (section headings), note rows (``填表说明``…)
    and repeats of the header row (a header printed again on every page)."""
    data, filename = _load(source, filename)
    spellings = _lookup(columns)
    grids = _grids(data, filename)
    wanted = [sheet] if isinstance(sheet, str) else list(sheet or [])
    if wanted:
        chosen = [g for g in grids if g.name in wanted]
        if not chosen:
            names = "，".join(g.name for g in grids) or "—"
            raise ImportErrors(
                [(None, _("文件中没有名为“%(s)s”的工作表（现有：%(names)s）。") % {"s": wanted[0], "names": names})]
            )
        grids = chosen
    closest = None
    for grid in grids:
        index, positions, ok = _find_header(grid, spellings, required)
        if index is None:
            continue
        if ok:
            return _rows(grid, index, positions, spellings, filename)
        if closest is None or len(positions) > len(closest[2]):
            closest = (grid, index, positions)
    if closest is None:
        raise ImportErrors([(None, _("文件 %(f)s 是空的。") % {"f": filename})])
    grid, index, positions = closest
    missing = [c for c in required if c not in positions]
    expected = "，".join(columns[c][0] for c in missing)
    found = "，".join(str(c).strip() for c in grid.rows[index][1] if str(c).strip())
    raise ImportErrors(
        [
            (
                grid.rows[index][0],
                _("表头缺少列：%(missing)s（前 %(n)s 行中没有一行包含这些列）。最接近表头的一行是：%(found)s")
                % {"n": HEADER_SEARCH_ROWS, "missing": expected, "found": found},
            )
        ]
    )


def _load(source, filename):
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportErrors([(None, _("无法读取文件 %(f)s：%(e)s") % {"f": filename, "e": exc.strerror})]) from None
    else:
        data = bytes(source)
    filename = filename or "upload.csv"
    if not data.strip():
        raise ImportErrors([(None, _("文件 %(f)s 是空的。") % {"f": filename})])
    return data, filename


def _rows(grid, index, positions, spellings, filename):
    header_line, header_cells = grid.rows[index]
    ignored = [(line, " ".join(c.strip() for c in cells if c.strip())) for line, cells in grid.rows[:index]]
    ignored = [(line, text) for line, text in ignored if text]
    rows = []
    for line, cells in grid.rows[index + 1 :]:
        if _blank(cells):
            continue
        distinct = list(dict.fromkeys(c.strip() for c in cells if c.strip()))
        text = " ".join(distinct)
        banner = line in grid.banners and len(distinct) == 1
        repeated_header = _match_header(cells, spellings) == positions
        if banner or _is_note(cells) or repeated_header:
            ignored.append((line, text))
            continue
        values = {c: (cells[p] if p < len(cells) else "") for c, p in positions.items()}
        rows.append(Row(line=line, values=values, images=list(grid.images.get(line, []))))
    if not rows:
        raise ImportErrors([(None, _("文件 %(f)s 只有表头，没有数据行。") % {"f": filename})])
    headers = {c: str(header_cells[p]).strip() for c, p in positions.items()}
    return Table(rows, sheet=grid.name, header_line=header_line, headers=headers, ignored=ignored)
