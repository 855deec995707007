"""档案资料 in a real browser: a street clerk uploads two files to a requirement from a phone, the
office's supervisor returns one with a reason and approves the other from a desktop, the clerk
sees the reason and uploads a new version, the supervisor approves it; the 材料完成率 moves on the
completeness page and in the API as each step lands."""

import re

import pytest
from playwright.sync_api import expect

from chuangcheng.campaigns.models import EvaluationMethod
from dossiers import services
from dossiers.demo import demo_docx, demo_pdf
from tests.e2e.conftest import DESKTOP, PHONE, assert_fits, sign_in
from tests.factories import IndicatorFactory, StandardFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def files(tmp_path):
    minutes = tmp_path / "2025年爱卫会会议纪要.pdf"
    minutes.write_bytes(demo_pdf("2025 minutes"))
    signed = tmp_path / "2025年爱卫会会议纪要（含签字页）.pdf"
    signed.write_bytes(demo_pdf("2025 minutes, signed"))
    plan = tmp_path / "2025年爱国卫生工作计划.docx"
    plan.write_bytes(demo_docx("2025年爱国卫生工作计划"))
    return minutes, signed, plan


@pytest.fixture
def requirements(campaign, units, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    standard = StandardFactory(name="国家卫生城市标准")
    campaign.standards.add(standard)
    organisation = IndicatorFactory(standard=standard, code="1", name="爱国卫生组织管理")
    committee = IndicatorFactory(
        standard=standard,
        code="1.2",
        parent=organisation,
        name="爱国卫生工作制度落实",
        method=EvaluationMethod.DOCUMENT,
    )
    jia = services.requirement_create(
        actor=people.supervisor,
        campaign=campaign,
        indicator=committee,
        name="街道爱国卫生工作会议记录",
        units=[units.street_a1],
        year_from=2025,
        year_to=2026,
    )
    services.requirement_create(
        actor=people.supervisor,
        campaign=campaign,
        indicator=committee,
        name="乙区爱卫会成员名单",
        units=[units.street_b1],
    )
    return jia


def _rate(page):
    page.goto("/dossiers/")
    return page.get_by_test_id("completion-rate").inner_text()


def _api_rate(page):
    response = page.request.get("/api/v1/dossiers/completeness/")
    assert response.ok
    return response.json()["totals"]["rate"]


def _material(page, title):
    return page.get_by_test_id("material").filter(
        has=page.get_by_test_id("material-title").get_by_text(title, exact=True)
    )


def test_upload_return_new_version_approve(new_page, page_log, people, requirements, files, screenshot):
    minutes, signed, plan = files
    url = f"/dossiers/requirements/{requirements.pk}/"

    # The clerk, on a phone: 档案资料 → 缺项清单 → the requirement, then two uploads.
    clerk = new_page(viewport=PHONE)
    sign_in(clerk, people.staff.username, "/dossiers/")
    expect(clerk.get_by_test_id("completion-rate")).to_have_text("0.0%")
    clerk.get_by_test_id("tabs").get_by_role("link", name="缺项清单").click()
    clerk.get_by_test_id("requirement-row").filter(has_text="街道爱国卫生工作会议记录").click()
    expect(clerk).to_have_url(re.compile(re.escape(url) + "$"))
    expect(clerk.get_by_test_id("requirement-status")).to_have_text("缺项")
    for path, title in ((minutes, "2025年爱卫会会议纪要"), (plan, "2025年爱国卫生工作计划")):
        form = clerk.get_by_test_id("form-upload")
        form.locator("input[name=file]").set_input_files(str(path))
        form.get_by_label("材料标题").fill(title)
        form.get_by_label("文号").fill("经八爱卫〔2025〕1号")
        form.get_by_role("button", name="上传").click()
        expect(clerk.locator(".alert-success")).to_contain_text(f"已上传“{title}”")
    expect(clerk.get_by_test_id("material")).to_have_count(2)
    expect(clerk.get_by_test_id("requirement-status")).to_have_text("待审")
    screenshot(clerk, "dossier-uploaded-phone")
    assert_fits(clerk, PHONE["width"])

    # The office's supervisor, on a desktop: 0 of 2 approved; returns the minutes, approves the plan.
    office = new_page(viewport=DESKTOP)
    sign_in(office, people.supervisor.username, "/dossiers/")
    expect(office.get_by_test_id("completion-rate")).to_have_text("0.0%")
    assert _api_rate(office) == 0.0
    office.goto(url)
    returned = _material(office, "2025年爱卫会会议纪要")
    returned.get_by_test_id("material-action-return").locator("summary").click()
    returned.get_by_label("退回原因").fill("缺少参会领导签字页，请补充后重新上传")
    returned.get_by_role("button", name="确认退回").click()
    expect(office.locator(".alert-success")).to_contain_text("已退回")
    approved = _material(office, "2025年爱国卫生工作计划")
    approved.get_by_test_id("material-action-approve").locator("summary").click()
    approved.get_by_role("button", name="确认通过").click()
    expect(_material(office, "2025年爱国卫生工作计划").get_by_test_id("material-status")).to_have_text("已通过")
    expect(office.get_by_test_id("requirement-status")).to_have_text("退回")
    screenshot(office, "dossier-reviewed-desktop")
    assert _rate(office) == "0.0%"  # a returned material keeps the requirement open

    # The clerk sees why and uploads a new version of the returned file.
    clerk.goto(url)
    material = _material(clerk, "2025年爱卫会会议纪要")
    expect(material.get_by_test_id("return-reason")).to_contain_text("缺少参会领导签字页")
    material.get_by_test_id("material-action-new_version").locator("summary").click()
    material.locator("input[name=file]").set_input_files(str(signed))
    material.get_by_label("修改说明").fill("已补签字页")
    material.get_by_role("button", name="上传").click()
    material = _material(clerk, "2025年爱卫会会议纪要")
    expect(material.get_by_test_id("version")).to_have_count(2)
    expect(material.get_by_test_id("material-status")).to_have_text("待审核")
    assert_fits(clerk, PHONE["width"])

    # The supervisor approves the new version: the requirement is complete, 1 of 2 in the city.
    office.goto(url)
    material = _material(office, "2025年爱卫会会议纪要")
    expect(material.get_by_test_id("version").first).to_contain_text("v2")
    material.get_by_test_id("material-action-approve").locator("summary").click()
    material.get_by_role("button", name="确认通过").click()
    expect(office.get_by_test_id("requirement-status")).to_have_text("已通过")
    assert _rate(office) == "50.0%"
    expect(office.get_by_test_id("completion-counts")).to_have_text("已通过 1 / 共 2 项材料要求")
    assert _api_rate(office) == 50.0
    screenshot(office, "dossier-completeness-desktop")
    assert _rate(clerk) == "100.0%"  # the clerk's own unit: its one requirement is complete
    assert_fits(clerk, PHONE["width"])

    page_log.assert_clean()
