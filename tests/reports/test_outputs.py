"""The briefing's files: Word in official-document layout (A4, the PDF's sections, page numbers,
报送/抄送), a PDF whose Chinese is real text, the Excel tables; drafts marked as drafts on every
file; and a plain answer when this server cannot make a PDF."""

import io
import re

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from chuangcheng.reports import briefings, outputs
from chuangcheng.reports.briefings import briefing_build, briefing_publish
from chuangcheng.reports.outputs import SECTIONS


@pytest.fixture
def draft(campaign, world, units, city):
    import datetime as dt

    from tests.factories import TaskFactory

    for n in range(2):  # due next week, without a ledger number of their own
        TaskFactory(
            campaign=campaign, owner_unit=units.street_a1, region=city.a1, title=f"下周任务{n}", number="",
            start_date=world.monday, deadline=world.sunday + dt.timedelta(days=3),
        )  # fmt: skip
    return briefing_build(campaign=campaign, kind="weekly", day=world.monday)[0]


@pytest.fixture
def briefing(draft, people):
    return briefing_publish(
        actor=people.supervisor, briefing_id=draft.pk, requirements="一是立即整改超期问题。\n二是加强巡查。"
    )


def pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def compact(text):
    return text.replace(" ", "").replace("\n", "")


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
    assert "统计期：" + outputs.briefing_context(briefing)["period_text"] in texts  # its own line, no scope glued on
    assert briefing.summary in texts
    assert "一是立即整改超期问题。\n二是加强巡查。" in texts
    assert "附件：" in texts
    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "名次")
    assert [r.cells[1].text for r in ranking.rows[1:]] == ["乙一街道办事处", "甲一街道办事处"]
    assert [c.text for c in ranking.rows[0].cells[:4]] == ["名次", "单位", "综合得分", "红黑旗"]  # no scrolling
    assert [r.cells[3].text for r in ranking.rows[1:]] == ["红旗", "黑旗"]


def test_docx_is_a4_with_page_numbers_and_the_banji(briefing):
    doc = Document(io.BytesIO(outputs.briefing_docx(briefing)))
    for section in doc.sections:  # portrait, then the landscape ranking, then portrait again
        sides = sorted([section.page_width, section.page_height])
        assert [round(s.mm) for s in sides] == [210, 297]
    assert round(doc.sections[0].page_width.mm) == 210
    assert any(round(s.page_width.mm) == 297 for s in doc.sections)  # the wide ranking
    assert 'w:instr="PAGE"' in doc.sections[0].footer._element.xml
    texts = [p.text for p in doc.paragraphs]
    assert texts[-2].startswith("报送：") and texts[-1].startswith("抄送：")
    tasks = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    assert [row.cells[0].text for row in tasks.rows[1:]] == ["1", "2"]  # 序号, never empty
    assert [row.cells[1].text for row in tasks.rows[1:]] == ["—", "—"]  # no ledger number


def test_word_and_pdf_have_the_same_section_headings(briefing):
    if outputs.pdf_problem():
        pytest.skip(outputs.pdf_problem())
    headings = [str(label) for _key, label in SECTIONS]
    doc = Document(io.BytesIO(outputs.briefing_docx(briefing)))
    word = [p.text for p in doc.paragraphs if p.text in headings]
    assert word == headings
    text = compact(pdf_text(briefings.pdf_bytes(briefing.pk)))
    positions = [text.find(h) for h in headings]
    assert -1 not in positions, dict(zip(headings, positions, strict=True))
    assert positions == sorted(positions)
    body = text[: text.find("附件1")]
    assert body.count("按期销号数÷应销号问题数×100%") == 0  # the formula table is in annex 5 only
    assert text.count("按期销号数÷应销号问题数×100%") == 1


def test_pdf_renders_chinese_text(briefing):
    if outputs.pdf_problem():
        pytest.skip(outputs.pdf_problem())
    data = briefings.pdf_bytes(briefing.pk)
    assert data.startswith(b"%PDF")
    text = compact(pdf_text(data))
    for words in (
        "示范市创建国家卫生城市工作指挥部办公室",
        briefing.document_number,
        "乙一街道办事处",
        "甲一街道办事处",
        "按期销号率",
        "报送：",
        "抄送：",
    ):
        assert words in text
    assert "统计期：" in text and "示范市统计期" not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT", text)
    assert briefings.pdf_bytes(briefing.pk) == data  # rendered once, then kept


