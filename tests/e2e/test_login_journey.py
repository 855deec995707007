"""Unit staff sign in on a phone and find their unit and the countdown; the same pages on a
desktop, in English, and for a system administrator."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chuangcheng.notifications.models import JobHeartbeat
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-Word-123"


def sign_in(page, username, password=PASSWORD):
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def assert_no_horizontal_scroll(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_staff_signs_in_on_a_phone_and_sees_unit_and_countdown(page, page_log, people, campaign, screenshot):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    screenshot(page, "login-phone")
    assert_no_horizontal_scroll(page, PHONE["width"])

    sign_in(page, people.staff.username)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("greeting")).to_have_text("您好，staff_a1")
    expect(page.get_by_test_id("memberships")).to_contain_text("甲一街道办事处")
    expect(page.get_by_test_id("memberships")).to_contain_text("经办人")
    countdown = page.get_by_test_id("countdown")
    expect(countdown).to_contain_text(campaign.name)
    expect(countdown.get_by_test_id("days-left")).to_have_text(str(campaign.days_left(timezone.localdate())))
    screenshot(page, "home-phone")
    assert_no_horizontal_scroll(page, PHONE["width"])

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("memberships")).to_contain_text("Unit staff")
    expect(page.get_by_test_id("countdown")).to_contain_text("Inspection in")
    screenshot(page, "home-phone-en")
    assert_no_horizontal_scroll(page, PHONE["width"])

    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "user-menu-phone-en")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("You have signed out.")
    screenshot(page, "login-phone-en")
    page_log.assert_clean()


def test_wrong_password_then_admin_home_on_a_desktop(new_page, page_log, people, screenshot):
    JobHeartbeat.objects.create(name="heartbeat", last_run_at=timezone.now(), run_count=12)
    page = new_page(viewport=DESKTOP)
    page.goto("/accounts/login/")
    screenshot(page, "login-desktop")

    sign_in(page, people.admin.username, "wrong-password")
    expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码不正确，请重新输入（区分大小写）。")
    screenshot(page, "login-error-desktop")

    sign_in(page, people.admin.username)
    expect(page.get_by_test_id("heartbeat")).to_contain_text("heartbeat")
    expect(page.get_by_role("link", name="定时作业")).to_have_attribute("href", "/notices/schedule/")
    expect(page.get_by_test_id("countdown")).to_be_visible()
    screenshot(page, "home-desktop-admin")
    assert_no_horizontal_scroll(page, DESKTOP["width"])

    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("heartbeat")).to_contain_text("Background jobs")
    screenshot(page, "home-desktop-admin-en")
    page_log.assert_clean()


def test_person_without_membership_is_told_whom_to_ask(page, page_log, people, screenshot):
    page.goto("/accounts/login/")
    sign_in(page, people.nobody.username)
    expect(page.get_by_test_id("no-membership")).to_contain_text("您还没有分配单位和角色，请联系系统管理员")
    screenshot(page, "home-phone-no-membership")
    assert_no_horizontal_scroll(page, PHONE["width"])
    page_log.assert_clean()


def test_too_many_wrong_passwords_show_the_lockout_page(page, page_log, people, screenshot, settings):
    page.goto("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, people.staff.username, "wrong-password")
    expect(page.get_by_test_id("lockout-message")).to_have_text("登录失败次数过多，请15分钟后再试或联系管理员")
    screenshot(page, "locked-out-phone")
    # The lockout answers 429, which Chromium logs as a failed resource: that one is expected.
    page_log.errors = [e for e in page_log.errors if "429" not in e]
    page_log.assert_clean()


def test_an_initial_password_is_changed_before_anything_else(page, page_log, people, screenshot):
    """An account whose password the admin set: signing in leads to 修改密码 first, then on to
    the page asked for; the old password no longer signs in."""
    people.staff.must_change_password = True
    people.staff.save(update_fields=["must_change_password"])
    page.goto("/tasks/mine/")
    sign_in(page, people.staff.username)
    expect(page).to_have_url(re.compile(r"/accounts/password_change/\?next=%2Ftasks%2Fmine%2F$"))
    expect(page.get_by_test_id("password-change-required")).to_contain_text("管理员设置的初始密码")
    screenshot(page, "password-change-phone")
    assert_no_horizontal_scroll(page, PHONE["width"])

    page.get_by_label("旧密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill(PASSWORD)
    page.get_by_label("新密码确认").fill(PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_text("新密码不能与原密码相同")).to_be_visible()

    page.get_by_label("旧密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Ziji-de-Mima-2026")
    page.get_by_label("新密码确认").fill("Ziji-de-Mima-2026")
    page.get_by_role("button", name="保存新密码").click()
    expect(page).to_have_url(re.compile(r"/tasks/mine/$"))
    expect(page.get_by_role("alert").first).to_contain_text("密码已修改")
    page_log.assert_clean()
