"""One number for one thing: on randomized data (issues in every state, reopened, extended,
returned, reassignment refused; decomposed tasks), every figure that shares a name has the same
value wherever it shows — the dashboard API's sections, the briefing snapshot, the daily summary
rows, the .xlsx exports and the list pages' state counts — for each scope (city, district,
street, community, unit) and period (day, week, month, and the running week as of now).

And the history the summary rows keep is the event log's: the backlog of any past day, rebuilt
from the log, is what a replay of each issue's events up to that moment says."""

import datetime as dt
import re
from io import BytesIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from chuangcheng.reports import figures, periods, stats
from chuangcheng.reports.briefings import briefing_build
from chuangcheng.reports.figures import predicates
from chuangcheng.reports.models import CampaignScoring, DailyStat, StatDimension
from chuangcheng.reports.templatetags.dashboard_ui import figure as shown
from inspections import counting as issue_counting
from inspections.models import Issue, IssueEvent
from tasks import counting as task_counting
from tasks.models import TaskState
from tests.reports import randomworld

# Figures and the daily-row columns that hold them.
FLOWS = {
    "issues_reported": "reported",
    "issues_assigned": "assigned",
    "issues_closed": "closed",
    "issues_due": "due",
    "issues_closed_on_time": "closed_on_time",
    "rejections": "rejected",
    "recurrences": "reopened",
    "extensions": "extended",
}
BACKLOG = {"issues_in_hand": "in_hand_end", "issues_open": "open_end", "issues_overdue_open": "overdue_end"}


@pytest.fixture
def now():
    """A fixed "now" for everything the pages and jobs compute (no deadline slips by mid-test)."""
    moment = timezone.now().replace(microsecond=0)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture
def data(campaign, city, units, category, now):
    cache.clear()
    campaign.start_date = (now - dt.timedelta(days=70)).date()
    campaign.save(update_fields=["start_date"])
    CampaignScoring.objects.create(campaign=campaign, flag_share=50)
    places = [
        (city.a1v, units.street_a1),
        (city.a1, units.street_a1),
        (city.a2, units.gov_a),
        (city.b1v, units.street_b1),
        (city.b1, units.cgj),
    ]
    issues = randomworld.build(campaign=campaign, category=category, places=places, now=now)
    stats.refresh([campaign], days=60, now=now)
    return issues


def periods_to_check(now):
    today = timezone.localtime(now).date()
    return {
        "day": periods.last_finished_period("daily", today),
        "week": periods.last_finished_period("weekly", today),
        "month": periods.last_finished_period("monthly", today),
    }


def api(user):
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def daily_rows(campaign, scope, start, end):
    """The summary rows of a region scope (or a unit, city-wide) over [start, end]."""
    rows = DailyStat.objects.filter(campaign=campaign, day__gte=start, day__lte=end)
    if isinstance(scope, tuple):  # ("unit", unit)
        return rows.filter(region=campaign.region, dimension=StatDimension.UNIT, key=str(scope[1].pk))
    return rows.filter(region=scope, dimension=StatDimension.TOTAL, key="")


def check_daily_rows(campaign, scope, start, end, totals, label):
    rows = list(daily_rows(campaign, scope, start, end).values())
    for figure, column in FLOWS.items():
        assert sum(r[column] for r in rows) == totals[figure], (label, figure)
    last = next((r for r in rows if r["day"] == end), {})
    for figure, column in BACKLOG.items():
        assert last.get(column, 0) == totals[figure], (label, figure)


def issue_list_counts(client, params):
    page = client.get(reverse("inspections:issue_list"), params)
    assert page.status_code == 200
    return page.context["chips"], page.context["overdue_count"]