def test_a_draft_is_visibly_a_draft_in_every_file(draft):
    doc = Document(io.BytesIO(outputs.briefing_docx(draft)))
    assert "草稿" in doc.sections[0].header.paragraphs[0].text
    assert doc.paragraphs[1].text == "（草稿，发布时编号）"
    workbook = load_workbook(io.BytesIO(outputs.briefing_xlsx(draft)))
    assert workbook["概况"]["A1"].value == "草稿"
    if not outputs.pdf_problem():
        text = compact(pdf_text(briefings.pdf_bytes(draft.pk)))
        assert "草稿" in text and "发布时编号" in text and "创建办周〔" not in text


def test_typical_issues_carry_before_and_after_photos(campaign, world, people, units, city, make_issue):
    """The best closed and the worst open items, with their photos, on the page and in Word."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from inspections.management.commands.seed_demo_issues import demo_jpeg
    from inspections.models import Photo

    before, _thumb, size = demo_jpeg(1)
    after, _thumb, _size = demo_jpeg(2, after=True)
    names = {k: default_storage.save(f"issues/t/{k}.jpg", ContentFile(v)) for k, v in (("b", before), ("a", after))}
    for kind, name in (("before", names["b"]), ("after", names["a"])):
        Photo.objects.create(
            issue=world.on_time, kind=kind, file=name, thumbnail=name, size=1, sha256=kind, original_sha256=kind,
            dhash="0" * 16, width=size[0], height=size[1], created_at=world.on_time.closed_at,
        )  # fmt: skip
    draft = briefing_build(campaign=campaign, kind="weekly", day=world.monday)[0]
    typical = draft.content["typical"]
    assert world.open_overdue.pk in [i["id"] for i in typical["worst"]]
    best = next(i for i in typical["best"] if i["id"] == world.on_time.pk)
    assert set(best["photos"]) == {"before", "after"}
    doc = Document(io.BytesIO(outputs.briefing_docx(draft)))
    assert len(doc.inline_shapes) == 2  # the pair of the on-time issue; the others have no photos


def test_a_reader_of_the_briefing_sees_its_photos_though_not_the_issue(
    client, campaign, world, people, units, city, make_issue
):
    """QA: a district's supervisor opening the city's briefing saw broken images under 典型问题:
    the page linked the issue's photos, served only to those who may open the issue, while
    the PDF they could download carried them. The page serves the briefing's own photos."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.urls import reverse

    from chuangcheng.reports.models import Briefing
    from inspections.management.commands.seed_demo_issues import demo_jpeg
    from inspections.models import Issue, Photo

    data, _thumb, size = demo_jpeg(1)
    name = default_storage.save("issues/t/b.jpg", ContentFile(data))
    photo = Photo.objects.create(
        issue=world.on_time, kind="before", file=name, thumbnail=name, size=1, sha256="b", original_sha256="b",
        dhash="0" * 16, width=size[0], height=size[1], created_at=world.on_time.closed_at,
    )  # fmt: skip
    draft = briefing_build(campaign=campaign, kind="weekly", day=world.monday)[0]
    published = briefing_publish(actor=people.supervisor, briefing_id=draft.pk, requirements="整改。")
    stray = Photo.objects.create(  # the same issue's, added later: not a photo the briefing names
        issue=world.on_time, kind="after", file=name, thumbnail=name, size=1, sha256="c", original_sha256="c",
        dhash="0" * 16, width=size[0], height=size[1], created_at=world.on_time.closed_at,
    )  # fmt: skip
    readers = [
        p
        for p in (people.staff_b, people.district_supervisor, people.cgj_staff, people.head)
        if Briefing.objects.visible_to(p).filter(pk=published.pk).exists()
        and not Issue.objects.visible_to(p).filter(pk=world.on_time.pk).exists()
    ]
    assert readers, "a reader of the briefing who may not open the issue"
    client.force_login(readers[0])
    page = client.get(reverse("reports:detail", args=[published.pk])).content.decode()
    url = reverse("reports:photo", args=[published.pk, photo.pk])
    assert url in page and reverse("inspections:photo", args=[photo.pk]) not in page
    assert client.get(url).status_code == 200
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404  # the issue's stays closed
    content = published.content["typical"]
    named = {p["id"] for g in ("worst", "best") for i in content[g] for p in i.get("photos", {}).values()}
    assert stray.pk not in named
    assert client.get(reverse("reports:photo", args=[published.pk, stray.pk])).status_code == 404
    client.force_login(people.nobody)
    assert client.get(url).status_code == 404


