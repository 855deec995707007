"""The ledger's round trip in a real browser: a street clerk reports and submits from a phone, a
district supervisor returns it with a reason from a desktop, the clerk sees the reason and
resubmits, the supervisor accepts; the ledger and the task's timeline show every step."""

import re

import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo_tasks import demo_png
from tasks.models import Task, TaskAttachment
from tests.e2e.conftest import DESKTOP, PHONE, assert_fits, sign_in
from tests.factories import IndicatorFactory, StandardFactory, TaskFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIME = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$")  # times for people, never ISO


def open_report(card):
    """Open a 我的待办 card's 报送进度 form once the page's late requests are in: 我的待办 loads its
    sections and the badge after the page, and a tap aimed before that could land beside the
    button (a CI run's form never opened)."""
    card.page.wait_for_load_state("networkidle")
    card.get_by_test_id("open-report").click()
    expect(card.get_by_test_id("form-report")).to_be_visible()


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "现场照片.png"
    path.write_bytes(demo_png(7))
    return path


@pytest.fixture
def street_task(campaign, units, city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    standard = StandardFactory(name="国家卫生城市标准")
    campaign.standards.add(standard)
    task = TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        lead_unit=units.gov_a,
        region=city.a1,
        title="背街小巷环境卫生整治",
        completion_standard="路面无积存垃圾、无乱堆乱放、无乱贴乱画",
        contact_name="刘经办",
        contact_phone="13700000001",
    )
    task.indicators.add(IndicatorFactory(standard=standard, code="3.2", name="背街小巷整洁"))
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.a1, title="辖区公厕保洁管理")
    return task


def test_report_submit_return_resubmit_accept(new_page, page_log, people, street_task, photo, screenshot):
    task_url = f"/tasks/{street_task.pk}/"

    # The clerk, on a phone: 我的待办 → report 60% with a photo.
    clerk = new_page(viewport=PHONE)
    sign_in(clerk, people.staff.username, "/")
    clerk.get_by_test_id("main-nav").get_by_role("link", name="我的待办").click()
    expect(clerk).to_have_url(re.compile(r"/tasks/mine/$"))
    card = clerk.locator(f"#task-{street_task.pk}")
    expect(card.get_by_test_id("task-title")).to_have_text("背街小巷环境卫生整治")
    expect(card.get_by_test_id("state")).to_have_text("未开始")
    screenshot(clerk, "my-work-phone")
    assert_fits(clerk, PHONE["width"])

    open_report(card)
    form = card.get_by_test_id("form-report")
    expect(form).to_be_visible()
    form.get_by_label("完成进度（%）").fill("60")
    form.get_by_label("进展情况").fill("已清理3条小巷的积存垃圾")
    form.locator("input[name=files]").set_input_files(str(photo))
    screenshot(clerk, "my-work-report-form-phone")
    assert_fits(clerk, PHONE["width"])
    form.get_by_role("button", name="报送").click()
    card = clerk.locator(f"#task-{street_task.pk}")
    expect(card.get_by_test_id("card-notice")).to_have_text("已报送进度：60%。")
    expect(card.get_by_test_id("progress-value")).to_have_text("60%")
    expect(card.get_by_test_id("state")).to_have_text("推进中")

    # … then submits with a photo.
    card.get_by_test_id("open-submit").click()
    form = card.get_by_test_id("form-submit")
    form.get_by_label("完成情况说明").fill("全部整改到位，附整改后照片")
    form.locator("input[name=files]").set_input_files(str(photo))
    form.get_by_role("button", name="提交验收").click()
    expect(card.get_by_test_id("state")).to_have_text("待验收")
    expect(card.get_by_test_id("card-notice")).to_have_text("已提交验收，等待牵头单位或督查员验收。")
    expect(clerk.get_by_test_id("my-work-summary")).to_have_text(
        "本单位任务：未完成 2 项 · 超期 0 项 · 已提交待验收 1 项"
    )
    screenshot(clerk, "my-work-submitted-phone")
    assert TaskAttachment.objects.filter(task=street_task).count() == 2

    # The district supervisor, on a desktop: ledger → task page → return with a reason.
    supervisor = new_page(viewport=DESKTOP)
    sign_in(supervisor, people.district_supervisor.username, "/tasks/")
    row = supervisor.locator(f"[data-testid=ledger-row][data-task='{street_task.pk}']")
    expect(row.get_by_test_id("state")).to_have_text("待验收")
    row.get_by_test_id("task-title").click()
    expect(supervisor).to_have_url(re.compile(re.escape(task_url) + "$"))
    expect(supervisor.get_by_test_id("thumb")).to_have_count(2)
    supervisor.get_by_test_id("action-return").click()
    supervisor.get_by_test_id("form-return").get_by_label("退回原因").fill("缺少整改前的对比照片，请补充")
    screenshot(supervisor, "task-return-desktop")
    supervisor.get_by_test_id("form-return").get_by_role("button", name="退回").click()
    expect(supervisor.get_by_role("alert").first).to_contain_text("已退回")
    expect(supervisor.get_by_test_id("state")).to_have_text("推进中")

    # The clerk follows the bell to the task and reads the reason, then resubmits.
    clerk.goto("/tasks/mine/")
    expect(clerk.get_by_test_id("bell-count")).to_be_visible()
    clerk.get_by_test_id("bell").click()
    clerk.get_by_test_id("notice").filter(has_text="任务被退回").first.click()
    expect(clerk).to_have_url(re.compile(re.escape(task_url) + "$"))
    expect(clerk.get_by_test_id("return-reason")).to_contain_text("缺少整改前的对比照片，请补充")
    expect(clerk.get_by_test_id("timeline-return")).to_have_text("退回原因：缺少整改前的对比照片，请补充")
    screenshot(clerk, "task-returned-phone")
    assert_fits(clerk, PHONE["width"])
    clerk.get_by_test_id("action-submit").click()
    form = clerk.get_by_test_id("form-submit")
    form.get_by_label("完成情况说明").fill("已补充整改前后对比照片")
    form.locator("input[name=files]").set_input_files(str(photo))
    form.get_by_role("button", name="提交验收").click()
    expect(clerk.get_by_role("alert").first).to_contain_text("已提交验收")
    expect(clerk.get_by_test_id("state")).to_have_text("待验收")
    expect(clerk.get_by_test_id("return-reason")).to_have_count(0)

    # The supervisor accepts; the ledger shows it done.
    supervisor.goto(task_url)
    supervisor.get_by_test_id("action-accept").click()
    supervisor.get_by_test_id("form-accept").get_by_role("button", name="验收通过").click()
    expect(supervisor.get_by_test_id("state")).to_have_text("已完成")
    assert Task.objects.get(pk=street_task.pk).state == "done"
    supervisor.get_by_test_id("main-nav").get_by_role("link", name="任务台账").click()
    supervisor.get_by_test_id("chip-done").click()
    row = supervisor.locator(f"[data-testid=ledger-row][data-task='{street_task.pk}']")
    expect(row.get_by_test_id("state")).to_have_text("已完成")
    screenshot(supervisor, "ledger-desktop")
    assert_fits(supervisor, DESKTOP["width"])

    # The timeline: every step, with who and when.
    supervisor.goto(task_url)
    entries = supervisor.get_by_test_id("timeline-entry")
    expect(entries.get_by_test_id("timeline-action")).to_have_text(
        ["报送进度", "提交验收", "退回", "提交验收", "验收通过"]
    )
    staff, reviewer = people.staff.username, people.district_supervisor.username
    expect(entries.get_by_test_id("timeline-actor")).to_have_text([staff, staff, reviewer, staff, reviewer])
    for text in entries.get_by_test_id("timeline-time").all_inner_texts():
        assert TIME.match(text), text
    screenshot(supervisor, "task-timeline-desktop")
    clerk.goto(task_url)
    expect(clerk.get_by_test_id("state")).to_have_text("已完成")
    screenshot(clerk, "task-done-phone")
    assert_fits(clerk, PHONE["width"])
    page_log.assert_clean()


