"""现场检查登记 on a bad signal, in a real browser on a phone: the draft survives a reload with no
network (the service worker serves the page, IndexedDB keeps what was typed and the photo); a
record saved offline waits in the page's outbox and, once the network is back, arrives exactly
once with its photo — sending it again makes no second issue."""

import pytest
from playwright.sync_api import expect

from inspections.models import Issue, Photo
from inspections.services import inspection_create
from tests.e2e.conftest import PASSWORD, PHONE, sign_in
from tests.inspections.conftest import categories, encode, make_issue, picture  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting(settings, tmp_path, categories, people):  # noqa: F811 (the imported fixture)
    settings.MEDIA_ROOT = tmp_path / "media"
    for user in vars(people).values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return categories


def test_offline_capture_arrives_once_and_a_draft_survives_an_offline_reload(
    new_page, page_log, people, campaign, city, setting, tmp_path, screenshot
):
    import datetime as dt

    photo = tmp_path / "现场.jpg"
    photo.write_bytes(encode(picture(21, size=(640, 480))))
    inspection = inspection_create(
        actor=people.district_supervisor, campaign=campaign, kind="covert", date=dt.date.today(), region=city.a1
    )
    url = f"/inspections/capture/{inspection.pk}/"
    page = new_page(viewport=PHONE)
    sign_in(page, people.district_supervisor.username, url)
    # The service worker takes the page over and its offline copy is stored.
    # (Polled with evaluate: the page's CSP forbids the eval that wait_for_function uses.)
    ready = "async () => !!navigator.serviceWorker.controller && (await (await caches.open('cc-capture-v1')).keys()).some(r => r.url === location.href)"
    for _ in range(60):
        if page.evaluate(ready):
            break
        page.wait_for_timeout(250)
    assert page.evaluate(ready), "the service worker did not take the page over"

    # A draft, then the network goes and the page is reloaded: the draft is still there.
    form = page.get_by_test_id("capture-form")
    form.locator("input[name=photos]").set_input_files(str(photo))
    form.locator("select[name=category]").select_option(str(setting.garbage.pk))
    form.get_by_label("问题描述").fill("桥下暴露垃圾一堆")
    page.wait_for_timeout(800)  # the draft is saved 300 ms after the last keystroke
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    form = page.get_by_test_id("capture-form")
    expect(form.get_by_label("问题描述")).to_have_value("桥下暴露垃圾一堆")
    assert page.evaluate("document.querySelector('input[name=photos]').files.length") == 1

    # Saved while offline: it waits in the outbox; nothing reached the server.
    form.get_by_test_id("capture-submit").click()
    expect(page.get_by_test_id("outbox")).to_be_visible()
    expect(page.get_by_test_id("outbox")).to_contain_text("1 条登记保存在本机")
    screenshot(page, "capture-offline-outbox-phone")
    assert not Issue.objects.filter(description="桥下暴露垃圾一堆").exists()

    # The network is back: sent once, with its photo.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("outbox-sent")).to_contain_text("已补发 1 条")
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    issue = Issue.objects.get(description="桥下暴露垃圾一堆")
    assert issue.client_key and Photo.objects.filter(issue=issue, kind="before").count() == 1

    # The same record sent again (a retry whose answer was lost): still one issue.
    again = page.evaluate(
        """async ([key, category]) => {
            const form = document.querySelector('form[data-testid=capture-form]');
            const data = new FormData(form);
            data.set('client_key', key);
            data.set('description', '桥下暴露垃圾一堆');
            data.set('category', category);
            const r = await fetch(form.action, {method: 'POST', body: data, credentials: 'same-origin'});
            return r.status;
        }""",
        [issue.client_key, str(setting.garbage.pk)],
    )
    assert again in (200, 302)
    assert Issue.objects.filter(description="桥下暴露垃圾一堆").count() == 1
    # While offline, requests the cache cannot answer (the favicon, a suggestion) fail, on purpose.
    page_log.errors = [e for e in page_log.errors if "ERR_INTERNET_DISCONNECTED" not in e and "ERR_FAILED" not in e]
    page_log.assert_clean()


