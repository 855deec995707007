"""Dashboards: the same figures as the briefing, summary rows that add up, scoping (a permission
matrix for /api/v1/dashboard/), the cache's fallback, query budgets, pages and the .xlsx."""

import datetime as dt
import html
import json
import re
from io import BytesIO, StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import translation
from openpyxl import load_workbook
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from chuangcheng.reports import dashboard, stats
from chuangcheng.reports.briefings import briefing_build, briefing_publish
from chuangcheng.reports.models import DailyStat
from inspections.models import IssueState, Severity
from tests.api_matrix import ROLES, client_for


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def api(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


# --- the same figures as the briefing --------------------------------------------------------------


@pytest.mark.parametrize("district", [False, True])
def test_dashboard_period_figures_equal_the_weekly_briefing(world, campaign, city, people, district):
    region = city.a if district else city.city
    briefing, _created = briefing_build(
        campaign=campaign, kind="weekly", day=world.monday, region=region, now=world.now
    )
    response = api(people.supervisor).get(
        "/api/v1/dashboard/ranking/",
        {"region": region.pk, "start": world.monday.isoformat(), "end": world.sunday.isoformat()},
    )
    assert response.status_code == 200
    section = response.json()["ranking"]
    content = briefing.content
    assert section["totals"] == content["totals"]
    assert section["regions"] == content["regions"]
    assert section["ranking"] == content["ranking"]
    assert section["flags"] == content["flags"]
    assert section["totals"]["issues_closed"] == (3 if district else 4)  # not vacuous


def test_a_finished_week_is_read_from_its_briefing_not_recounted(world, campaign, city, people):
    """Cold cache, 1,000,000 issues: the ranking of a briefed week is one row, not a scan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chuangcheng.reports.dashboard import sections

    region = city.a
    counted = sections.period_figures(campaign, region, world.monday, world.sunday, world.now + dt.timedelta(days=8))
    cache.clear()
    briefing, _created = briefing_build(
        campaign=campaign, kind="weekly", day=world.monday, region=region, now=world.now
    )
    with CaptureQueriesContext(connection) as queries:
        read = sections.period_figures(campaign, region, world.monday, world.sunday, world.now + dt.timedelta(days=8))
    assert not any("inspections_issue" in q["sql"] for q in queries.captured_queries)
    assert {k: read[k] for k in sections.FIGURE_SET_KEYS} == {k: counted[k] for k in sections.FIGURE_SET_KEYS}
    assert read["totals"]["issues_closed"] == 3


def test_a_finished_week_not_yet_briefed_is_read_from_what_the_hourly_job_kept(world, campaign, city, people):
    """Monday 00:00 – 09:00 the week has ended and its 周通报 is not built: the hourly job keeps
    its figure set for the city and each district, so a cold ranking is still one row read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chuangcheng.reports import jobs
    from chuangcheng.reports.briefings.services import scheduled_regions
    from chuangcheng.reports.dashboard import sections
    from chuangcheng.reports.models import WeekFigures

    later = world.now + dt.timedelta(days=8)
    counted = {
        r.pk: sections.period_figures(campaign, r, world.monday, world.sunday, later) for r in (city.city, city.a)
    }
    cache.clear()
    jobs.snapshot_backlog()  # the hourly job, now: last week has ended
    assert {row.region_id for row in WeekFigures.objects.filter(campaign=campaign, period_start=world.monday)} == {
        r.pk for r in scheduled_regions(campaign)
    }
    assert sections.keep_finished_week(campaign) == []  # kept once, not computed again each hour
    for region in (city.city, city.a):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            read = sections.period_figures(campaign, region, world.monday, world.sunday, later)
        assert not any("inspections_issue" in q["sql"] for q in queries.captured_queries)
        assert {k: read[k] for k in sections.FIGURE_SET_KEYS} == {
            k: counted[region.pk][k] for k in sections.FIGURE_SET_KEYS
        }
    assert read["totals"]["issues_closed"] == 3  # not vacuous
    # Once built, the briefing is what the ranking shows (the one units were briefed on).
    WeekFigures.objects.filter(region=city.a).update(content={})
    briefing_build(campaign=campaign, kind="weekly", day=world.monday, region=city.a, now=world.now)
    cache.clear()
    assert (
        sections.period_figures(campaign, city.a, world.monday, world.sunday, later)["totals"]
        == counted[city.a.pk]["totals"]
    )
    # A kept row of an older content version is computed again, not read.
    WeekFigures.objects.filter(region=city.city).update(content={"version": 0})
    assert sections.keep_finished_week(campaign) == [city.city]
    # Rows of weeks long briefed are dropped.
    old = WeekFigures.objects.create(
        campaign=campaign,
        region=city.city,
        period_start=world.monday - dt.timedelta(weeks=sections.KEEP_WEEKS + 1),
        period_end=world.sunday - dt.timedelta(weeks=sections.KEEP_WEEKS + 1),
        content={},
    )
    sections.keep_finished_week(campaign)
    assert not WeekFigures.objects.filter(pk=old.pk).exists()
    assert WeekFigures.objects.filter(campaign=campaign, period_start=world.monday).count() == len(
        scheduled_regions(campaign)
    )


def test_unit_view_rank_history_reads_published_briefings(world, campaign, people, units):
    draft, _ = briefing_build(campaign=campaign, kind="weekly", day=world.monday, region=campaign.region, now=world.now)
    client = api(people.head)
    assert client.get(f"/api/v1/dashboard/units/{units.street_a1.pk}/").json()["rank_history"] == []  # a draft
    briefing_publish(actor=people.supervisor, briefing_id=draft.pk, requirements="要求")
    response = client.get(f"/api/v1/dashboard/units/{units.street_a1.pk}/")
    assert response.status_code == 200
    data = response.json()
    [entry] = data["rank_history"]
    assert entry["rank"] == data["row"]["rank"] and entry["rank"] is not None
    assert [i["address"] for i in data["overdue_issues"]] == ["甲一路3号"]
    assert api(people.staff_b).get(f"/api/v1/dashboard/units/{units.street_a1.pk}/").status_code == 404


# --- summary rows -------------------------------------------------------------------------------------


def test_daily_stats_add_up_from_community_to_city_and_refresh_is_idempotent(world, campaign, city):
    tue = world.monday + dt.timedelta(days=1)
    first = stats.refresh_day(campaign, tue, now=world.now)
    fields = ("region_id", "dimension", "key", *stats.COUNTS)
    rows = sorted(DailyStat.objects.values_list(*fields))
    assert stats.refresh_day(campaign, tue, now=world.now) == first
    assert sorted(DailyStat.objects.values_list(*fields)) == rows

    def total(region):
        return DailyStat.objects.get(campaign=campaign, day=tue, region=region, dimension="", key="")

    # Tuesday: 甲一 closed the on-time issue and the negative-list one; 乙一 closed one.
    assert total(city.a1).closed == 2 and total(city.a).closed == 2
    assert total(city.b).closed == 1 and total(city.city).closed == 3
    assert total(city.a1v).closed == 1  # the negative-list issue sits on the street itself
    severity = DailyStat.objects.get(
        campaign=campaign, day=tue, region=city.city, dimension="severity", key=Severity.NEGATIVE_LIST
    )
    assert severity.closed == 1
    # Backlog at the end of Tuesday: 甲一's late and still-open issues (assigned Monday).
    assert total(city.a1).open_end == 2


def test_drill_down_narrows_consistently(world, campaign, city, people):
    stats.refresh([campaign], days=30, now=world.now)
    client = api(people.supervisor)
    with mock.patch("django.utils.timezone.now", return_value=world.now):
        top = client.get("/api/v1/dashboard/breakdown/").json()["breakdown"]["rows"]
        jia = next(r for r in top if r["id"] == city.a.pk)
        streets = client.get("/api/v1/dashboard/breakdown/", {"region": city.a.pk}).json()["breakdown"]["rows"]
        trend_a = client.get("/api/v1/dashboard/trend/", {"region": city.a.pk}).json()["trend"]
    assert sum(r["closed"] for r in top) == 4  # 甲区 3 and 乙区 1 last week (the older one: 30+ days ago)
    assert jia["closed"] == sum(r["closed"] for r in streets) == sum(trend_a["closed"])
    assert jia["overdue_now"] == sum(r["overdue_now"] for r in streets) == 1
    assert jia["drill"] is True


# --- scoping: the permission matrix -------------------------------------------------------------------

# (path, region attribute or None) → expected status per role.
MATRIX = [
    ("/api/v1/dashboard/", None, dict(anonymous=403, nobody=403, staff=403, district_supervisor=200, supervisor=200, leader=200, admin=200)),
    ("/api/v1/dashboard/", "a", dict(anonymous=403, nobody=403, staff=403, district_supervisor=200, supervisor=200, leader=200, admin=200)),
    ("/api/v1/dashboard/", "b", dict(anonymous=403, nobody=403, staff=403, district_supervisor=404, supervisor=200, leader=404, admin=200)),
    ("/api/v1/dashboard/trend/", "b1", dict(anonymous=403, nobody=403, staff=403, district_supervisor=404, supervisor=200, leader=404, admin=200)),
    ("/api/v1/dashboard/breakdown/", "a1", dict(anonymous=403, nobody=403, staff=403, district_supervisor=200, supervisor=200, leader=200, admin=200)),
    ("/api/v1/dashboard/leader/", None, dict(anonymous=403, nobody=403, staff=403, district_supervisor=200, supervisor=200, leader=200, admin=200)),
]  # fmt: skip


@pytest.mark.parametrize(("path", "where", "expected"), MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_dashboard_permission_matrix(world, city, people, path, where, expected, role):
    params = {"region": getattr(city, where).pk} if where else {}
    response = client_for(role, people).get(path, params)
    assert response.status_code == expected[role], (role, response.content[:200])


def test_leader_sees_only_assigned_districts(world, city, people):
    data = api(people.leader).get("/api/v1/dashboard/").json()
    assert data["scope"]["id"] == city.a.pk
    assert [b["name"] for b in data["scope"]["breadcrumbs"]] == ["甲区"]
    assert {r["id"] for r in data["breakdown"]["rows"]} == {city.a1.pk, city.a2.pk}
    names = {r["name"] for g in data["ranking"]["ranking"] for r in g["rows"]}
    assert "乙一街道办事处" not in names


# --- robustness and cost -------------------------------------------------------------------------------


def test_cache_down_still_answers(world, people):
    with (
        mock.patch.object(cache, "get", side_effect=RedisConnectionError("down")),
        mock.patch.object(cache, "set", side_effect=RedisConnectionError("down")),
    ):
        response = api(people.supervisor).get("/api/v1/dashboard/")
    assert response.status_code == 200
    assert response.json()["headline"]["items"][0]["key"] == "issues_in_hand"


def test_overview_query_budget_and_cache(
    world, campaign, people, django_assert_max_num_queries, make_issue, units, city
):
    for n in range(30):  # enough rows that a per-row query would show
        make_issue(units.street_a1, city.a1v, assigned=world.now, deadline=world.now, severity=Severity.NEGATIVE_LIST,
                   address=f"加测{n}", state=IssueState.RECTIFYING)  # fmt: skip
    stats.refresh_day(campaign, world.sunday, now=world.now)
    client = api(people.supervisor)
    with django_assert_max_num_queries(50):
        assert client.get("/api/v1/dashboard/").status_code == 200
    with django_assert_max_num_queries(10):  # cached: scope and campaign lookups only
        assert client.get("/api/v1/dashboard/").status_code == 200


def test_refresh_job_runs_twice_with_one_result(world, campaign):
    from chuangcheng.reports.jobs import refresh_daily_stats

    stats.refresh([campaign], days=90)  # the history is built: the job only refreshes today's and yesterday's
    first = refresh_daily_stats()
    rows = DailyStat.objects.count()
    assert refresh_daily_stats() == first
    assert DailyStat.objects.count() == rows


# --- pages ---------------------------------------------------------------------------------------------


def test_overview_page_and_xlsx(world, client, people, city):
    client.force_login(people.supervisor)
    page = client.get("/dashboard/", {"region": city.a.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "总览 · 甲区" in text and 'id="dash-data"' in text
    assert "距迎检" in text or "迎检日期已过" in text
    # The ranking's scores with two decimals, as the briefing prints them (87.50, not 87.5).
    scores = re.findall(r'data-testid="ranking-score">([^<]*)<', text)
    assert scores and all(re.fullmatch(r"\d+\.\d\d", s) for s in scores), scores
    export = client.get("/dashboard/export.xlsx", {"region": city.a.pk})
    assert export.status_code == 200
    wb = load_workbook(BytesIO(export.content))
    assert {"核心指标", "趋势", "分区", "单位排名", "负面清单"} <= set(wb.sheetnames)
    assert wb["分区"]["A2"].value in {"甲一街道", "甲二街道"}


def test_a_community_says_its_slices_are_kept_per_street(world, client, people, city):
    """Severities, categories and 短板 are kept down to the street: a community's page says so,
    with the way to its street, instead of zeros beside the headline's counts."""
    client.force_login(people.supervisor)
    community = client.get("/dashboard/", {"region": city.a1v.pk}).content.decode()
    assert community.count('data-testid="slices-at-street"') == 3
    assert f'href="?region={city.a1.pk}&amp;days=30">查看甲一街道</a>' in community
    assert 'data-chart="severities"' not in community and 'data-testid="severity-table"' not in community
    street = client.get("/dashboard/", {"region": city.a1.pk}).content.decode()
    assert "slices-at-street" not in street and 'data-testid="severity-table"' in street


def test_the_ranking_note_is_in_the_readers_language_whoever_filled_the_cache(world, client, people, city):
    """The ranking's figure set is cached (or read from the weekly briefing) in the words of
    whoever computed it; its definitions are written again from its scoring rule for the reader."""
    from django.core.management import call_command

    call_command("build_briefing", "weekly", "--draft", stdout=StringIO())  # last week's, in Chinese
    client.force_login(people.supervisor)
    chinese = client.get("/dashboard/", {"region": city.a.pk}).content.decode()  # fills the cache
    assert "综合得分" in chinese
    client.cookies["django_language"] = "en"
    english = html.unescape(client.get("/dashboard/", {"region": city.a.pk}).content.decode())
    footers = re.findall(r'<div class="card-footer small text-secondary">(.*?)</div>', english, re.S)
    (note,) = [f for f in footers if "parts and deductions are in the weekly briefing" in f]
    assert not re.search(r"[\u4e00-\u9fff]", note), note


def test_unit_head_lands_on_the_unit_view(world, client, people, units):
    client.force_login(people.head)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == f"/dashboard/units/{units.street_a1.pk}/"
    assert client.get(response["Location"]).status_code == 200
    client.force_login(people.nobody)
    assert client.get("/dashboard/").status_code == 404


def test_region_out_of_scope_is_404_on_the_page(world, client, people, city):
    client.force_login(people.leader)
    assert client.get("/dashboard/", {"region": city.b.pk}).status_code == 404
    assert dashboard.top_regions(people.leader, world.on_time.campaign) == [city.a]


def test_weak_spots_pin_negative_list_indicators_with_their_own_open_items(world, campaign, city, units, make_issue):
    """Each pinned (negative-list) indicator lists its own open issues, nearest deadline first
    (one UNION ALL query on PostgreSQL, one query per indicator on SQLite); ordinary indicators
    rank by projected loss below them."""
    from django.utils import timezone

    from tests.factories import IndicatorFactory, StandardFactory

    standard = StandardFactory(name="负面清单标准")
    campaign.standards.add(standard)
    red_a = IndicatorFactory(standard=standard, code="N1", name="黑臭水体", max_score=5, negative_list=True)
    red_b = IndicatorFactory(standard=standard, code="N2", name="重大食品安全事件", max_score=5, negative_list=True)
    plain = IndicatorFactory(standard=standard, code="3.1", name="道路保洁", max_score=10)
    now = timezone.now()
    hours = dt.timedelta(hours=1)
    late_a = make_issue(units.street_a1, city.a1v, assigned=now - 9 * hours, deadline=now + 5 * hours, indicator=red_a)
    soon_a = make_issue(units.street_a1, city.a1v, assigned=now - 9 * hours, deadline=now + 2 * hours, indicator=red_a)
    only_b = make_issue(units.street_b1, city.b1v, assigned=now - 9 * hours, deadline=now + 3 * hours, indicator=red_b)
    make_issue(units.street_a1, city.a1v, assigned=now - 9 * hours, deadline=now + 1 * hours, indicator=plain)
    make_issue(units.street_a1, city.a1v, state=IssueState.CLOSED, closed=now, indicator=red_b)  # not open
    stats.refresh_day(campaign, timezone.localdate(now), now=now)

    rows = dashboard.weak_spots(campaign, city.city, now)["rows"]
    assert [r["code"] for r in rows[:3]] == ["N1", "N2", "3.1"]
    by_code = {r["code"]: r for r in rows}
    assert [i["id"] for i in by_code["N1"]["items"]] == [soon_a.pk, late_a.pk]
    assert [i["id"] for i in by_code["N2"]["items"]] == [only_b.pk]
    assert by_code["3.1"]["items"] == []


@pytest.mark.parametrize("district", [False, True])
def test_a_week_of_summary_rows_adds_up_to_the_weeks_figures(world, campaign, city, district):
    """The dashboard's daily rows and the briefing's figures share their predicates (assigned,
    closed, due, closed on time): summed over last week, the rows give the week's figures, city-wide and for a
    district."""
    from chuangcheng.reports import figures

    region = city.a if district else city.city
    stats.refresh([campaign], days=14, now=world.now)
    days = DailyStat.objects.filter(
        campaign=campaign, region=region, dimension="", key="", day__range=(world.monday, world.sunday)
    )
    week = figures.total_figures(campaign, world.monday, world.sunday, region if district else None, now=world.now)
    assert sum(d.assigned for d in days) == week.issues_assigned > 0
    assert sum(d.closed for d in days) == week.issues_closed > 0
    assert sum(d.due for d in days) == week.issues_due > 0
    assert sum(d.closed_on_time for d in days) == week.issues_closed_on_time > 0


def test_the_refresh_job_builds_days_it_missed_from_the_log(world, campaign):
    """A day the job never built (it was down) is built by the next run — from the event log,
    so it says what was owed that day, not what is owed now."""
    from chuangcheng.reports.jobs import refresh_daily_stats

    tue = world.monday + dt.timedelta(days=1)
    stats.refresh([campaign], days=90)
    expected = DailyStat.objects.get(campaign=campaign, day=tue, region=campaign.region, dimension="", key="")
    DailyStat.objects.filter(campaign=campaign, day=tue).delete()
    assert tue in stats.missing_days(campaign)
    refresh_daily_stats()
    rebuilt = DailyStat.objects.get(campaign=campaign, day=tue, region=campaign.region, dimension="", key="")
    assert (rebuilt.in_hand_end, rebuilt.open_end, rebuilt.overdue_end, rebuilt.closed) == (
        expected.in_hand_end, expected.open_end, expected.overdue_end, expected.closed,
    )  # fmt: skip
    assert rebuilt.open_end == 2  # 甲一's late and still-open issues, as they were that evening
    assert stats.missing_days(campaign) == []


def test_a_long_negative_list_counts_from_the_tallies_what_the_rows_hold(world, campaign, make_issue, units, city):
    for n in range(55):
        make_issue(units.street_a1, city.a1v, assigned=world.now, deadline=world.now, severity=Severity.NEGATIVE_LIST,
                   address=f"负面{n}", state=IssueState.RECTIFYING if n % 2 else IssueState.SUBMITTED)  # fmt: skip
    cache.clear()
    for region in (campaign.region, city.a, city.a1, city.a1v):
        section = dashboard.negative_list(campaign, region, world.now)
        rows = dashboard.sections.predicates.issues_of(
            campaign, None if region == campaign.region else region.path
        ).filter(severity=Severity.NEGATIVE_LIST, state__in=dashboard.sections.predicates.UNCLOSED_STATES)
        assert len(section["items"]) == 50
        assert section["count"] == rows.count() >= 55, region
        # Each item named as its row names it.
        named = {
            r["pk"]: (r["category__name"], r["region__name"], r["responsible_unit__name"])
            for r in rows.values("pk", "category__name", "region__name", "responsible_unit__name")
        }
        assert all(named[i["id"]] == (i["category"], i["region"], i["unit"]) for i in section["items"])
        assert {i["unit"] for i in section["items"]} == {units.street_a1.name}


def test_the_headline_is_at_most_five_minutes_behind_the_writes(world, campaign, make_issue, units, city):
    from django.utils import timezone

    now = timezone.now().replace(minute=1, second=0, microsecond=0)
    cache.clear()

    def in_hand(moment):
        items = dashboard.headline(campaign, city.a, moment)["items"]
        return next(i["value"] for i in items if i["key"] == "issues_in_hand")

    before = in_hand(now)
    make_issue(units.street_a1, city.a1v, assigned=now - dt.timedelta(hours=1), deadline=now + dt.timedelta(days=2))
    assert in_hand(now + dt.timedelta(minutes=2)) == before  # the same five minutes: cached
    assert in_hand(now + dt.timedelta(minutes=5)) == before + 1  # the next five: counted again


def test_the_negative_list_box_shows_each_issues_state(world, client, people, make_issue, units, city):
    """A past deadline of a 待核查 or 长期整改 issue is off the clock, not a missed 超期 mark: the
    box says the state next to it (the page and the .xlsx)."""
    past = world.now - dt.timedelta(days=3)
    make_issue(units.street_a1, city.a1v, assigned=past, deadline=past, severity=Severity.NEGATIVE_LIST,
               state=IssueState.SUBMITTED, address="负面待核查路")  # fmt: skip
    make_issue(units.street_a1, city.a1v, assigned=past, deadline=past, severity=Severity.NEGATIVE_LIST,
               state=IssueState.RECTIFYING, address="负面整改路")  # fmt: skip
    client.force_login(people.supervisor)
    text = client.get("/dashboard/", {"region": city.a.pk}).content.decode()
    box = text[text.index('data-testid="negative-list"') : text.index('data-testid="headline"')]
    assert ">状态</th>" in box
    assert box.count('data-testid="negative-state">待核查<') == 1
    assert box.count('data-testid="negative-state">整改中<') == 1
    sheet = load_workbook(BytesIO(client.get("/dashboard/export.xlsx", {"region": city.a.pk}).content))["负面清单"]
    header = [c.value for c in sheet[1]]
    states = {
        row[header.index("地址")]: row[header.index("状态")] for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert states["负面待核查路"] == "待核查" and states["负面整改路"] == "整改中"


@pytest.mark.parametrize("path", ["/api/v1/dashboard/", "/api/v1/dashboard/trend/"])
def test_a_bad_days_or_period_is_a_400_that_says_what_is_allowed(world, people, path):
    client = api(people.supervisor)
    response = client.get(path, {"days": 7})
    assert response.status_code == 400
    assert response.json()["days"] == "天数只能是 30 或 90（收到“7”）。"
    bad_date = client.get("/api/v1/dashboard/ranking/", {"start": "2026-3-2", "end": "2026-03-08"})
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.json()["start"]
    reversed_ = client.get("/api/v1/dashboard/ranking/", {"start": "2026-03-08", "end": "2026-03-02"})
    assert reversed_.status_code == 400 and "不能早于开始日期" in reversed_.json()["end"]
    assert client.get(path, {"days": 90}).status_code == 200


def test_the_dashboard_prints_rates_with_one_decimal(world, client, people, city):
    from chuangcheng.reports.templatetags.dashboard_ui import figure

    assert [figure(v, "%") for v in (10.54, 38.7, 40, 10.55, -2.31)] == ["10.5", "38.7", "40.0", "10.6", "-2.3"]
    assert figure(None, "%") is None and figure(12, "") == 12 and figure(3.25) == 3.25
    client.force_login(people.supervisor)
    text = client.get("/dashboard/").content.decode()
    rates = re.findall(r'data-testid="headline-\w+_rate">([^<]*)<', text)
    assert rates and all(re.fullmatch(r"—|-?\d+\.\d%", r) for r in rates), rates


def test_an_english_page_after_a_chinese_one_reads_english(world, client, people, city):
    """The sections that hold words (severity names, the ranking's groups) are not served in the
    language of whoever filled the cache; the headline's labels are in the catalogue."""

    def severities(text):
        data = json.loads(re.search(r'<script id="dash-data" type="application/json">(.*?)</script>', text, re.S)[1])
        return [row["name"] for row in data["severities"]]

    client.force_login(people.supervisor)
    chinese = client.get("/dashboard/", {"region": city.a.pk}).content.decode()
    assert severities(chinese) == ["一般", "较重", "严重", "负面清单"] and "本周销号" in chinese
    client.cookies["django_language"] = "en"
    english = client.get("/dashboard/", {"region": city.a.pk}).content.decode()
    assert severities(english) == ["Normal", "Serious", "Severe", "Negative list"]
    assert "Closed this week" in english and "Tasks completed this week" in english
    assert "本周销号" not in english and "本周完成任务" not in english
    assert ">Issues</a>" in english
    groups = re.findall(r'<summary class="h3[^"]*"[^>]*>([^<]*)<', english)
    assert groups and not any(re.search(r"[\u4e00-\u9fff]", g) for g in groups), groups


def test_the_negative_list_box_links_to_all_of_them_when_it_shows_a_few(
    world, client, people, make_issue, units, city, monkeypatch
):
    """QA: the badge said 31 and the box listed 10, with no way to the rest."""
    from chuangcheng.reports.dashboard import sections

    monkeypatch.setattr(sections, "LIST_LIMIT", 2)
    past = world.now - dt.timedelta(days=3)
    for state in (IssueState.SUBMITTED, IssueState.RECTIFYING, IssueState.LONG_TERM):
        make_issue(units.street_a1, city.a1v, assigned=past, deadline=past, severity=Severity.NEGATIVE_LIST,
                   state=state, long_term_target_date=world.now.date() + dt.timedelta(days=30))  # fmt: skip
    cache.clear()
    client.force_login(people.supervisor)
    text = client.get("/dashboard/", {"region": city.a.pk}).content.decode()
    link = re.search(r'<a href="([^"]+)" data-testid="negative-all">', text)
    assert link, "a link to the whole list"
    listed = client.get(html.unescape(link.group(1))).content.decode()
    assert listed.count('data-testid="issue-row"') == 3


def test_the_workbook_rates_have_one_decimal_and_its_notes_read_in_english(world, client, people, city):
    client.force_login(people.supervisor)
    wb = load_workbook(BytesIO(client.get("/dashboard/export.xlsx", {"region": city.a.pk}).content))
    rates = [
        c
        for row in wb["核心指标"].iter_rows(min_row=2, min_col=2)
        for c in row
        if isinstance(c.value, int | float) and c.number_format == "0.0"
    ]
    assert rates and all(round(c.value, 1) == c.value for c in rates)
    header = [c.value for c in wb["单位排名"][1]]
    assert header[:5] == ["类别", "名次", "单位", "综合得分", "红黑旗"]  # the score and the flag first
    ranked = [row[5] for row in wb["单位排名"].iter_rows(min_row=2) if isinstance(row[5].value, int | float)]
    assert ranked and all(c.number_format == "0.0" and round(c.value, 1) == c.value for c in ranked)
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        english = load_workbook(BytesIO(client.get("/dashboard/export.xlsx", {"region": city.a.pk}).content))
        page = client.get("/dashboard/", {"region": city.a.pk}).content.decode()
    notes = [row[1] for row in english.worksheets[0].iter_rows(values_only=True)][6:]
    assert notes and all("；" not in n and "; " in n for n in notes), notes
    assert english["Trend"]["B1"].value == "Reported"
    assert 'data-label-reported="Reported"' in page and ">Record<" not in page
    if 'data-chart="weak"' in page:  # the 短板 chart's label for a 负面清单 indicator with 分值 0
        assert 'data-label-negative-zero="Negative list: weight 0, issues not closed: {n}"' in page


def _ranking_groups(text):
    """The ranking card's groups as shown: [(label, count)]."""
    card = text[text.index('data-testid="ranking"') :]
    return re.findall(r'<summary class="h3 mb-1">([^<]*)<span class="small text-secondary">（(\d+)）</span>', card)


def test_a_district_supervisor_sees_no_empty_ranking_group_and_the_region_once(
    world, client, people, city, monkeypatch
):
    """A ranking group with no ranked unit is not shown as "（0）" to open: left out when it has
    no unit at all, its units below the sample named in one line when it has some (the district
    government, alone in its group under a district); with no ranked unit at all, the card says
    so. The title names the region; the path under it appears only when there is a way up."""
    from chuangcheng.reports.dashboard import sections

    computed = sections.period_figures
    extra = [
        {"group": "other:city", "label": "其他 · 市级", "rows": [], "unranked": []},
        {"group": "other:district", "label": "其他 · 区级", "rows": [], "unranked": [{"key": 0, "name": "某协会"}]},
    ]
    monkeypatch.setattr(sections, "period_figures", lambda *a: {**(v := computed(*a)), "ranking": v["ranking"] + extra})
    client.force_login(people.district_supervisor)
    text = client.get("/dashboard/").content.decode()
    groups = _ranking_groups(text)
    assert groups and all(count != "0" for _label, count in groups), groups
    assert "该周无可排名的单位" not in text
    [alone] = re.findall(r'data-testid="unranked-only">(.*?)</p>', text)
    assert re.sub("<[^>]+>", "", alone) == "其他 · 区级 不参与排名（样本不足）：某协会"  # one colon, no （0）
    header = text[text.index('data-testid="dash-title"') : text.index('data-testid="countdown"')]
    # the place name, with its dot, does not break on a phone (Overview · 金 / 水区, Overview / · / 金水区)
    assert '总览 <span class="text-nowrap">· 甲区</span>' in header and header.count("甲区") == 1
    assert 'data-testid="dash-breadcrumbs"' not in text
    street = client.get("/dashboard/", {"region": city.a1.pk}).content.decode()
    crumbs = street[street.index('data-testid="dash-breadcrumbs"') : street.index("</ol>")]
    assert f'href="?region={city.a.pk}&amp;days=30">甲区</a>' in crumbs and "甲一街道" in crumbs

    def emptied(*args):
        value = computed(*args)
        return {**value, "ranking": [{**g, "rows": [], "unranked": []} for g in value["ranking"]]}

    monkeypatch.setattr(sections, "period_figures", emptied)
    cache.clear()
    empty = client.get("/dashboard/").content.decode()
    assert _ranking_groups(empty) == [] and "该周无可排名的单位。" in empty


def test_a_headline_card_opens_the_list_it_counts(world, client, people, city):
    """在办, 未销号, 超期未改, 超期未完成 and 进度滞后 open the issues or tasks behind the number —
    the same campaign and region, the figure's states — and that list counts the same."""
    client.force_login(people.supervisor)
    page = client.get("/dashboard/", {"region": city.a.pk}).content.decode()

    def card(key):
        value = re.search(rf'data-testid="headline-{key}">([^<]*)<', page).group(1)
        link = re.search(rf'href="([^"]*)" class="stretched-link text-reset" data-testid="headline-link-{key}"', page)
        return int(value), html.unescape(link.group(1))

    def counts(url):
        listing = client.get(url).content.decode()
        return {k: int(v.replace(",", "")) for k, v in re.findall(r'data-testid="count-(\w+)"[^>]*>([\d,]+)<', listing)}

    in_hand, url = card("issues_in_hand")
    assert url.startswith("/inspections/issues/?campaign=") and f"region={city.a.pk}" in url
    listed = counts(url)
    assert in_hand == listed["assigned"] + listed["rectifying"]
    unclosed, url = card("issues_open")
    listed = counts(url)
    assert unclosed == sum(listed[s] for s in ("assigned", "rectifying", "submitted", "long_term"))
    overdue, url = card("issues_overdue_open")
    assert overdue == counts(url)["overdue"]
    tasks_overdue, url = card("tasks_overdue")
    assert url.startswith("/tasks/?") and tasks_overdue == counts(url)["overdue"]
    lagging, url = card("tasks_lagging")
    assert lagging == counts(url)["all"]
    assert "headline-link-on_time_rate" not in page and "headline-link-issues_closed" not in page
    assert in_hand + overdue + tasks_overdue > 0  # the world has some of each to compare