def export_rows(client, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("scope_name", ["city", "district", "street", "community", "unit"])
def test_every_figure_agrees_everywhere(data, campaign, city, units, people, client, now, scope_name):
    region = {"city": city.city, "district": city.a, "street": city.a1, "community": city.a1v}.get(scope_name)
    unit = units.street_a1 if scope_name == "unit" else None
    client.force_login(people.supervisor)
    supervisor = api(people.supervisor)
    checked = 0

    for label, (start, end) in periods_to_check(now).items():
        if unit is None:
            # The dashboard API's period figures: what the briefing of that period snapshots.
            section = supervisor.get(
                "/api/v1/dashboard/ranking/", {"region": region.pk, "start": start.isoformat(), "end": end.isoformat()}
            ).json()["ranking"]
            totals = section["totals"]
            assert (
                totals
                == figures.total_figures(
                    campaign, start, end, None if region == city.city else region, now=now
                ).as_dict()
            )
            if region in (city.city, city.a):  # briefings are built for the city and its districts
                kind = {"day": "daily", "week": "weekly", "month": "monthly"}[label]
                briefing, _ = briefing_build(campaign=campaign, kind=kind, day=start, region=region, now=now)
                content = briefing.content
                for key in ("totals", "regions", "ranking", "flags"):
                    assert content[key] == section[key], (label, key)
                # Its workbook prints the snapshot's numbers.
                xlsx = client.get(reverse("reports:download", args=[briefing.pk, "xlsx"]))
                sheet = {r[0]: r for r in load_workbook(BytesIO(xlsx.content))["概况"].iter_rows(values_only=True) if r}
                assert sheet["新交办问题"][1] == str(totals["issues_assigned"])
                assert sheet["超期未改"][1] == str(totals["issues_overdue_open"])
                assert sheet["在办问题"][1] == str(totals["issues_in_hand"])
            check_daily_rows(campaign, region, start, end, totals, label)
            params = {"created_from": start.isoformat(), "created_to": end.isoformat()}
            if region != city.city and region.level != "village":
                params["region"] = region.pk
        else:
            # A unit: its row in the city-wide ranking (ranked or not) is its figures.
            section = supervisor.get(
                "/api/v1/dashboard/ranking/", {"start": start.isoformat(), "end": end.isoformat()}
            ).json()["ranking"]
            rows = [r for g in section["ranking"] for r in (*g["rows"], *g["unranked"]) if r["key"] == unit.pk]
            [row] = rows
            fs = figures.figure_set(campaign, start, end, None, now=now)
            totals = next(r for r in fs.units if r.key == unit.pk).figures.as_dict()
            assert {k: row[k] for k in totals} == totals
            if label == "week":
                view = api(people.head).get(f"/api/v1/dashboard/units/{unit.pk}/").json()
                assert view["row"] == row
            check_daily_rows(campaign, ("unit", unit), start, end, totals, label)
            params = {"created_from": start.isoformat(), "created_to": end.isoformat(), "responsible_unit": unit.pk}
        # 问题清单 filtered by registration date: its count is 登记问题; so is its export.
        if region is None or region.level != "village":
            chips, _overdue = issue_list_counts(client, params)
            assert chips[0]["count"] == totals["issues_reported"], (label, "list")
            assert len(export_rows(client, "inspections:issue_export", params)) == totals["issues_reported"]
        checked += 1
    assert checked == 3

    # Now (the running week): the dashboard's headline, its drill-down rows, the list chips,
    # the ledger chips and both exports.
    monday, today = periods.period_for("weekly", timezone.localtime(now).date())[0], timezone.localtime(now).date()
    scope = None if (region == city.city or unit) else region
    now_figures = figures.total_figures(campaign, monday, today, scope, now=now)
    if unit is not None:
        now_figures = next(
            r for r in figures.figure_set(campaign, monday, today, None, now=now).units if r.key == unit.pk
        ).figures
    if unit is None and region.level != "village":
        headline = supervisor.get("/api/v1/dashboard/headline/", {"region": region.pk}).json()["headline"]
        values = {i["key"]: i["value"] for i in headline["items"]}
        for key in ("issues_in_hand", "issues_open", "issues_overdue_open", "tasks_overdue", "extension_rate"):
            assert values[key] == getattr(now_figures, key), key
        assert set(headline["definitions"]) >= {"extension_rate", "issues_in_hand", "issues_open"}
        parent = region.parent or region
        rows = supervisor.get("/api/v1/dashboard/breakdown/", {"region": parent.pk}).json()["breakdown"]["rows"]
        if region.parent is not None:
            mine = next(r for r in rows if r["id"] == region.pk)
            assert (mine["in_hand_now"], mine["open_now"], mine["overdue_now"]) == (
                now_figures.issues_in_hand, now_figures.issues_open, now_figures.issues_overdue_open,
            )  # fmt: skip
        else:
            assert sum(r["overdue_now"] for r in rows) == now_figures.issues_overdue_open
        xlsx = client.get(reverse("dashboard:xlsx"), {"region": region.pk})
        sheet = {r[0]: r for r in load_workbook(BytesIO(xlsx.content))["核心指标"].iter_rows(values_only=True)}
        assert sheet["超期未改"][1] == now_figures.issues_overdue_open
        # One decimal, as shown; no rate (nothing assigned yet this week: a Monday's first hours) an empty cell.
        rate = shown(now_figures.extension_rate, "%")
        assert sheet["延期率"][1] == (None if rate is None else float(rate))
    if region is None or region.level != "village":
        params = {"responsible_unit": unit.pk} if unit else ({} if region == city.city else {"region": region.pk})
        chips, overdue = issue_list_counts(client, params)
        by_state = {c["value"]: c["count"] for c in chips}
        assert overdue == now_figures.issues_overdue_open
        assert by_state["assigned"] + by_state["rectifying"] == now_figures.issues_in_hand
        unclosed = ("assigned", "rectifying", "submitted", "long_term")
        assert sum(by_state[s] for s in unclosed) == now_figures.issues_open
        rows = export_rows(client, "inspections:issue_export", params)
        assert sum(1 for r in rows if r["是否超期"] == "是") == now_figures.issues_overdue_open
        ledger = {"owner_unit": unit.pk} if unit else ({} if region == city.city else {"region": region.pk})
        page = client.get(reverse("tasks:ledger"), ledger)
        assert page.context["overdue_count"] == now_figures.tasks_overdue
        rows = export_rows(client, "tasks:export", ledger)
        assert sum(1 for r in rows if r["是否超期"] == "是") == now_figures.tasks_overdue


def test_the_log_and_the_rows_agree_now_and_the_past_is_the_replay(data, campaign, now):
    """Replaying every issue's events up to a moment gives what the figures (and the daily rows)
    say was owed then; replayed up to now, it gives today's rows."""
    issues = {i.pk: i for i in Issue.objects.filter(campaign=campaign)}
    events = {}
    for e in IssueEvent.objects.filter(issue__campaign=campaign).order_by("created_at", "id"):
        events.setdefault(e.issue_id, []).append(e)

    def replay(moment):
        counts = dict.fromkeys(predicates.BACKLOG, 0)
        for pk, evs in events.items():
            state, deadline = "", None
            for e in evs:
                if e.created_at >= moment:
                    break
                state = e.to_state or state
                if "rectification_deadline" in e.changes:
                    v = e.changes["rectification_deadline"]
                    v = v[1] if isinstance(v, list) else v
                    deadline = dt.datetime.fromisoformat(v) if v else None
            key = predicates.is_key_source(issues[pk].source, None)
            for name in counts:
                counts[name] += predicates.backlog_holds(name, state, deadline, key, moment)
        return counts

    today = timezone.localtime(now).date()
    for back in (0, 1, 3, 8, 20, 35):
        day = today - dt.timedelta(days=back)
        moment = min(periods.bounds(day, day, now=now).as_of, now)
        expected = replay(moment)
        assert sum(expected.values()) > 0 or back > 30
        got = figures.total_figures(campaign, day, day, now=now)
        assert {k: getattr(got, k) for k in expected} == expected, day
        row = DailyStat.objects.get(campaign=campaign, day=day, region=campaign.region, dimension="", key="")
        assert (row.in_hand_end, row.open_end, row.overdue_end) == (
            expected["issues_in_hand"], expected["issues_open"], expected["issues_overdue_open"],
        )  # fmt: skip
    # Replayed to now, the log is the rows.
    for pk, issue in issues.items():
        assert (
            randomworld.facts([(e.action, e.from_state, e.to_state, e.created_at, e.changes) for e in events[pk]])[
                "state"
            ]
            == issue.state
        )


def test_past_backlog_is_not_rewritten_by_todays_changes(data, campaign, now, people):
    """Closing an issue today changes today's backlog, never last week's (rebuilt from the log)."""
    from inspections.models import CLOCK_STATES

    day = timezone.localtime(now).date() - dt.timedelta(days=7)
    before = DailyStat.objects.get(campaign=campaign, day=day, region=campaign.region, dimension="", key="")
    issue = Issue.objects.filter(
        campaign=campaign, state__in=CLOCK_STATES, assigned_at__lt=now - dt.timedelta(days=8)
    ).first()
    assert issue is not None
    Issue.objects.filter(pk=issue.pk).update(state="closed", closed_at=now)
    IssueEvent.objects.create(issue=issue, action="verify", from_state="submitted", to_state="closed", created_at=now)
    stats.refresh([campaign], days=10, now=now + dt.timedelta(seconds=1))
    after = DailyStat.objects.get(campaign=campaign, day=day, region=campaign.region, dimension="", key="")
    assert (after.in_hand_end, after.open_end, after.overdue_end) == (
        before.in_hand_end, before.open_end, before.overdue_end,
    )  # fmt: skip


def test_no_iso_text_in_a_briefing_page(data, campaign, client, people, now, city):
    briefing, _ = briefing_build(campaign=campaign, kind="weekly", region=city.city, now=now)
    client.force_login(people.supervisor)
    page = client.get(reverse("reports:detail", args=[briefing.pk])).content.decode()
    text = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\d{4}-\d\d-\d\dT", text)


def test_the_lists_know_the_states_in_which_an_item_can_be_overdue():
    """The chips that replace 超期未改 / 超期未完成 (a state in which nothing is overdue) are told
    those states by the lists' counting modules: they are the figures'."""
    assert set(issue_counting.CAN_BE_OVERDUE) == set(predicates.BACKLOG["issues_overdue_open"][0])
    # 超期未完成任务 is "not done by now": every state but 已完成.
    assert str(~Q(state=TaskState.DONE)) in str(predicates._not_done_by(timezone.now()))
    assert set(task_counting.CAN_BE_OVERDUE) == set(TaskState.values) - {TaskState.DONE}
