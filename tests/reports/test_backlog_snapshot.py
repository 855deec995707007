"""整点快照 (:mod:`chuangcheng.reports.backlog`): the backlog of each region cell at the top of an
hour is what replaying the event log to that moment says, for every scope at 街道 or above; the
job takes the hour just begun and catches up missed hours a few at a time; the headline's "same
moment last week" reads one instead of replaying the week."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chuangcheng.reports import backlog, figures, jobs, periods
from chuangcheng.reports.dashboard import sections
from chuangcheng.reports.figures import predicates, sets
from chuangcheng.reports.models import BacklogSnapshot, UnitBacklogSnapshot
from tests.reports.test_consistency import data, now  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def replayed(campaign, scope, moment):
    """The backlog figures of the scope at ``moment``, from the event log (no snapshot)."""
    issues = predicates.issues_of(campaign, scope.path if scope else None)
    cells = sets.backlog_cells(
        issues, moment, (sets.Value(1, output_field=sets.IntegerField()),), lambda fact: (1,), live=False
    )
    counts = cells.get((1,), {})
    return {name: counts.get(name) or 0 for name in predicates.BACKLOG}


def test_a_snapshot_is_the_replay_of_its_moment_for_every_scope(data, campaign, city, now):  # noqa: F811
    hours = [backlog.top_of_hour(now) - dt.timedelta(hours=h) for h in (1, 30, 24 * 7)]
    for hour in hours:
        backlog.take(campaign, hour)
    for hour in hours:
        for scope in (None, city.a, city.b, city.a1, city.b1):
            assert backlog.at(campaign, scope.path if scope else None, hour) == replayed(campaign, scope, hour)
        assert backlog.at(campaign, city.a1v.path, hour) is None  # below 街道: not kept
    assert backlog.at(campaign, None, hours[0] - dt.timedelta(minutes=30)) is None  # no snapshot then
    assert any(any(backlog.at(campaign, None, h).values()) for h in hours)


def test_total_figures_at_a_snapshot_moment_equal_the_replay(data, campaign, city, now):  # noqa: F811
    moment = backlog.top_of_hour(now) - dt.timedelta(days=7)
    day = timezone.localtime(moment).date()
    before = figures.total_figures(campaign, day - dt.timedelta(days=2), day, city.a, now=moment)
    backlog.take(campaign, moment)
    with CaptureQueriesContext(connection) as queries:
        after = figures.total_figures(campaign, day - dt.timedelta(days=2), day, city.a, now=moment)
    assert after == before
    assert any("reports_backlogsnapshot" in q["sql"] for q in queries.captured_queries)
    # Nothing replayed: no read of the event log but the period's 核查退回 (for 弄虚作假).
    events = [q["sql"] for q in queries.captured_queries if 'FROM "inspections_issueevent"' in q["sql"]]
    assert all("'reject'" in sql for sql in events), events


def test_the_job_takes_the_hour_and_catches_up_a_few_missed_ones(data, campaign, now):  # noqa: F811
    hour = backlog.top_of_hour(now)
    result = jobs.snapshot_backlog()
    taken = [dt.datetime.fromisoformat(h) for h in result[campaign.pk]]
    assert taken == [hour - dt.timedelta(hours=h) for h in range(backlog.CATCH_UP_PER_RUN + 1)]
    again = jobs.snapshot_backlog()  # the hour is taken: only earlier missed hours
    assert hour.isoformat() not in again[campaign.pk]
    assert len(again[campaign.pk]) == backlog.CATCH_UP_PER_RUN + 1
    old = BacklogSnapshot.objects.create(
        campaign=campaign, taken_at=now - dt.timedelta(days=backlog.KEEP_DAYS + 1), region=campaign.region
    )
    jobs.snapshot_backlog()
    assert not BacklogSnapshot.objects.filter(pk=old.pk).exists()


def test_the_headline_compares_with_last_weeks_snapshot(data, campaign, city, now):  # noqa: F811
    last = backlog.top_of_hour(timezone.localtime(now)) - dt.timedelta(days=7)
    expected = replayed(campaign, None, last)
    backlog.take(campaign, last)
    items = {i["key"]: i for i in sections.headline(campaign, campaign.region, now)["items"]}
    for name in ("issues_in_hand", "issues_open", "issues_overdue_open"):
        assert items[name]["previous"] == expected[name], name


def test_a_finished_weeks_figure_sets_read_the_midnight_snapshot_and_equal_the_replay(data, campaign, city, now):  # noqa: F811
    start, end = periods.last_finished_period("weekly", timezone.localtime(now).date())
    midnight = periods.local_midnight(end + dt.timedelta(days=1))
    scopes = (None, city.a, city.a1, city.a1v)
    before = {s: comparable(figures.figure_set(campaign, start, end, s, now=now)) for s in scopes}
    totals = {s: figures.total_figures(campaign, start, end, s, now=now) for s in scopes}
    backlog.take(campaign, midnight)
    assert UnitBacklogSnapshot.objects.filter(taken_at=midnight).exists()
    for scope in scopes:
        with CaptureQueriesContext(connection) as queries:
            after = comparable(figures.figure_set(campaign, start, end, scope, now=now))
        assert after == before[scope], scope
        assert figures.total_figures(campaign, start, end, scope, now=now) == totals[scope], scope
        if scope is not city.a1v:  # a community's children are grids: not kept, read from the rows
            assert any("reports_unitbacklogsnapshot" in q["sql"] for q in queries.captured_queries)
            assert not any('FROM "inspections_issueevent"' in q["sql"] and "DISTINCT ON" in q["sql"]
                           for q in queries.captured_queries)  # fmt: skip


def comparable(figure_set):
    out = figure_set.as_dict()
    out.pop("definitions")
    return out


@pytest.fixture
def kinds(data, campaign, city, units):  # noqa: F811
    """Some of the random world's issues at 测评点位 of two types and under two indicators."""
    from chuangcheng.org.models import SiteType
    from inspections.models import Issue
    from tests.factories import IndicatorFactory, SiteFactory

    sites = [
        SiteFactory(site_type=SiteType.MARKET, region=city.a1, responsible_unit=units.street_a1),
        SiteFactory(site_type=SiteType.SCHOOL, region=city.b1, responsible_unit=units.cgj),
    ]
    first = IndicatorFactory()
    indicators = [first, IndicatorFactory(standard=first.standard)]
    for i, pk in enumerate(Issue.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True)):
        if i % 4:
            Issue.objects.filter(pk=pk).update(
                site=sites[i % 2] if i % 3 else None, indicator=indicators[i % 2] if i % 5 else None
            )
    return sites, indicators


