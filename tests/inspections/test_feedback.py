"""上级反馈 lists in, 整改情况报告 out (issue 13): an xlsx of 10 problems with 10 embedded
photos becomes one 上级反馈 inspection (its source file kept) with 10 dispatched issues, each
with its photo; after two are rectified the report has 10 rows in the received order with the
before/after photos that exist (opened with python-docx and openpyxl, images counted)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from chuangcheng.tabular import ImportErrors
from inspections import services
from inspections.feedback import feedback_import, plan_feedback
from inspections.feedback_report import report_docx, report_xlsx
from inspections.models import Inspection, InspectionKind, Issue, IssueSource, IssueState, PhotoKind
from tests.fixtures import builders
from tests.inspections.conftest import upload

pytestmark = pytest.mark.django_db


def deadline_text(days=30):
    day = timezone.localdate() + dt.timedelta(days=days)
    return f"{day.year}年{day.month}月{day.day}日", day


def rows(count=10):
    text, _day = deadline_text()
    return builders.feedback_rows(count, district="甲区/甲一街道", categories=("暴露垃圾", "门前三包"), deadline=text)


def blips(cells):
    return sum(len(cell._tc.xpath(".//a:blip")) for cell in cells)


def test_ten_rows_with_ten_photos_become_ten_dispatched_issues_and_the_report_goes_back(
    tmp_path, campaign, categories, units, people
):
    path = builders.feedback_xlsx(tmp_path / "暗访反馈问题清单.xlsx", rows())
    plan = plan_feedback(path.read_bytes(), campaign=campaign, filename=path.name)
    assert len(plan.rows) == 10 and plan.photo_count == 10
    assert all(len(r.photos) == 1 for r in plan.rows)  # each photo matched to its own row
    assert {r.unit for r in plan.rows} == {units.street_a1} and {r.unit_how for r in plan.rows} == {"suggested"}
    data = path.read_bytes()
    _plan, inspection = feedback_import(
        data, data=data, actor=people.supervisor, campaign=campaign, filename=path.name, summary="省第3批"
    )
    assert inspection.kind == InspectionKind.HIGHER_FEEDBACK and inspection.source_name == path.name
    with inspection.source_document.open("rb") as kept:
        assert kept.read() == data  # the source document, as received
    issues = list(Issue.objects.filter(inspection=inspection).order_by("feedback_order"))
    assert len(issues) == 10
    assert [i.feedback_number for i in issues] == [str(n) for n in range(1, 11)]
    _text, day = deadline_text()
    for issue in issues:
        assert issue.source == IssueSource.HIGHER and issue.state == IssueState.ASSIGNED
        assert issue.responsible_unit == units.street_a1
        assert timezone.localtime(issue.rectification_deadline).date() == day
        assert issue.photos.filter(kind=PhotoKind.BEFORE).count() == 1
    # The photos are the rows' own (each picture differs): no two issues share one.
    assert len({i.photos.get().sha256 for i in issues}) == 10

    # Two are rectified: the 3rd verified and closed, the 7th submitted.
    for number, verify in ((3, True), (7, False)):
        issue = issues[number - 1]
        services.issue_sign(actor=people.staff, issue_id=issue.pk)
        services.issue_submit(
            actor=people.staff, issue_id=issue.pk, measures=f"已清理（{number}）", photos=[upload(500 + number)]
        )
        if verify:
            services.issue_verify(actor=people.supervisor, issue_id=issue.pk)

    document = Document(io.BytesIO(report_docx(inspection)))
    table = document.tables[0]
    assert len(table.rows) == 11  # the header and the 10 problems
    assert len(document.inline_shapes) == 12  # 10 before + 2 after
    body = table.rows[1:]
    assert [r.cells[0].text for r in body] == [str(n) for n in range(1, 11)]  # received order
    assert [blips(r.cells[5:6]) for r in body] == [1] * 10
    assert [blips(r.cells[6:7]) for r in body] == [0, 0, 1, 0, 0, 0, 1, 0, 0, 0]  # side by side
    assert body[2].cells[3].text == "已清理（3）" and body[2].cells[7].text == "已销号"
    assert body[6].cells[7].text == "待核查" and body[0].cells[7].text == "已交办"
    assert body[0].cells[2].text == "甲一街道办事处"

    sheet = load_workbook(io.BytesIO(report_xlsx(inspection))).worksheets[0]
    assert len(sheet._images) == 12
    assert [sheet.cell(row=r, column=1).value for r in range(3, 13)] == [str(n) for n in range(1, 11)]
    after_rows = {img.anchor._from.row + 1 for img in sheet._images if img.anchor._from.col == 6}
    assert after_rows == {5, 9}  # 整改后 of problems 3 and 7


def test_the_pages_preview_dispatch_in_one_step_and_download_the_report(
    tmp_path, campaign, categories, units, people, client
):
    client.force_login(people.supervisor)
    path = builders.feedback_xlsx(tmp_path / "反馈.xlsx", rows())
    with path.open("rb") as handle:
        response = client.post(
            reverse("imports:upload", args=["feedback"]),
            {"campaign": campaign.pk, "file": handle, "summary": "省第3批", "dispatch": "on"},
            follow=True,
        )
    page = response.content.decode()
    assert page.count('data-testid="preview-row"') == 10 and page.count('src="data:image/jpeg;base64,') == 10
    assert "甲一街道办事处" in page and not Issue.objects.exists()
    response = client.post(response.redirect_chain[-1][0] + "confirm/", follow=True)
    inspection = Inspection.objects.get()
    assert f'href="/inspections/{inspection.pk}/"' in response.content.decode()
    assert Issue.objects.filter(state=IssueState.ASSIGNED).count() == 10
    detail = client.get(reverse("inspections:inspection_detail", args=[inspection.pk])).content.decode()
    assert 'data-testid="report-docx"' in detail and 'data-testid="source-document"' in detail
    docx = client.get(reverse("inspections:inspection_report_docx", args=[inspection.pk]))
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert len(Document(io.BytesIO(docx.content)).tables[0].rows) == 11
    source = client.get(reverse("inspections:inspection_source", args=[inspection.pk]))
    assert b"".join(source.streaming_content) == path.read_bytes()
    client.force_login(people.staff_b)  # another street's clerk sees none of it
    assert client.get(reverse("inspections:inspection_report_docx", args=[inspection.pk])).status_code == 404
    client.force_login(people.staff)
    assert client.get(reverse("imports:upload", args=["feedback"])).status_code == 403


def test_a_word_table_with_photos_imports_too(tmp_path, campaign, categories, units, people):
    path = builders.feedback_docx(tmp_path / "反馈.docx", rows(3))
    plan = plan_feedback(path.read_bytes(), campaign=campaign, filename=path.name)
    assert [len(r.photos) for r in plan.rows] == [1, 1, 1]
    assert [r.line for r in plan.rows] == [2, 3, 4]  # rows of the Word table


def test_bad_rows_are_named_with_the_closest_names_and_nothing_is_written(tmp_path, campaign, categories, people):
    bad = rows(3)
    bad[0][4] = "暴露的垃圾"  # not a category name
    bad[1][3] = "丙区"  # not a region of the campaign
    bad[2][6] = "2020年1月1日"  # long past
    path = builders.feedback_xlsx(tmp_path / "bad.xlsx", bad)
    with pytest.raises(ImportErrors) as exc:
        feedback_import(path, actor=people.supervisor, campaign=campaign, filename=path.name)
    errors = dict(exc.value.errors)
    assert "暴露的垃圾" in errors[3] and "暴露垃圾" in errors[3]
    assert "丙区" in errors[4] and "甲区" in errors[4]
    assert "已过" in errors[5]
    assert not Inspection.objects.exists() and not Issue.objects.exists()
