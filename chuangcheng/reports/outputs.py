"""A briefing's outputs: what the page shows, the PDF (WeasyPrint), the Word file (python-docx,
official-document layout) and the Excel workbook (openpyxl). All render the frozen
``Briefing.content``; none computes a figure.
"""

import datetime as dt
import functools
import glob
import io
import shutil
import subprocess

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chuangcheng.exceptions import ApplicationError
from inspections.models import IssueState, Severity
from tasks.models import TaskState

# The figures of the 概况 table, in order: (key, how the value reads, the definition's key).
FIGURE_LINES = (
    ("issues_assigned", "count", "issues_assigned"),
    ("issues_closed", "count", "issues_closed"),
    ("issues_due", "count", "issues_due"),
    ("on_time_rate", "rate:issues_closed_on_time/issues_due", "on_time_rate"),
    ("closure_rate", "rate:issues_due_closed/issues_due", "closure_rate"),
    ("issues_overdue_open", "count", "issues_overdue_open"),
    ("rework_rate", "rate:rejections/verifications", "rework_rate"),
    ("recurrences", "count", "recurrences"),
    ("mean_hours_to_close", "hours", "mean_hours_to_close"),
    ("issues_negative_list", "count", "issues_negative_list"),
    ("tasks_due", "count", "tasks_due"),
    ("tasks_done", "count", "tasks_done"),
    ("task_on_time_rate", "rate:tasks_done_on_time/tasks_due", "task_on_time_rate"),
    ("tasks_overdue", "count", "tasks_overdue"),
    ("tasks_lagging", "count", "tasks_lagging"),
)


def fmt_rate(value):
    return "—" if value is None else f"{value:.1f}%"


def fmt_score(value):
    return "—" if value is None else f"{value:.2f}"


def _value(figures, key, how):
    value = figures.get(key)
    if how == "count":
        return str(value or 0)
    if how == "hours":
        return "—" if value is None else _("%(h)s 小时") % {"h": value}
    part, whole = how.split(":", 1)[1].split("/")
    return f"{fmt_rate(value)}（{figures.get(part, 0)}/{figures.get(whole, 0)}）"


def figure_lines(content):
    """The 概况 table: each figure this period and last, with its definition beside it."""
    definitions = content["definitions"]
    return [
        {
            "key": key,
            "label": definitions[d]["label"],
            "value": _value(content["totals"], key, how),
            "previous": _value(content["previous"], key, how),
            "definition": definitions[d],
        }
        for key, how, d in FIGURE_LINES
    ]


RANK_COLUMNS = (
    ("rank", gettext_lazy("名次")),
    ("name", gettext_lazy("单位")),
    ("score", gettext_lazy("综合得分")),
    ("issues_assigned", gettext_lazy("新交办")),
    ("on_time_rate", gettext_lazy("按期销号率")),
    ("issues_overdue_open", gettext_lazy("超期未改")),
    ("rework_rate", gettext_lazy("返工率")),
    ("recurrences", gettext_lazy("反弹")),
    ("task_on_time_rate", gettext_lazy("任务按期完成率")),
    ("tasks_overdue", gettext_lazy("超期任务")),
    ("flag", gettext_lazy("红黑旗")),
)


def rank_cells(row):
    """A ranking row as the strings every output prints."""
    flags = {"red": _("红旗"), "black": _("黑旗"), "": ""}
    out = []
    for key, _label in RANK_COLUMNS:
        value = row.get(key)
        if key == "score":
            out.append(fmt_score(value))
        elif key.endswith("_rate"):
            out.append(fmt_rate(value))
        elif key == "flag":
            out.append(flags[value or ""])
        else:
            out.append("" if value is None else str(value))
    return out


def rank_headers():
    return [str(label) for _key, label in RANK_COLUMNS]


def _labels():
    return {
        "severity": dict(Severity.choices),
        "issue_state": dict(IssueState.choices),
        "task_state": dict(TaskState.choices),
    }


