"""Daily summary rows (:class:`~chuangcheng.reports.models.DailyStat`): written by a job, read by
the dashboards, so a dashboard's cost follows the number of days and regions shown, not the
number of issues.

:func:`refresh_day` rebuilds one (campaign, day): one grouped query over that day's issues (and
the issues still open at its end), one over that day's verification events, then the cells are
rolled up to every ancestor region in Python and the day's rows are replaced in one
transaction — idempotent, so the job may run as often as it likes. The beat job refreshes today
and yesterday every few minutes; ``manage.py refresh_daily_stats --days N`` backfills.

Counts follow the definitions in :mod:`chuangcheng.reports.definitions` (closed = closed that
day and still closed; due = deadline that day, not long-term or dismissed; closed on time = due
that day and closed by the deadline). The end-of-day
backlog of a past day is reconstructed from today's data (assigned by then, not closed by then);
period figures such as rates are never read from here but from :mod:`figures`.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from chuangcheng.org.models import Region, RegionLevel
from inspections.models import CLOCK_STATES, Issue, IssueAction, IssueEvent, IssueState

from .figures import in_period, issues_closed, issues_closed_on_time, issues_due
from .models import DailyStat, StatDimension
from .periods import bounds

# Regions that get rows: the city down to the community (grids roll up into their community).
ROLLUP_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE)
COUNTS = ("reported", "assigned", "closed", "closed_on_time", "due", "rejected", "reopened", "open_end", "overdue_end")
FLOWS = COUNTS[:7]


def _issue_counts(b):
    """Conditional counts of one day; ``b.as_of`` is the end of the day (or now, for today).
    Assigned, closed, due and closed on time are :mod:`figures`' own predicates, so a week of
    rows adds up to the week's figures (tests/reports/test_dashboard.py pins it); closed on time
    counts by deadline day, as 按期销号率 does (on time among those due)."""
    closed = issues_closed(b)
    due = issues_due(b)
    # Not closed by the end of the day: still owed, or closed only later.
    unclosed = Q(state__in=CLOCK_STATES + (IssueState.SUBMITTED, IssueState.LONG_TERM)) | Q(
        state=IssueState.CLOSED, closed_at__gte=b.as_of
    )
    open_end = Q(assigned_at__lt=b.as_of) & unclosed
    overdue_end = Q(rectification_deadline__lt=b.as_of) & (
        Q(state__in=CLOCK_STATES) | Q(state=IssueState.CLOSED, closed_at__gte=b.as_of)
    )
    return {
        "reported": Count("id", filter=in_period("created_at", b)),
        "assigned": Count("id", filter=in_period("assigned_at", b)),
        "closed": Count("id", filter=closed),
        "closed_on_time": Count("id", filter=issues_closed_on_time(b)),
        "due": Count("id", filter=due),
        "open_end": Count("id", filter=open_end),
        "overdue_end": Count("id", filter=overdue_end),
    }, (
        in_period("created_at", b)
        | in_period("assigned_at", b)
        | in_period("closed_at", b)
        | in_period("rectification_deadline", b)
        | open_end
    )


def _rollup_map(campaign):
    """``{region id: ([it and its ancestors at the rollup levels], [the same above the
    community level])}`` within the campaign. Slices (category, severity, indicator) are kept
    down to the street only: per community they would multiply the rows by the categories."""
    rows = list(Region.objects.filter(path__startswith=campaign.region.path).values_list("id", "path", "level"))
    levels = {pk: level for pk, _path, level in rows if level in ROLLUP_LEVELS}
    out = {}
    for pk, path, _level in rows:
        chain = [int(p) for p in path.strip("/").split("/") if p and int(p) in levels]
        out[pk] = (chain, [r for r in chain if levels[r] != RegionLevel.VILLAGE])
    return out


def _slices(category_id, severity, indicator_id):
    yield StatDimension.TOTAL, ""
    yield StatDimension.CATEGORY, str(category_id or "")
    yield StatDimension.SEVERITY, severity or ""
    if indicator_id:
        yield StatDimension.INDICATOR, str(indicator_id)


def day_cells(campaign, day, *, now=None):
    """``{(region id, dimension, key): {count: n}}`` for one day (two grouped queries)."""
    b = bounds(day, day, now=now)
    aggregates, touched = _issue_counts(b)
    group = ("region_id", "category_id", "severity", "indicator_id")
    issue_rows = (
        Issue.objects.filter(campaign=campaign).filter(touched).order_by().values(*group).annotate(**aggregates)
    )
    event_rows = (
        IssueEvent.objects.filter(issue__campaign=campaign, action__in=[IssueAction.REJECT, IssueAction.REOPEN])
        .filter(in_period("created_at", b))
        .order_by()
        .values(*(f"issue__{g}" for g in group))
        .annotate(
            rejected=Count("id", filter=Q(action=IssueAction.REJECT)),
            reopened=Count("id", filter=Q(action=IssueAction.REOPEN)),
        )
    )
    rollup = _rollup_map(campaign)
    cells = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in [*issue_rows, *({k.removeprefix("issue__"): v for k, v in r.items()} for r in event_rows)]:
        every, above_community = rollup.get(row["region_id"], ((), ()))
        for dimension, key in _slices(row["category_id"], row["severity"], row["indicator_id"]):
            for region_id in every if dimension == StatDimension.TOTAL else above_community:
                cell = cells[(region_id, dimension, key)]
                for name in COUNTS:
                    cell[name] += row.get(name, 0) or 0
    return cells


def refresh_day(campaign, day, *, now=None):
    """Replace the rows of (campaign, day) with freshly computed ones. Returns the row count."""
    now = now or timezone.now()
    cells = day_cells(campaign, day, now=now)
    rows = [
        DailyStat(
            campaign=campaign, day=day, region_id=region_id, dimension=dimension, key=key, refreshed_at=now, **counts
        )
        for (region_id, dimension, key), counts in cells.items()
        if any(counts.values())
    ]
    with transaction.atomic():
        DailyStat.objects.filter(campaign=campaign, day=day).delete()
        DailyStat.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def refresh(campaigns, *, days=2, now=None):
    """Today and the ``days - 1`` days before it, for each campaign. Returns ``{campaign id: rows}``."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    out = {}
    for campaign in campaigns:
        first = max(campaign.start_date, today - dt.timedelta(days=days - 1))
        n = 0
        day = first
        while day <= today:
            n += refresh_day(campaign, day, now=now)
            day += dt.timedelta(days=1)
        out[campaign.pk] = n
    return out


