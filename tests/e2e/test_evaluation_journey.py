"""模拟测评 in a real browser: 甲区's inspector opens today's site on a phone, answers the
checklist (two failures with photos), submits while the network is cut — the page keeps
everything and sends it again when the network is back — then generates the issues; the
district supervisor sees them dispatched, and the site's deduction is exactly the items' points."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evaluations import scoring, services
from evaluations.models import Answer, RoundSite
from inspections.models import Issue
from tests.e2e.conftest import DESKTOP, PHONE, assert_fits, sign_in
from tests.evaluations.conftest import checklist, jpeg  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("checklist")]


def market_round(people, campaign, city, name):
    """A round of one 农贸市场, this week; the district's supervisor inspects it."""
    today = timezone.localdate()
    round_ = services.round_create(
        actor=people.supervisor,
        campaign=campaign,
        name=name,
        region=city.city,
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        quotas={"market": 1},
        seed=5,
        inspectors=[people.district_supervisor, people.supervisor],
    )
    return round_, RoundSite.objects.get(round=round_, inspector=people.district_supervisor)


def test_checklist_on_a_phone_survives_a_dropped_network(
    new_page, page_log, people, campaign, city, settings, tmp_path, screenshot
):
    settings.MEDIA_ROOT = tmp_path / "media"
    round_, rs = market_round(people, campaign, city, "12月第一轮")
    photos = []
    for n in (1, 2):
        path = tmp_path / f"现场{n}.jpg"
        path.write_bytes(jpeg(n).read())
        photos.append(path)

    phone = new_page(viewport=PHONE)
    sign_in(phone, people.district_supervisor.username, "/evaluations/")
    phone.get_by_test_id("my-site").first.click()
    expect(phone).to_have_url(re.compile(rf"/evaluations/sites/{rs.pk}/$"))
    items = phone.get_by_test_id("item")
    expect(items).to_have_count(3)
    # 1: 暴露垃圾 fails (0.5), 2: 占道经营 fails (2), 3: passes.
    for i, photo in ((0, photos[0]), (1, photos[1])):
        card = items.nth(i)
        card.get_by_text("不合格", exact=True).click()
        card.locator("input[type=file]").set_input_files(str(photo))
        card.get_by_label("说明").fill(f"现场问题{i + 1}")
    items.nth(2).get_by_text("合格", exact=True).click()
    assert_fits(phone, PHONE["width"])

    phone.context.set_offline(True)
    phone.get_by_test_id("submit").click()
    expect(phone.get_by_role("status")).to_contain_text("网络中断")
    assert Answer.objects.filter(round_site=rs).count() == 0
    screenshot(phone, "evaluation-offline-phone")
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.get_by_test_id("saved")).to_be_visible(timeout=20000)
    assert Answer.objects.filter(round_site=rs).count() == 3
    site = {s.round_site_id: s for s in scoring.round_score(round_).sites}[rs.pk]
    assert site.lost == Decimal("2.50")  # exactly the two failed items' points

    phone.get_by_role("button", name="生成问题并交办").click()
    expect(phone.locator(".alert-success")).to_contain_text("已生成 2 个问题")
    screenshot(phone, "evaluation-issues-phone")
    issues = Issue.objects.filter(site=rs.site, source="mock")
    assert issues.count() == 2 and set(issues.values_list("state", flat=True)) == {"assigned"}

    # The district's supervisor (desktop) sees both dispatched to the site's unit.
    desk = new_page(viewport=DESKTOP)
    sign_in(desk, people.district_supervisor.username, "/inspections/issues/")
    for issue in issues:
        desk.goto(f"/inspections/issues/{issue.pk}/")
        expect(desk.get_by_text(rs.site.responsible_unit.name).first).to_be_visible()
    desk.goto(f"/evaluations/rounds/{round_.pk}/")
    expect(desk.get_by_test_id("site-row").filter(has_text=rs.site.name)).to_contain_text("扣 2.50 分")
    # The one failed request is the submission sent while the network was cut, on purpose.
    page_log.errors = [e for e in page_log.errors if "ERR_INTERNET_DISCONNECTED" not in e]
    page_log.assert_clean()


def test_a_checklist_half_filled_survives_a_reload(new_page, page_log, people, campaign, city, settings, tmp_path):
    """模拟测评 on a phone: what was answered, photo included, is kept in the browser — a reload
    (or a closed tab) on a bad signal loses nothing."""
    settings.MEDIA_ROOT = tmp_path / "media"
    round_, rs = market_round(people, campaign, city, "12月第二轮")
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(jpeg(7).read())
    phone = new_page(viewport=PHONE)
    sign_in(phone, people.district_supervisor.username, f"/evaluations/sites/{rs.pk}/")
    items = phone.get_by_test_id("item")
    card = items.nth(0)
    card.get_by_text("不合格", exact=True).click()
    card.locator("input[type=file]").set_input_files(str(photo))
    card.get_by_label("说明").fill("桥下暴露垃圾")
    phone.wait_for_timeout(800)  # the draft is kept 300 ms after the last change
    phone.reload()
    expect(phone.get_by_test_id("draft-restored")).to_be_visible()
    card = phone.get_by_test_id("item").nth(0)
    expect(card.get_by_label("说明")).to_have_value("桥下暴露垃圾")
    assert phone.evaluate("document.querySelector('[data-item-card] input[type=file]').files.length") == 1
    page_log.assert_clean()
