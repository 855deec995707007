"""API counts that do not scan (issue 18): exact up to the cap, then capped and said so; a page
past the cap is a 404 that says to narrow the filter."""

import pytest
from rest_framework.test import APIClient

from chuangcheng import pagination
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(people.admin)
    return client


def test_counts_are_exact_below_the_cap_and_capped_above(api, campaign, units, monkeypatch):
    for _ in range(7):
        TaskFactory(campaign=campaign, owner_unit=units.street_a1)
    data = api.get("/api/v1/tasks/", {"page_size": 2}).data
    assert (data["count"], data["count_capped"]) == (7, False)

    monkeypatch.setattr(pagination.CappedPaginator, "cap", 5)
    data = api.get("/api/v1/tasks/", {"page_size": 2}).data
    assert (data["count"], data["count_capped"]) == (5, True)
    assert len(api.get("/api/v1/tasks/", {"page_size": 2, "page": 3}).data["results"]) == 1  # rows 5 of the first 5
    beyond = api.get("/api/v1/tasks/", {"page_size": 2, "page": 4})
    assert beyond.status_code == 404
    assert "缩小范围" in str(beyond.data["detail"])


def test_a_text_search_counts_to_the_search_cap_then_pages_by_cursor(api, campaign, units, monkeypatch):
    """``?q=`` stops counting at ``SEARCH_COUNT_CAP`` (its matches are rechecked one by one);
    the page past it says so with that number, and ``next`` goes on by cursor to every match."""
    for i in range(7):
        TaskFactory(campaign=campaign, owner_unit=units.street_a1, title=f"背街小巷整治{i}")
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, title="其他任务")
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 4)
    data = api.get("/api/v1/tasks/", {"page_size": 2}).data
    assert (data["count"], data["count_capped"]) == (8, False)  # no search: the usual cap
    data = api.get("/api/v1/tasks/", {"page_size": 2, "q": "背街"}).data
    assert (data["count"], data["count_capped"]) == (4, True)
    beyond = api.get("/api/v1/tasks/", {"page_size": 2, "q": "背街", "page": 3})
    assert beyond.status_code == 404
    assert "前 4 条" in str(beyond.data["detail"])
    seen, url, params = [], "/api/v1/tasks/", {"page_size": 2, "q": "背街"}
    while url:
        page = api.get(url, params).data
        seen += [row["id"] for row in page["results"]]
        url, params = page["next"], None
    assert len(seen) == len(set(seen)) == 7


