"""The briefing's tables as an Excel workbook (openpyxl), one sheet each, 概况 first."""

import io

from django.utils import translation
from django.utils.translation import gettext as _

from .context import attachment_tables, briefing_context, definition_rows, distribution_tables


def briefing_xlsx(briefing):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from chuangcheng.xlsx import append_row

    with translation.override("zh-hans"):
        ctx = briefing_context(briefing)
        content = ctx["content"]
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("概况")
        if ctx["draft"]:
            append_row(sheet, [_("草稿"), _("未发布，无文号；发布后以正式文本为准")])
        append_row(sheet, [ctx["document_number_text"], briefing.title])
        append_row(sheet, [_("统计期"), ctx["period_text"]])
        append_row(sheet, [_("数据时间"), ctx["as_of_text"]])
        append_row(sheet, [_("摘要"), content["summary"]])
        append_row(sheet, [])
        append_row(sheet, [_("指标"), _("本期"), _("上期"), _("计算公式"), _("计算口径"), _("统计期")])
        for line in ctx["figure_lines"]:
            d = line["definition"]
            append_row(sheet, [line["label"], line["value"], line["previous"], d["formula"], d["counts"], d["period"]])
        ranking_rows = [[g["label"], *c] for g in ctx["ranking"] for c in g["cells"]]
        ranking_rows += [
            [g["label"], "", u["name"], _("不参与排名（样本不足）")]
            for g in ctx["ranking"]
            for u in g["unranked_lines"]
        ]
        tables = [
            (_("单位排名"), [_("类别"), *ctx["rank_headers"]], ranking_rows),
            (_("各区域"), ctx["region_headers"], ctx["region_cells"]),
            (_("评分规则"), [_("说明")], [[line] for line in ctx["scoring_note"]]),
            *[(title.strip("（）一二、"), headers, rows) for title, headers, rows in distribution_tables(content)],
            *attachment_tables(ctx),
            (_("指标定义"), [_("指标"), _("计算公式"), _("计算口径"), _("统计期")], definition_rows(content)),
        ]
        for title, headers, rows in tables:
            ws = workbook.create_sheet(title[:31])
            append_row(ws, headers)
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in rows:
                append_row(ws, row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
