"""The 问题清单 search (issue 18): on PostgreSQL a query is answered from the character-pair index
and rechecked — it must return exactly the ids the plain substring match returns, for one
character, two (井盖, 垃圾), long phrases, Latin letters in any case, quotes and LIKE's
wildcards. And the plan must use the index."""

import dataclasses
import itertools
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import translation

from inspections import services
from inspections.filters import IssueFilter
from inspections.models import Issue
from inspections.search import grams_query, text_q
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
def issues(campaign, city, categories, people, units):
    rows = []
    for n, (thing, fault, place) in enumerate(itertools.product(THINGS, FAULTS, PLACES)):
        if n % 3:
            continue
        rows.append(
            services.issue_create(
                actor=people.supervisor,
                campaign=campaign,
                category=categories.garbage if n % 2 else categories.green,
                region=city.a1v if n % 5 else city.b1v,
                description=f"{place}{thing}{fault}",
                address=f"郑州市{place}",
                latitude=LAT,
                longitude=LNG,
            ).pk
        )
    # Some with a unit (a row shows its name): 甲一街道办事处, 简称 甲一办.
    units.street_a1.short_name = "甲一办"
    units.street_a1.save(update_fields=["short_name"])
    Issue.objects.filter(pk__in=rows[::4]).update(responsible_unit=units.street_a1)
    # Some from citizens and the hotline (a row shows its source): 随手拍, 12345.
    Issue.objects.filter(pk__in=rows[1::5]).update(source="citizen")
    Issue.objects.filter(pk__in=rows[2::7]).update(source="hotline")
    return rows


SOURCES = {
    "patrol": "巡查",
    "covert": "暗访",
    "supervision": "督查",
    "mock": "模拟测评",
    "citizen": "随手拍",
    "hotline": "12345",
    "media": "媒体曝光",
    "leader": "领导交办",
    "higher": "上级反馈",
}


SEVERITIES = {"general": "一般", "serious": "较重", "severe": "严重", "negative_list": "负面清单"}
STATES = {
    "reported": "待受理",
    "assigned": "已交办",
    "rectifying": "整改中",
    "submitted": "待核查",
    "closed": "已销号",
    "long_term": "长期整改",
    "dismissed": "不予立案",
}


def expected_ids(query):
    """What the search must find, from the ORM: each word in the description or address, or in
    the name of the category, of the region or a region above it, of the unit (or its 简称) or
    of the source; one word may also be a 查询码 or an issue number."""
    from chuangcheng.org.models import Region

    found = Q()
    for word in query.split():
        if word in ("#", "＃"):
            continue
        one = Q(description__icontains=word) | Q(address__icontains=word) | Q(category__name__icontains=word)
        one |= Q(category__major__icontains=word)
        one |= Q(responsible_unit__name__icontains=word) | Q(responsible_unit__short_name__icontains=word)
        plain_word = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in word)
        one |= Q(
            source__in=[
                value
                for value, label in SOURCES.items()
                if len(plain_word) > 1 and (plain_word == label if plain_word.isdigit() else plain_word in label)
            ]
        )
        if len(plain_word) > 1:
            one |= Q(severity__in=[v for v, label in SEVERITIES.items() if plain_word in label])
            one |= Q(state__in=[v for v, label in STATES.items() if plain_word in label])
        for path in Region.objects.filter(name__icontains=word).values_list("path", flat=True):
            one |= Q(region__path__startswith=path)
        plain = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in word)
        one |= Q(tracking_code=re.sub(r"[^0-9A-Z]", "", plain.upper()) or word)
        if plain.lstrip("#").isascii() and plain.lstrip("#").isdigit() and int(plain.lstrip("#")) < 2**63:
            one |= Q(pk=int(plain.lstrip("#")))
        found &= one
    return set(Issue.objects.filter(found).values_list("pk", flat=True))


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


def searched(query):
    return set(IssueFilter({"q": query}, queryset=Issue.objects.all()).qs.values_list("pk", flat=True))


@pytest.mark.parametrize("query", QUERIES)
def test_search_returns_exactly_the_substring_matches(issues, query):
    expected = expected_ids(query)
    found = searched(query)
    assert found == expected
    if query in ("井盖", "垃圾", "led"):
        assert expected  # the fixture has them


@pytest.mark.parametrize(
    "query", ["井盖 破损", "垃圾\u3000满溢", "文化路 LED", " 井盖  缺失 ", "井盖 不存在的词", "% _"]
)
def test_words_apart_must_each_be_found(issues, query):
    """``井盖 破损`` (a space or a full-width one between): issues where each word is found, in any
    order — not the phrase with its space (which nothing holds)."""
    found = searched(query)
    assert found == expected_ids(query)
    if query in ("井盖 破损", "文化路 LED"):
        assert found


NAMES = [
    "创建专项",
    "绿地养护",
    "绿地",
    "暴露垃圾 井盖",
    "甲区",
    "乙一社区",
    "甲一街道 LED",
    "示范市",
    "甲一办",
    "街道办事处 井盖",
    "区",
    "随手拍",
    "随手拍 井盖",
    "12345",
    "媒体",
    "12",
]