ORDERINGS = ["deadline", "-deadline", "-progress", "title", "state", "-created_at", "-start_date,title", "id"]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_following_next_walks_every_row_once_in_order_past_the_cap(api, campaign, units, monkeypatch, ordering):
    """Page numbers up to the cap, then keyset cursors: every row once, in the ordering's order
    (ties broken by id), however the rows tie and whether the key is NULL."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    for i in range(11):
        TaskFactory(
            campaign=campaign,
            owner_unit=units.street_a1,
            deadline=today + dt.timedelta(days=10 + i % 3),
            progress=(i * 10) % 30,
            title=f"任务{i % 3}",
        )
    everything = api.get("/api/v1/tasks/", {"page_size": 500, "ordering": ordering}).data
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 4)
    expected = [row["id"] for row in everything["results"]]

    seen, url, params = [], "/api/v1/tasks/", {"page_size": 3, "ordering": ordering}
    while url:
        data = api.get(url, params).data
        seen += [row["id"] for row in data["results"]]
        url, params = data["next"], None
    assert seen == expected
    assert len(set(seen)) == 11


def test_cursor_pages_do_not_count_and_bad_cursors_say_so(api, campaign, units, monkeypatch):
    for _ in range(5):
        TaskFactory(campaign=campaign, owner_unit=units.street_a1)
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 2)
    first = api.get("/api/v1/tasks/", {"page_size": 2}).data
    assert first["next"] and "cursor=" in first["next"]
    second = api.get(first["next"]).data
    assert second["count"] is None and second["previous"] is None and len(second["results"]) == 2

    for bad in ("garbage", "eyJvIjogWyJ4Il0sICJ2IjogWzFdfQ", ""):
        response = api.get("/api/v1/tasks/", {"cursor": bad})
        assert response.status_code == 400, bad
        assert "重新开始" in str(response.data["detail"])
    cursor = first["next"].split("cursor=")[1]
    other_order = api.get("/api/v1/tasks/", {"cursor": cursor, "ordering": "title"})
    assert other_order.status_code == 400


def test_every_ordering_ends_with_id():
    assert pagination.ordering_with_id(["deadline"]) == ["deadline", "id"]
    assert pagination.ordering_with_id(["-severity"]) == ["-severity", "-id"]
    assert pagination.ordering_with_id(["-created_at", "-id"]) == ["-created_at", "-id"]


def test_a_page_past_the_end_of_a_short_list_does_not_blame_the_cap(api, campaign, units):
    TaskFactory(campaign=campaign, owner_unit=units.street_a1)
    response = api.get("/api/v1/tasks/", {"page": 9})
    assert response.status_code == 404
    assert str(response.data["detail"]) == "没有这一页。"


@pytest.mark.parametrize("number", ["0", "-3", "abc", "1.5", "", None])
def test_on_a_list_page_a_page_below_one_or_not_a_number_is_the_first(number):
    """Django's get_page sends page 0 and negative pages to the *last* page; the list pages
    show the first, as for a page that is not a number. Past the end is still the last."""
    paginator = pagination.CappedPaginator(list(range(25)), 10)
    assert paginator.get_page(number).number == 1
    assert paginator.get_page("9").number == 3


def test_page_zero_of_the_ledger_is_its_first_page(client, people, campaign, units, monkeypatch):
    import sys

    monkeypatch.setattr(sys.modules["tasks.views.ledger"], "PAGE_SIZE", 2)
    for _ in range(5):
        TaskFactory(campaign=campaign, owner_unit=units.street_a1)
    client.force_login(people.admin)
    for number in ("0", "-1", "x"):
        response = client.get("/tasks/", {"page": number})
        assert response.status_code == 200
        assert (response.context["page"].number, response.context["page"].paginator.num_pages) == (1, 3), number
    assert client.get("/tasks/", {"page": "9"}).context["page"].number == 3  # past the end: the last


def test_an_api_page_below_one_or_not_a_number_is_missing_without_blaming_the_cap(api, campaign, units, monkeypatch):
    for _ in range(5):
        TaskFactory(campaign=campaign, owner_unit=units.street_a1)
    monkeypatch.setattr(pagination.CappedPaginator, "cap", 3)
    for number in ("0", "-1", "x"):
        response = api.get("/api/v1/tasks/", {"page_size": 2, "page": number})
        assert response.status_code == 404
        assert str(response.data["detail"]) == "没有这一页。"
    assert "缩小范围" in str(api.get("/api/v1/tasks/", {"page_size": 2, "page": 3}).data["detail"])


@pytest.mark.parametrize(
    ("lang", "cursor", "capped"),
    [
        (None, "翻页位置，取自 `next` 链接", "计数到 10,000 为止"),
        ("en", "Keyset position from a `next` link", "the count stops at 10,000"),
    ],
)
def test_the_paging_parameters_are_described_in_chinese_and_in_english(api, lang, cursor, capped):
    query = {"lang": lang} if lang else {}
    schema = api.get("/api/v1/schema/", query, HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/issues/"]["get"]["parameters"]}
    assert parameters["cursor"]["description"].startswith(cursor)
    page = schema["components"]["schemas"]["PaginatedIssueList"]["properties"]["count_capped"]
    assert capped in page["description"]


@pytest.mark.parametrize("value", ["abc", "0", "-3", "2.5"])
def test_a_page_size_that_is_not_a_whole_number_is_a_400_naming_it(api, campaign, units, value):
    TaskFactory(campaign=campaign, owner_unit=units.street_a1)
    answer = api.get("/api/v1/tasks/", {"page_size": value})
    assert answer.status_code == 400
    assert "page_size" in str(answer.data["detail"]) and value in str(answer.data["detail"])
    assert api.get("/api/v1/tasks/", {"page_size": "900"}).data["count"] == 1  # above the maximum: cut to it
