"""The figures read from the aggregates the writes keep (issue 18, item 4) are the figures read
from the rows: on randomized data, for every scope and period, a period's flows and events summed
from the day tables (:mod:`inspections.daytally`) and the backlog now from the tallies
(:mod:`inspections.tally`) give the same totals, unit rows and region rows as the grouped
queries over the issues and the event log — which :mod:`tests.reports.test_consistency` checks
against every other place a figure shows."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chuangcheng.reports import figures, periods
from chuangcheng.reports.figures import sets
from inspections import daytally, services
from tests.reports.test_consistency import data, now  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def scopes(campaign, city):
    return {"city": None, "district": city.a, "street": city.a1, "community": city.a1v}


def periods_of(moment):
    today = timezone.localtime(moment).date()
    return {
        "yesterday": periods.last_finished_period("daily", today),
        "last week": periods.last_finished_period("weekly", today),
        "last month": periods.last_finished_period("monthly", today),
        "this week": periods.period_for("weekly", today),
        "this month": periods.period_for("monthly", today),
        "sixty days": (today - dt.timedelta(days=59), today),
    }


def from_rows():
    """The figures read only from the issues and the event log."""
    return mock.patch.object(sets, "kept_scope", lambda scope_path: False)


def both(fn):
    kept = fn()
    with from_rows():
        rows = fn()
    return kept, rows


def comparable(figure_set):
    out = figure_set.as_dict()
    out.pop("definitions")
    return out


def test_the_day_tables_hold_what_the_rows_say(data):  # noqa: F811
    assert daytally.stored() == daytally.expected()


@pytest.mark.parametrize("scope_name", ["city", "district", "street", "community"])
def test_kept_figures_equal_the_rows_for_every_period(data, campaign, city, now, scope_name):  # noqa: F811
    scope = scopes(campaign, city)[scope_name]
    for label, (start, end) in periods_of(now).items():
        kept, rows = both(lambda: figures.total_figures(campaign, start, end, scope, now=now))  # noqa: B023
        assert kept == rows, (scope_name, label)
        kept, rows = both(lambda: comparable(figures.figure_set(campaign, start, end, scope, now=now)))  # noqa: B023
        assert kept == rows, (scope_name, label)
    assert any(figures.total_figures(campaign, s, e, scope, now=now).has_activity for s, e in periods_of(now).values())


def test_after_the_services_write_the_kept_figures_still_equal_the_rows(data, campaign, city, people, now):  # noqa: F811
    """Writes through the services move the aggregates in their transaction: no rebuild needed."""
    submitted = [i for i in data if i.state == "submitted"]
    rectifying = [i for i in data if i.state == "rectifying" and i.region.path.startswith(city.a.path)]
    for issue in submitted[:3]:
        services.issue_verify(actor=people.supervisor, issue_id=issue.pk)
    for issue in submitted[3:5]:
        services.issue_reject(actor=people.supervisor, issue_id=issue.pk, reason="未到位")
    for issue in rectifying[:2]:
        services.issue_move_long_term(
            actor=people.supervisor, issue_id=issue.pk, plan="分期", target_date=(now + dt.timedelta(days=90)).date()
        )
    today = timezone.localtime(now).date()
    week = periods.period_for("weekly", today)
    for scope in scopes(campaign, city).values():
        kept, rows = both(lambda: figures.total_figures(campaign, *week, scope, now=now))  # noqa: B023
        assert kept == rows
        kept, rows = both(lambda: comparable(figures.figure_set(campaign, *week, scope, now=now)))  # noqa: B023
        assert kept == rows
    assert daytally.stored() == daytally.expected()


def test_a_city_week_reads_the_kept_tables_not_the_issues(data, campaign, now):  # noqa: F811
    """The running week city-wide: no grouped read of the issues or the event log for its flows,
    events or backlog — only the few 核查退回 of the week (for 弄虚作假) and the issues due today
    (超期未改 today, one day of deadlines)."""
    monday, today = periods.period_for("weekly", timezone.localtime(now).date())[0], timezone.localtime(now).date()
    with CaptureQueriesContext(connection) as queries:
        figures.total_figures(campaign, monday, today, None, now=now)
    issue_reads = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "inspections_issue"' in q["sql"]
        and "GROUP BY" in q["sql"]
        and '"rectification_deadline" >=' not in q["sql"]
    ]
    event_reads = [q["sql"] for q in queries.captured_queries if 'FROM "inspections_issueevent"' in q["sql"]]
    assert not issue_reads, issue_reads
    assert all("'reject'" in sql for sql in event_reads), event_reads
    assert any("inspections_issuedaytally" in q["sql"] for q in queries.captured_queries)
