"""The 问题清单 search (issue 18): on PostgreSQL a query is answered from the character-pair index
and rechecked — it must return exactly the ids the plain substring match returns, for one
character, two (井盖, 垃圾), long phrases, Latin letters in any case, quotes and LIKE's
wildcards. And the plan must use the index."""

import itertools

import pytest
from django.db import connection
from django.db.models import Q

from inspections import services
from inspections.filters import IssueFilter
from inspections.models import Issue
from inspections.search import grams_query
from tests.inspections.conftest import LAT, LNG, plan

pytestmark = pytest.mark.django_db

THINGS = [
    "井盖",
    "垃圾桶",
    "暴露垃圾",
    "占道经营",
    "共享单车",
    "小广告",
    "LED屏",
    "O'Brien店招",
    "100%纯净水广告",
    "a_b路牌",
]
FAULTS = ["破损", "缺失", "乱堆乱放", "松动", "满溢", "未清运", ""]
PLACES = ["文化路", "花园路与农业路交叉口", "金水路88号", "中原区建设路", "二七广场东侧"]


@pytest.fixture
def issues(campaign, city, categories, people):
    rows = []
    for n, (thing, fault, place) in enumerate(itertools.product(THINGS, FAULTS, PLACES)):
        if n % 3:
            continue
        rows.append(
            services.issue_create(
                actor=people.supervisor,
                campaign=campaign,
                category=categories.garbage,
                region=city.a1v,
                description=f"{place}{thing}{fault}",
                address=f"郑州市{place}",
                latitude=LAT,
                longitude=LNG,
            ).pk
        )
    return rows


QUERIES = [
    "井盖",
    "垃圾",
    "垃",
    "井盖破损",
    "花园路与农业路",
    "led",
    "LED屏",
    "o'brien",
    "100%",
    "%",
    "a_b",
    "_",
    "'",
    "不存在的词",
    "路",
]


@pytest.mark.parametrize("query", QUERIES)
def test_search_returns_exactly_the_substring_matches(issues, query):
    substring = Q(description__icontains=query) | Q(address__icontains=query) | Q(tracking_code=query)
    expected = set(Issue.objects.filter(substring).values_list("pk", flat=True))
    found = set(IssueFilter({"q": query}, queryset=Issue.objects.all()).qs.values_list("pk", flat=True))
    assert found == expected
    if query in ("井盖", "垃圾", "led"):
        assert expected  # the fixture has them


@pytest.mark.parametrize(
    "query", ["井盖 破损", "垃圾\u3000满溢", "文化路 LED", " 井盖  缺失 ", "井盖 不存在的词", "% _"]
)
def test_words_apart_must_each_be_found(issues, query):
    """``井盖 破损`` (a space or a full-width one between): issues whose description or address
    holds each word, in any order — not the phrase with its space (which nothing holds)."""
    expected = Q()
    for word in query.split():
        expected &= Q(description__icontains=word) | Q(address__icontains=word)
    expected = set(Issue.objects.filter(expected).values_list("pk", flat=True))
    found = set(IssueFilter({"q": query}, queryset=Issue.objects.all()).qs.values_list("pk", flat=True))
    assert found == expected
    if query in ("井盖 破损", "文化路 LED"):
        assert expected


