"""Each day's flows and counted events, kept by the writes (issue 18, item 4): what a period's
flow figures (登记, 交办, 销号, 应销号, 按期销号, 负面清单, 用时; 核查, 退回, 反弹, 延期, 推诿) sum
— a week city-wide is a few thousand rows, not every issue touched in it.

**The grain.** (campaign, local day, region cut to 社区 level — a grid's issues count in its
community —, responsible unit: ``unit_key``, 0 for none). The figure sets rank units and the
child regions of a scope down to 社区 (a street's communities), so both are sums of these cells;
grids and other keys (点位 type, indicator) are not kept — their readers group the rows
(:func:`chuangcheng.reports.figures.sets.collect`). Measured on the bench's 1,000,000 issues
over a year: 658,500 flow cells and 257,168 event cells at 街道 grain; at 社区 grain (below) a
city week reads a few tens of thousands. Two tables:

- :class:`~inspections.models.IssueDayTally` — an issue counts on the local day of each of its
  dates: 登记 on ``created_at``'s, 交办 (and 负面清单) on ``assigned_at``'s, 销号 and its
  duration (``closed_at − assigned_at``, in microseconds) on ``closed_at``'s while it is closed,
  应销号 (and of those 已销号, 按期销号) on ``rectification_deadline``'s unless it is 长期整改 or
  不予立案 — exactly the period predicates of :mod:`chuangcheng.reports.figures.predicates` cut
  by day. They depend on the issue's row only, so a save moves the issue from the cells it
  counted in (noted when it was locked, :func:`track`) to the ones it counts in now.
- :class:`~inspections.models.IssueEventDayTally` — each 核查 (销号 or 退回), 退回, 反弹, 同意延期
  and 驳回退回申请 event counts once on its own local day, under its issue's *current* region
  and unit (as the figures group events): when a save changes the issue's region cell or unit,
  its counted events move with it.

**Kept by the writes**, in the writer's transaction: ``services.common.save_issue`` (through
:func:`inspections.tally.settle`), the creations (:func:`inspections.tally.created`) and
``services.common.write_event``. Increments are ``INSERT … ON CONFLICT DO UPDATE SET c = c + Δ``,
rows in key order, the flows before the events (the services save an issue, then write its
event), after :mod:`inspections.tally`'s two tables. Writes that bypass the services (COPY,
``bulk_create``) call :func:`recompute`.

**Checked and repaired** nightly with the tallies (``inspections.recompute_tally``):
:func:`recompute` groups the issues and the event log once, compares every cell, logs and
repairs each difference.
"""

import datetime as dt
import logging
from collections import Counter, defaultdict

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from chuangcheng.humantime import local_midnight
from chuangcheng.org.models import LEVEL_DEPTH, RegionLevel

from .models import Issue, IssueAction, IssueDayTally, IssueEvent, IssueEventDayTally, IssueState, Severity

logger = logging.getLogger(__name__)

DAY_DEPTH = LEVEL_DEPTH[RegionLevel.VILLAGE]  # regions are counted at 社区 level (or above)
FLOWS, EVENTS = "flows", "events"
TABLES = {FLOWS: IssueDayTally, EVENTS: IssueEventDayTally}
KEY = ("campaign_id", "day", "region_id", "unit_key")
COUNTERS = {
    FLOWS: ("reported", "assigned", "negative_list", "closed", "close_us", "due", "due_closed", "closed_on_time"),
    EVENTS: ("verifications", "rejections", "recurrences", "extensions", "refused_reassignments"),
}
# What each event counts as (the figures' EVENT_FIGURES: 核查 = 销号 + 退回).
EVENT_COUNTS = {
    IssueAction.VERIFY: ("verifications",),
    IssueAction.REJECT: ("verifications", "rejections"),
    IssueAction.REOPEN: ("recurrences",),
    IssueAction.APPROVE_EXTENSION: ("extensions",),
    IssueAction.INSIST: ("refused_reassignments",),
}
NOT_DUE = (IssueState.LONG_TERM, IssueState.DISMISSED)
_MISSING = object()
MICROSECOND = dt.timedelta(microseconds=1)


