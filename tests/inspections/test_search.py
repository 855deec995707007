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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_query_uses_the_pair_index(issues):
    qs = IssueFilter({"q": "井盖"}, queryset=Issue.objects.all()).qs
    assert "insp_issue_search_grams" in plan(qs, "seqscan", "indexscan")


def test_the_pairs_query_quotes_what_it_must():
    assert grams_query("井盖") == "'井盖'"
    assert grams_query("垃") == "'垃'"
    assert grams_query("O'B") == "'o''' & '''b'"
    assert grams_query("a\\b") == "'a\\\\' & '\\\\b'"