# --- reading -------------------------------------------------------------------------------------


def trend(campaign, region, start, end):
    """One point per day from ``start`` to ``end``: reported, closed, backlog and overdue at the
    end of the day (a day without a row is zero). One indexed query, ≤ one row per day."""
    rows = {
        r["day"]: r
        for r in DailyStat.objects.filter(
            campaign=campaign, region=region, dimension=StatDimension.TOTAL, key="", day__gte=start, day__lte=end
        ).values("day", *COUNTS)
    }
    days, out = (end - start).days + 1, defaultdict(list)
    for i in range(days):
        day = start + dt.timedelta(days=i)
        row = rows.get(day, {})
        out["days"].append(day.isoformat())
        for name in ("reported", "assigned", "closed", "open_end", "overdue_end"):
            out[name].append(row.get(name, 0))
    return dict(out)


def _window(queryset, start, end):
    """Flows summed over [start, end] and the backlog of the last day, per group."""
    on_end = Q(day=end)
    return queryset.filter(day__gte=start, day__lte=end).annotate(
        **{name: Sum(name) for name in FLOWS},
        open_now=Sum("open_end", filter=on_end),
        overdue_now=Sum("overdue_end", filter=on_end),
    )


def _clean(row):
    return {k: (v or 0) if k in (*FLOWS, "open_now", "overdue_now") else v for k, v in row.items()}


def by_child_region(campaign, region, start, end):
    """``{child region id: counts}`` for the regions directly under ``region`` (one query)."""
    rows = _window(
        DailyStat.objects.filter(campaign=campaign, region__parent=region, dimension=StatDimension.TOTAL, key="")
        .order_by()
        .values("region_id"),
        start,
        end,
    )
    return {r.pop("region_id"): _clean(r) for r in rows}


def by_slice(campaign, region, dimension, start, end):
    """``{key: counts}`` for one dimension (category, severity, indicator) of ``region`` (one query)."""
    rows = _window(
        DailyStat.objects.filter(campaign=campaign, region=region, dimension=dimension).order_by().values("key"),
        start,
        end,
    )
    return {r.pop("key"): _clean(r) for r in rows}


def last_refreshed(campaign, region, day):
    return (
        DailyStat.objects.filter(campaign=campaign, region=region, dimension=StatDimension.TOTAL, day=day)
        .values_list("refreshed_at", flat=True)
        .first()
    )
