"""The named scenarios. Each picks its subjects from the seeded data deterministically (the
unit with the most tasks, its first clerk…), so runs at different scales are comparable."""

import csv
import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Count

from chuangcheng.org.imports import import_regions
from chuangcheng.org.models import User

from . import answers
from .runner import Scenario

SCENARIOS = {}


def city_supervisor():
    return User.objects.filter(memberships__role="supervisor", memberships__unit__level="city").order_by("id").first()


# --- the floor: what any signed-in request costs before it does its own work ---------------------


def prepare_floor_api():
    return {"user": city_supervisor(), "note": "middleware, session, user; no query of its own"}


def run_floor_api(client, state):
    response = client.get("/api/v1/")
    assert response.status_code == 200, response.status_code
    return response


SCENARIOS["floor_api"] = Scenario(
    "floor_api",
    "GET /api/v1/ (the API root) as a city supervisor: the fixed cost of an API request",
    prepare_floor_api,
    run_floor_api,
)


def prepare_floor_page():
    user, _created = User.objects.get_or_create(username="bench-floor", defaults={"display_name": "基准"})
    return {"user": user, "note": "the layout of 我的待办 for a person without a unit: no rows"}


SCENARIOS["floor_page"] = Scenario(
    "floor_page",
    "GET /tasks/mine/ for a person without a unit: the fixed cost of a page (layout, menus)",
    prepare_floor_page,
    lambda client, state: run_my_work(client, state),  # defined with the my_work scenario below
)


# --- tasks -----------------------------------------------------------------------------------


def _busiest_street_unit():
    from tasks.models import Task

    row = (
        Task.objects.filter(owner_unit__level="street")
        .values("owner_unit")
        .annotate(n=Count("id"))
        .order_by("-n", "owner_unit")
        .first()
    )
    return row["owner_unit"], row["n"]


def prepare_tasks_api():
    unit_id, n = _busiest_street_unit()
    return {"user": city_supervisor(), "unit_id": unit_id, "note": f"unit with {n} tasks"}


def run_tasks_api(client, state):
    response = client.get(f"/api/v1/tasks/?owner_unit={state['unit_id']}&page_size=50")
    assert response.status_code == 200, response.status_code
    return response


def sql_tasks_api(state):
    from tasks.api.serializers import ledger_today

    return [(answers.TASKS_PAGE, {"unit": state["unit_id"], "today": ledger_today()})]


SCENARIOS["tasks_api_list"] = Scenario(
    "tasks_api_list",
    "GET /api/v1/tasks/ (50, filtered by unit) as a city supervisor",
    prepare_tasks_api,
    run_tasks_api,
    sql_tasks_api,
)


def prepare_my_work():
    unit_id, n = _busiest_street_unit()
    clerk = User.objects.filter(memberships__unit_id=unit_id, memberships__role="staff").order_by("id").first()
    return {"user": clerk, "unit_id": unit_id, "note": f"clerk of a unit with {n} tasks"}


def run_my_work(client, state):
    response = client.get("/tasks/mine/")
    assert response.status_code == 200, response.status_code
    return response


def sql_my_work(state):
    from django.utils import timezone

    units = list(state["user"].memberships.values_list("unit_id", flat=True))
    return [(answers.MY_WORK_PAGE, {"units": units, "today": timezone.localdate(), "user": state["user"].pk})]


SCENARIOS["my_work_page"] = Scenario(
    "my_work_page", "GET /tasks/mine/ (我的待办) as a street-office clerk", prepare_my_work, run_my_work, sql_my_work
)


# --- issues ----------------------------------------------------------------------------------


def _busiest_district():
    """The district with the most issues, and its subtree path."""
    from chuangcheng.org.models import Region, RegionLevel
    from inspections.models import Issue

    districts = {r.pk: r for r in Region.objects.filter(level=RegionLevel.COUNTY)}
    counts = {}
    for region_path, n in (
        Issue.objects.values_list("region__path").annotate(n=Count("id")).order_by().values_list("region__path", "n")
    ):
        parts = region_path.strip("/").split("/")
        for part in parts:
            if int(part) in districts:
                counts[int(part)] = counts.get(int(part), 0) + n
    district_id = max(counts, key=lambda k: (counts[k], -k))
    return districts[district_id], counts[district_id]


ISSUE_STATE = "rectifying"