def _short_time(value):
    return value.replace("T", " ")[:16] if value else ""


def briefing_context(briefing):
    """What the page, the PDF and the Word file show (one context for all)."""
    content = briefing.content
    labels = _labels()
    for item in content["negative_list"] + content["recurrences"]:
        item["severity_label"] = str(labels["severity"].get(item["severity"], item["severity"]))
        item["state_label"] = str(labels["issue_state"].get(item["state"], item["state"]))
    for unit in content["overdue_by_unit"]:
        for item in unit["issues"]:
            item["deadline_text"] = _short_time(item["deadline"])
    for item in content["tasks_due_next"]["items"]:
        item["state_label"] = str(labels["task_state"].get(item["state"], item["state"]))
    for item in content["negative_list"]:
        item["deadline_text"] = _short_time(item["deadline"])
    for item in content["recurrences"]:
        item["reopened_text"] = _short_time(item["reopened_at"])
    ranking = [
        {
            **g,
            "lines": [{"row": r, "cells": rank_cells(r)} for r in g["rows"]],
            "cells": [rank_cells(r) for r in g["rows"]],
        }
        for g in content["ranking"]
    ]
    return {
        "briefing": briefing,
        "content": content,
        "figure_lines": figure_lines(content),
        "rank_headers": rank_headers(),
        "ranking": ranking,
        "region_cells": [rank_cells(r) for r in content["regions"]],
        "published_text": _date_text(timezone.localtime(briefing.published_at).date()),
        "issuer_pt": issuer_size(content["issuer"]),
        "attachments": attachment_titles(),
    }


def issuer_size(issuer, *, width_pt=482, largest=30):
    """The red header's font size: as large as fits one line of the type area (17 cm)."""
    return min(largest, int(width_pt / (max(len(issuer), 1) * 1.08)))


def attachment_titles():
    return [_("超期未改问题清单"), _("负面清单问题清单"), _("反弹问题清单"), _("下期到期任务清单"), _("指标定义")]


def _date_text(day):
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}


# --- PDF ----------------------------------------------------------------------------------------------

CJK_FONT_PATTERNS = ("*CJK*", "*SourceHan*", "*wqy*", "*WenQuanYi*", "*simsun*", "*msyh*", "*SimHei*", "*FangSong*")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")


@functools.cache
def _has_cjk_font():
    fc_list = shutil.which("fc-list")
    if fc_list:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False
        )
        return bool(result.stdout.strip())
    import os.path

    return any(
        glob.glob(os.path.join(os.path.expanduser(d), "**", p), recursive=True)
        for d in FONT_DIRS
        for p in CJK_FONT_PATTERNS
    )


@functools.cache
def _has_engine():
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: the Pango libraries it loads are missing
        return False
    return True


def pdf_problem():
    """Why this server cannot make a readable PDF (``None`` when it can)."""
    if not _has_engine():
        return _(
            "本服务器未安装 PDF 生成组件 WeasyPrint（或其依赖的 Pango 库），暂不能下载 PDF，请下载 Word 或 Excel 版本。"
        )
    if not _has_cjk_font():
        return _(
            "本服务器缺少中文字体（如 fonts-noto-cjk），生成的 PDF 汉字会显示为方框，暂不能下载 PDF，"
            "请下载 Word 或 Excel 版本。"
        )
    return None


def briefing_html(briefing):
    with translation.override("zh-hans"):
        return render_to_string("reports/briefing_print.html", briefing_context(briefing))


# Bump when the print layout changes: PDFs rendered with the old layout are then re-rendered.
PDF_LAYOUT = 2


def briefing_pdf(briefing):
    """The PDF, rendered once and kept in the media storage: a briefing never changes, and a
    city-wide one is dozens of pages (seconds of layout work)."""
    problem = pdf_problem()
    if problem:
        raise ApplicationError(problem, code="conflict")
    name = f"briefings/{briefing.pk}/briefing-{briefing.pk}-v{PDF_LAYOUT}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    from weasyprint import HTML

    data = HTML(string=briefing_html(briefing)).write_pdf()
    default_storage.save(name, ContentFile(data))  # a concurrent render saves under another name
    return data