def test_refusals_show_in_the_card_on_a_phone(new_page, page_log, people, street_task, photo, screenshot):
    clerk = new_page(viewport=PHONE)
    sign_in(clerk, people.staff.username, "/tasks/mine/")
    card = clerk.locator(f"#task-{street_task.pk}")
    open_report(card)
    form = card.get_by_test_id("form-report")
    form.get_by_label("完成进度（%）").fill("150")
    form.get_by_label("进展情况").fill("超额完成")
    form.get_by_role("button", name="报送").click()
    expect(card.get_by_test_id("error-progress")).to_have_text("完成进度应为 0 到 100 之间的整数。")
    card.get_by_test_id("form-report").get_by_label("完成进度（%）").fill("20")
    card.get_by_test_id("form-report").locator("input[name=files]").set_input_files(
        files=[{"name": "evil.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00" + b"\x00" * 64}]
    )
    card.get_by_test_id("form-report").get_by_role("button", name="报送").click()
    expect(card.get_by_test_id("error-files")).to_contain_text("不是允许的类型")
    screenshot(clerk, "my-work-refused-phone")
    assert Task.objects.get(pk=street_task.pk).progress == 0
    # Cancel closes the form.
    card.get_by_role("button", name="取消").click()
    expect(card.get_by_test_id("form-report")).to_have_count(0)
    page_log.errors = [e for e in page_log.errors if "400" not in e]  # the refusals answer 400
    page_log.assert_clean()