def prepare_issues_api():
    from inspections.models import Issue

    district, n = _busiest_district()
    matching = Issue.objects.filter(region__path__startswith=district.path, state=ISSUE_STATE).count()
    return {
        "user": city_supervisor(),
        "region": district,
        "note": f"{district.name}: {n:,} issues in the subtree, {matching:,} {ISSUE_STATE}",
    }


def run_issues_api(client, state):
    response = client.get(f"/api/v1/issues/?region={state['region'].pk}&state={ISSUE_STATE}&page_size=50")
    assert response.status_code == 200, response.status_code
    return response


def sql_issues_api(state):
    from django.utils import timezone

    return [(answers.ISSUES_PAGE, {"path": state["region"].path + "%", "state": ISSUE_STATE, "now": timezone.now()})]


SCENARIOS["issues_api_list"] = Scenario(
    "issues_api_list",
    f"GET /api/v1/issues/ (50, filtered by district subtree and state={ISSUE_STATE}) as a city supervisor",
    prepare_issues_api,
    run_issues_api,
    sql_issues_api,
)


# --- search (?q=): two Chinese characters, answered from the character-pair index ------------------


def _search(words):
    def prepare():
        from inspections.models import Issue
        from inspections.search import text_q

        n = Issue.objects.filter(text_q(words)).count()
        return {"user": city_supervisor(), "q": words, "note": f"{n:,} issues match {words}"}

    def run(client, state):
        response = client.get("/api/v1/issues/", {"q": state["q"], "page_size": 50})
        assert response.status_code == 200, response.status_code
        return response

    return prepare, run


for _name, _words in (("issues_search_jinggai", "井盖"), ("issues_search_phrase", "花园路1")):
    SCENARIOS[_name] = Scenario(
        _name, f"GET /api/v1/issues/?q={_words} (50, city-wide) as a city supervisor", *_search(_words)
    )


def prepare_issue_page():
    """The issue with the most events among the busiest district's reworked ones."""
    from inspections.models import Issue

    district, _n = _busiest_district()
    issue = (
        Issue.objects.filter(region__path__startswith=district.path, rework_count__gt=0)
        .annotate(n=Count("events"))
        .order_by("-n", "id")
        .first()
    )
    return {"user": city_supervisor(), "issue": issue, "note": f"issue #{issue.pk} with {issue.n} events"}


def run_issue_page(client, state):
    response = client.get(f"/inspections/issues/{state['issue'].pk}/")
    assert response.status_code == 200, response.status_code
    return response


def sql_issue_page(state):
    pk = state["issue"].pk
    return [
        (
            """SELECT i.*, c.name, cat.name, r.name, u.name FROM inspections_issue i
            JOIN campaigns_campaign c ON c.id = i.campaign_id
            JOIN inspections_issuecategory cat ON cat.id = i.category_id
            JOIN org_region r ON r.id = i.region_id
            LEFT JOIN org_unit u ON u.id = i.responsible_unit_id WHERE i.id = %s""",
            [pk],
        ),
        (
            """SELECT e.*, u.display_name FROM inspections_issueevent e
            LEFT JOIN org_user u ON u.id = e.actor_id WHERE e.issue_id = %s ORDER BY e.created_at, e.id""",
            [pk],
        ),
        ("SELECT * FROM inspections_photo WHERE issue_id = %s ORDER BY id", [pk]),
    ]


SCENARIOS["issue_page"] = Scenario(
    "issue_page",
    "GET /inspections/issues/<id>/ (photos, timeline, actions) as a city supervisor",
    prepare_issue_page,
    run_issue_page,
    sql_issue_page,
)


# --- imports ---------------------------------------------------------------------------------


def prepare_import():
    """A copy of the Zhengzhou list with every code moved to an unused prefix (4→9): the same
    3,428 rows and shape, imported cold; the import is a dry run, so it rolls back."""
    source = Path(settings.BASE_DIR) / "data" / "zhengzhou_divisions.csv"
    target = Path(tempfile.gettempdir()) / "bench_regions_9101.csv"
    with source.open(encoding="utf-8") as fin, target.open("w", encoding="utf-8", newline="") as fout:
        reader, writer = csv.reader(fin), csv.writer(fout)
        writer.writerow(next(reader))
        for code, name, level, parent in reader:
            writer.writerow(["9" + code[1:], name, level, "9" + parent[1:]])
    return {"user": None, "path": target, "note": "3,428 rows, cold, rolled back"}