def test_xlsx_has_the_tables(briefing):
    workbook = load_workbook(io.BytesIO(outputs.briefing_xlsx(briefing)))
    assert workbook.sheetnames[:3] == ["概况", "单位排名", "各区域"]
    ranking = list(workbook["单位排名"].iter_rows(values_only=True))
    assert ranking[0][:5] == ("类别", "名次", "单位", "综合得分", "红黑旗")
    assert {row[2] for row in ranking[1:]} >= {"乙一街道办事处", "甲一街道办事处"}
    unranked = [row for row in ranking[1:] if row[2] == "示范市城管局"]
    assert unranked and unranked[0][3] == "不参与排名（样本不足）"
    summary = [row for row in workbook["概况"].iter_rows(values_only=True) if row and row[0] == "按期销号率"]
    assert summary[0][1] == "50.0%（3/6）"
    assert "不晚于整改时限" in summary[0][4]


def test_missing_pdf_engine_is_said_plainly(client, people, briefing, monkeypatch):
    monkeypatch.setattr(outputs, "pdf_problem", lambda: "本服务器缺少中文字体（如 fonts-noto-cjk）")
    client.force_login(people.supervisor)
    page = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert "本服务器缺少中文字体" in page
    assert "download.pdf" not in page
    monkeypatch.setattr(outputs.pdf, "pdf_problem", lambda: "本服务器缺少中文字体（如 fonts-noto-cjk）")
    response = client.get(f"/briefings/{briefing.pk}/download.pdf")
    assert response.status_code == 503
    assert "本服务器缺少中文字体" in response.content.decode()


def test_a_unit_overdue_at_the_periods_end_whose_issues_were_fixed_since_says_so():
    """The count is the figure at the period's end; the list is what is still open when the
    briefing is built — an empty list is explained, not a blank cell (QA)."""
    from django.template.loader import render_to_string

    from chuangcheng.reports.outputs.context import attachment_tables

    content = {
        "overdue_by_unit": [{"unit_id": 1, "unit": "建设路街道办事处", "count": 1, "issues": []}],
        "negative_list": [],
        "recurrences": [],
        "tasks_due_next": {"period_start": "2026-11-30", "period_end": "2026-12-06", "items": []},
    }
    html = render_to_string(
        "reports/partials/_lists.html", {"content": content, "attachments": ["一", "二", "三", "四"]}
    )
    assert "期末超期的问题在通报生成前已整改或提交核查" in html
    overdue = attachment_tables({"content": content, "attachments": ["一", "二", "三", "四"]})[0]
    assert overdue[2][0][2] == "期末超期的问题在通报生成前已整改或提交核查"


def test_the_negative_list_shows_when_each_was_sent_and_counts_the_older_overdue_ones():
    """The figure 负面清单问题 counts those sent in the period; the list goes on with older ones
    still overdue — each row shows when it was sent, and the older ones are counted (QA: 11
    against 15 rows read as a wrong figure)."""
    from django.template.loader import render_to_string

    from chuangcheng.reports.outputs.context import _label_items, attachment_tables

    def item(pk, assigned):
        return {
            "id": pk, "category": "占道经营", "address": "花园路", "region": "", "unit": "某街道",
            "severity": "negative_list", "state": "assigned", "assigned_at": assigned,
            "deadline": assigned, "closed_at": None, "overdue": True,
        }  # fmt: skip

    content = {
        "period": {"start": "2026-11-23", "end": "2026-11-29"},
        "overdue_by_unit": [],
        "negative_list": [item(1, "2026-11-24T09:30+08:00"), item(2, "2026-11-10T10:00+08:00")],
        "recurrences": [],
        "tasks_due_next": {"period_start": "2026-11-30", "period_end": "2026-12-06", "items": []},
    }
    _label_items(content)
    assert content["negative_earlier"] == 1
    html = render_to_string(
        "reports/partials/_lists.html", {"content": content, "attachments": ["一", "二", "三", "四"]}
    )
    assert "交办时间" in html and "其中 1 个为此前交办" in html
    title, headers, rows = attachment_tables({"content": content, "attachments": ["一", "二", "三", "四"]})[1]
    assert headers[4] == "交办时间" and rows[1][4]