def test_an_empty_choice_chooses_nothing(issues):
    """The page's form sends ``severity=`` for a select left alone: the filter is valid and the
    keyword applies (before, the whole form was invalid: the API said 400)."""
    filterset = IssueFilter({"q": "井盖", "severity": "", "source": ["", "citizen"]}, queryset=Issue.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert filterset.form.cleaned_data["severity"] == [] and filterset.form.cleaned_data["source"] == ["citizen"]
    plain = IssueFilter({"q": "井盖"}, queryset=Issue.objects.all()).qs
    assert set(IssueFilter({"q": "井盖", "severity": ""}, queryset=Issue.objects.all()).qs) == set(plain)


def test_the_api_takes_an_empty_choice(issues, api):
    response = api.get("/api/v1/issues/", {"q": "井盖", "severity": "", "state": ""})
    assert response.status_code == 200, response.content
    assert response.data["results"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_query_uses_the_pair_index(issues):
    qs = IssueFilter({"q": "井盖"}, queryset=Issue.objects.all()).qs
    assert "insp_issue_search_grams" in plan(qs, "seqscan", "indexscan")


def test_the_pairs_query_quotes_what_it_must():
    assert grams_query("井盖") == "'井盖'"
    assert grams_query("垃") == "'垃'"
    assert grams_query("O'B") == "'o''' & '''b'"
    assert grams_query("a\\b") == "'a\\\\' & '\\\\b'"


# --- a common phrase's page, walked in the list's order (chuangcheng.walk) ---------------------

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the walk is PostgreSQL's")


def _every_id(api, params):
    """Every id of the list, page by page then by cursor, following ``next``."""
    seen, url, params = [], "/api/v1/issues/", params
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.data
        seen += [row["id"] for row in response.data["results"]]
        url, params = response.data["next"], None
    return seen


@pytest.fixture
def api(people):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(people.admin)
    return client


@on_postgresql
@pytest.mark.parametrize("ordering", [None, "created_at", "-severity", "rectification_deadline", "state"])
@pytest.mark.parametrize("query", ["垃圾", "路", "井盖破损", "花园路与农业路", "不存在的词", "#1", "路 垃圾"])
def test_a_walked_page_is_the_page_the_index_gives(issues, api, monkeypatch, ordering, query):
    """Forced to walk (and to walk only a few rows, so some walks fill the page and some do not),
    every page of every ordering holds the same ids, in the same order, as without the walk."""
    from chuangcheng import pagination, walk
    from inspections.search import SearchMatch

    Issue.objects.filter(pk__in=issues[::4]).update(severity="serious")
    params = {"q": query, "page_size": 4, **({"ordering": ordering} if ordering else {})}
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 8)  # the pages go on by cursor past 8
    expected = _every_id(api, params)

    walked = []
    real = walk.walked_ids

    def spy(queryset):
        ids = real(queryset)
        walked.append(ids is not None)
        return ids

    monkeypatch.setattr(pagination, "walked_ids", spy)
    monkeypatch.setattr(SearchMatch, "worth_walking", lambda self, using: True)
    monkeypatch.setattr(walk, "WALK_ROWS_MIN", 12)
    monkeypatch.setattr(walk, "WALK_ROWS_PER_ROW", 2)
    assert _every_id(api, params) == expected
    if query in ("垃圾", "路", "路 垃圾"):
        assert any(walked) and len(expected) > 8  # walked pages, both by number and by cursor


@on_postgresql
def test_the_walk_reads_the_list_in_order_and_stops(issues, monkeypatch):
    """The walk's plan: the list's own order, LIMITed, tested row by row — not the pair index."""
    from chuangcheng import walk
    from inspections.search import SearchMatch

    monkeypatch.setattr(SearchMatch, "worth_walking", lambda self, using: True)
    qs = IssueFilter({"q": "路"}, queryset=Issue.objects.order_by("-created_at", "-id")).qs[:3]
    statements = []
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: statements.append(sql) or execute(sql, params, many, context)
    ):
        ids = walk.walked_ids(qs)
    assert ids == list(qs.values_list("pk", flat=True))
    assert len(statements) == 1 and "LIMIT" in statements[0] and "search_grams" in statements[0]


@on_postgresql
def test_whether_to_walk_comes_from_the_pairs_statistics(issues, monkeypatch):
    """After ANALYZE, the most a phrase can match is what its rarest pair is in: never fewer than
    the phrase matches, and nothing for a pair no issue holds. A phrase of several pairs walks
    when that is enough; one pair never does (PostgreSQL knows its frequency)."""
    from inspections import search
    from inspections.search import SearchMatch, gram_stats

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inspections_issue")
    gram_stats.clear()
    try:
        for query in ("路", "垃圾", "花园路与农业路", "井盖破损"):
            found = IssueFilter({"q": query}, queryset=Issue.objects.all()).qs.count()
            assert gram_stats.most_matches(query) >= found > 0, query
        assert gram_stats.most_matches("不存在的词") < len(issues)
        monkeypatch.setattr(search, "WALK_FROM_MATCHES", gram_stats.most_matches("花园路"))
        assert SearchMatch("花园路").worth_walking("default")
        assert not SearchMatch("不存在的词").worth_walking("default")
        monkeypatch.setattr(search, "WALK_FROM_MATCHES", 0)
        assert not SearchMatch("路").worth_walking("default") and not SearchMatch("垃圾").worth_walking("default")
    finally:
        gram_stats.clear()


def test_an_issue_number_in_the_search_is_a_plain_number(issues):
    """``#12`` and ``12`` find issue 12; digits of other scripts and numbers past any id find
    only what mentions them (no error)."""
    first = issues[0]
    for query in (f"#{first}", str(first)):
        assert first in IssueFilter({"q": query}, queryset=Issue.objects.all()).qs.values_list("pk", flat=True)
    for query in ("²", "١٢", "9" * 30):
        assert list(IssueFilter({"q": query}, queryset=Issue.objects.all()).qs) == []