@pytest.mark.parametrize("query", NAMES)
def test_a_word_of_the_names_a_row_shows_finds_its_issues(issues, query):
    """A row's title is its category; its region line names the region and those above it; its
    unit is named: a word of these finds the row — a region's word, its whole subtree."""
    found = searched(query)
    expected = expected_ids(query)
    assert found == expected
    if query not in ("媒体", "12"):  # no issue from the media here; nothing names 12
        assert expected and (expected != set(issues) or query in ("示范市", "区"))  # a name narrows the list


def test_a_source_is_found_by_its_label_in_either_language(issues):
    """随手拍 is a filter, but people type it: the label of the page's language finds it too."""
    from django.utils import translation

    from inspections.search import sources_named

    assert sources_named("随手拍") == ["citizen"] and sources_named("12345") == ["hotline"]
    assert sources_named("媒体") == ["media"] and sources_named("１２３４５") == ["hotline"]
    assert sources_named("12") == [] and sources_named("拍") == []  # not every issue with 12 in it
    with translation.override("en"):
        english = sources_named("citizen")
        assert english and set(english) <= {"citizen", "hotline"} and "citizen" in english
        assert sources_named("随手拍") == ["citizen"]
    assert sources_named("井盖") == []


def test_a_tracking_code_is_found_as_the_citizen_copied_it(issues):
    """查询码 ABCDE-FGHJK as shown to the citizen, in any case, with its dash, typed full-width:
    the issue; with another word, the issue if it holds that word too."""
    Issue.objects.filter(pk=issues[1]).update(tracking_code="ABCDEFGHJK")
    description = Issue.objects.get(pk=issues[1]).description
    for query in (
        "ABCDEFGHJK",
        "abcde-fghjk",
        "ABCDE-FGHJK",
        "ＡＢＣＤＥ－ＦＧＨＪＫ",
        f"ABCDE-FGHJK {description[:3]}",
    ):
        found = list(IssueFilter({"q": query}, queryset=Issue.objects.all()).qs.values_list("pk", flat=True))
        assert found == [issues[1]], query
    assert searched("ABCDE-FGHJK 不存在的词") == set()


def test_a_number_with_another_word_and_full_width(issues):
    """``1208 国基路``: the issue numbered 1208 if it holds 国基路 (or anything holding both);
    ``＃１２０８`` and ``# 1208`` as typed on a Chinese keyboard: the number."""
    pk = issues[2]
    word = Issue.objects.get(pk=pk).description[:3]
    for query in (
        f"{pk} {word}",
        f"#{pk} {word}",
        f"＃{pk}",
        str(pk).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f"# {pk}",
    ):
        assert pk in searched(query), query
        assert searched(query) == expected_ids(query), query


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


