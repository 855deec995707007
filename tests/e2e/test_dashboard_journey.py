"""Browser journey: a city supervisor opens the overview, drills into a district, then a
street, and the numbers narrow down consistently; a leader sees only the assigned district."""

import re

import pytest
from playwright.sync_api import expect

from chuangcheng.reports import stats
from tests.e2e.conftest import DESKTOP, PHONE
from tests.reports.conftest import category, make_issue, week, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-Word-123"


def sign_in(page, username):
    page.goto("/accounts/login/?next=/dashboard/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def cell(page, name, col):
    row = page.locator("[data-testid=breakdown-table-row]").filter(has_text=name)
    return int(row.locator(f"[data-col={col}]").inner_text())


def test_supervisor_drills_from_city_to_street(new_page, page_log, world, people, campaign, city, screenshot):  # noqa: F811
    for user in (people.supervisor, people.leader):
        user.set_password(PASSWORD)
        user.save()
    stats.refresh([campaign], days=30)
    page = new_page(viewport=DESKTOP)
    sign_in(page, "supervisor")
    expect(page.get_by_test_id("dash-title")).to_contain_text("示范市")
    expect(page.locator("[data-chart=trend][data-ready='1']")).to_be_visible()
    jia_open, jia_overdue = cell(page, "甲区", "open"), cell(page, "甲区", "overdue")
    screenshot(page, "dashboard-city")

    page.locator("[data-testid=drill-link]", has_text="甲区").click()
    expect(page).to_have_url(re.compile(rf"region={city.a.pk}"))
    expect(page.get_by_test_id("dash-title")).to_contain_text("甲区")
    streets_open = cell(page, "甲一街道", "open") + cell(page, "甲二街道", "open")
    streets_overdue = cell(page, "甲一街道", "overdue") + cell(page, "甲二街道", "overdue")
    assert (streets_open, streets_overdue) == (jia_open, jia_overdue)
    a1_open = cell(page, "甲一街道", "open")

    page.locator("[data-testid=drill-link]", has_text="甲一街道").click()
    expect(page.get_by_test_id("dash-title")).to_contain_text("甲一街道")
    expect(page.get_by_test_id("dash-breadcrumbs")).to_contain_text("甲区")
    # The street's own issues (on the street region) plus its community's: together its total.
    assert cell(page, "甲一社区", "open") <= a1_open
    assert int(page.get_by_test_id("headline-issues_overdue_open").inner_text()) == 1
    screenshot(page, "dashboard-street")
    page_log.assert_clean()

    leader = new_page(viewport=DESKTOP)
    sign_in(leader, "leader")
    expect(leader.get_by_test_id("dash-title")).to_contain_text("甲区")
    expect(leader.locator("[data-testid=breakdown-table-row]", has_text="乙")).to_have_count(0)

    # On a phone, a table wider than the screen fades at the edge with more to swipe to.
    phone = new_page(viewport=PHONE)
    sign_in(phone, "supervisor")
    expect(phone.locator("[data-chart=trend][data-ready='1']")).to_be_visible()
    phone.wait_for_load_state("networkidle")
    tables = phone.locator(".table-responsive").evaluate_all(
        """boxes => boxes.filter(b => b.offsetParent !== null).map(b => ({
            wide: b.scrollWidth - b.clientWidth > 1,
            end: b.classList.contains("app-more-end"),
            start: b.classList.contains("app-more-start"),
        }))"""
    )
    assert any(t["wide"] for t in tables), tables  # not vacuous: a table does overflow
    assert all(t["end"] == t["wide"] and not t["start"] for t in tables), tables
    screenshot(phone, "dashboard-city-phone")
    phone.set_viewport_size({"width": PHONE["height"], "height": PHONE["width"]})  # turned sideways: charts rebuilt
    phone.wait_for_timeout(300)
    expect(phone.locator("[data-chart=trend] svg")).to_be_visible()
    page_log.assert_clean()