def local_day(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def region_cell(path):
    """The region an issue with this region path is counted in: its ancestor at 社区 level, or
    the region itself when it is higher (a grid's issues count in its community)."""
    from .tally import cut_region_id

    return cut_region_id(path, DAY_DEPTH)


def where(issue):
    """``(campaign, 社区-level region, unit_key)``: the cell prefix ``issue`` counts under now."""
    return (issue.campaign_id, region_cell(issue.region.path), issue.responsible_unit_id or 0)


def flow_counts(state, severity, created_at, assigned_at, closed_at, deadline):
    """``{local day: Counter(counter: n)}`` — the flows one issue with these values counts in."""
    out = defaultdict(Counter)
    if created_at is not None:
        out[local_day(created_at)]["reported"] += 1
    if assigned_at is not None:
        day = out[local_day(assigned_at)]
        day["assigned"] += 1
        if severity == Severity.NEGATIVE_LIST:
            day["negative_list"] += 1
    closed = state == IssueState.CLOSED
    if closed and closed_at is not None:
        day = out[local_day(closed_at)]
        day["closed"] += 1
        if assigned_at is not None:
            day["close_us"] += (closed_at - assigned_at) // MICROSECOND
    if deadline is not None and state not in NOT_DUE:
        day = out[local_day(deadline)]
        day["due"] += 1
        if closed:
            day["due_closed"] += 1
            if closed_at is not None and closed_at <= deadline:
                day["closed_on_time"] += 1
    return out


def flow_cells(issue):
    """``{(campaign, day, region, unit_key): Counter}`` of ``issue`` as it is now."""
    prefix = where(issue)
    counts = flow_counts(
        issue.state,
        issue.severity,
        issue.created_at,
        issue.assigned_at,
        issue.closed_at,
        issue.rectification_deadline,
    )
    return {(prefix[0], day, *prefix[1:]): c for day, c in counts.items()}


def _event_cells(prefix, events):
    """``{(campaign, day, region, unit_key): Counter}`` of ``[(action, created_at)]``."""
    out = defaultdict(Counter)
    for action, created_at in events:
        for name in EVENT_COUNTS.get(action, ()):
            out[(prefix[0], local_day(created_at), *prefix[1:])][name] += 1
    return out


# --- kept by the writes ---------------------------------------------------------------------------


def track(issue):
    """Note the cells ``issue`` counts in as read (under its row lock), for :func:`settle`."""
    issue._day_cells = (where(issue), flow_cells(issue))


def settle(issue):
    """After saving ``issue``: move its flows from the cells :func:`track` noted to the ones it
    counts in now; when its region cell or unit changed, its counted events too."""
    before = issue.__dict__.get("_day_cells", _MISSING)
    if before is _MISSING:
        raise RuntimeError("daytally.settle: the issue was not tracked when it was read (daytally.track)")
    old_where, old_flows = before
    new_where, new_flows = where(issue), flow_cells(issue)
    _apply(FLOWS, _difference(old_flows, new_flows))
    if old_where != new_where:
        counted = list(
            IssueEvent.objects.filter(issue_id=issue.pk, action__in=list(EVENT_COUNTS)).values_list(
                "action", "created_at"
            )
        )
        _apply(EVENTS, _difference(_event_cells(old_where, counted), _event_cells(new_where, counted)))
    issue._day_cells = (new_where, new_flows)


def created(issue):
    """A new issue counts in its flows."""
    _apply(FLOWS, flow_cells(issue))
    issue._day_cells = (where(issue), flow_cells(issue))


def event_written(issue, event):
    """An event of ``issue`` was written: one more on its day, if it is one the figures count."""
    if event.action in EVENT_COUNTS:
        _apply(EVENTS, _event_cells(where(issue), [(event.action, event.created_at)]))


def _difference(before, after):
    """``after − before`` per cell and counter (cells and counters equal in both left out)."""
    out = {}
    for cell in set(before) | set(after):
        delta = Counter(after.get(cell, {}))
        delta.subtract(before.get(cell, {}))
        delta = {k: v for k, v in delta.items() if v}
        if delta:
            out[cell] = delta
    return out


def _apply(table, cells, *, add=True):
    """Upsert ``{key: {counter: n}}``: add each ``n`` to its cell (or, ``add`` false, set the
    whole cell to these counts, the others 0). One statement, rows in key order."""
    cells = {k: v for k, v in cells.items() if add is False or any(v.values())}
    if not cells:
        return
    model = TABLES[table]
    name = model._meta.db_table
    counters = COUNTERS[table]
    columns = (*KEY, *counters)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params = []
    for key in sorted(cells):
        campaign_id, day, region_id, unit_key = key
        params += [campaign_id, connection.ops.adapt_datefield_value(day), region_id, unit_key]
        params += [int(cells[key].get(c, 0)) for c in counters]
    updates = ", ".join(f"{c} = {name}.{c} + EXCLUDED.{c}" if add else f"{c} = EXCLUDED.{c}" for c in counters)
    sql = (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES {', '.join([row] * len(cells))} "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- recomputed from the issues and the event log -------------------------------------------------


def _day(field):
    return TruncDate(field, tzinfo=timezone.get_default_timezone())


def expected(window=None):
    """``{(table, key): Counter}`` for every non-empty cell (of the days in ``window``, a pair
    ``[first, after)`` of dates, when given), from the issues (four grouped queries, one per
    date, each an index range) and the event log (one)."""
    issues = Issue.objects.order_by()
    group = ("campaign_id", "_day", "region__path", "responsible_unit_id")
    to_close = ExpressionWrapper(F("closed_at") - F("assigned_at"), output_field=DurationField())
    closed = Q(state=IssueState.CLOSED)

    def within(queryset, field):
        if window is None:
            return queryset.filter(**{f"{field}__isnull": False})
        return queryset.filter(
            **{f"{field}__gte": local_midnight(window[0]), f"{field}__lt": local_midnight(window[1])}
        )

    queries = [
        within(issues, "created_at").annotate(_day=_day("created_at")).values(*group).annotate(reported=Count("id")),
        within(issues, "assigned_at")
        .annotate(_day=_day("assigned_at"))
        .values(*group)
        .annotate(assigned=Count("id"), negative_list=Count("id", filter=Q(severity=Severity.NEGATIVE_LIST))),
        within(issues.filter(closed), "closed_at")
        .annotate(_day=_day("closed_at"))
        .values(*group)
        .annotate(closed=Count("id"), close_duration=Sum(to_close, filter=Q(assigned_at__isnull=False))),
        within(issues, "rectification_deadline")
        .exclude(state__in=NOT_DUE)
        .annotate(_day=_day("rectification_deadline"))
        .values(*group)
        .annotate(
            due=Count("id"),
            due_closed=Count("id", filter=closed),
            closed_on_time=Count("id", filter=closed & Q(closed_at__lte=F("rectification_deadline"))),
        ),
    ]
    out = defaultdict(Counter)
    for query in queries:
        for row in query.iterator(chunk_size=10000):
            key = (row.pop("campaign_id"), row.pop("_day"), region_cell(row.pop("region__path")))
            key = (*key, row.pop("responsible_unit_id") or 0)
            duration = row.pop("close_duration", None)
            if duration is not None:
                row["close_us"] = duration // MICROSECOND
            out[(FLOWS, key)].update({k: v for k, v in row.items() if v})
    events = (
        within(IssueEvent.objects.filter(action__in=list(EVENT_COUNTS)), "created_at")
        .order_by()
        .annotate(_day=_day("created_at"))
        .values("issue__campaign_id", "_day", "issue__region__path", "issue__responsible_unit_id", "action")
        .annotate(n=Count("id"))
    )
    for row in events.iterator(chunk_size=10000):
        key = (row["issue__campaign_id"], row["_day"], region_cell(row["issue__region__path"]))
        key = (*key, row["issue__responsible_unit_id"] or 0)
        for name in EVENT_COUNTS[row["action"]]:
            out[(EVENTS, key)][name] += row["n"]
    return {cell: counts for cell, counts in out.items() if any(counts.values())}


def stored(window=None):
    """``{(table, key): Counter}`` as the tables hold them (of the days in ``window`` when
    given; empty cells left out)."""
    out = {}
    for table, model in TABLES.items():
        counters = COUNTERS[table]
        rows = model.objects.all()
        if window is not None:
            rows = rows.filter(day__gte=window[0], day__lt=window[1])
        for row in rows.values_list(*KEY, *counters).iterator(chunk_size=10000):
            counts = Counter({c: v for c, v in zip(counters, row[len(KEY) :], strict=True) if v})
            if counts:
                out[(table, tuple(row[: len(KEY)]))] = counts
    return out


def mismatches(want, have):
    """``[(table, key, stored, expected)]`` for every cell that differs."""
    return [
        (cell[0], cell[1], have.get(cell, Counter()), want.get(cell, Counter()))
        for cell in sorted(set(want) | set(have), key=repr)
        if want.get(cell, Counter()) != have.get(cell, Counter())
    ]


def recompute(*, log=True):
    """Compare both tables with the issues and the event log and repair every cell that differs;
    returns how many were repaired (each logged unless ``log`` is false), the two passes of
    :func:`inspections.tally.recount`."""
    from .tally import recount

    def report(table, key, have, want):
        logger.warning("issue day tally %s %s: stored %s, counted %s — repaired", table, key, dict(have), dict(want))

    return recount(TABLES.values(), _compare, _repair, drop_empty=_drop_empty, log=log and report)


def _repair(found):
    for table in TABLES:
        rows = [(key, want) for t, key, _have, want in found if t == table]
        for start in range(0, len(rows), 500):
            _apply(table, dict(rows[start : start + 500]), add=False)


WINDOW_DAYS = 14  # compared a fortnight at a time: memory follows a fortnight's cells, not a year's


def windows():
    """``[first, after)`` pairs of :data:`WINDOW_DAYS` days covering every day an issue date,
    an event or a stored cell falls on (nothing when there are none)."""
    ends = []
    for model, fields in (
        (Issue, ("created_at", "assigned_at", "closed_at", "rectification_deadline")),
        (IssueEvent, ("created_at",)),
    ):
        found = model.objects.aggregate(**{f"min_{f}": Min(f) for f in fields}, **{f"max_{f}": Max(f) for f in fields})
        ends += [local_day(v) for v in found.values() if v is not None]
    for model in TABLES.values():
        found = model.objects.aggregate(first=Min("day"), last=Max("day"))
        ends += [v for v in found.values() if v is not None]
    if not ends:
        return []
    first, last = min(ends), max(ends)
    step = dt.timedelta(days=WINDOW_DAYS)
    out, day = [], first
    while day <= last:
        out.append((day, day + step))
        day += step
    return out


def _compare():
    """Every mismatch, window by window."""
    found = []
    for window in windows():
        found += mismatches(expected(window), stored(window))
    return found


def _drop_empty():
    for table, model in TABLES.items():
        model.objects.filter(**{c: 0 for c in COUNTERS[table]}).delete()


def rebuild():
    """Replace both tables with the counts of the issues and events (after a bulk load)."""
    return recompute(log=False)