@pytest.mark.parametrize("who", ["district_supervisor", "staff", "staff_b", "leader", "cgj_staff", "supervisor"])
def test_a_search_within_a_scope_finds_what_the_scope_sees(issues, people, city, units, who):
    """A person's search (their visibility, and the list's region filter) finds exactly the
    substring matches they may see, with the scope's regions and units in the pairs' query."""
    from inspections import search

    user = getattr(people, who)
    seen = set(Issue.objects.visible_to(user).values_list("pk", flat=True))
    for within in [None, city.a, city.b, city.a1]:
        visible = Issue.objects.visible_to(user, within=within.pk if within else None)
        scope = search.scope_terms(visible.seen, within)
        if within:
            assert scope == f"'p:{within.pk}'"
        else:
            assert (
                scope
                == {
                    "district_supervisor": f"'p:{city.a.pk}' | 'u:{units.gov_a.pk}'",  # and their own unit's
                    "leader": f"'p:{city.a.pk}'",  # the fixture's leader has no 包保 site
                    "staff": f"'u:{units.street_a1.pk}'",
                    "staff_b": f"'u:{units.street_b1.pk}'",
                    "cgj_staff": f"'u:{units.cgj.pk}'",
                    "supervisor": "",  # the whole city: nothing to narrow
                }[who]
            )
        for query in ["井盖", "垃圾", "路 垃圾", "甲一办", "花园路与农业路", "#1"]:
            data = {"q": query, **({"region": within.pk} if within else {})}
            found = set(IssueFilter(data, queryset=visible).qs.values_list("pk", flat=True))
            expected = expected_ids(query) & seen
            if within:
                expected &= set(Issue.objects.filter(region__path__startswith=within.path).values_list("pk", flat=True))
            assert found == expected, (within, query)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_a_scope_is_put_in_the_index_only_when_the_index_holds_it(issues, people, city, units, monkeypatch):
    """Only a scope the index holds, and of a bounded size, narrows the search."""
    from inspections import search

    seen = Issue.objects.visible_to(people.district_supervisor).seen
    assert search.scope_terms(seen) == f"'p:{city.a.pk}' | 'u:{units.gov_a.pk}'"
    assert search.scope_terms(seen, city.city) == ""  # the top region: every issue
    # 包保 sites are not in the index: a scope with them is not narrowed at all.
    assert search.scope_terms(dataclasses.replace(seen, site_ids=frozenset({1}))) == ""
    monkeypatch.setattr(search, "MAX_SCOPE_TERMS", 1)
    assert search.scope_terms(seen) == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_a_moved_region_carries_its_issues_in_the_index(issues, people, city):
    """The terms come from the row's region path, which triggers keep: moving 甲一街道 under
    乙区 (its path and its 社区's) moves its issues to 乙区's searches."""
    from chuangcheng.org.models import Region

    def found(region):
        data = {"q": "路", "region": region.pk}
        visible = Issue.objects.visible_to(people.admin, within=region.pk)
        return set(IssueFilter(data, queryset=visible).qs.values_list("pk", flat=True))

    moved = set(Issue.objects.filter(region=city.a1v, description__contains="路").values_list("pk", flat=True))
    assert moved and moved <= found(city.a) and not moved & found(city.b)
    old, new = city.a1.path, f"{city.b.path}{city.a1.pk}/"
    for region in Region.objects.filter(path__startswith=old):
        Region.objects.filter(pk=region.pk).update(path=new + region.path[len(old) :])
    Region.objects.filter(pk=city.a1.pk).update(parent=city.b)
    assert moved <= found(city.b) and not moved & found(city.a)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_a_unit_change_moves_the_issue_in_the_index(issues, people, units):
    """The scope's terms are generated from the row: reassigning an issue finds it under its new unit."""
    moved = Issue.objects.exclude(responsible_unit=units.street_b1).filter(description__contains="井盖").first()
    assert moved.pk not in set(
        IssueFilter({"q": "井盖"}, queryset=Issue.objects.visible_to(people.staff_b)).qs.values_list("pk", flat=True)
    )
    Issue.objects.filter(pk=moved.pk).update(responsible_unit=units.street_b1)
    assert moved.pk in set(
        IssueFilter({"q": "井盖"}, queryset=Issue.objects.visible_to(people.staff_b)).qs.values_list("pk", flat=True)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_the_query_uses_the_pair_index(issues):
    qs = IssueFilter({"q": "井盖"}, queryset=Issue.objects.all()).qs
    assert "insp_issue_search_grams" in plan(qs, "seqscan", "indexscan")


def test_a_severity_or_a_state_is_found_by_its_label(issues):
    """QA: 负面清单 and 整改中, printed on the rows, found nothing."""
    Issue.objects.filter(pk__in=issues[:3]).update(severity="negative_list")
    assert searched("负面清单") == set(issues[:3]) == expected_ids("负面清单")
    label = STATES[Issue.objects.get(pk=issues[3]).state]
    assert issues[3] in searched(label) == expected_ids(label)
    assert searched("不予立案") == set() == expected_ids("不予立案")
    with translation.override("en"):
        assert searched("negative list") >= set(issues[:3])  # two words: each in the label


def test_brackets_and_commas_of_either_width_part_words():
    """QA: 经八大道(2段) found nothing where the address reads 经八大道（2段）."""
    from inspections.search import unused_words, words

    assert words("经八大道(2段)") == words("经八大道（2段）") == ["经八大道", "2段"]
    assert words("井盖，破损、路灯;[东]") == ["井盖", "破损", "路灯", "东"]
    assert words("o'brien 100% a_b") == ["o'brien", "100%", "a_b"]  # what a word may hold
    assert unused_words("一 二 三 四 五 六 七") == ["六", "七"] and unused_words("一 二") == []


def test_a_bracketed_address_is_found_typed_either_way(issues):
    Issue.objects.filter(pk=issues[0]).update(address="经八大道（2段）")
    assert issues[0] in searched("经八大道(2段)") and issues[0] in searched("经八大道（2段）")


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
@pytest.mark.parametrize(
    "query", ["垃圾", "路", "井盖破损", "花园路与农业路", "不存在的词", "#1", "路 垃圾", "甲区 井盖", "甲一办"]
)
def test_a_walked_page_is_the_page_the_index_gives(issues, api, monkeypatch, ordering, query):
    """Forced to walk (and to walk only a few rows, so some walks fill the page and some do not),
    every page of every ordering holds the same ids, in the same order, as without the walk."""
    _walked_pages_are_the_index_pages(issues, api, monkeypatch, ordering, query)


@on_postgresql
@pytest.mark.parametrize("who", ["district_supervisor", "staff"])
@pytest.mark.parametrize("ordering", [None, "rectification_deadline"])
def test_a_walked_page_within_a_scope_is_the_page_the_index_gives(issues, people, monkeypatch, who, ordering):
    """The same for a district's supervisor and a unit's staff, whose search narrows the index to
    their scope (the walk reads the condition with the scope's terms too)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(getattr(people, who))
    for query in ["路", "路 垃圾"]:
        # A unit's staff see few rows: their walks need not fill a page.
        _walked_pages_are_the_index_pages(issues, client, monkeypatch, ordering, query, must_walk=who != "staff")
        monkeypatch.undo()


def _walked_pages_are_the_index_pages(issues, api, monkeypatch, ordering, query, must_walk=True):
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
    if must_walk and query in ("垃圾", "路", "路 垃圾"):
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
            found = Issue.objects.filter(text_q(query)).count()  # the text's matches (not the names')
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
