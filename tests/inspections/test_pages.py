"""The inspection pages: the issue list and its export, the issue page and its actions, photo
files, capture on site, the inspection list, and the unit's queue in 我的待办.

What a person sees and what the data becomes: the right roles get the page, out of scope is a
404, visible but not allowed is a 403, an issue already moved on is a 409 with its current
state, bad input is shown next to its field with nothing written; query budgets hold with a
thousand issues in the table.
"""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from inspections import services, tally
from inspections.models import Inspection, Issue, IssueEvent, IssueState, Photo, PhotoKind
from tests.inspections.conftest import plan, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response):
    return response.content.decode()


def shown(response, name):
    """The texts of the elements with ``data-testid=name`` (flat elements only)."""
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(rf'data-testid="{name}"[^>]*>([^<]*)<', html(response))]


def form_html(page, action):
    """The <form> of one action on the issue page."""
    return re.search(rf'<form[^>]*data-testid="form-{action}".*?</form>', page, re.S).group(0)


def issue_ids(response):
    return [int(n) for n in re.findall(r'data-testid="issue-row" data-issue="(\d+)"', html(response))]


@pytest.fixture
def inspection(campaign, city, people):
    return services.inspection_create(
        actor=people.supervisor, campaign=campaign, kind="covert", date=timezone.localdate(), region=city.a
    )


@pytest.fixture
def issue(make_issue, inspection):
    """Assigned to 甲一街道办事处, in 甲一社区 (甲区), found on ``inspection``, with a photo."""
    return make_issue("assigned", inspection=inspection, photos=[upload(7)])


# --- who gets which page -------------------------------------------------------------------------

PAGES = {
    "list": lambda i: reverse("inspections:issue_list"),
    "export": lambda i: reverse("inspections:issue_export"),
    "detail": lambda i: reverse("inspections:issue_detail", args=[i.pk]),
    "photo": lambda i: reverse("inspections:photo_thumb", args=[i.photos.first().pk]),
    "inspections": lambda i: reverse("inspections:inspection_list"),
    "inspection": lambda i: reverse("inspections:inspection_detail", args=[i.inspection_id]),
    "capture": lambda i: reverse("inspections:capture_start"),
    "capture_inspection": lambda i: reverse("inspections:capture", args=[i.inspection_id]),
    "queue": lambda i: reverse("inspections:my_queue"),
}
ANSWERS = {
    # person: list, export, detail, photo, inspections, inspection, capture, capture here, queue
    "staff": (200, 200, 200, 200, 200, 200, 403, 403, 200),
    "head": (200, 200, 200, 200, 200, 200, 403, 403, 200),
    "supervisor": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "district_supervisor": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "leader": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "admin": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "staff_b": (200, 200, 404, 404, 200, 404, 403, 403, 200),
    "cgj_staff": (200, 200, 404, 404, 200, 404, 403, 403, 200),
    "nobody": (200, 200, 404, 404, 200, 404, 403, 403, 200),
}


@pytest.mark.parametrize("person", ANSWERS)
def test_each_page_answers_by_role_and_scope(client, people, issue, person):
    client.force_login(getattr(people, person))
    got = tuple(client.get(url(issue)).status_code for url in PAGES.values())
    assert got == ANSWERS[person]


def test_anonymous_is_sent_to_sign_in(client, issue):
    for url in PAGES.values():
        response = client.get(url(issue))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_out_of_scope_lists_are_empty_not_leaky(client, people, issue):
    client.force_login(people.staff_b)
    assert issue_ids(client.get(reverse("inspections:issue_list"))) == []
    rows = list(load_workbook(io.BytesIO(client.get(reverse("inspections:issue_export")).content)).active.values)
    assert len(rows) == 1  # the header only


def test_navigation_shows_issues_to_all_and_inspections_to_inspectors(client, people, issue):
    client.force_login(people.staff)
    page = html(client.get(reverse("inspections:issue_list")))
    assert 'href="/inspections/issues/" class="app-nav-link active"' in page
    assert 'href="/inspections/" class="app-nav-link' not in page
    client.force_login(people.supervisor)
    assert 'href="/inspections/" class="app-nav-link' in html(client.get(reverse("inspections:issue_list")))


# --- the issue list --------------------------------------------------------------------------------