def test_a_finished_weeks_breakdowns_read_the_midnight_snapshot_and_equal_the_replay(kinds, campaign, city, now):  # noqa: F811
    """The briefing's 点位 type and indicator breakdowns: the same with the per-kind snapshot, with
    the replay, and with one city-wide read shared by a build over several regions."""
    from chuangcheng.reports.briefings import content
    from chuangcheng.reports.models import KindBacklogSnapshot

    start, end = periods.last_finished_period("weekly", timezone.localtime(now).date())
    midnight = periods.local_midnight(end + dt.timedelta(days=1))
    regions = (campaign.region, city.a, city.b, city.a1)

    def breakdowns(shared=None):
        return {
            r.pk: (
                content.by_site_type(cells := content.breakdown_cells(campaign, r, start, end, now, shared)),
                content.by_indicator(cells),
            )
            for r in regions
        }

    replayed = breakdowns()
    for by_type, by_ind in replayed.values():  # both tables add up to the same issues (unlinked rows included)
        for name in ("issues_assigned", "issues_due", "issues_overdue_open"):
            assert sum(r[name] for r in by_type) == sum(r[name] for r in by_ind), name
    assert any(r["name"] == "未关联测评指标" for r in replayed[campaign.region.pk][1])
    assert any(row["issues_overdue_open"] for row in replayed[campaign.region.pk][1])  # something to compare
    assert len(replayed[campaign.region.pk][0]) >= 2  # both 点位 types (and 非测评点位)
    assert backlog.kind_cells(campaign, None, midnight) is None  # not taken yet
    backlog.take(campaign, midnight)
    assert KindBacklogSnapshot.objects.filter(taken_at=midnight).exists()
    with CaptureQueriesContext(connection) as queries:
        assert breakdowns() == replayed
    assert any("reports_kindbacklogsnapshot" in q["sql"] for q in queries.captured_queries)
    assert not any('FROM "inspections_issueevent"' in q["sql"] for q in queries.captured_queries)  # no replay
    shared = {}
    with CaptureQueriesContext(connection) as queries:
        assert breakdowns(shared) == replayed
    flows = [q for q in queries.captured_queries if "issues_closed_on_time" in q["sql"]]
    assert len(flows) == 2, "one read of the period's flows for the territory and its districts, one for the street"
    # A moment without a snapshot (not midnight, or none taken) falls back to the replay.
    assert backlog.kind_cells(campaign, None, midnight + dt.timedelta(hours=1)) is None
    assert backlog.kind_cells(campaign, city.a1v.path, midnight) is None  # below 街道: not kept