# --- Word ---------------------------------------------------------------------------------------------

RED = (0xE0, 0x00, 0x00)
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEADING = "黑体"


def _run(paragraph, text, *, font=FONT_BODY, size=16, bold=False, color=None):
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.name = font
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor(*color)
    return run


def _para(doc, text="", *, align=None, indent=True, **font):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}.get(
        align, WD_ALIGN_PARAGRAPH.JUSTIFY
    )
    p.paragraph_format.line_spacing = Pt(28)
    p.paragraph_format.space_after = Pt(0)
    if indent and align is None:
        p.paragraph_format.first_line_indent = Pt(32)
    if text:
        _run(p, text, **font)
    return p


def _red_rule(paragraph):
    """The red line under the document number (a paragraph bottom border)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in {"w:val": "single", "w:sz": "18", "w:space": "4", "w:color": "E00000"}.items():
        bottom.set(qn(k), v)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _table_styles(doc, size):
    """Paragraph styles for table cells (one style per table size, not a font per run: a
    city-wide ranking has thousands of cells)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Pt

    names = (f"CC Table {size}", f"CC Table Head {size}")
    for name, font, bold in zip(names, (FONT_BODY, FONT_HEADING), (False, True), strict=True):
        if name in [st.name for st in doc.styles]:
            continue
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.font.name, style.font.size, style.font.bold = font, Pt(size), bold
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0
    return names