def run_import(client, state):
    result = import_regions(state["path"], dry_run=True)
    assert result.created == 3428, result.summary()
    return None


def sql_import(state):
    return [
        (
            """INSERT INTO org_region (code, name, level, parent_id, path, area_class)
            SELECT '9' || lpad(g::text, 11, '0'), 'r' || g, 'village', NULL, '/' || g || '/', 'B'
            FROM generate_series(1, 3428) g""",
            [],
        )
    ]


SCENARIOS["import_regions"] = Scenario(
    "import_regions",
    "import_regions of 3,428 divisions (dry run: written, then rolled back)",
    prepare_import,
    run_import,
    sql_import,
    writes=True,
    login=False,
)


# --- briefings and reminders -------------------------------------------------------------------

PASS_INTERVAL = dt.timedelta(minutes=5)  # the reminder pass's beat interval
ONE_DAY = dt.timedelta(days=1)


def prepare_weekly_briefing():
    from chuangcheng.campaigns.models import Campaign
    from inspections.models import Issue

    campaign = Campaign.objects.active().select_related("region").order_by("pk").first()
    return {
        "user": None,
        "campaign": campaign,
        "note": f"city-wide, last week; {Issue.objects.filter(campaign=campaign).count():,} issues in the campaign",
    }


def run_weekly_briefing(client, state):
    """Built and rolled back, so every run builds it again (figures, snapshot, 文号, outbox)."""
    from django.db import transaction

    from chuangcheng.reports.briefings import briefing_build

    with transaction.atomic():
        briefing, created = briefing_build(campaign=state["campaign"], kind="weekly")
        assert created, "a weekly briefing of last week already exists in the bench database"
        transaction.set_rollback(True)


def sql_weekly_briefing(state):
    """The core of it by hand: last week's issue figures per responsible unit, one grouped scan."""
    from django.utils import timezone

    from chuangcheng.reports import periods

    start, end = periods.last_finished_period("weekly", timezone.localdate())
    return [
        (
            """SELECT responsible_unit_id,
                count(*) FILTER (WHERE assigned_at::date BETWEEN %s AND %s),
                count(*) FILTER (WHERE state = 'closed' AND closed_at::date BETWEEN %s AND %s),
                count(*) FILTER (WHERE rectification_deadline::date BETWEEN %s AND %s),
                count(*) FILTER (WHERE state IN ('assigned', 'rectifying') AND rectification_deadline::date <= %s)
            FROM inspections_issue WHERE campaign_id = %s GROUP BY responsible_unit_id""",
            [start, end, start, end, start, end, end, state["campaign"].pk],
        )
    ]


SCENARIOS["weekly_briefing"] = Scenario(
    "weekly_briefing",
    "build the city-wide weekly briefing (figures, ranking, lists, snapshot; rolled back)",
    prepare_weekly_briefing,
    run_weekly_briefing,
    sql_weekly_briefing,
    writes=True,
    login=False,
)


def prepare_reminders():
    from django.utils import timezone

    from inspections.models import CLOCK_STATES, Issue

    now = timezone.now()
    due = Issue.objects.filter(
        state__in=CLOCK_STATES, rectification_deadline__range=(now, now + timezone.timedelta(days=1))
    ).count()
    return {"user": None, "now": now, "note": f"{due:,} issues due within a day"}


def run_reminders(client, state):
    """The pass beat runs every five minutes: its watermarks five minutes back, so it reads what
    opened since (a first pass over a never-reminded city is a one-off: docs/performance.md).
    Rolled back, so every run finds the same items."""
    from django.db import transaction

    from chuangcheng.notifications.models import ReminderWatermark
    from chuangcheng.notifications.reminders import reminders_dispatch, window_keys

    now = state["now"]
    with transaction.atomic():
        ReminderWatermark.objects.all().delete()
        ReminderWatermark.objects.bulk_create(
            ReminderWatermark(source=source, window=window, passed_at=now - PASS_INTERVAL)
            for source, window in window_keys(now)
        )
        reminders_dispatch(now=now)
        transaction.set_rollback(True)


