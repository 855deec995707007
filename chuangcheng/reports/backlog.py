"""整点快照 of what is owed (issue 18): the backlog figures
(:data:`~chuangcheng.reports.figures.predicates.BACKLOG`: 在办, 未销号, 超期未改, 超期未改中重点来源)
of each region cell — a region at 街道 level or above, as the issue tallies cut regions
(:mod:`inspections.tally`) — at the top of each hour, written by the job
``reports.snapshot_backlog`` a minute after it. A scope at 街道 or above is the sum of its cells.

A snapshot is the figures' own backlog at that moment, replayed from the event log like any past
moment (:mod:`.figures.history`: the rows unchanged since, in SQL, and the few changed since the
hour, replayed) — so reading one gives exactly what the replay would. The dashboard's headline
compares this week so far with the same days of last week as of the top of this hour last week,
and a weekly briefing's previous week ends at midnight: both read a snapshot (:func:`at`) instead
of replaying a week of events. Without one (the job was down that hour, or the scope is below
街道) the figures replay the log as before. Hours missed in the last :data:`CATCH_UP_HOURS` are
taken on the next runs, a few at a time.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from inspections import daytally, tally

from .figures import predicates
from .figures.sets import backlog_cells, in_kept_scope, tallied_scope
from .models import BacklogSnapshot, KindBacklogSnapshot, UnitBacklogSnapshot
from .periods import local_midnight

FIGURES = tuple(predicates.BACKLOG)
KEEP_DAYS = 16  # the headline reads last week's, a weekly briefing the week before's end
CATCH_UP_HOURS = 15 * 24
CATCH_UP_PER_RUN = 3  # missed hours taken per run (each replays the hour's changes since)


def top_of_hour(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def _by_path(campaign, moment, *, live, kinds=False):
    """``{(region path, unit id[, 点位 type, indicator id]): {figure: n}}`` at ``moment``: grouped
    over the issues as they are (``live``: the moment is now) or as they were (replayed from the
    event log)."""
    issues = predicates.issues_of(campaign)
    if kinds:
        keys = (F("region__path"), F("responsible_unit_id"), F("site__site_type"), F("indicator_id"))
        return backlog_cells(
            issues, moment, keys, lambda f: (f.region_path, f.unit_id, f.site_type, f.indicator_id), live=live
        )
    keys = (F("region__path"), F("responsible_unit_id"))
    return backlog_cells(issues, moment, keys, lambda fact: (fact.region_path, fact.unit_id), live=live)


def _summed(by_path, key):
    """The cells of ``by_path`` summed by ``key(path key)``."""
    out = {}
    for k, counts in by_path.items():
        cell = out.setdefault(key(k), dict.fromkeys(FIGURES, 0))
        for name in FIGURES:
            cell[name] += counts.get(name) or 0
    return out


def cells(campaign, moment, *, live, cut=tally.tally_region_id, by_unit=False):
    """``{(region cell id, unit_key) or region cell id: {figure: n}}`` at ``moment``: grouped over
    the issues as they are (``live``: the moment is now) or as they were (replayed from the
    event log); regions cut by ``cut`` (to 街道, or to 社区 for the per-unit snapshot)."""
    by_path = _by_path(campaign, moment, live=live)
    return _summed(by_path, (lambda k: (cut(k[0]), k[1] or 0)) if by_unit else (lambda k: cut(k[0])))


def is_midnight(moment):
    local = timezone.localtime(moment)
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def _rows(model, campaign, moment, cells, fields):
    """Snapshot rows of the cells with something owed — or one marker row for a moment with
    nothing owed anywhere: "taken", not "missing"."""
    rows = [
        model(campaign=campaign, taken_at=moment, **dict(zip(fields, key, strict=True)), **counts)
        for key, counts in cells.items()
        if any(counts.values())
    ]
    return rows or [model(campaign=campaign, taken_at=moment, region_id=campaign.region_id)]


def take(campaign, moment):
    """Write the snapshot of ``campaign`` at ``moment`` (a past top of the hour), replacing one
    taken at that same moment — and at local midnight the per-unit and the per-kind ones too,
    from the same replay. Returns the number of rows written."""
    snapshots = []
    if is_midnight(moment):
        fine = _by_path(campaign, moment, live=False, kinds=True)
        cut = tally.tally_region_id
        snapshots = [
            (BacklogSnapshot, _summed(fine, lambda k: (cut(k[0]),)), ("region_id",)),
            (
                UnitBacklogSnapshot,
                _summed(fine, lambda k: (daytally.region_cell(k[0]), k[1] or 0)),
                ("region_id", "unit_key"),
            ),
            (
                KindBacklogSnapshot,
                _summed(fine, lambda k: (cut(k[0]), k[2] or "", k[3] or 0)),
                ("region_id", "site_type", "indicator_key"),
            ),
        ]
    else:
        by_region = {(region_id,): counts for region_id, counts in cells(campaign, moment, live=False).items()}
        snapshots = [(BacklogSnapshot, by_region, ("region_id",))]
    written = 0
    with transaction.atomic():
        for model, by_key, fields in snapshots:
            rows = _rows(model, campaign, moment, by_key, fields)
            model.objects.filter(campaign=campaign, taken_at=moment).delete()
            model.objects.bulk_create(rows, batch_size=2000)
            written += len(rows)
    return written


def missing_hours(campaign, *, now=None, hours=CATCH_UP_HOURS):
    """The tops of the hours of the last ``hours`` (not before the campaign started) with no
    snapshot, the most recent first."""
    now = now or timezone.now()
    first = max(top_of_hour(now) - dt.timedelta(hours=hours), local_midnight(campaign.start_date))
    taken = set(
        BacklogSnapshot.objects.filter(campaign=campaign, taken_at__gte=first)
        .values_list("taken_at", flat=True)
        .distinct()
    )
    out, hour = [], top_of_hour(now)
    while hour >= first:
        if hour not in taken:
            out.append(hour)
        hour -= dt.timedelta(hours=1)
    return out


def run(campaigns, *, now=None, per_run=CATCH_UP_PER_RUN):
    """The job: the snapshot of the hour just begun (if not taken yet) and of up to ``per_run``
    earlier hours missed, per campaign; snapshots older than :data:`KEEP_DAYS` dropped."""
    now = now or timezone.now()
    out = {}
    for campaign in campaigns:
        hours = missing_hours(campaign, now=now)[: per_run + 1]
        for hour in hours:
            take(campaign, hour)
        out[campaign.pk] = hours
    BacklogSnapshot.objects.filter(taken_at__lt=now - dt.timedelta(days=KEEP_DAYS)).delete()
    UnitBacklogSnapshot.objects.filter(taken_at__lt=now - dt.timedelta(days=KEEP_DAYS)).delete()
    KindBacklogSnapshot.objects.filter(taken_at__lt=now - dt.timedelta(days=KEEP_DAYS)).delete()
    return out


def was_taken(rows):
    """Whether ``rows`` (a campaign's snapshot at one moment) holds a row. Ordered by region so
    PostgreSQL reads the snapshot's cell index (campaign, taken_at, region, …): a plain EXISTS
    scanned the table from its start, expecting a match at once, and met the moment's rows only
    after every earlier moment's (264,000 per-unit rows, 29 ms at 1,000,000 issues)."""
    return rows.order_by("region_id").values_list("pk", flat=True).first() is not None


def at(campaign, scope_path, moment):
    """The backlog figures of the scope (a region path at 街道 or above; ``None``: the campaign's
    territory) from the snapshot taken at ``moment``, or ``None`` when there is none (or the
    scope is below 街道)."""
    if not tallied_scope(scope_path):
        return None
    rows = BacklogSnapshot.objects.filter(campaign=campaign, taken_at=moment)
    if not was_taken(rows):
        return None
    rows = in_kept_scope(rows, scope_path)
    sums = rows.aggregate(**{name: Sum(name) for name in FIGURES})
    return {name: sums[name] or 0 for name in FIGURES}


def unit_cells(campaign, scope_path, moment, keys, regions):
    """``{key: {figure: n}}`` at ``moment`` (a local midnight) from the per-unit snapshot,
    grouped by ``keys`` (SQL expressions over ``unit_key`` and ``region_id``) over the cells in
    ``regions`` (``{id: path}`` of the scope's 社区-level cells; ``None``: those under its path),
    or ``None`` when none was taken then."""
    from .figures.sets import _grouped

    if not is_midnight(moment):
        return None
    rows = UnitBacklogSnapshot.objects.filter(campaign=campaign, taken_at=moment)
    if not was_taken(rows):
        return None
    rows = in_kept_scope(rows, scope_path, regions)
    return _grouped(rows, keys, {name: Sum(name) for name in FIGURES})


def kind_cells(campaign, scope_path, moment):
    """``{(点位 type or None, indicator id or None): {figure: n}}`` of the scope (a region path at
    街道 or above; ``None``: the campaign's territory) at ``moment`` (a local midnight) from the
    per-kind snapshot, or ``None`` when none was taken then."""
    if not is_midnight(moment) or not tallied_scope(scope_path):
        return None
    rows = KindBacklogSnapshot.objects.filter(campaign=campaign, taken_at=moment)
    if not was_taken(rows):
        return None
    rows = in_kept_scope(rows, scope_path)
    out = {}
    for row in rows.values("site_type", "indicator_key").annotate(**{name: Sum(name) for name in FIGURES}):
        key = (row.pop("site_type") or None, row.pop("indicator_key") or None)
        out[key] = {name: row[name] or 0 for name in FIGURES}
    return out