def test_a_lower_percent_is_asked_about_in_the_browser_and_the_photo_goes_with_it(
    new_page, page_log, people, street_task, photo
):
    """60 % reported, then 30 % with a photo: the browser asks first (the photo chosen is still
    there to send); no leaves everything as it was, yes reports 30 % with the photo."""
    from tasks import services

    services.task_report(actor=people.staff, task_id=street_task.pk, progress=60, note="已清理3条小巷")
    clerk = new_page(viewport=PHONE)
    sign_in(clerk, people.staff.username, "/tasks/mine/")
    card = clerk.locator(f"#task-{street_task.pk}")
    open_report(card)
    form = card.get_by_test_id("form-report")
    form.get_by_label("完成进度（%）").fill("30")
    form.get_by_label("进展情况").fill("更正：实际完成 30%")
    form.locator("input[name=files]").set_input_files(str(photo))
    asked = []
    clerk.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    form.get_by_role("button", name="报送").click()
    expect(form).to_be_visible()
    assert asked == ["比上次报送的 60% 低，确认下调进度吗？"]
    assert Task.objects.get(pk=street_task.pk).progress == 60
    clerk.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="报送").click()
    expect(card.get_by_test_id("card-notice")).to_have_text("已报送进度：30%。")
    task = Task.objects.get(pk=street_task.pk)
    assert task.progress == 30 and TaskAttachment.objects.filter(task=task, update__isnull=False).count() == 1
    page_log.assert_clean()


def test_a_supervisor_decomposes_on_a_phone_by_ticking_units_found_by_name(
    new_page, page_log, people, campaign, units, city, screenshot
):
    """任务分解 lists the units as ticks with a name filter (a long <select multiple> hid what was
    chosen and wanted Ctrl-click): typing narrows the list, the ticked unit stays in sight when the
    filter changes, the count follows, Enter in the filter does not send the form."""
    task = TaskFactory(campaign=campaign, owner_unit=units.gov_a, region=city.a, title="全区主次干道整治")
    supervisor = new_page(viewport=PHONE)
    sign_in(supervisor, people.supervisor.username, f"/tasks/{task.pk}/")
    supervisor.get_by_test_id("action-decompose").click()
    form = supervisor.get_by_test_id("form-decompose")
    search = form.get_by_label("分解到以下责任单位（可多选）")
    # By an abbreviation's characters in order, and by the parent unit's name (a district's streets).
    search.fill("区政府")
    expect(form.locator("[data-ticklist-option]:visible [data-name]")).to_have_text(["乙区人民政府", "甲区人民政府"])
    search.fill("甲区")
    expect(form.locator("[data-ticklist-option]:visible [data-name]")).to_have_text(["甲区人民政府", "甲一街道办事处"])
    search.fill("甲一")
    expect(form.locator("[data-ticklist-option]:visible")).to_have_count(1)
    form.get_by_label("甲一街道办事处").check()
    expect(form.locator("[data-ticklist-count]")).to_have_text("1")
    expect(form.locator("[data-ticklist-chosen]")).to_have_text("：甲一街道办事处")
    search.fill("不存在")
    expect(form.locator("[data-ticklist-option]:visible [data-name]")).to_have_text(["甲一街道办事处"])
    search.press("Enter")
    assert not Task.objects.filter(parent=task).exists()
    search.fill("")
    screenshot(supervisor, "decompose-phone")
    assert_fits(supervisor, PHONE["width"])
    form.get_by_role("button", name="分解任务").click()
    expect(supervisor.get_by_text("已分解为 1 个子任务。")).to_be_visible()
    assert list(Task.objects.filter(parent=task).values_list("owner_unit__name", flat=True)) == ["甲一街道办事处"]
    page_log.assert_clean()


def test_the_language_switch_on_a_refused_split_goes_back_to_the_task(
    new_page, people, campaign, units, city, screenshot
):
    """A refused 任务分解 is shown at its POST-only address; the switch there (once refused, or
    twice) goes back to the task page in the other language — the page's script had put that
    address back in and the browser showed a bare 405."""
    task = TaskFactory(campaign=campaign, owner_unit=units.gov_a, region=city.a, title="全区主次干道整治")
    supervisor = new_page(viewport=PHONE)
    sign_in(supervisor, people.supervisor.username, f"/tasks/{task.pk}/")
    for refusals in (1, 2):
        if refusals == 1:
            supervisor.get_by_test_id("action-decompose").click()
        supervisor.get_by_test_id("form-decompose").get_by_role("button", name="分解任务").click()
        expect(supervisor.get_by_text("请至少选择一个责任单位。")).to_be_visible()
        assert supervisor.url.endswith(f"/tasks/{task.pk}/decompose/")
    supervisor.locator("button[name=language][value=en]").click()
    expect(supervisor.get_by_test_id("action-decompose")).to_be_visible()
    assert supervisor.url.endswith(f"/tasks/{task.pk}/")
    expect(supervisor.locator("html")).to_have_attribute("lang", "en")
    screenshot(supervisor, "refused-split-then-english")
    assert not Task.objects.filter(parent=task).exists()