def sql_reminders(state):
    """By hand: the issues whose T-24h window or deadline passed in the last five minutes."""
    now = state["now"]
    return [
        (
            """SELECT id, responsible_unit_id, rectification_deadline FROM inspections_issue
            WHERE state IN ('assigned', 'rectifying')
              AND (rectification_deadline >= %s AND rectification_deadline < %s
                   OR rectification_deadline >= %s AND rectification_deadline < %s)""",
            [now - PASS_INTERVAL, now, now + ONE_DAY - PASS_INTERVAL, now + ONE_DAY],
        )
    ]


SCENARIOS["reminder_pass"] = Scenario(
    "reminder_pass",
    "one reminder pass five minutes after the last (watermarks; due soon, overdue, escalation → delivery rows; rolled back)",
    prepare_reminders,
    run_reminders,
    sql_reminders,
    writes=True,
    login=False,
)


# --- dashboards --------------------------------------------------------------------------------


def prepare_dashboard_api():
    """The city-wide overview of the first active campaign: today's summary rows refreshed and
    the period figures warmed as the job does (figures over a week read every issue of the
    campaign: seconds at 1M, so the dashboard serves them from the cache the job fills)."""
    from django.utils import timezone

    from chuangcheng.campaigns.models import Campaign
    from chuangcheng.reports import dashboard, stats

    campaign = Campaign.objects.active().select_related("region").order_by("pk").first()
    if not stats.DailyStat.objects.filter(campaign=campaign, day=timezone.localdate()).exists():
        stats.refresh([campaign], days=2)
    dashboard.warm(campaign)
    return {
        "user": city_supervisor(),
        "campaign": campaign,
        "region_id": campaign.region_id,
        "today": timezone.localdate(),
        "note": f"campaign #{campaign.pk}, summary rows refreshed, period figures warm",
    }


def run_dashboard_api(client, state):
    from chuangcheng.reports import dashboard

    # Measure the summary-row sections, not the short per-section cache.
    dashboard.forget(state["campaign"], state["campaign"].region)
    response = client.get("/api/v1/dashboard/")
    assert response.status_code == 200, response.status_code
    return response


def sql_dashboard_api(state):
    """The hand-written answer from the summary table: the trend, the child regions, categories,
    severities and today's indicators of the city."""
    c, r, today = state["campaign"].pk, state["region_id"], state["today"]
    return [
        (
            """SELECT day, reported, assigned, closed, open_end, overdue_end FROM reports_dailystat
            WHERE campaign_id = %s AND region_id = %s AND dimension = '' AND key = ''
            AND day BETWEEN %s::date - 29 AND %s ORDER BY day""",
            [c, r, today, today],
        ),
        (
            """SELECT s.region_id, sum(s.reported), sum(s.closed), sum(s.due), sum(s.closed_on_time),
            sum(s.open_end) FILTER (WHERE s.day = %s), sum(s.overdue_end) FILTER (WHERE s.day = %s)
            FROM reports_dailystat s JOIN org_region g ON g.id = s.region_id
            WHERE s.campaign_id = %s AND g.parent_id = %s AND s.dimension = '' AND s.key = ''
            AND s.day BETWEEN %s::date - 29 AND %s GROUP BY s.region_id""",
            [today, today, c, r, today, today],
        ),
        (
            """SELECT dimension, key, sum(reported), sum(closed), sum(open_end) FILTER (WHERE day = %s),
            sum(overdue_end) FILTER (WHERE day = %s) FROM reports_dailystat
            WHERE campaign_id = %s AND region_id = %s AND dimension IN ('category', 'severity', 'indicator')
            AND day BETWEEN %s::date - 29 AND %s GROUP BY dimension, key""",
            [today, today, c, r, today, today],
        ),
        (
            """SELECT id, address, rectification_deadline FROM inspections_issue
            WHERE campaign_id = %s AND severity = 'negative_list'
            AND state IN ('reported', 'assigned', 'rectifying', 'submitted', 'long_term')
            ORDER BY rectification_deadline, id LIMIT 50""",
            [c],
        ),
    ]


SCENARIOS["dashboard_api"] = Scenario(
    "dashboard_api",
    "GET /api/v1/dashboard/ (city overview: summary rows; period figures from the warmed cache)",
    prepare_dashboard_api,
    run_dashboard_api,
    sql_dashboard_api,
)


# Deep pages, every ordering, the list page and cold dashboards at each level (issue 18).
from .scenarios_paths import SCENARIOS as _PATHS  # noqa: E402

SCENARIOS.update(_PATHS)
