"""The briefing's files: Word in official-document layout, a PDF whose Chinese is real text,
the Excel tables; and a plain answer when this server cannot make a PDF."""

import io

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from chuangcheng.reports import briefings, outputs
from chuangcheng.reports.briefings import briefing_build


@pytest.fixture
def briefing(campaign, world):
    return briefing_build(campaign=campaign, kind="weekly", day=world.monday)[0]


def test_docx_round_trip_has_red_header_number_and_ranking(briefing):
    doc = Document(io.BytesIO(outputs.briefing_docx(briefing)))
    header = doc.paragraphs[0]
    assert header.text == "示范市创建国家卫生城市工作指挥部办公室"
    assert str(header.runs[0].font.color.rgb) == "E00000"
    number = doc.paragraphs[1]
    assert number.text == briefing.document_number
    assert 'w:color="E00000"' in number._p.xml  # the red rule under the number
    texts = [p.text for p in doc.paragraphs]
    assert briefing.title in texts
    assert briefing.summary in texts
    assert "附件：" in texts
    ranking = doc.tables[0]
    assert ranking.rows[0].cells[0].text == "名次"
    assert [r.cells[1].text for r in ranking.rows[1:]] == ["乙一街道办事处", "甲一街道办事处"]
    assert [r.cells[-1].text for r in ranking.rows[1:]] == ["红旗", "黑旗"]


def test_pdf_renders_chinese_text(briefing):
    if outputs.pdf_problem():
        pytest.skip(outputs.pdf_problem())
    data = briefings.pdf_bytes(briefing.pk)
    assert data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    for words in (
        "示范市创建国家卫生城市工作指挥部办公室",
        briefing.document_number,
        "乙一街道办事处",
        "甲一街道办事处",
        "按期销号率",
    ):
        assert words in compact
    assert briefings.pdf_bytes(briefing.pk) == data  # rendered once, then kept


def test_xlsx_has_the_tables(briefing):
    workbook = load_workbook(io.BytesIO(outputs.briefing_xlsx(briefing)))
    assert workbook.sheetnames[:3] == ["概况", "单位排名", "各区域"]
    ranking = list(workbook["单位排名"].iter_rows(values_only=True))
    assert ranking[0][:3] == ("类别", "名次", "单位")
    assert {row[2] for row in ranking[1:]} >= {"乙一街道办事处", "甲一街道办事处", "示范市城管局"}
    summary = [row for row in workbook["概况"].iter_rows(values_only=True) if row and row[0] == "按期销号率"]
    assert summary[0][1] == "50.0%（3/6）"
    assert "不晚于整改时限" in summary[0][4]


def test_missing_pdf_engine_is_said_plainly(client, people, briefing, monkeypatch):
    monkeypatch.setattr(outputs, "pdf_problem", lambda: "本服务器缺少中文字体（如 fonts-noto-cjk）")
    client.force_login(people.supervisor)
    page = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert "本服务器缺少中文字体" in page
    assert "download.pdf" not in page
    response = client.get(f"/briefings/{briefing.pk}/download.pdf")
    assert response.status_code == 503
    assert "本服务器缺少中文字体" in response.content.decode()