def _table(doc, headers, rows, *, size=10.5):
    # Style ids set on the XML directly: python-docx's ``paragraph.style = …`` searches every
    # style of the document for each cell (seconds for a city-wide ranking).
    body_id, head_id = (doc.styles[name].style_id for name in _table_styles(doc, size))
    table = doc.add_table(rows=len(rows) + 1, cols=len(headers))
    table.style = "Table Grid"
    for tr, values, style_id in zip(table.rows, [headers, *rows], [head_id] + [body_id] * len(rows), strict=True):
        for cell, text in zip(tr.cells, values, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph._p.get_or_add_pPr().style = style_id
            paragraph.add_run(str(text))
    return table


def briefing_docx(briefing):
    """公文格式 (GB/T 9704 in spirit): red header, red rule, 文号, title, body, ranking table,
    attachment list, sign-off; the attachments follow on new pages."""
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    with translation.override("zh-hans"):
        ctx = briefing_context(briefing)
        content = ctx["content"]
        doc = Document()
        section = doc.sections[0]
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        issuer = content["issuer"]
        header_size = issuer_size(issuer, width_pt=442, largest=36)  # 15.6 cm between the margins
        _para(doc, issuer, align="center", font=FONT_TITLE, size=header_size, bold=True, color=RED)
        number = _para(doc, briefing.document_number, align="center")
        _red_rule(number)
        _para(doc)
        _para(doc, briefing.title, align="center", font=FONT_TITLE, size=22)
        _para(doc, ctx["content"]["scope"]["name"] + _("统计期：") + _period(content), align="center", size=14)
        _para(doc)
        _para(doc, _("一、总体情况"), font=FONT_HEADING)
        _para(doc, content["summary"])
        _para(doc, _("二、排名情况"), font=FONT_HEADING)
        for group in ctx["ranking"]:
            _para(doc, group["label"], indent=False, size=14, bold=True)
            _table(doc, ctx["rank_headers"], group["cells"], size=9)
        if ctx["region_cells"]:
            _para(doc, _("各区域情况"), indent=False, size=14, bold=True)
            _table(doc, ctx["rank_headers"], ctx["region_cells"], size=9)
        flags = content["flags"]
        _para(doc, _("三、红黑旗"), font=FONT_HEADING)
        _para(doc, _("红旗单位：%(u)s") % {"u": "、".join(flags["red"]) or _("无")})
        _para(doc, _("黑旗单位：%(u)s") % {"u": "、".join(flags["black"]) or _("无")})
        _para(doc)
        _para(doc, _("附件："), indent=False)
        for i, title in enumerate(ctx["attachments"], 1):
            _para(doc, f"{i}. {title}", indent=False)
        _para(doc)
        _para(doc, issuer, align="right")
        _para(doc, ctx["published_text"], align="right")

        for i, (title, headers, rows) in enumerate(_attachment_tables(ctx), 1):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            _para(doc, _("附件%(n)s") % {"n": i}, indent=False, font=FONT_HEADING)
            _para(doc, title, align="center", font=FONT_TITLE, size=18)
            _table(doc, headers, rows, size=9)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _period(content):
    start, end = (dt.date.fromisoformat(content["period"][k]) for k in ("start", "end"))
    return _date_text(start) if start == end else f"{_date_text(start)}—{_date_text(end)}"


def _attachment_tables(ctx):
    """(title, headers, rows) of each attachment, in the order of :func:`attachment_titles`."""
    content, titles = ctx["content"], ctx["attachments"]
    overdue = [
        [
            u["unit"],
            u["count"],
            "；".join(f"#{i['id']} {i['category']} {i['address']}（超期 {i['days_overdue']} 天）" for i in u["issues"]),
        ]
        for u in content["overdue_by_unit"]
    ]
    negative = [
        [f"#{i['id']}", i["category"], i["address"], i["unit"] or "", i["state_label"], i["deadline_text"]]
        for i in content["negative_list"]
    ]
    recurrences = [
        [f"#{i['id']}", i["category"], i["address"], i["unit"] or "", i["reopened_text"]]
        for i in content["recurrences"]
    ]
    tasks = [
        [t["number"], t["title"], t["unit"], t["deadline"], f"{t['progress']}%", t["state_label"]]
        for t in content["tasks_due_next"]["items"]
    ]
    definitions = [[d["label"], d["formula"], d["counts"], d["period"]] for d in content["definitions"].values()]
    return [
        (titles[0], [_("责任单位"), _("超期未改"), _("超期最久的问题")], overdue),
        (titles[1], [_("编号"), _("类别"), _("地址"), _("责任单位"), _("状态"), _("整改时限")], negative),
        (titles[2], [_("编号"), _("类别"), _("地址"), _("责任单位"), _("反弹时间")], recurrences),
        (titles[3], [_("序号"), _("任务"), _("责任单位"), _("完成时限"), _("进度"), _("状态")], tasks),
        (titles[4], [_("指标"), _("计算公式"), _("计算口径"), _("统计期")], definitions),
    ]


# --- Excel --------------------------------------------------------------------------------------------


def briefing_xlsx(briefing):
    """The briefing's tables, one sheet each (概况 with definitions first)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with translation.override("zh-hans"):
        ctx = briefing_context(briefing)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("概况")
        sheet.append([briefing.document_number, briefing.title])
        sheet.append([_("统计期"), _period(ctx["content"])])
        sheet.append([_("摘要"), ctx["content"]["summary"]])
        sheet.append([])
        sheet.append([_("指标"), _("本期"), _("上期"), _("计算公式"), _("计算口径"), _("统计期")])
        for line in ctx["figure_lines"]:
            d = line["definition"]
            sheet.append([line["label"], line["value"], line["previous"], d["formula"], d["counts"], d["period"]])
        tables = [
            (
                _("单位排名"),
                [_("类别"), *ctx["rank_headers"]],
                [[g["label"], *c] for g in ctx["ranking"] for c in g["cells"]],
            ),
            (_("各区域"), ctx["rank_headers"], ctx["region_cells"]),
            *_attachment_tables(ctx)[:4],
        ]
        for title, headers, rows in tables:
            ws = workbook.create_sheet(title[:31])
            ws.append(headers)
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in rows:
                ws.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
