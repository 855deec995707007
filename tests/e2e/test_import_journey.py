"""The import pages in a real browser: a supervisor uploads a 任务分解表 with one unknown leader
(the preview names that row), fixes it, checks the preview on a phone and a desktop and
confirms; an 上级反馈 list with embedded photos is previewed with its photos and dispatched in one
step, and the inspection page offers the 整改情况报告; a large file shows its progress."""

import dataclasses
import re

import pytest
from playwright.sync_api import expect

from chuangcheng.imports import jobs, registry
from inspections.models import Inspection, Issue
from tasks.models import Task
from tests.e2e.conftest import DESKTOP, PHONE, assert_fits, sign_in
from tests.fixtures import builders, world
from tests.inspections.factories import IssueCategoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def zz(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    built = world.build()
    IssueCategoryFactory(code="CC05", kind="campaign", major="创建专项", name="暴露垃圾", time_limit_hours=4)
    IssueCategoryFactory(
        code="CC01", kind="campaign", major="创建专项", name="公益广告", time_limit_hours=None, time_limit_days=3
    )
    return built


def upload(page, kind, path, **fields):
    page.goto(f"/imports/{kind}/")
    for label, value in fields.items():
        page.get_by_label(label).select_option(label=value)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_test_id("import-check").click()


def test_task_table_preview_fix_and_confirm(new_page, page_log, zz, tmp_path, screenshot):
    desk = new_page(viewport=DESKTOP)
    sign_in(desk, zz.supervisor.username, "/")
    desk.get_by_test_id("nav-imports").click()
    expect(desk).to_have_url(re.compile(r"/imports/$"))
    screenshot(desk, "imports-index-desktop")
    upload(desk, "tasks", builders.task_table_xlsx(tmp_path / "分解表（有误）.xlsx"), 创建活动=zz.campaign.name)
    errors = desk.get_by_test_id("import-error")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("第 16 行")
    expect(errors.first).to_contain_text("王建华")
    screenshot(desk, "import-tasks-error-desktop")

    rows = [list(r) for r in builders.TASK_ROWS]
    rows[builders.UNKNOWN_LEADER_ROW - 1][6] = "王建国"
    fixed = builders.task_table_xlsx(tmp_path / "重点任务分解表.xlsx", rows=rows)
    upload(desk, "tasks", fixed, 创建活动=zz.campaign.name)
    expect(desk.get_by_test_id("preview-row")).to_have_count(20)
    expect(desk.get_by_test_id("import-summary")).to_contain_text("新建任务 28 个")
    expect(desk.get_by_test_id("import-inferred")).to_contain_text("住建局 → 郑州市住房和城乡建设局")
    screenshot(desk, "import-tasks-preview-desktop")
    batch_url = desk.url

    phone = new_page(viewport=PHONE)
    sign_in(phone, zz.supervisor.username, "/")
    phone.goto(batch_url)
    expect(phone.get_by_test_id("preview-row")).to_have_count(20)
    assert_fits(phone, PHONE["width"])
    screenshot(phone, "import-tasks-preview-phone")

    desk.get_by_test_id("import-confirm").click()
    expect(desk.get_by_test_id("import-done")).to_contain_text("新建任务 28 个")
    screenshot(desk, "import-tasks-done-desktop")
    assert Task.objects.count() == 28
    phone.reload()  # the same batch, confirmed: no second import from a stale tab
    expect(phone.get_by_test_id("import-done")).to_be_visible()
    expect(phone.get_by_test_id("import-confirm")).to_have_count(0)
    page_log.assert_clean()


def test_feedback_list_with_photos_is_dispatched_and_reported(new_page, page_log, zz, tmp_path, screenshot):
    path = builders.feedback_xlsx(tmp_path / "省暗访反馈问题清单（第3批）.xlsx", builders.feedback_rows(10))
    desk = new_page(viewport=DESKTOP)
    sign_in(desk, zz.supervisor.username, "/")
    desk.goto("/inspections/")
    desk.get_by_test_id("import-feedback").click()
    upload(desk, "feedback", path, 创建活动=zz.campaign.name)
    expect(desk.get_by_test_id("preview-row")).to_have_count(10)
    expect(desk.locator("img.app-import-thumb")).to_have_count(10)
    screenshot(desk, "import-feedback-preview-desktop")
    phone = new_page(viewport=PHONE)
    sign_in(phone, zz.supervisor.username, "/")
    phone.goto(desk.url)
    assert_fits(phone, PHONE["width"])
    screenshot(phone, "import-feedback-preview-phone")
    desk.get_by_test_id("import-confirm").click()
    desk.get_by_test_id("import-next").click()
    inspection = Inspection.objects.get()
    expect(desk).to_have_url(re.compile(rf"/inspections/{inspection.pk}/$"))
    expect(desk.get_by_test_id("issue-row")).to_have_count(10)
    expect(desk.get_by_test_id("report-docx")).to_be_visible()
    screenshot(desk, "feedback-inspection-desktop")
    with desk.expect_download() as download:
        desk.get_by_test_id("report-docx").click()
    assert download.value.suggested_filename.endswith(".docx")
    assert Issue.objects.filter(state="assigned").count() == 10
    phone.goto(f"/inspections/{inspection.pk}/")
    assert_fits(phone, PHONE["width"])
    screenshot(phone, "feedback-inspection-phone")
    page_log.assert_clean()


def test_a_large_file_shows_its_progress(new_page, page_log, zz, tmp_path, screenshot, monkeypatch):
    importer = registry.get("tasks")
    monkeypatch.setitem(registry._importers, "tasks", dataclasses.replace(importer, background_rows=5))
    monkeypatch.setattr(jobs.run_batch, "apply_async", lambda args, **kw: None)  # the worker is "busy"
    rows = [list(r) for r in builders.TASK_ROWS]
    rows[builders.UNKNOWN_LEADER_ROW - 1][6] = "王建国"
    page = new_page(viewport=PHONE)
    sign_in(page, zz.supervisor.username, "/")
    upload(page, "tasks", builders.task_table_xlsx(tmp_path / "大表.xlsx", rows=rows), 创建活动=zz.campaign.name)
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-progress")).to_have_text("0 / 20 行")
    screenshot(page, "import-progress-phone")
    jobs.run_batch(int(re.search(r"/batches/(\d+)/", page.url).group(1)))
    expect(page.get_by_test_id("import-done")).to_be_visible(timeout=15_000)  # the poll reloads the page
    page_log.assert_clean()
