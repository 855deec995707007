"""整改销号 in a real browser: a district supervisor records a problem with a photo on a phone and
sends it straight to the street office; the clerk signs and submits an after-photo; the
supervisor rejects it (rework 1); the clerk resubmits; a supervisor of another unit (the city
office) verifies and the issue is closed. The timeline shows the seven events with their actors,
and the clerk's own attempt to verify is refused."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inspections import services
from inspections.models import Issue, IssueAction, IssueEvent, IssueState, Photo
from tests.e2e.conftest import DESKTOP, PASSWORD, PHONE, assert_fits, sign_in
from tests.inspections.conftest import categories, encode, make_issue, picture, raw_upload  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photos(tmp_path):
    paths = {}
    for name, seed in [("before", 11), ("after", 12), ("after2", 13)]:
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(encode(picture(seed, size=(640, 480))))
        paths[name] = path
    return paths


@pytest.fixture
def setting(settings, tmp_path, categories, people):  # noqa: F811 (the imported fixture)
    settings.MEDIA_ROOT = tmp_path / "media"
    for user in vars(people).values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return categories


def start_inspection(page, user, region):
    """Sign in as ``user``, start an inspection of ``region`` and return its capture form."""
    sign_in(page, user.username, "/inspections/capture/")
    start = page.get_by_test_id("start-form")
    start.get_by_label("检查区域").select_option(str(region.pk))
    start.get_by_role("button", name="开始检查，登记问题").click()
    form = page.get_by_test_id("capture-form")
    expect(form).to_be_visible()
    return form


def act(page, action, fill=None, files=None):
    """Open an action's form on the issue page (unless the page opened it), fill it and submit it.
    After the page's late requests (the 我的待办 badge widens the navigation once it arrives):
    a click aimed before that shift could land beside the button (a CI run lost one)."""
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id(f"form-{action}")
    if not form.is_visible():
        page.get_by_test_id(f"action-{action}").click()
    expect(form).to_be_visible()
    for label, value in (fill or {}).items():
        form.get_by_label(label, exact=True).fill(value)
    if files:
        form.locator("input[type=file]").set_input_files([str(f) for f in files])
    form.get_by_test_id(f"submit-{action}").click()


def test_record_sign_submit_reject_resubmit_verify(
    new_page, page_log, people, units, city, setting, photos, screenshot
):
    # The district supervisor, on a phone: start an inspection, record a problem with a photo,
    # sent at once to the territorial unit.
    inspector = new_page(viewport=PHONE)
    form = start_inspection(inspector, people.district_supervisor, city.a1)
    form.locator("input[name=photos]").set_input_files(str(photos["before"]))
    form.locator("select[name=category]").select_option(str(setting.garbage.pk))
    form.get_by_label("问题描述").fill("人行道上暴露垃圾两袋")
    form.get_by_label("所在区域").select_option(str(city.a1.pk))
    form.locator("input[name=address]").fill("建设路12号门前")
    expect(form.get_by_test_id("assign")).to_be_checked()
    screenshot(inspector, "issue-capture-phone")
    assert_fits(inspector, PHONE["width"])
    form.get_by_test_id("capture-submit").click()
    expect(inspector.get_by_test_id("saved")).to_be_visible()
    issue = Issue.objects.get(description="人行道上暴露垃圾两袋")
    assert issue.state == IssueState.ASSIGNED
    assert issue.responsible_unit == units.street_a1
    assert Photo.objects.filter(issue=issue, kind="before").count() == 1
    issue_url = f"/inspections/issues/{issue.pk}/"

    # The street office clerk, on a phone: 签收, then submit with an after-photo.
    clerk = new_page(viewport=PHONE)
    sign_in(clerk, people.staff.username, issue_url)
    expect(clerk.get_by_test_id("state")).to_contain_text("已交办")
    act(clerk, "sign")
    expect(clerk.get_by_test_id("state")).to_contain_text("整改中")
    expect(clerk.get_by_test_id("countdown")).to_be_visible()
    # Sent empty: the after-photo and the measures are asked for at once, and nothing is sent;
    # filled in, each note goes as its field is given.
    clerk.get_by_test_id("action-submit").click()
    form = clerk.get_by_test_id("form-submit")
    form.get_by_test_id("submit-submit").click()
    expect(form.get_by_test_id("error-photos")).to_have_text("提交核查须上传至少一张整改后的照片。")
    expect(form.get_by_test_id("error-measures")).to_have_text("该字段是必填项。")
    screenshot(clerk, "issue-submit-empty-phone")
    form.get_by_label("整改措施", exact=True).fill("已清运，地面冲洗干净")
    expect(form.get_by_test_id("error-measures")).to_have_count(0)  # as it is typed, not at the next tap
    form.get_by_test_id("submit-submit").click()
    expect(form.get_by_test_id("error-photos")).to_be_visible()
    issue.refresh_from_db()
    assert issue.state == IssueState.RECTIFYING
    form.locator("input[type=file]").set_input_files(str(photos["after"]))
    form.get_by_test_id("submit-submit").click()
    expect(clerk.get_by_test_id("state")).to_contain_text("待核查")
    screenshot(clerk, "issue-submitted-phone")
    assert_fits(clerk, PHONE["width"])

    # The clerk may not verify their own unit's work: no button, and a forged POST is refused.
    expect(clerk.get_by_test_id("action-verify")).to_have_count(0)
    token = clerk.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value") or clerk.evaluate(
        "document.cookie.match(/csrftoken=([^;]+)/)[1]"
    )
    refused = clerk.request.post(
        f"/inspections/issues/{issue.pk}/verify/", form={"csrfmiddlewaretoken": token}, headers={"Referer": clerk.url}
    )
    assert refused.status == 403
    issue.refresh_from_db()
    assert issue.state == IssueState.SUBMITTED

    # The district supervisor rejects: rework 1.
    inspector.goto(issue_url)
    act(inspector, "reject", {"退回原因（哪里没有整改到位）": "垃圾桶旁仍有散落垃圾"})
    expect(inspector.get_by_test_id("state")).to_contain_text("整改中")
    issue.refresh_from_db()
    assert issue.rework_count == 1

    # The clerk sees the reason and resubmits.
    clerk.goto(issue_url)
    expect(clerk.get_by_test_id("timeline")).to_contain_text("垃圾桶旁仍有散落垃圾")
    act(clerk, "submit", {"整改措施": "散落垃圾已清理"}, [photos["after2"]])
    expect(clerk.get_by_test_id("state")).to_contain_text("待核查")

    # A city supervisor (another unit), on a desktop, verifies: closed.
    office = new_page(viewport=DESKTOP)
    sign_in(office, people.supervisor.username, issue_url)
    expect(office.get_by_test_id("photos-before").get_by_test_id("photo")).to_have_count(1)
    expect(office.get_by_test_id("photos-after").get_by_test_id("photo")).to_have_count(2)
    act(office, "verify")
    expect(office.get_by_test_id("state")).to_contain_text("已销号")
    screenshot(office, "issue-closed-desktop")

    issue.refresh_from_db()
    assert issue.state == IssueState.CLOSED
    assert issue.rework_count == 1
    expected = [
        (IssueAction.CREATE, people.district_supervisor),
        (IssueAction.ACCEPT, people.district_supervisor),
        (IssueAction.SIGN, people.staff),
        (IssueAction.SUBMIT, people.staff),
        (IssueAction.REJECT, people.district_supervisor),
        (IssueAction.SUBMIT, people.staff),
        (IssueAction.VERIFY, people.supervisor),
    ]
    events = list(IssueEvent.objects.filter(issue=issue).order_by("created_at", "id"))
    assert [(e.action, e.actor) for e in events] == expected

    # The timeline on the page: seven entries, each with its actor.
    entries = office.get_by_test_id("timeline-entry")
    expect(entries).to_have_count(7)
    actors = office.get_by_test_id("timeline-actor").all_inner_texts()
    for _action, user in expected:
        assert any(user.display_name in text for text in actors), (user.display_name, actors)
    page_log.assert_clean()


def test_issue_list_on_a_phone_in_english_keeps_the_deadline_clear_of_the_state(page, setting, people, make_issue):  # noqa: F811
    """On a phone the deadline sits beside the state badge; in English ("Rectification deadline
    12-08 08:30") it is wider than its column and must wrap, not run under the badge."""
    for _ in range(3):
        make_issue("rectifying")
    sign_in(page, people.staff.username, "/inspections/issues/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/inspections/issues/")
    expect(page.get_by_test_id("issue-row").first).to_be_visible()
    rows, overlapping = page.evaluate(
        """() => {
            let rows = 0, overlapping = 0;
            for (const tr of document.querySelectorAll('[data-testid=issue-row]')) {
                const d = tr.querySelector('[data-testid=deadline]'), s = tr.querySelector('.app-col-state .badge');
                if (!d || !s) continue;
                rows++;
                const text = document.createRange();
                text.selectNodeContents(d);  // the text itself: it may overflow its cell
                const a = text.getBoundingClientRect(), b = s.getBoundingClientRect();
                if (a.right > b.left && a.left < b.right && a.bottom > b.top && a.top < b.bottom) overlapping++;
            }
            return [rows, overlapping];
        }"""
    )
    assert rows == 3 and overlapping == 0
    expect(page.get_by_test_id("deadline").first).to_contain_text("Rectification deadline")
    assert_fits(page, PHONE["width"])


def test_a_search_from_the_box_is_one_request_and_back_shows_the_page(page, setting, people, make_issue):  # noqa: F811
    """On a phone: typing 井盖 破损 and Enter sends one request (one history entry) and finds the
    issue holding both words; opening it (a tap on the row) and going back shows the whole list page as searched (not
    the bare results fragment); the language switch then keeps the search."""
    make_issue("rectifying", description="文化路井盖破损")
    make_issue("rectifying", description="文化路井盖缺失")
    sign_in(page, people.supervisor.username, "/inspections/issues/")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/inspections/issues/?" in r.url else None)
    box = page.get_by_role("searchbox")
    box.fill("井盖 破损")
    box.press("Enter")
    expect(page.get_by_test_id("issue-row")).to_have_count(1)
    page.wait_for_timeout(300)  # a second request (the box's change event) would have gone by now
    assert len(sent) == 1, sent
    assert "q=" in page.url and "campaign=" not in page.url  # the fields left empty are not kept
    assert "ordering=" not in page.url  # nor the sort select's default
    box.fill("缺失")
    box.press("Enter")
    page.wait_for_url("**q=%E7%BC%BA%E5%A4%B1**")
    expect(page.get_by_test_id("issue-title")).to_contain_text(str(Issue.objects.get(description="文化路井盖缺失").pk))
    page.go_back()  # htmx's history: the box shows the search the results are for
    expect(box).to_have_value("井盖 破损")
    expect(page.get_by_test_id("issue-title")).to_contain_text(str(Issue.objects.get(description="文化路井盖破损").pk))
    # A tap anywhere on the row opens it (the title's link covers the row: a click there lands on it).
    page.get_by_test_id("location").click(force=True)
    page.wait_for_url(f"**/inspections/issues/{Issue.objects.get(description='文化路井盖破损').pk}/")
    page.go_back()
    expect(page.get_by_test_id("issue-row")).to_have_count(1)
    expect(page.get_by_test_id("issue-filter")).to_be_visible()  # the whole page, not the fragment
    expect(page.locator("nav, header").first).to_be_attached()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "q=" in page.url
    expect(page.get_by_test_id("issue-row")).to_have_count(1)


def test_a_state_chip_tapped_after_typing_keeps_the_typed_word(page, setting, people, make_issue):  # noqa: F811
    """On a phone a word typed in the box but not sent goes with a state chip's tap: the list
    shows that state's issues holding the word, and the box still reads it."""
    make_issue("rectifying", description="文化路井盖破损")
    make_issue("assigned", description="文化路井盖缺失")
    make_issue("rectifying", description="人行道暴露垃圾")
    sign_in(page, people.supervisor.username, "/inspections/issues/")
    box = page.get_by_role("searchbox")
    box.fill("井盖")
    page.get_by_test_id("chip-rectifying").click()
    page.wait_for_url("**q=%E4%BA%95%E7%9B%96**")
    expect(page.get_by_test_id("issue-row")).to_have_count(1)
    expect(page.get_by_test_id("issue-row")).to_contain_text("文化路井盖破损")
    expect(page.get_by_role("searchbox")).to_have_value("井盖")
    assert "state=rectifying" in page.url
    # A word typed over it and not sent, then a chip, then Back: the box reads the search the
    # list is for, not the word the browser kept in it.
    page.get_by_role("searchbox").fill("人行道")
    page.get_by_test_id("chip-all").click()
    page.wait_for_url("**q=%E4%BA%BA%E8%A1%8C%E9%81%93**")
    expect(page.get_by_test_id("issue-row")).to_have_count(1)
    page.go_back()
    page.wait_for_url("**state=rectifying**")
    expect(page.get_by_role("searchbox")).to_have_value("井盖")
    expect(page.get_by_test_id("issue-row")).to_contain_text("文化路井盖破损")


def test_category_search_narrows_the_list_and_only_a_pick_chooses(new_page, page_log, people, city, setting):
    """Typing in the category search only narrows the select: the choice (and the unit suggested
    for it) changes when the inspector picks, or presses Enter on an unambiguous term."""
    page = new_page(viewport=PHONE)
    form = start_inspection(page, people.district_supervisor, city.a1)
    page.wait_for_load_state()  # capture.js has bound the search box
    search = form.locator("input[data-filter-select]")
    select = form.locator("select[name=category]")
    search.fill("垃圾")
    expect(select.locator("optgroup option")).to_have_text(["暴露垃圾"])
    expect(select).to_have_value("")  # narrowed, not chosen
    search.fill("市容")  # the group: 暴露垃圾 and 门前三包
    expect(select.locator("optgroup option")).to_have_count(2)
    search.press("Enter")  # two matches: nothing chosen, the list to pick from, nothing sent
    expect(select).to_have_value("")
    expect(select).to_be_focused()
    with page.expect_response(lambda r: "/suggest/" in r.url):
        search.fill("养护")
        search.press("Enter")  # the only match: chosen, and its unit suggested
    expect(select).to_have_value(str(setting.green.pk))
    search.fill("门前")  # another term keeps the choice listed and chosen
    expect(select).to_have_value(str(setting.green.pk))
    expect(select.locator("optgroup option")).to_have_count(2)
    with page.expect_response(lambda r: "/suggest/" in r.url):
        select.select_option(str(setting.ads.pk))
    assert not Issue.objects.exists()
    page_log.assert_clean()


def test_category_search_says_when_nothing_matches(new_page, page_log, people, city, setting):
    """A term no category matches says so under the select (in the reader's language); a term
    that matches, or none, takes the line away."""
    page = new_page(viewport=PHONE)
    form = start_inspection(page, people.district_supervisor, city.a1)
    page.wait_for_load_state()  # capture.js has bound the search box
    search = form.locator("input[data-filter-select]")
    none = form.get_by_test_id("category-no-match")
    expect(none).to_be_hidden()
    search.fill("不存在的类别")
    expect(none).to_be_visible()
    expect(none).to_have_text("没有匹配的类别，请换个词搜索。")
    expect(form.locator("select[name=category] optgroup option")).to_have_count(0)
    search.fill("垃圾")
    expect(none).to_be_hidden()
    search.fill("不存在")
    expect(none).to_be_visible()
    search.fill("")
    expect(none).to_be_hidden()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    search = page.locator("input[data-filter-select]")
    search.fill("不存在的类别")
    expect(page.get_by_test_id("category-no-match")).to_have_text("No category matches; try another word.")
    page_log.assert_clean()


def test_a_refused_save_keeps_the_category_search_and_its_narrowed_list(new_page, people, city, setting):
    """保存 without a category is refused with the form as it was: the term typed in the category
    search comes back too, and the list is narrowed by it again — the inspector picks from the
    same matches instead of typing again."""
    page = new_page(viewport=PHONE)
    form = start_inspection(page, people.district_supervisor, city.a1)
    page.wait_for_load_state()  # capture.js has bound the search box
    form.locator("input[data-filter-select]").fill("垃圾")
    form.locator("textarea[name=description]").fill("路口垃圾堆积")
    form.get_by_test_id("capture-submit").click()
    form = page.get_by_test_id("capture-form")
    expect(form.get_by_test_id("error-category")).to_be_visible()
    expect(form.locator("input[data-filter-select]")).to_have_value("垃圾")
    expect(form.locator("select[name=category] optgroup option")).to_have_text(["暴露垃圾"])
    expect(form.locator("textarea[name=description]")).to_have_value("路口垃圾堆积")
    assert not Issue.objects.exists()


def test_the_link_to_the_other_issue_of_a_flag_never_starts_a_line_on_a_phone(page, setting, people, make_issue):  # noqa: F811
    """查看问题 #N (View issue #N) after a long 疑似重复照片 line, on a 390-pixel phone: wherever the
    message ends (file names differ in length), the link is never split, and never moves alone
    to a line of its own — indented by its margin, the dash left at the end of the line above."""
    first, second = make_issue("rectifying"), make_issue("rectifying", latitude=34.8)
    same = encode(picture(42))
    for issue in (first, second):
        services.issue_submit(
            actor=people.staff, issue_id=issue.pk, measures="m", photos=[raw_upload(same, "IMG_20261206_093015.jpg")]
        )
    sign_in(page, people.supervisor.username, f"/inspections/issues/{second.pk}/")
    link = page.get_by_test_id("flag-link")
    expect(link).to_have_text(f"查看问题 #{first.pk}")
    # In English the line breaks at every space (in Chinese Chromium keeps 相同 — with the link).
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(link).to_have_text(f"View issue #{first.pk}")
    bad = link.evaluate(
        """a => {
            const li = a.closest('li');
            const start = li.getBoundingClientRect().left + parseFloat(getComputedStyle(li).paddingLeft);
            const pad = document.createTextNode('');
            li.prepend(pad);
            const bad = [];
            for (let n = 0; n <= 40; n++) {
                pad.textContent = 'ab '.repeat(n);
                const rects = a.getClientRects();
                if (rects.length !== 1 || rects[0].left - start < 12) bad.push(n);
            }
            pad.remove();
            return bad;
        }"""
    )
    assert bad == []
    assert_fits(page, PHONE["width"])


TITLE_TOPS = """el => {
    const tops = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.textContent.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            tops.push(Math.round(range.getBoundingClientRect().top));
        }
    }
    return tops;
}"""


@pytest.mark.parametrize(
    "language, name",
    [("zh-hans", "燃气调压站（箱）"), ("en", "乱堆物堆料")],
)
def test_an_issue_title_breaks_after_its_number_never_inside_the_category_on_a_phone(
    page, setting, people, city, campaign, language, name
):
    """An issue beside its state and an overdue deadline on a 390-pixel inspection page: the
    title may break after the number, never inside the category's name — not at its bracket, and
    not in English, whose longer deadline line ("Rectification deadline …") left the title 41 px
    (乱堆/物堆/料 was seen on the demo)."""
    setting.garbage.name = name
    setting.garbage.save(update_fields=["name"])
    inspection = services.inspection_create(
        actor=people.supervisor, campaign=campaign, kind="covert", date=timezone.localdate(), region=city.a
    )
    issue = services.issue_create(
        actor=people.supervisor,
        campaign=campaign,
        category=setting.garbage,
        region=city.a1v,
        description="楼道内堆放杂物",
        inspection=inspection,
        assign=True,
    )
    services.issue_sign(actor=people.staff, issue_id=issue.pk)
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=timezone.now() - dt.timedelta(days=4))
    sign_in(page, people.supervisor.username, f"/inspections/{inspection.pk}/")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    row = page.get_by_test_id("issue-row")
    expect(row).to_contain_text(name)
    # The top of each character of "#<pk> <name>": the name's characters all on one line.
    tops = row.locator(".app-issue-title").evaluate(TITLE_TOPS)
    title = f"#{issue.pk} {name}"
    assert len(tops) == len(title)
    name_at = title.index(name)
    assert len(set(tops[name_at:])) == 1, f"the name breaks across lines: {tops}"
    if language == "zh-hans":  # the title does not fit beside the deadline: it must break — at the space
        assert tops[0] < tops[name_at], "the title fits on one line: this test no longer exercises the break"
    assert_fits(page, PHONE["width"])