def test_a_rectification_submitted_offline_arrives_once_with_its_photo(
    new_page,
    page_log,
    people,
    setting,
    make_issue,  # noqa: F811 (the imported fixture)
    tmp_path,
    screenshot,
):
    """提交核查 from the unit's phone in a 背街小巷 with no signal: kept on the phone, sent when
    the network is back — once, with the after-photo; the kept copy is then forgotten."""
    from inspections.models import IssueEvent

    issue = make_issue("rectifying")
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(encode(picture(33, size=(640, 480))))
    page = new_page(viewport=PHONE)
    sign_in(page, people.staff.username, f"/inspections/issues/{issue.pk}/?action=submit")
    form = page.get_by_test_id("form-submit")
    form.locator("textarea[name=measures]").fill("已清运垃圾并冲洗地面")
    form.locator("input[name=photos]").set_input_files(str(photo))
    page.wait_for_timeout(800)  # the draft is kept 300 ms after the last change

    page.context.set_offline(True)
    form.get_by_test_id("submit-submit").click()
    expect(page.get_by_test_id("outbox")).to_be_visible()
    expect(page.get_by_test_id("outbox")).to_contain_text("1 份整改提交保存在本机")
    screenshot(page, "rectify-offline-outbox-phone")
    issue.refresh_from_db()
    assert issue.state == "rectifying"

    page.context.set_offline(False)
    with page.expect_navigation():  # sent, then the page reloads to show the new state
        page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_text("整改中 → 待核查")).to_be_visible()
    expect(page.get_by_test_id("outbox-sent")).to_contain_text("已补发 1 条")  # said after the reload
    issue.refresh_from_db()
    assert issue.state == "submitted" and issue.measures == "已清运垃圾并冲洗地面"
    assert Photo.objects.filter(issue=issue, kind="after").count() == 1
    [event] = IssueEvent.objects.filter(issue=issue, action="submit")
    key = event.changes["client_key"]

    # The same submission again (its answer was lost): nothing new, no 409.
    status = page.evaluate(
        """async ([url, key]) => {
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1];
            const data = new FormData();
            data.set('client_key', key);
            data.set('measures', '已清运垃圾并冲洗地面');
            const r = await fetch(url, {method: 'POST', body: data, credentials: 'same-origin', headers: {'X-CSRFToken': token}});
            return r.status;
        }""",
        [f"/inspections/issues/{issue.pk}/submit/", key],
    )
    assert status == 200
    assert IssueEvent.objects.filter(issue=issue, action="submit").count() == 1
    page_log.errors = [e for e in page_log.errors if "ERR_INTERNET_DISCONNECTED" not in e and "ERR_FAILED" not in e]
    page_log.assert_clean()


def test_a_kept_submission_the_server_refuses_says_why_and_is_not_sent_again(
    new_page,
    page_log,
    people,
    setting,
    make_issue,  # noqa: F811 (the imported fixture)
    tmp_path,
):
    """Kept while the issue moved on (转长期整改 meanwhile): refused with the server's reason, the
    panel says it was not accepted, nothing is resent on the next load, and 删除 clears it."""
    import datetime as dt

    from inspections import services
    from inspections.models import IssueEvent

    issue = make_issue("rectifying")
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(encode(picture(35, size=(640, 480))))
    page = new_page(viewport=PHONE)
    sign_in(page, people.staff.username, f"/inspections/issues/{issue.pk}/?action=submit")
    form = page.get_by_test_id("form-submit")
    form.locator("textarea[name=measures]").fill("已清运")
    form.locator("input[name=photos]").set_input_files(str(photo))
    page.context.set_offline(True)
    form.get_by_test_id("submit-submit").click()
    expect(page.get_by_test_id("outbox")).to_contain_text("1 份整改提交保存在本机")

    # Meanwhile the issue moves on: the supervisor turns it into 长期整改.
    next_year = dt.date.today().replace(year=dt.date.today().year + 1)
    services.issue_move_long_term(actor=people.supervisor, issue_id=issue.pk, plan="分两期整改", target_date=next_year)
    page.context.set_offline(False)
    page.goto(f"/inspections/issues/{issue.pk}/")
    panel = page.get_by_test_id("outbox")
    expect(panel).to_contain_text("服务器没有接受")
    expect(panel).to_contain_text("已被他人处理")  # the server's own reason (its 409 page)
    assert not IssueEvent.objects.filter(issue=issue, action="submit").exists()
    page.reload()
    expect(page.get_by_test_id("outbox")).to_contain_text("服务器没有接受")
    assert not IssueEvent.objects.filter(issue=issue, action="submit").exists()  # not sent again
    page.get_by_test_id("outbox-delete").click()
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    page_log.errors = [e for e in page_log.errors if "ERR_INTERNET_DISCONNECTED" not in e and "409" not in e]
