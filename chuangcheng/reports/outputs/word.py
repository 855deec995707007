"""The briefing as Word (python-docx), in official-document layout (GB/T 9704 in spirit): A4,
red header and rule, 文号, title, the same sections as the PDF (ranking on a landscape page),
典型问题 with their before/after photos, sign-off, annexes, page numbers ("— 1 —") and the 版记
(报送/抄送). Fonts are named as offices have them (方正小标宋简体, 黑体, 仿宋_GB2312); Word falls
back to what the reader's machine has."""

import io

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext as _

from chuangcheng.wording import join_list

from .context import attachment_tables, briefing_context, definition_rows, distribution_tables, issuer_size

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


def _heading(doc, text):
    return _para(doc, text, indent=True, font=FONT_HEADING)


def _border(paragraph, side="bottom", color="E00000", size="18"):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    borders = OxmlElement("w:pBdr")
    edge = OxmlElement(f"w:{side}")
    for k, v in {"w:val": "single", "w:sz": size, "w:space": "4", "w:color": color}.items():
        edge.set(qn(k), v)
    borders.append(edge)
    paragraph._p.get_or_add_pPr().append(borders)


def _page_number(section):
    """Footer "— N —", centred (a PAGE field)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    footer = section.footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", size=14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    p._p.append(field)
    _run(p, " —", size=14)


def _a4(section, *, landscape=False):
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    width, height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    if landscape:
        section.top_margin = section.bottom_margin = Mm(20)
        section.left_margin = section.right_margin = Mm(20)
    else:
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def _table_styles(doc, size):
    """Paragraph styles for table cells (one style per size, not a font per run: a city-wide
    ranking has thousands of cells)."""
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


def _new_section(doc, *, landscape):
    from docx.enum.section import WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    _a4(section, landscape=landscape)
    return section


def _photo(cell, name, caption):
    from docx.shared import Cm

    paragraph = cell.paragraphs[0]
    if name and default_storage.exists(name):
        with default_storage.open(name, "rb") as image:
            paragraph.add_run().add_picture(io.BytesIO(image.read()), width=Cm(6.5))
    else:
        paragraph.add_run(_("（无照片）"))
    _run(cell.add_paragraph(), caption, size=10.5)


def _typical(doc, ctx):
    groups = ctx["typical_groups"]
    if not any(items for _t, items in groups):
        _para(doc, _("本期无典型问题。"))
        return
    for title, items in groups:
        if not items:
            continue
        _para(doc, title, size=16, bold=True)
        for item in items:
            text = f"#{item['id']} {item['category']} · {item['address'] or item['region']}（{item['unit'] or ''}）"
            if item.get("days_overdue") is not None:
                text += _("，超期 %(d)s 天") % {"d": item["days_overdue"]}
            _para(doc, text, size=14)
            table = doc.add_table(rows=1, cols=2)
            table.style = "Table Grid"
            photos = item.get("photos", {})
            _photo(table.rows[0].cells[0], photos.get("before", {}).get("file"), _("整改前"))
            after_caption = _("整改后") if item["kind"] == "best" else _("整改后（尚未整改）")
            _photo(table.rows[0].cells[1], photos.get("after", {}).get("file"), after_caption)


def briefing_docx(briefing):
    """The Word file of a briefing (a draft is marked 草稿 in the header of every page and has no 文号)."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    with translation.override("zh-hans"):
        ctx = briefing_context(briefing)
        content, heads = ctx["content"], ctx["sections"]
        doc = Document()
        section = doc.sections[0]
        _a4(section)
        _page_number(section)
        if ctx["draft"]:
            header = section.header.paragraphs[0]
            _run(header, _("草稿 · 未发布 · 无文号（发布时编号）"), size=12, bold=True, color=RED)
        issuer = content["issuer"]
        _para(
            doc,
            issuer,
            align="center",
            font=FONT_TITLE,
            size=issuer_size(issuer, width_pt=442, largest=36),
            bold=True,
            color=RED,
        )
        number = _para(doc, ctx["document_number_text"], align="center")
        _border(number)
        _para(doc)
        _para(doc, briefing.title, align="center", font=FONT_TITLE, size=22)
        _para(doc, _("统计期：%(p)s") % {"p": ctx["period_text"]}, align="center", size=14)
        _para(doc)
        _heading(doc, heads["summary"])
        _para(doc, content["summary"])
        _heading(doc, heads["figures"])
        _table(
            doc,
            [_("指标"), _("本期"), _("上期")],
            [[f["label"], f["value"], f["previous"]] for f in ctx["figure_lines"]],
        )
        _para(doc, _("各项指标的定义见附件5。"), size=12)

        _new_section(doc, landscape=True)
        _heading(doc, heads["ranking"])
        for group in ctx["ranking"]:
            _para(doc, group["label"], indent=False, size=14, bold=True)
            if group["cells"]:
                _table(doc, ctx["rank_headers"], group["cells"], size=8)
            if group["unranked_lines"]:
                names = join_list(u["name"] for u in group["unranked_lines"])
                _para(doc, _("不参与排名（样本不足）：%(u)s") % {"u": names}, indent=False, size=10.5)
        if content.get("unranked_count"):
            _para(
                doc,
                _("统计期内无任何数据或样本不足、不参与排名的单位共 %(n)s 个。") % {"n": content["unranked_count"]},
                indent=False,
                size=10.5,
            )
        if ctx["region_cells"]:
            _para(doc, _("各区域情况"), indent=False, size=14, bold=True)
            _table(doc, ctx["region_headers"], ctx["region_cells"], size=8)
        for line in ctx["scoring_note"]:
            _para(doc, line, indent=False, size=10)

        _new_section(doc, landscape=False)
        flags = content["flags"]
        _heading(doc, heads["flags"])
        _para(doc, _("红旗单位：%(u)s") % {"u": join_list(flags["red"]) or _("无")})
        _para(doc, _("黑旗单位：%(u)s") % {"u": join_list(flags["black"]) or _("无")})
        _heading(doc, heads["typical"])
        _typical(doc, ctx)
        _heading(doc, heads["distribution"])
        for title, headers, rows in distribution_tables(content):
            _para(doc, title, size=16, bold=True)
            if rows:
                _table(doc, headers, rows, size=9)
            else:
                _para(doc, _("无。"))
        for section in ctx["contributed"]:
            _heading(doc, section["heading"])
            if section.get("note"):
                _para(doc, section["note"])
            for table in section["tables"]:
                _para(doc, table["caption"], size=16, bold=True)
                if table["rows"]:
                    _table(doc, table["headers"], [["—" if c is None else c for c in r] for r in table["rows"]], size=9)
                else:
                    _para(doc, _("无。"))
        _heading(doc, heads["requirements"])
        _para(doc, briefing.requirements or (_("（待填写）") if ctx["draft"] else _("无。")))
        if briefing.criticism:
            _para(doc, _("点名批评："), size=16, bold=True)
            _para(doc, briefing.criticism)
        if briefing.commendation:
            _para(doc, _("通报表扬："), size=16, bold=True)
            _para(doc, briefing.commendation)
        _para(doc)
        _para(doc, _("附件："), indent=False)
        for i, title in enumerate(ctx["attachments"], 1):
            _para(doc, f"{i}. {title}", indent=False)
        _para(doc)
        _para(doc, issuer, align="right")
        _para(doc, ctx["published_text"] or _("（发布日期）"), align="right")

        tables = [
            *attachment_tables(ctx),
            (ctx["attachments"][4], [_("指标"), _("计算公式"), _("计算口径"), _("统计期")], definition_rows(content)),
        ]
        for i, (title, headers, rows) in enumerate(tables, 1):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            _para(doc, _("附件%(n)s") % {"n": i}, indent=False, font=FONT_HEADING)
            _para(doc, title, align="center", font=FONT_TITLE, size=18)
            if rows:
                _table(doc, headers, rows, size=9)
            else:
                _para(doc, _("无。"), indent=False)
        # 版记: 报送 and 抄送 between two rules, on the last page.
        _para(doc)
        send = _para(doc, _("报送：%(t)s") % {"t": ctx["send_to"]}, indent=False, size=14)
        _border(send, side="top", color="000000", size="8")
        copy = _para(doc, _("抄送：%(t)s") % {"t": ctx["copy_to"]}, indent=False, size=14)
        _border(copy, side="bottom", color="000000", size="8")
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
