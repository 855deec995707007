"""The one spreadsheet reader (issue 13 item 2): the header among the first 10 rows by its names
and aliases, title/section/note rows skipped, merged cells filled, the named sheet or the first
with the header, rows numbered as in the file."""

import io

import pytest
from openpyxl import Workbook

from chuangcheng.tabular import ImportErrors, read_table

COLUMNS = {
    "title": ["任务名称", "工作任务"],
    "unit": ["责任单位"],
    "deadline": ["完成时限", "时限要求", "完成时间"],
    "note": ["备注"],
}


def xlsx(build):
    wb = Workbook()
    build(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_header_is_found_below_a_merged_title_and_rows_keep_their_numbers():
    def build(wb):
        ws = wb.active
        ws.append(["2027年重点任务分解表"])
        ws.merge_cells("A1:D1")
        ws.append(["（市创建办，2026年12月）"])
        ws.append([])
        ws.append(["序号", "工作任务", "责任\n单位", "时限要求（年月日）"])
        ws.append(["1", "主次干道整治", "城管局", "2027年1月底前"])
        ws.append(["一、市容环境"])
        ws.merge_cells("A6:D6")  # a section row
        ws.append(["2", "背街小巷整治", "住建局", "年底前"])
        ws.append(["3", "农贸市场", None, "3月底前"])
        ws.merge_cells("C7:C8")  # one unit written once for two rows
        ws.append(["序号", "工作任务", "责任单位", "时限要求"])  # the header again (a new page)
        ws.append([])
        ws.append(["填表说明：时限写到月底。"])

    table = read_table(xlsx(build), columns=COLUMNS, required=["title", "unit", "deadline"], filename="t.xlsx")
    assert [r.line for r in table] == [5, 7, 8]
    assert [r.get("unit") for r in table] == ["城管局", "住建局", "住建局"]  # the merge filled down
    assert table.header_line == 4 and table.headers["deadline"] == "时限要求（年月日）"
    assert [line for line, _text in table.ignored] == [1, 2, 6, 9, 11]


def test_the_named_sheet_or_the_first_sheet_with_the_header():
    def build(wb):
        wb.active.title = "说明"
        wb.active.append(["本表用于……"])
        data = wb.create_sheet("任务")
        data.append(["任务名称", "责任单位", "完成时间"])
        data.append(["甲", "乙", "2027-01-01"])
        other = wb.create_sheet("附表")
        other.append(["任务名称", "责任单位", "完成时间"])
        other.append(["丙", "丁", "2027-02-01"])

    data = xlsx(build)
    first = read_table(data, columns=COLUMNS, required=["title"], filename="t.xlsx")
    assert (first.sheet, first[0].get("title")) == ("任务", "甲")
    named = read_table(data, columns=COLUMNS, required=["title"], filename="t.xlsx", sheet="附表")
    assert named[0].get("title") == "丙"
    with pytest.raises(ImportErrors, match="没有名为“汇总”的工作表"):
        read_table(data, columns=COLUMNS, required=["title"], filename="t.xlsx", sheet="汇总")


def test_csv_in_gbk_with_a_title_line_and_a_missing_header_named():
    text = "2027年任务清单\n任务名称,责任单位,完成时限\n甲,乙,2027-01-01\n".encode("gb18030")
    table = read_table(text, columns=COLUMNS, required=["title", "unit"], filename="t.csv")
    assert [(r.line, r.get("title")) for r in table] == [(3, "甲")]
    with pytest.raises(ImportErrors) as exc:
        read_table("标题\n名称,单位\n甲,乙\n".encode(), columns=COLUMNS, required=["title"], filename="t.csv")
    assert "表头缺少列：任务名称" in str(exc.value)


def test_old_office_formats_are_refused_with_what_to_do():
    with pytest.raises(ImportErrors, match="另存为 .xlsx"):
        read_table(b"\xd0\xcf\x11\xe0", columns=COLUMNS, required=["title"], filename="老表.xls")
