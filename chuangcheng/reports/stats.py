"""Daily summary rows (:class:`~chuangcheng.reports.models.DailyStat`): written by jobs, read by
the dashboards, so a dashboard's cost follows the number of days and regions shown, not the
number of issues.

A day's row holds two kinds of number, each from :mod:`chuangcheng.reports.figures`:

- **flows** (登记, 交办, 销号, 应销号, 按期销号, 核查退回, 反弹, 延期) — the figures' own period
  predicates over that day, so a week of rows adds up to the week's figures;
- **end-of-day backlog** (在办, 未销号, 超期未改) — the backlog predicates at the end of the day,
  judged on the issues *as they were then*, replayed from the append-only event log
  (:mod:`.figures.history`); today's, as of now. A past day's backlog is never read off today's
  rows, so rebuilding any day gives the same answer, and demo seeding (``seed_demo`` runs
  ``refresh_daily_stats --days 90``) writes its history through this same code.

:func:`refresh_day` replaces a whole (campaign, day) in one transaction — idempotent. The beat
job refreshes today and yesterday every five minutes and then builds any day of the last
:data:`CATCH_UP_DAYS` that has no row yet (a day the job missed while it was down); the
campaign's own region gets a total row for every day built, so "missing" is "never built".
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Case, Count, F, Min, Q, Sum, When
from django.utils import timezone

from chuangcheng.org.models import Region, RegionLevel
from inspections.models import IssueAction

from .figures import history, predicates
from .figures.sets import flow_touched
from .models import DailyStat, StatDimension
from .periods import bounds

# Regions that get rows: the city down to the community (grids roll up into their community).
ROLLUP_LEVELS = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE)
FLOWS = ("reported", "assigned", "closed", "closed_on_time", "due", "rejected", "reopened", "extended")
BACKLOG = {"in_hand_end": "issues_in_hand", "open_end": "issues_open", "overdue_end": "issues_overdue_open"}
COUNTS = (*FLOWS, *BACKLOG)
CATCH_UP_DAYS = 90
CATCH_UP_PER_RUN = 7  # missing days built per job run (each its own transaction; the next run goes on)


def _flow_aggregates(b):
    """One day's flows, by the figures' predicates (so a week of rows is the week's figures)."""
    predicates_of = {
        "reported": predicates.issues_reported(b),
        "assigned": predicates.issues_assigned(b),
        "closed": predicates.issues_closed(b),
        "closed_on_time": predicates.issues_closed_on_time(b),
        "due": predicates.issues_due(b),
    }
    return {name: Count("id", filter=q) for name, q in predicates_of.items()}, flow_touched(b)


EVENT_FLOWS = {
    "rejected": predicates.EVENT_FIGURES["rejections"],
    "reopened": predicates.EVENT_FIGURES["recurrences"],
    "extended": predicates.EVENT_FIGURES["extensions"],
}


# Slices (category, severity, indicator) are kept down to the street: per community they would
# multiply the rows by the categories.
UNSLICED_LEVELS = (RegionLevel.VILLAGE, RegionLevel.GRID)


def slice_region(region):
    """The region whose slice rows hold ``region``'s issues: itself at street level or above; for
    a community or grid, the street above it (``None`` when it has none)."""
    if region.level not in UNSLICED_LEVELS:
        return region
    return Region.objects.filter(pk__in=region.ancestor_ids(), level=RegionLevel.TOWN).first()


def _rollup_map(campaign):
    """``{region id: ([it and its ancestors at the rollup levels], [the same above the
    community level])}`` within the campaign: slices skip the :data:`UNSLICED_LEVELS`."""
    rows = list(Region.objects.filter(path__startswith=campaign.region.path).values_list("id", "path", "level"))
    levels = {pk: level for pk, _path, level in rows if level in ROLLUP_LEVELS}
    out = {}
    for pk, path, _level in rows:
        chain = [int(p) for p in path.strip("/").split("/") if p and int(p) in levels]
        out[pk] = (chain, [r for r in chain if levels[r] not in UNSLICED_LEVELS])
    return out


# Each dimension's grouping of a day's issue rows: a row's region (every rollup level), its
# slices (above the community) and its unit — grouped apart, and each region cut in SQL to the
# lowest level it is kept at (a grid to its community for the totals, to its street for the
# slices), so the rows read number the regions, categories and units, not their combinations
# (a city's open issues at 1,000,000 made 230,000 combinations, added up one by one in Python).
SPLITS = {
    StatDimension.TOTAL: ("_community", None),
    StatDimension.CATEGORY: ("_street", "category_id"),
    StatDimension.SEVERITY: ("_street", "severity"),
    StatDimension.INDICATOR: ("_street", "indicator_id"),
    StatDimension.UNIT: (None, "responsible_unit_id"),
}


def _cuts(prefix=""):
    """SQL for the row's region cut to its community (``_community``) and its street
    (``_street``): a grid's parent and grandparent, a community's itself and its parent."""
    level, region = f"{prefix}region__level", f"{prefix}region"
    return {
        "_community": Case(
            When(**{level: RegionLevel.GRID}, then=F(f"{region}__parent_id")), default=F(f"{region}_id")
        ),
        "_street": Case(
            When(**{level: RegionLevel.GRID}, then=F(f"{region}__parent__parent_id")),
            When(**{level: RegionLevel.VILLAGE}, then=F(f"{region}__parent_id")),
            default=F(f"{region}_id"),
        ),
    }


def _split_key(dimension, region, key):
    """``(region id or None, key)`` of a grouped row of ``dimension``, or ``None`` for a row that
    does not count in it (no indicator, no unit)."""
    if dimension == StatDimension.TOTAL:
        return region, ""
    if dimension == StatDimension.UNIT:
        return (None, str(key)) if key else None
    if dimension == StatDimension.INDICATOR and not key:
        return None
    return region, str(key or "")


def day_cells(campaign, day, *, now=None):
    """``{(region id, dimension, key): {count: n}}`` for one day: flows (grouped reads of the
    issues and the events touched that day) and the backlog at the end of the day (grouped
    reads of the rows unchanged since, plus the replay of the issues that changed), each
    grouped per dimension (:data:`SPLITS`)."""
    now = now or timezone.now()
    b = bounds(day, day, now=now)
    issues = predicates.issues_of(campaign)
    aggregates, touched = _flow_aggregates(b)
    events = (
        predicates.events_of(campaign)
        .filter(action__in=[IssueAction.REJECT, IssueAction.REOPEN, IssueAction.APPROVE_EXTENSION])
        .filter(predicates.in_period("created_at", b))
    )
    event_aggregates = {name: Count("id", filter=q) for name, q in EVENT_FLOWS.items()}
    live = b.as_of >= now
    unchanged = (issues if live else history.unchanged(issues, b.as_of)).filter(state__in=predicates.UNCLOSED_STATES)
    backlog_aggregates = {
        column: Count("id", filter=predicates.backlog_q(name, b.as_of)) for column, name in BACKLOG.items()
    }
    own = defaultdict(lambda: defaultdict(int))  # (region id or None, dimension, key) → counts

    def add(dimension, region, key, counts):
        where = _split_key(dimension, region, key)
        if where is not None:
            cell = own[(where[0], dimension, where[1])]
            for name, n in counts:
                cell[name] += n or 0

    for dimension, (cut, field) in SPLITS.items():
        reads = (
            (issues.filter(touched), "", aggregates),
            (events, "issue__", event_aggregates),
            (unchanged, "", backlog_aggregates),
        )
        for queryset, prefix, sums in reads:
            names = [n for n in (cut, field and f"{prefix}{field}") if n]
            if cut:
                queryset = queryset.annotate(**{cut: _cuts(prefix)[cut]})
            for row in queryset.order_by().values(*names).annotate(**sums):
                region = row.pop(cut) if cut else None
                key = row.pop(names[-1]) if field else None
                add(dimension, region, key, row.items())
    for fact in [] if live else history.replayed(issues, b.as_of):
        held = [(column, 1) for column, name in BACKLOG.items() if fact.holds(name, b.as_of)]
        if held:
            values = {"category_id": fact.category_id, "severity": fact.severity}
            values |= {"indicator_id": fact.indicator_id, "responsible_unit_id": fact.unit_id}
            for dimension, (cut, field) in SPLITS.items():
                add(dimension, fact.region_id if cut else None, values.get(field), held)
    return _rolled_up(campaign, own)


def _rolled_up(campaign, own):
    """The cells of each issue's own region summed onto it and its ancestors at the rollup
    levels — totals down to the community, slices above it; units on the campaign's region."""
    root = campaign.region_id
    rollup = _rollup_map(campaign)
    cells = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    cells[(root, StatDimension.TOTAL, "")]  # every built day has its total row
    for (region, dimension, key), counts in own.items():
        if dimension == StatDimension.UNIT:
            targets = (root,)
        else:
            every, above_community = rollup.get(region, ((), ()))
            targets = every if dimension == StatDimension.TOTAL else above_community
        for target in targets:
            cell = cells[(target, dimension, key)]
            for name, n in counts.items():
                cell[name] += n
    return cells


def refresh_day(campaign, day, *, now=None):
    """Bring the rows of (campaign, day) to freshly computed ones, in one transaction: a cell
    whose counts changed is updated, a new one inserted, one with nothing left deleted — a
    refresh that finds nothing new writes nothing (the job runs every five minutes over 68,000
    cells a day at 1,000,000 issues; rewriting them all cost more than computing them). A
    row's ``refreshed_at`` is when its counts last changed. Returns the row count."""
    now = now or timezone.now()
    cells = day_cells(campaign, day, now=now)
    root = (campaign.region_id, StatDimension.TOTAL, "")
    wanted = {key: counts for key, counts in cells.items() if any(counts.values()) or key == root}
    with transaction.atomic():
        existing = DailyStat.objects.filter(campaign=campaign, day=day)
        have = {
            (region_id, dimension, key): (pk, counts)
            for pk, region_id, dimension, key, *counts in existing.values_list(
                "pk", "region", "dimension", "key", *COUNTS
            ).iterator(chunk_size=5000)
        }
        changed, added = [], []
        for (region_id, dimension, key), counts in wanted.items():
            old = have.pop((region_id, dimension, key), None)
            if old is None:
                added.append(
                    DailyStat(
                        campaign=campaign,
                        day=day,
                        region_id=region_id,
                        dimension=dimension,
                        key=key,
                        refreshed_at=now,
                        **counts,
                    )
                )
            elif list(old[1]) != [counts[name] for name in COUNTS]:
                changed.append(DailyStat(pk=old[0], refreshed_at=now, **counts))
        if have:
            DailyStat.objects.filter(pk__in=[pk for pk, _counts in have.values()]).delete()
        DailyStat.objects.bulk_update(changed, [*COUNTS, "refreshed_at"], batch_size=1000)
        DailyStat.objects.bulk_create(added, batch_size=2000)
    return len(wanted)


def first_day(campaign):
    """The first day with anything to count: the campaign's start, or its first issue if earlier
    (issues recorded before the campaign formally started belong to its history too)."""
    first = predicates.issues_of(campaign).aggregate(first=Min("created_at"))["first"]
    if first is None:
        return campaign.start_date
    return min(campaign.start_date, timezone.localtime(first).date())


def refresh(campaigns, *, days=2, now=None):
    """Today and the ``days - 1`` days before it (not before :func:`first_day`), for each
    campaign. Returns ``{campaign id: rows}``."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    out = {}
    for campaign in campaigns:
        day = max(first_day(campaign), today - dt.timedelta(days=days - 1))
        n = 0
        while day <= today:
            n += refresh_day(campaign, day, now=now)
            day += dt.timedelta(days=1)
        out[campaign.pk] = n
    return out


def missing_days(campaign, *, now=None, window=CATCH_UP_DAYS):
    """Days of the last ``window`` (before today, not before :func:`first_day`) never built."""
    today = timezone.localtime(now or timezone.now()).date()
    start = max(first_day(campaign), today - dt.timedelta(days=window))
    built = set(
        DailyStat.objects.filter(
            campaign=campaign, region_id=campaign.region_id, dimension=StatDimension.TOTAL, key="", day__gte=start
        ).values_list("day", flat=True)
    )
    return [
        start + dt.timedelta(days=i) for i in range((today - start).days) if start + dt.timedelta(days=i) not in built
    ]


def catch_up(campaigns, *, now=None):
    """Build the days :func:`missing_days` finds, the most recent first, at most
    :data:`CATCH_UP_PER_RUN` per campaign (a backfill spreads over runs, each within the job's
    time limit). Returns ``{campaign id: [days built]}``."""
    out = {}
    for campaign in campaigns:
        days = sorted(missing_days(campaign, now=now), reverse=True)[:CATCH_UP_PER_RUN]
        for day in days:
            refresh_day(campaign, day, now=now)
        out[campaign.pk] = days
    return out


# --- reading -------------------------------------------------------------------------------------

TREND = ("reported", "assigned", "closed", "in_hand_end", "open_end", "overdue_end")


def trend(campaign, region, start, end):
    """One point per day from ``start`` to ``end``: reported, assigned, closed and the backlog at
    the end of the day (a day without a row is zero). One indexed query, ≤ one row per day."""
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
        for name in TREND:
            out[name].append(row.get(name, 0))
    return dict(out)


NOW = {"in_hand_now": "in_hand_end", "open_now": "open_end", "overdue_now": "overdue_end"}


def _window(queryset, start, end):
    """Flows summed over [start, end] and the backlog of the last day, per group."""
    on_end = Q(day=end)
    return queryset.filter(day__gte=start, day__lte=end).annotate(
        **{name: Sum(name) for name in FLOWS},
        **{name: Sum(column, filter=on_end) for name, column in NOW.items()},
    )


def _clean(row):
    return {k: (v or 0) if k in (*FLOWS, *NOW) else v for k, v in row.items()}


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
    """``{key: counts}`` for one dimension (category, severity, indicator, unit) of ``region``."""
    rows = _window(
        DailyStat.objects.filter(campaign=campaign, region=region, dimension=dimension).order_by().values("key"),
        start,
        end,
    )
    return {r.pop("key"): _clean(r) for r in rows}


def unit_trend(campaign, unit_id, start, end):
    """One unit's end-of-day 在办 and 超期未改 from ``start`` to ``end`` (city-wide rows)."""
    rows = {
        r["day"]: r
        for r in DailyStat.objects.filter(
            campaign=campaign,
            region_id=campaign.region_id,
            dimension=StatDimension.UNIT,
            key=str(unit_id),
            day__gte=start,
            day__lte=end,
        ).values("day", "in_hand_end", "overdue_end", "closed")
    }
    out = defaultdict(list)
    for i in range((end - start).days + 1):
        day = start + dt.timedelta(days=i)
        out["days"].append(day.isoformat())
        for name in ("in_hand_end", "overdue_end", "closed"):
            out[name].append(rows.get(day, {}).get(name, 0))
    return dict(out)