def test_list_rows_counts_location_thumbnail_and_overdue(client, people, make_issue, city, clock, issue):
    overdue = make_issue("rectifying", description="超期的垃圾", address="花园路 12 号")
    Issue.objects.filter(pk=overdue.pk).update(rectification_deadline=timezone.now() - dt.timedelta(days=3, hours=1))
    tally.rebuild()  # the update passed by the services
    reported = make_issue("reported", description="刚登记的问题")
    client.force_login(people.supervisor)
    response = client.get(reverse("inspections:issue_list"))
    assert issue_ids(response) == [reported.pk, overdue.pk, issue.pk]
    assert shown(response, "count-all") == ["3"]
    assert shown(response, "count-reported") == ["1"] and shown(response, "count-rectifying") == ["1"]
    page = html(response)
    row = page[page.index(f'data-issue="{overdue.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "已超期 3 天" in row and "text-danger" in row
    assert "示范市甲区甲一街道甲一社区" in row and "花园路 12 号" in row
    thumb = issue.photos.get(kind=PhotoKind.BEFORE)
    assert f'src="{reverse("inspections:photo_thumb", args=[thumb.pk])}"' in page
    # 超期未改 on: its chip is lit, 全部 is not (it turns 超期未改 off too).
    response = client.get(reverse("inspections:issue_list"), {"overdue": "true"})
    assert issue_ids(response) == [overdue.pk]
    page = html(response)
    everything = re.search(r'<a href="([^"]*)"[^>]*data-testid="chip-all"', page)
    assert "overdue" not in everything.group(1) and 'data-testid="chip-all" aria-current' not in page
    assert re.search(r'class="btn btn-sm btn-danger app-chip" data-testid="chip-overdue"', page)
    assert shown(response, "chips-overdue-note") == ["各状态数量仅统计“超期未改”的"]
    # Nothing 已销号 is 超期未改: that chip turns 超期未改 off (no count: it leads to all of them)…
    closed = re.search(r'<a href="([^"]*)"[^>]*data-testid="chip-closed"[^>]*>(.*?)</a>', page, re.S)
    assert closed.group(1) == "/inspections/issues/?state=closed" and "count-closed" not in closed.group(2)
    rectifying = re.search(r'<a href="([^"]*)"[^>]*data-testid="chip-rectifying"', page).group(1)
    assert rectifying == "/inspections/issues/?overdue=true&amp;state=rectifying"
    # …and 超期未改 drops the states it cannot be in, keeping those it can.
    page = html(client.get(reverse("inspections:issue_list") + "?state=closed&state=rectifying"))
    overdue_href = re.search(r'<a href="([^"]*)"[^>]*data-testid="chip-overdue"', page).group(1)
    assert overdue_href == "/inspections/issues/?state=rectifying&amp;overdue=true"
    # With a state asked for, the chip counts what its link lists: that state's overdue issues.
    for state in ("assigned", "rectifying"):
        page = html(client.get(reverse("inspections:issue_list"), {"state": state}))
        chip = re.search(r'<a href="([^"]*)"[^>]*data-testid="chip-overdue"[^>]*>(.*?)</a>', page, re.S)
        badge = re.search(r'data-testid="count-overdue"[^>]*>(\d+)<', chip.group(2))
        assert int(badge.group(1)) == len(issue_ids(client.get(chip.group(1).replace("&amp;", "&")))), state
    # A keyword with no rows within the chips' conditions: the same keyword everywhere, one tap away.
    response = client.get(reverse("inspections:issue_list"), {"overdue": "true", "state": "closed", "q": "垃圾"})
    assert issue_ids(response) == [] and 'href="/inspections/issues/?q=%E5%9E%83%E5%9C%BE"' in html(response)
    assert "search-everywhere" not in html(client.get(reverse("inspections:issue_list"), {"q": "不存在的词"}))
    # …and not offered when the keyword finds nothing anywhere either.
    nowhere = client.get(reverse("inspections:issue_list"), {"overdue": "true", "q": "不存在的词"})
    assert issue_ids(nowhere) == [] and "search-everywhere" not in html(nowhere)


def test_list_filters_state_keyword_unit_and_region(client, people, make_issue, city, units, issue):
    other = make_issue("reported", region=city.b1v, description="乙区的问题")
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    assert issue_ids(client.get(url, {"state": "assigned"})) == [issue.pk]
    assert issue_ids(client.get(url, {"q": "乙区"})) == [other.pk]
    assert issue_ids(client.get(url, {"region": city.a.pk})) == [issue.pk]
    assert issue_ids(client.get(url, {"responsible_unit": units.street_a1.pk})) == [issue.pk]
    assert issue_ids(client.get(url, {"inspection": issue.inspection_id})) == [issue.pk]
    htmx = client.get(url, {"state": "reported"}, **HTMX)
    assert issue_ids(htmx) == [other.pk] and "<html" not in html(htmx)
    # A row says where it came from when that is news, and under a search always (随手拍 finds
    # rows by their source: the row shows it).
    hotline = make_issue("reported", source="hotline", description="噪音扰民")
    assert shown(client.get(url, {"state": "reported"}), "source") == ["12345"]
    assert shown(client.get(url, {"q": "巡查"}), "source") == ["巡查", "巡查"]
    assert issue_ids(client.get(url, {"q": "12345"})) == [hotline.pk]


def test_a_keyword_counts_to_the_search_cap_then_says_so(client, people, make_issue, issue, monkeypatch):
    """A keyword's matches are counted to SEARCH_COUNT_CAP (as in the API): within it the chips
    are exact; past it 全部 says "N+", the states and 超期 show no count, and the pager counts the
    rows shown to the cap — in Chinese and in English."""
    from inspections.views import issues as views

    for n in range(3):
        make_issue("rectifying", description=f"井盖破损{n}")
    make_issue("reported", description="井盖缺失")
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    response = client.get(url, {"q": "井盖"})
    assert shown(response, "count-all") == ["4"] and shown(response, "count-rectifying") == ["3"]

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    response = client.get(url, {"q": "井盖"})
    assert len(issue_ids(response)) == 1
    assert shown(response, "count-all") == ["2+"]
    assert shown(response, "count-rectifying") == shown(response, "count-overdue") == []
    assert "第 1 / 2+ 页，共 2+ 项" in html(response)
    last = client.get(url, {"q": "井盖", "page": 2})
    assert "结果超过 2 条，页码只翻到这里" in html(last)
    response = client.get(url, {"q": "井盖", "state": "rectifying"})  # a state: its rows, to the cap
    assert shown(response, "count-all") == ["2+"] and "共 2+ 项" in html(response)
    # As the filter card sends it (every select left alone is an empty value): the same.
    response = client.get(url, {"q": "井盖", "severity": "", "source": "", "region": "", "overdue": ""})
    assert shown(response, "count-all") == ["2+"] and "共 2+ 项" in html(response)
    client.cookies["django_language"] = "en"
    assert "More than 2 results; page numbers stop here" in html(client.get(url, {"q": "井盖", "page": 2}))


def test_the_list_varies_on_htmx_and_its_box_searches_once(client, people, issue):
    """The results fragment (htmx) and the whole page share an address: ``Vary: HX-Request``, and
    history restored from the server asks for the page (``historyRestoreAsHxRequest``: false), so
    back never shows a fragment. The search box is not under the change trigger (its Enter
    submits the form: one request, one history entry)."""
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    page = client.get(url, {"q": "井盖"})
    part = client.get(url, {"q": "井盖"}, headers={"HX-Request": "true"})
    assert "HX-Request" in page["Vary"] and "HX-Request" in part["Vary"]
    assert "<html" in html(page) and "<html" not in html(part)
    assert '"historyRestoreAsHxRequest": false' in html(page)
    assert 'hx-trigger="submit, change from:#issue-filter-more"' in html(page)
    # The address kept is the search without the fields the card sent empty.
    card = client.get(url + "?q=井盖&campaign=&region=&severity=&ordering=-created_at", headers={"HX-Request": "true"})
    assert card["HX-Push-Url"] == url + "?q=%E4%BA%95%E7%9B%96"  # the default sort is not kept either
    assert "campaign=" not in html(card) and "q=%E4%BA%95%E7%9B%96" in html(card)  # nor in its links
    assert "HX-Push-Url" not in page


def test_a_typed_number_or_code_offers_its_issue_first(client, people, make_issue, issue, monkeypatch):
    """``1208`` also finds every row that shows 1208 (an address, a 简称): the issue with that
    number — or that 查询码 — is offered above the list, whatever else is chosen, if the person
    may see it; a page past the first does not repeat it."""
    from inspections.models import Issue
    from inspections.views import issues as views

    other = make_issue("rectifying")
    Issue.objects.filter(pk=other.pk).update(tracking_code="ABCDEFGHJK")
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    response = client.get(url, {"q": f"#{issue.pk}", "state": "closed"})
    assert [int(n) for n in re.findall(r'data-testid="named-issue"[^>]*>#(\d+)', html(response))] == [issue.pk]
    response = client.get(url, {"q": "abcde-fghjk"}, headers={"HX-Request": "true"})
    assert [int(n) for n in re.findall(r'data-testid="named-issue"[^>]*>#(\d+)', html(response))] == [other.pk]
    assert "named-issues" not in html(client.get(url, {"q": "井盖"}))
    assert "named-issues" in html(client.get(url, {"q": str(issue.pk), "page": "1"}))  # the pager's first page
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    for _ in range(2):
        make_issue("rectifying", address=f"花园路{issue.pk}号")
    assert "named-issues" not in html(client.get(url, {"q": str(issue.pk), "page": "2"}))
    client.force_login(people.staff_b)  # another unit's clerk: not offered what they cannot open
    assert "named-issues" not in html(client.get(url, {"q": str(issue.pk)}))


def test_the_sign_overdue_filter_finds_what_waits_past_its_sign_by_time(client, people, make_issue, issue):
    """超期未改 counts the rectification clock, which starts at signing: an issue waiting to be
    signed past its sign-by time (its row says 签收 已超期) is found by 签收超时 — on the page and
    in the API — and not by 已超期."""
    late = make_issue("assigned")
    Issue.objects.filter(pk=late.pk).update(sign_deadline=timezone.now() - dt.timedelta(hours=2))
    signed = make_issue("rectifying")
    Issue.objects.filter(pk=signed.pk).update(sign_deadline=timezone.now() - dt.timedelta(hours=2))
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    assert issue_ids(client.get(url, {"sign_overdue": "true"})) == [late.pk]
    assert late.pk not in issue_ids(client.get(url, {"overdue": "true"}))
    assert late.pk not in issue_ids(client.get(url, {"sign_overdue": "false"}))
    # Both boxes: either kind of overdue (they never overlap; both at once was nothing).
    overdue = make_issue("rectifying")
    Issue.objects.filter(pk=overdue.pk).update(rectification_deadline=timezone.now() - dt.timedelta(hours=1))
    both = client.get(url, {"sign_overdue": "true", "overdue": "true"})
    assert sorted(issue_ids(both)) == sorted([late.pk, overdue.pk])
    assert issue_ids(client.get(url, {"sign_overdue": "true", "overdue": "false"})) == [late.pk]
    assert 'name="sign_overdue"' in html(client.get(url))
    api = client.get("/api/v1/issues/", {"sign_overdue": "true"})
    assert [row["id"] for row in api.json()["results"]] == [late.pk]


def test_past_the_pages_the_pager_still_says_how_many(client, people, make_issue, issue, monkeypatch):
    """The chips know the exact count; the pages stop at the cap: the pager says both (not
    "10,000+ 项" beside 全部 1,000,000)."""
    from chuangcheng.pagination import CappedPaginator
    from inspections.views import issues as views

    for _ in range(3):
        make_issue("rectifying")
    monkeypatch.setattr(CappedPaginator, "cap", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client.force_login(people.supervisor)
    response = client.get(reverse("inspections:issue_list"))
    assert shown(response, "count-all") == ["4"]
    assert "第 1 / 2 页（前 2 项），共 4 项" in html(response)


def test_the_folded_filter_button_says_how_many_filters_apply(client, people, city, issue):
    """On a phone the fields fold under 筛选: the button counts those in use (not the states —
    their chips are lit above the list, the panel does not show them — nor the search box, the
    sort and the page)."""
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    toggle = re.compile(r'data-testid="issue-filter-toggle">[^<]*(?:<span[^>]*>(\d+)</span>)?')
    assert toggle.search(html(client.get(url, {"q": "井盖", "ordering": "deadline"}))).group(1) is None
    query = {"region": city.a.pk, "severity": "serious", "state": ["submitted", "rectifying"], "page": 1}
    assert toggle.search(html(client.get(url, query))).group(1) == "2"
    assert toggle.search(html(client.get(url, {"state": "closed"}))).group(1) is None


def test_a_community_from_an_overviews_link_is_filtered_and_shown_chosen(client, people, make_issue, city, issue):
    """The select offers the city, districts and streets; a community's id comes from its
    overview's links and is used as asked — for a city supervisor (who sees everything) as for a
    district's — not named as out of scope."""
    make_issue("reported", region=city.a1, description="街道的问题，不在该社区")  # the issue is in 甲一社区
    url = reverse("inspections:issue_list")
    for person in (people.supervisor, people.district_supervisor):
        client.force_login(person)
        response = client.get(url, {"region": city.a1v.pk})
        assert issue_ids(response) == [issue.pk]
        assert "ignored-filters" not in html(response)
        assert re.search(rf'<option value="{city.a1v.pk}"[^>]*selected', html(response))
        assert f'<option value="{city.a1v.pk}"' not in html(client.get(url))  # not offered otherwise


def test_a_filter_out_of_scope_is_named_not_silently_dropped_nor_counted(client, people, city, units, issue):
    """A region or unit the person may not choose (a link from someone else, a bookmark) is left
    out of the list — never an error page — and the list says which; the 筛选 button does not
    count it. 不限其他条件 keeps the sort."""
    client.force_login(people.staff_b)
    url = reverse("inspections:issue_list")
    toggle = re.compile(r'data-testid="issue-filter-toggle">[^<]*(?:<span[^>]*>(\d+)</span>)?')
    response = client.get(url, {"region": city.a.pk, "responsible_unit": units.street_a1.pk, "severity": "serious"})
    assert response.status_code == 200
    assert shown(response, "ignored-filters") == [
        "以下筛选条件不在您的查看范围内或已失效，未使用：区域（含下级）、责任单位。"
    ]
    assert toggle.search(html(response)).group(1) == "1"
    assert "ignored-filters" not in html(client.get(url, {"severity": "serious"}))
    client.cookies["django_language"] = "en"
    response = client.get(url, {"region": city.a.pk, "responsible_unit": units.street_a1.pk})
    assert shown(response, "ignored-filters")[0].endswith("applied: Region (including sub-regions), Responsible unit.")
    del client.cookies["django_language"]
    client.force_login(people.supervisor)
    response = client.get(url, {"q": "不存在的词", "state": "closed", "ordering": "severity"})
    assert 'href="/inspections/issues/?q=' in html(response) and "&amp;ordering=severity" in html(response)


def test_list_sorts_by_newest_deadline_or_severity_and_keeps_the_sort_in_its_links(client, people, make_issue, issue):
    """The sort select (?ordering=, the API's names): 最新登记 by default, 整改期限 nearest first
    among the issues still owed, then the others (a closed one's old deadline is not "nearest"),
    the undated last; 严重程度 worst first; the pager and the export keep it."""
    later = make_issue("assigned", description="期限晚的")
    soon = make_issue("assigned", description="期限早的", severity="negative_list")
    undated = make_issue("reported", description="待受理的")
    done = make_issue("closed", description="早已销号的")
    now = timezone.now()
    Issue.objects.filter(pk=done.pk).update(rectification_deadline=now - dt.timedelta(days=30))
    Issue.objects.filter(pk=later.pk).update(rectification_deadline=now + dt.timedelta(days=5))
    Issue.objects.filter(pk=soon.pk).update(rectification_deadline=now + dt.timedelta(days=1))
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=now + dt.timedelta(days=3), severity="serious")
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    newest = [done.pk, undated.pk, soon.pk, later.pk, issue.pk]
    page = client.get(url)
    assert issue_ids(page) == newest
    select = re.search(r'<select name="ordering".*?</select>', html(page), re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select) == ["-created_at", "rectification_deadline", "-severity"]
    assert "最新登记" in select and 'value="-created_at" selected' in select
    assert issue_ids(client.get(url, {"ordering": "rectification_deadline"})) == [
        soon.pk,
        issue.pk,
        later.pk,
        done.pk,
        undated.pk,
    ]
    by_severity = client.get(url, {"ordering": "-severity"})
    assert issue_ids(by_severity)[:2] == [soon.pk, issue.pk]  # 负面清单, then 较重, then the 一般 ones
    assert issue_ids(client.get(url, {"ordering": "description"})) == newest  # not a sort: ignored
    chosen = html(client.get(url, {"ordering": "rectification_deadline"}))
    assert 'value="rectification_deadline" selected' in chosen
    assert 'href="/inspections/issues/export/?ordering=rectification_deadline"' in chosen
    export = client.get(reverse("inspections:issue_export"), {"ordering": "rectification_deadline"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert [r[0] for r in rows[1:]] == [soon.pk, issue.pk, later.pk, done.pk, undated.pk]


def test_the_category_filter_tells_apart_categories_of_the_same_name(client, people, issue):
    """Two code lists name 上水井盖 (and 交通信号灯 twice within one major class): each such option
    says its major class and code; a name given once stays bare; each is its own choice."""
    from tests.inspections.factories import IssueCategoryFactory

    kw = {"kind": "component", "time_limit_hours": None, "time_limit_days": 5}
    first = IssueCategoryFactory(code="100101", major="公共设施", name="上水井盖", **kw)
    second = IssueCategoryFactory(code="BJ0101", major="公用设施", name="上水井盖", **kw)
    IssueCategoryFactory(code="100214", major="道路交通", name="交通信号灯", **kw)
    IssueCategoryFactory(code="BJ0210", major="道路交通", name="交通信号灯", **kw)
    client.force_login(people.supervisor)
    page = html(client.get(reverse("inspections:issue_list")))
    select = re.search(r'<select name="category".*?</select>', page, re.S).group(0)
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select))
    labels = list(options.values())
    assert len(labels) == len(set(labels)), labels
    assert options[str(first.pk)] == "公共设施 / 上水井盖（100101）"
    assert options[str(second.pk)] == "公用设施 / 上水井盖（BJ0101）"
    assert {"道路交通 / 交通信号灯（100214）", "道路交通 / 交通信号灯（BJ0210）"} <= set(labels)
    assert options[str(issue.category_id)] == "暴露垃圾"
    filtered = client.get(reverse("inspections:issue_list"), {"category": second.pk})
    assert "selected>公用设施 / 上水井盖（BJ0101）" in html(filtered)


def test_export_is_the_filtered_list(client, people, make_issue, city, issue):
    make_issue("reported", region=city.b1v, description="乙区的问题")
    client.force_login(people.supervisor)
    for query in ({}, {"region": city.a.pk}, {"state": "reported"}):
        on_page = issue_ids(client.get(reverse("inspections:issue_list"), query))
        response = client.get(reverse("inspections:issue_export"), query)
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        assert [r[0] for r in rows[1:]] == on_page and on_page
    header, row = list(
        load_workbook(
            io.BytesIO(client.get(reverse("inspections:issue_export"), {"region": city.a.pk}).content)
        ).active.values
    )
    values = dict(zip(header, row, strict=True))
    assert values["状态"] == "已交办" and values["责任单位"] == "甲一街道办事处"
    assert values["所在区域"] == "示范市甲区甲一街道甲一社区" and values["问题类别"] == "暴露垃圾"


# --- the issue page ----------------------------------------------------------------------------------


def test_issue_page_shows_photos_timeline_countdown_and_the_units_forms(client, people, issue):
    client.force_login(people.staff)
    response = client.get(reverse("inspections:issue_detail", args=[issue.pk]))
    page = html(response)
    assert shown(response, "timeline-action") == ["登记", "立案交办"]
    assert shown(response, "timeline-actor") == ["supervisor", "supervisor"]
    assert len(re.findall(r'data-testid="photos-before".*?data-testid="photo"', page, re.S)) == 1
    assert shown(response, "countdown")[0].startswith("剩余")
    assert re.findall(r'data-testid="form-([a-z_]+)"', page) == ["sign", "request_reassignment", "add_photo"]
    form = form_html(page, "request_reassignment")
    assert set(re.findall(r'name="([a-z_]+)"', form)) == {"csrfmiddlewaretoken", "reason", "comment"}
    assert "integrity-flags" not in page


def opened(page):
    """The actions whose form the issue page shows open (<details open>)."""
    return re.findall(r'<details class="app-action" id="action-([a-z_]+)" open>', page)


def test_a_sole_reopen_stays_folded_until_chosen_but_a_sole_next_step_opens(client, people, make_issue):
    closed = make_issue("closed")
    url = reverse("inspections:issue_detail", args=[closed.pk])
    client.force_login(people.supervisor)
    page = html(client.get(url))
    assert re.findall(r'data-testid="form-([a-z_]+)"', page) == ["reopen"]
    assert opened(page) == []  # 反弹重办 is a decision: its button, not its form, in grey
    assert re.search(r'<summary class="btn btn-outline-secondary w-100 mb-2" data-testid="action-reopen">', page)
    assert opened(html(client.get(url + "?action=reopen"))) == ["reopen"]
    refused = client.post(reverse("inspections:issue_reopen", args=[closed.pk]), {"reason": ""})
    assert refused.status_code == 400 and opened(html(refused)) == ["reopen"]  # sent back: kept open
    client.force_login(people.staff)  # waiting for 核查: 补充照片 is there, folded (nothing is owed)
    submitted = html(client.get(reverse("inspections:issue_detail", args=[make_issue("submitted").pk])))
    assert re.findall(r'data-testid="form-([a-z_]+)"', submitted) == ["add_photo"] and opened(submitted) == []


def test_submit_form_asks_for_measures_and_camera_photos(client, people, make_issue):
    issue = make_issue("rectifying")
    client.force_login(people.staff)
    page = html(client.get(reverse("inspections:issue_detail", args=[issue.pk])))
    form = form_html(page, "submit")
    assert 'enctype="multipart/form-data"' in form
    assert set(re.findall(r'name="([a-z_]+)"', form)) == {
        "csrfmiddlewaretoken",
        "client_key",
        "based_on",
        "measures",
        "photos",
    }  # client_key: a resend is no second submission; based_on: a stale one is refused
    assert re.search(
        r'<input type="file" name="photos"[^>]*accept="image/\*"[^>]*capture="environment"[^>]*multiple', form
    )


def test_actions_move_the_issue_through_its_lifecycle(client, people, make_issue, units):
    issue = make_issue("reported")
    detail = reverse("inspections:issue_detail", args=[issue.pk])
    client.force_login(people.supervisor)
    response = client.post(
        reverse("inspections:issue_accept", args=[issue.pk]), {"responsible_unit": units.street_a1.pk}
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert "已立案并交办给 甲一街道办事处" in html(client.get(detail))
    client.force_login(people.staff)
    assert client.post(reverse("inspections:issue_sign", args=[issue.pk])).status_code == 302
    response = client.post(
        reverse("inspections:issue_submit", args=[issue.pk]), {"measures": "已清理干净", "photos": [upload(99)]}
    )
    assert response.status_code == 302
    client.force_login(people.supervisor)
    assert client.post(reverse("inspections:issue_verify", args=[issue.pk])).status_code == 302
    issue.refresh_from_db()
    assert issue.state == IssueState.CLOSED and issue.measures == "已清理干净"
    assert issue.photos.filter(kind=PhotoKind.AFTER).count() == 1
    actions = list(IssueEvent.objects.filter(issue=issue).values_list("action", flat=True))
    assert actions == ["create", "accept", "sign", "submit", "verify"]
    page = html(client.get(detail))
    assert len(re.findall(r'data-testid="photos-after".*?data-testid="photo"', page, re.S)) == 1


def _untouched(issue, state, events):
    issue.refresh_from_db()
    assert issue.state == state
    assert IssueEvent.objects.filter(issue=issue).count() == events


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(client, people, make_issue):
    issue = make_issue("rectifying")
    events = issue.events.count()
    client.force_login(people.staff)
    response = client.post(reverse("inspections:issue_submit", args=[issue.pk]), {"measures": "已清理"})
    assert response.status_code == 400
    assert shown(response, "error-photos") == ["提交核查须上传至少一张整改后的照片。"]
    assert "open><summary" in html(response).replace("\n", "").replace(" ", "") or "action-submit" in html(response)
    _untouched(issue, IssueState.RECTIFYING, events)
    response = client.post(
        reverse("inspections:issue_request_extension", args=[issue.pk]),
        {"reason": "材料未到", "deadline": (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert shown(response, "error-deadline") == ["时限不能早于当前时间。"]
    response = client.post(
        reverse("inspections:issue_submit", args=[issue.pk]), {"measures": "", "photos": [upload(5)]}
    )
    assert response.status_code == 400 and shown(response, "error-measures")
    _untouched(issue, IssueState.RECTIFYING, events)
    assert not Photo.objects.filter(issue=issue, kind=PhotoKind.AFTER).exists()


def test_dismiss_needs_a_reason(client, people, make_issue):
    issue = make_issue("reported")
    client.force_login(people.supervisor)
    response = client.post(reverse("inspections:issue_dismiss", args=[issue.pk]), {"reason": "  "})
    assert response.status_code == 400 and shown(response, "error-reason")
    _untouched(issue, IssueState.REPORTED, 1)


def test_refusals_forbidden_conflict_and_out_of_scope(client, people, make_issue):
    submitted = make_issue("submitted")
    client.force_login(people.staff)  # the unit never verifies its own work
    response = client.post(reverse("inspections:issue_verify", args=[submitted.pk]))
    assert response.status_code == 403 and "您没有权限对该问题执行“核查销号”" in html(response)
    _untouched(submitted, IssueState.SUBMITTED, submitted.events.count())
    issue = make_issue("rectifying")
    events = issue.events.count()
    client.force_login(people.supervisor)
    response = client.post(reverse("inspections:issue_verify", args=[issue.pk]))
    assert response.status_code == 409
    assert shown(response, "alert-title") == ["已被他人处理"]
    assert shown(response, "current-state") == ["问题当前状态：整改中"]
    client.force_login(people.staff_b)
    assert client.post(reverse("inspections:issue_submit", args=[issue.pk]), {"measures": "x"}).status_code == 404
    _untouched(issue, IssueState.RECTIFYING, events)


def test_a_second_verifier_is_told_it_was_already_handled(client, people, make_issue):
    issue = make_issue("submitted")
    services.issue_verify(actor=people.district_supervisor, issue_id=issue.pk)
    client.force_login(people.supervisor)
    response = client.post(reverse("inspections:issue_reject", args=[issue.pk]), {"reason": "不干净"})
    assert response.status_code == 409 and shown(response, "current-state") == ["问题当前状态：已销号"]
    assert issue.events.filter(action="reject").count() == 0


def test_pending_request_is_shown_and_answered(client, people, issue, units):
    services.issue_request_reassignment(actor=people.staff, issue_id=issue.pk, reason="territory", comment="属乙区")
    client.force_login(people.supervisor)
    response = client.get(reverse("inspections:issue_detail", args=[issue.pk]))
    assert "属地不符：属乙区" in html(response)
    assert re.findall(r'data-testid="form-([a-z_]+)"', html(response)) == ["reassign", "insist", "add_photo"]
    client.post(reverse("inspections:issue_reassign", args=[issue.pk]), {"responsible_unit": units.street_b1.pk})
    issue.refresh_from_db()
    assert issue.responsible_unit == units.street_b1 and issue.pending_request == ""


def test_duplicate_photo_flag_is_shown_to_the_verifier_with_a_link(client, people, make_issue):
    first = make_issue("submitted", seed=42)
    second = make_issue("submitted", seed=42, description="另一处垃圾")  # the same after-photo
    client.force_login(people.supervisor)
    response = client.get(reverse("inspections:issue_detail", args=[second.pk]))
    flags = html(response)[html(response).index('data-testid="integrity-flags"') :]
    assert "疑似重复照片" in flags and f'href="/inspections/issues/{first.pk}/"' in flags
    client.force_login(people.staff)
    assert "integrity-flags" not in html(client.get(reverse("inspections:issue_detail", args=[second.pk])))


def test_photo_files_are_served_to_those_who_see_the_issue(client, people, issue):
    photo = issue.photos.first()
    client.force_login(people.staff)
    response = client.get(reverse("inspections:photo", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    thumb = client.get(reverse("inspections:photo_thumb", args=[photo.pk]))
    assert b"".join(thumb.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(people.staff_b)
    assert client.get(reverse("inspections:photo", args=[photo.pk])).status_code == 404


# --- capture --------------------------------------------------------------------------------------------


def test_start_an_inspection_then_capture_issues_in_a_row(client, people, campaign, city, categories, units):
    client.force_login(people.supervisor)
    response = client.post(
        reverse("inspections:capture_start"),
        {"campaign": campaign.pk, "kind": "covert", "date": timezone.localdate().isoformat(), "region": city.a1.pk},
    )
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("inspections:capture", args=[inspection.pk])
    page = html(client.get(response["Location"]))
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "data-geo" in page
    assert "<script>" not in page and " onclick=" not in page
    data = {
        "category": categories.garbage.pk,
        "severity": "serious",
        "description": "人行道暴露垃圾",
        "region": city.a1v.pk,
        "address": "经八路 3 号",
        "latitude": "34.757975",
        "longitude": "113.665412",
        "assign": "on",
        "photos": [upload(31)],
    }
    response = client.post(reverse("inspections:capture", args=[inspection.pk]), data, **HTMX)
    assert response.status_code == 200
    issue = Issue.objects.get()
    assert (issue.inspection, issue.source, issue.severity, issue.state) == (
        inspection,
        "covert",
        "serious",
        "assigned",
    )
    assert issue.responsible_unit == units.street_a1  # 属地兜底: the street above 甲一社区
    assert str(issue.latitude) == "34.757975" and issue.photos.get().kind == PhotoKind.BEFORE
    body = html(response)
    assert shown(response, "saved")[0].startswith(f"已登记问题 #{issue.pk}")
    assert re.search(rf'<option value="{categories.garbage.pk}" selected>', body)  # kept for the next one
    assert re.search(rf'<option value="{city.a1v.pk}" selected>', body)
    assert 'name="description"' in body and "人行道暴露垃圾</textarea>" not in body  # reset
    # the severity is not: a 较重 must not pass silently to the next problem
    assert re.search(r'id="severity-general"[^>]* checked', body) and not re.search(
        r'id="severity-serious"[^>]* checked', body
    )
    assert len(re.findall(r'data-testid="found-issue"', body)) == 1


def test_continue_a_recent_inspection_lists_the_newest_first(client, people, campaign, city):
    today = timezone.localdate()
    for days_ago in (3, 0, 9, 1):  # created out of date order
        services.inspection_create(
            actor=people.supervisor,
            campaign=campaign,
            kind="covert",
            date=today - dt.timedelta(days=days_ago),
            region=city.a1,
        )
    client.force_login(people.supervisor)
    page = html(client.get(reverse("inspections:capture_start")))
    recent = page[page.index('data-testid="recent-inspections"') :]
    listed = [int(pk) for pk in re.findall(r'href="/inspections/capture/(\d+)/"', recent)]
    dates = [Inspection.objects.get(pk=pk).date for pk in listed]
    assert dates == sorted(dates, reverse=True) and len(dates) == 4 and dates[0] == today


def test_capture_without_assign_records_a_report(client, people, inspection, categories, city):
    client.force_login(people.supervisor)
    data = {"category": categories.ads.pk, "severity": "general", "description": "门前乱堆", "region": city.a1.pk}
    response = client.post(reverse("inspections:capture", args=[inspection.pk]), data)
    assert response.status_code == 302
    issue = Issue.objects.get()
    assert issue.state == IssueState.REPORTED and issue.responsible_unit is None


def test_the_campaign_categories_group_is_named_once(client, people, inspection, categories):
    """创建专项 is both the kind and the major class of the campaign's own categories: its group
    in the category select reads 创建专项 (Campaign-specific), not 创建专项 · 创建专项."""
    client.force_login(people.supervisor)
    # The capture form, and the 问题清单's category filter (the same groups).
    for url in (reverse("inspections:capture", args=[inspection.pk]), reverse("inspections:issue_list")):
        page = client.get(url).content.decode()
        labels = re.findall(r'<optgroup label="([^"]*)"', page)
        assert "创建专项" in labels and not any(label.count("创建专项") > 1 for label in labels), (url, labels)


def test_a_campaign_narrows_the_categories_on_the_phone(client, people, inspection, categories, city):
    from inspections.models import CampaignCategorySet

    client.force_login(people.supervisor)
    url = reverse("inspections:capture", args=[inspection.pk])
    assert categories.green.name in client.get(url).content.decode()  # no set: every category
    chosen = CampaignCategorySet.objects.create(campaign=inspection.campaign)
    chosen.categories.set([categories.garbage, categories.ads])
    page = client.get(url).content.decode()
    assert categories.garbage.name in page and categories.ads.name in page
    # The category select's options (a region option may share the pk's number).
    select = re.search(r'<select[^>]*name="category".*?</select>', page, re.S).group(0)
    assert f'value="{categories.green.pk}"' not in select and f'value="{categories.garbage.pk}"' in select
    data = {"category": categories.green.pk, "severity": "general", "description": "绿地裸土", "region": city.a1.pk}
    refused = client.post(url, data)
    assert refused.status_code == 400 and not Issue.objects.exists()


def test_capture_errors_show_by_their_field_and_write_nothing(client, people, inspection, categories, city):
    client.force_login(people.supervisor)
    url = reverse("inspections:capture", args=[inspection.pk])
    base = {"category": categories.garbage.pk, "severity": "general", "region": city.a1v.pk}
    response = client.post(url, {**base, "description": "  "}, **HTMX)
    assert response.status_code == 400 and shown(response, "error-description") == ["请填写问题描述。"]
    # what was left out, all at once — and no "valid" category when none was chosen
    response = client.post(url, {**base, "category": "", "description": ""}, **HTMX)
    assert response.status_code == 400
    assert (shown(response, "error-category"), shown(response, "error-description")) == (
        ["请选择问题类别。"],
        ["请填写问题描述。"],
    )
    response = client.post(url, {**base, "description": "x", "latitude": "3.1", "longitude": "113.6"}, **HTMX)
    assert response.status_code == 400 and "不在我国境内" in shown(response, "error-address")[0]
    response = client.post(url, {**base, "description": "x", "photos": [io.BytesIO(b"not an image")]}, **HTMX)
    assert response.status_code == 400 and shown(response, "error-photos")
    assert not Issue.objects.exists()


def test_unit_suggestion_follows_category_and_region(client, people, inspection, categories, city, units):
    green_unit = units.cgj.__class__.objects.create(
        name="示范市园林局", kind="functional", level="city", region=city.city
    )
    client.force_login(people.supervisor)
    url = reverse("inspections:capture_suggest", args=[inspection.pk])
    response = client.get(url, {"category": categories.green.pk, "region": city.a1v.pk}, **HTMX)
    assert "推荐：示范市园林局" in shown(response, "suggested-unit")[0]
    assert re.search(rf'<option value="{green_unit.pk}" selected>', html(response))
    response = client.get(url, {"category": categories.garbage.pk, "region": city.a1v.pk}, **HTMX)
    assert "推荐：甲一街道办事处" in shown(response, "suggested-unit")[0]


# --- inspections -------------------------------------------------------------------------------------------


def test_inspection_list_counts_and_detail_lists_its_issues(client, people, issue, make_issue, inspection):
    make_issue("reported", inspection=inspection)
    client.force_login(people.supervisor)
    assert shown(client.get(reverse("inspections:inspection_list")), "issue-count") == ["2 个问题"]
    response = client.get(reverse("inspections:inspection_detail", args=[inspection.pk]))
    assert len(re.findall(r'data-testid="issue-row"', html(response))) == 2


# --- 我的待办: the unit's issues ---------------------------------------------------------------------------


def _long_term(issue, people, *, days):
    """Move ``issue`` to 长期整改 with a target ``days`` from today (as a supervisor does)."""
    services.issue_move_long_term(
        actor=people.supervisor,
        issue_id=issue.pk,
        plan="改造",
        target_date=timezone.localdate() + dt.timedelta(days=days),
    )
    return issue


def test_my_queue_lists_sign_rectify_rework_and_long_term_by_deadline(client, people, make_issue, issue):
    rectifying = make_issue("rectifying")
    rework = make_issue("submitted")
    services.issue_reject(actor=people.supervisor, issue_id=rework.pk, reason="没扫干净")
    long_term = _long_term(make_issue("rectifying"), people, days=60)
    make_issue("closed")
    Issue.objects.filter(pk=rework.pk).update(rectification_deadline=timezone.now() - dt.timedelta(days=2))
    client.force_login(people.staff)
    response = client.get(reverse("inspections:my_queue"), **HTMX)
    got = [int(n) for n in re.findall(r'data-testid="queue-issue" data-issue="(\d+)"', html(response))]
    assert got[0] == rework.pk and set(got) == {issue.pk, rectifying.pk, rework.pk, long_term.pk}
    assert got[-1] == long_term.pk  # due in 60 days: below the ones to sign and to rectify
    labels = dict(zip(got, shown(response, "queue-label"), strict=True))
    assert labels[rework.pk] == "返工" and labels[issue.pk] == "待签收"
    assert labels[rectifying.pk] == "整改中" and labels[long_term.pk] == "长期整改"
    assert "已超期 2 天" in shown(response, "queue-deadline")
    my_work = html(client.get(reverse("tasks:my_work")))
    assert f'hx-get="{reverse("inspections:my_queue")}?compact=1"' in my_work
    compact = client.get(reverse("inspections:my_queue"), {"compact": "1"}, **HTMX)
    assert len(shown(compact, "queue-label")) == 4 and "issue-queue-more" not in html(compact)
    client.force_login(people.staff_b)
    assert shown(client.get(reverse("inspections:my_queue"), **HTMX), "queue-empty")


# --- query budgets: they must not grow with rows ----------------------------------------------------------


def _queries(client, url, data=None, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data, **kwargs)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _bulk_issues(n, *, campaign, category, region, unit, state=IssueState.RECTIFYING, photos=True):
    now = timezone.now()
    issues = Issue.objects.bulk_create(
        [
            Issue(
                campaign=campaign,
                category=category,
                description=f"批量问题{i}",
                region=region,
                responsible_unit=unit,
                state=state,
                signed_at=now,
                rectification_deadline=now + dt.timedelta(hours=i % 50 - 10),
                created_at=now - dt.timedelta(minutes=i),
            )
            for i in range(n)
        ]
    )
    tally.rebuild()  # bulk_create passes by the services
    if photos:
        Photo.objects.bulk_create(
            [
                Photo(
                    issue=issue,
                    kind=PhotoKind.BEFORE,
                    file="issues/x.jpg",
                    thumbnail="issues/thumbs/x.jpg",
                    size=1,
                    sha256=f"{issue.pk:064d}",
                    original_sha256=f"{issue.pk:064d}",
                    dhash=f"{issue.pk:016x}",
                    width=1,
                    height=1,
                )
                for issue in issues
                for _ in range(2)
            ]
        )
    return issues


def test_issue_list_query_budget_with_1000_issues(
    client, people, campaign, categories, city, units, django_assert_max_num_queries
):
    bulk = {"campaign": campaign, "category": categories.garbage, "region": city.a1v, "unit": units.street_a1}
    _bulk_issues(60, **bulk)
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_list")
    few = _queries(client, url)
    _bulk_issues(1000, **bulk)
    _bulk_issues(100, **{**bulk, "region": city.b1v, "unit": units.street_b1})
    assert Issue.objects.count() > 1100
    assert _queries(client, url) == few <= 16
    query = {"campaign": campaign.pk, "region": city.a.pk, "state": "rectifying", "page": "3"}
    # + the filters' lookups, + the region's path (it lets the list drop the visibility OR).
    with django_assert_max_num_queries(few + 3):
        response = client.get(url, query)
    assert len(issue_ids(response)) == 50
    with django_assert_max_num_queries(few + 3):
        client.get(reverse("inspections:issue_export"), {"region": city.a.pk})


def test_issue_page_query_budget(client, people, campaign, categories, city, units, make_issue):
    issue = make_issue("submitted")
    bulk = {"campaign": campaign, "category": categories.garbage, "region": city.a1v, "unit": units.street_a1}
    _bulk_issues(60, **bulk)
    url = reverse("inspections:issue_detail", args=[issue.pk])
    # Each has opened it once: its notices are read (the first visit's one UPDATE).
    client.force_login(people.supervisor)
    client.get(url)
    few = _queries(client, url)
    client.force_login(people.staff)
    client.get(url)
    few_staff = _queries(client, url)
    _bulk_issues(1000, **bulk)
    for i in range(10):
        services.photo_add(actor=people.staff, issue_id=issue.pk, kind="evidence", photos=[upload(500 + i)])
    client.force_login(people.supervisor)
    assert _queries(client, url) == few <= 13  # 13: + the issues the supervisor took part in (own work)
    client.force_login(people.staff)
    assert _queries(client, url) == few_staff <= 12


def test_my_queue_puts_the_negative_list_and_the_sign_by_time_before_far_deadlines(client, people, make_issue):
    """QA: a 负面清单 issue to sign within the hour sat below long-term issues due in months,
    and issues to sign (no rectification deadline yet) sank to the end."""
    far = make_issue("rectifying")
    Issue.objects.filter(pk=far.pk).update(rectification_deadline=timezone.now() + dt.timedelta(days=20))
    to_sign = make_issue("assigned")
    Issue.objects.filter(pk=to_sign.pk).update(sign_deadline=timezone.now() + dt.timedelta(hours=2))
    negative = make_issue("assigned", severity="negative_list")
    long_term = _long_term(make_issue("rectifying"), people, days=90)
    Issue.objects.filter(pk=long_term.pk).update(rectification_deadline=timezone.now() - dt.timedelta(days=30))
    client.force_login(people.staff)
    response = client.get(reverse("inspections:my_queue"), **HTMX)
    got = [int(n) for n in re.findall(r'data-testid="queue-issue" data-issue="(\d+)"', html(response))]
    assert got == [negative.pk, to_sign.pk, far.pk, long_term.pk]
    # and it says why it is first (QA: an item 超期 48 天 under ones due in days looked misordered)
    assert shown(response, "queue-negative") == ["负面清单"]


def test_my_queue_query_budget(client, people, campaign, categories, city, units):
    bulk = {"campaign": campaign, "category": categories.garbage, "region": city.a1v, "unit": units.street_a1}
    _bulk_issues(5, **bulk, photos=False)
    client.force_login(people.staff)
    url = reverse("inspections:my_queue")
    few = _queries(client, url, **HTMX)
    _bulk_issues(300, **bulk, photos=False)
    assert _queries(client, url, **HTMX) == few <= 6


def test_page_zero_of_the_issue_list_is_the_first_page_not_the_last(client, people, make_issue, monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules["inspections.views.issues"], "PAGE_SIZE", 2)
    newest_first = [make_issue("reported").pk for _ in range(5)][::-1]
    client.force_login(people.supervisor)
    for number in ("0", "-2", "abc"):
        response = client.get(reverse("inspections:issue_list"), {"page": number})
        assert issue_ids(response) == newest_first[:2], number
        assert "第 1 / 3 页" in html(response)
    assert issue_ids(client.get(reverse("inspections:issue_list"), {"page": "7"})) == newest_first[4:]


def test_a_recorded_time_limit_reads_in_the_readers_language():
    """An event keeps the limit in the words of the moment ("2 工作时"); the timeline says it in
    the reader's language, whichever language wrote it."""
    from django.utils import translation

    from inspections.views.common import change_lines

    def limit_line(written):
        return [(line["label"], line["new"]) for line in change_lines(IssueEvent(changes={"limit": written}))]

    with translation.override("en"):
        assert limit_line("2 工作时") == [("Time limit", "2 working hours")]
        assert limit_line("5 工作日") == [("Time limit", "5 working days")]
        assert limit_line("立行立改（当日）") == [("Time limit", "Fix at once (same day)")]
        assert limit_line("按约定") == [("Time limit", "按约定")]  # words it cannot read stay
    with translation.override("zh-hans"):
        assert limit_line("2 working hours") == [("处置时限", "2 工作时")]
        assert limit_line("Fix at once (same day)") == [("处置时限", "立行立改（当日）")]


def test_the_issue_page_shows_the_limit_that_applies_not_the_categorys(client, people, make_issue):
    """QA: a 负面清单 issue's page said "3 工作日" (its category's limit) beside 立行立改."""
    negative = make_issue("assigned", severity="negative_list")
    client.force_login(people.supervisor)
    page = html(client.get(reverse("inspections:issue_detail", args=[negative.pk])))
    assert re.search(r'data-testid="issue-limit">立行立改（当日）<', page)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_deadline_sort_reads_its_index(people, issue):
    """整改期限最近 (issues still owed first) is served by insp_issue_order_clock: a page at any
    depth is an index range, not a sort of every visible row."""
    from inspections.selectors import ISSUE_ORDERINGS, issue_list

    qs = issue_list(user=people.supervisor).order_by(*ISSUE_ORDERINGS["rectification_deadline"][1])[:50]
    assert "insp_issue_order_clock" in plan(qs, "seqscan", "sort")


def test_the_list_says_which_words_it_did_not_look_for(client, people):
    """QA: a sixth word (a street typed last to narrow down) was silently ignored."""
    client.force_login(people.supervisor)
    page = html(client.get(reverse("inspections:issue_list"), {"q": "井盖 缺失 安全 隐患 存在 经八路"}))
    assert "只按前 5 个词查找，没有用到：经八路" in page
    assert 'data-testid="search-unused"' not in html(client.get(reverse("inspections:issue_list"), {"q": "井盖 缺失"}))


def test_opening_an_issue_reads_its_notices(client, people, make_issue):
    """新交办问题：#N stays unread no more once the person has #N open, however they got there
    (我的待办, the list) — the bell counts what is still news. Others' and other issues' stay."""
    from chuangcheng.notifications.models import Notice
    from chuangcheng.notifications.services import notice_send

    mine, other = make_issue("assigned"), make_issue("assigned")
    urls = {issue.pk: reverse("inspections:issue_detail", args=[issue.pk]) for issue in (mine, other)}
    for url in urls.values():
        notice_send(recipients=[people.staff, people.supervisor], title="督办", url=url, kind="issue")
    unread = Notice.objects.filter(read_at__isnull=True)
    assert set(unread.filter(recipient=people.staff).values_list("url", flat=True)) == set(urls.values())
    client.force_login(people.staff)
    response = client.get(urls[mine.pk])
    assert response.status_code == 200
    assert set(unread.filter(recipient=people.staff).values_list("url", flat=True)) == {urls[other.pk]}
    assert set(unread.filter(recipient=people.supervisor).values_list("url", flat=True)) == set(urls.values())
    # The bell on that page counts what is left unread.
    assert response.wsgi_request._unread_notice_count == unread.filter(recipient=people.staff).count() > 0
    # Nothing unread: the page writes nothing.
    unread.filter(recipient=people.staff).update(read_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert client.get(urls[other.pk]).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_rework_may_get_a_new_deadline_and_says_when_the_old_one_has_passed(client, people, make_issue):
    """QA: 核查退回 kept the old deadline with no way to give another, so an issue sent back
    after its deadline was 超期 at once. The form offers 返工期限 (optional) and says so."""
    late = make_issue("submitted")
    Issue.objects.filter(pk=late.pk).update(rectification_deadline=timezone.now() - dt.timedelta(days=3))
    client.force_login(people.supervisor)
    url = reverse("inspections:issue_detail", args=[late.pk])
    page = html(client.get(url + "?action=reject"))
    assert "返工期限（可不填）" in page and "它已过，退回后即为超期" in page
    new = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(reverse("inspections:issue_reject", args=[late.pk]), {"reason": "没扫干净", "deadline": new})
    assert response.status_code in (200, 302)
    late.refresh_from_db()
    assert late.state == IssueState.RECTIFYING and timezone.localtime(late.rectification_deadline).date() == new
    kept = make_issue("submitted")
    before = kept.rectification_deadline
    client.post(reverse("inspections:issue_reject", args=[kept.pk]), {"reason": "没扫干净"})
    kept.refresh_from_db()
    assert kept.state == IssueState.RECTIFYING and kept.rectification_deadline == before


def test_after_a_verification_the_next_one_is_offered(client, people, make_issue):
    """QA: after 核查销号 a supervisor with 55 more to check had to go back to 我的待办 for each."""
    first, second, third = make_issue("submitted"), make_issue("submitted"), make_issue("submitted")
    client.force_login(people.supervisor)
    response = client.post(reverse("inspections:issue_verify", args=[first.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("inspections:issue_detail", args=[first.pk]) + "?after=verify"
    assert shown(response, "next-to-verify-count") == ["还有 2 个问题待核查。"]
    assert shown(response, "next-to-verify-link") == [f"下一个：#{second.pk}"]
    response = client.post(reverse("inspections:issue_reject", args=[second.pk]), {"reason": "未清理"}, follow=True)
    assert shown(response, "next-to-verify-link") == [f"下一个：#{third.pk}"]
    client.post(reverse("inspections:issue_verify", args=[third.pk]))
    assert "next-to-verify" not in html(
        client.get(reverse("inspections:issue_detail", args=[third.pk]) + "?after=verify")
    )
    assert "next-to-verify" not in html(client.get(reverse("inspections:issue_detail", args=[first.pk])))
