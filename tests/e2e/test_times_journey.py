"""Times for people, in a real browser: the dashboard (supervisor), the leader's view with its
督办提醒, a unit head's unit view and a published briefing show no ISO timestamp
(``2026-10-19T18:00``) anywhere in their text — every time reads ``2026年10月19日 18:00`` or
``10-19 18:00``. Screenshots at phone and desktop width go to var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from chuangcheng.notifications.models import Notice
from chuangcheng.reports import stats
from chuangcheng.reports.briefings import briefing_build, briefing_publish
from inspections.models import IssueState, Severity
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, sign_in
from tests.reports.conftest import category, make_issue, week, world  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ISO = re.compile(r"\d{4}-\d\d-\d\dT")


@pytest.fixture
def scene(world, campaign, people, units, city, make_issue):  # noqa: F811
    for user in (people.supervisor, people.leader, people.head):
        user.set_password(PASSWORD)
        user.save()
    # Something with a time on every page: an open 负面清单 item, an escalation to the leader.
    make_issue(
        units.street_a1, city.a1v, assigned=world.now, deadline=world.now, severity=Severity.NEGATIVE_LIST,
        state=IssueState.RECTIFYING, address="负面清单路1号",
    )  # fmt: skip
    Notice.objects.create(recipient=people.leader, title="超期升级：任务已超期 3 天", kind="escalation", url="/tasks/")
    stats.refresh([campaign], days=30)
    draft, _ = briefing_build(campaign=campaign, kind="weekly", day=world.monday)
    return briefing_publish(actor=people.supervisor, briefing_id=draft.pk, requirements="限期整改超期问题。")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_iso_timestamps_on_the_pages_people_read(new_page, page_log, scene, people, screenshot, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    pages = [
        ("supervisor", "/dashboard/", "dash-title", "times-dashboard"),
        ("leader", "/dashboard/", "leader-extras", "times-leader"),
        ("head_a1", "/dashboard/", "unit-title", "times-unit"),
        ("supervisor", f"/briefings/{scene.pk}/", "briefing-title", "times-briefing"),
    ]
    for username, url, testid, name in pages:
        page = new_page(viewport=viewport)
        sign_in(page, username, "/")
        page.goto(url)
        expect(page.get_by_test_id(testid)).to_be_visible()
        text = page.inner_text("body")
        assert not ISO.search(text), (name, ISO.findall(text)[:3])
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日|\d\d-\d\d \d\d:\d\d", text), name  # times are there, for people
        screenshot(page, f"{name}-{size}")
        page.context.close()
    page_log.assert_clean()
