"""Counts of issues kept by the writes (issue 18, item 4): how many issues are in each state now,
and how many of those a deadline runs against are due on each day — so the 问题清单's chips and
its 超期未改 count (and any reader of current counts, :func:`inspections.counting.tally_counts`)
read a few thousand rows instead of grouping every visible issue.

**The grain, and why.** Two tables (:mod:`inspections.models.tally`):

- :class:`~inspections.models.IssueTally` — (campaign, region, severity, state) → n;
- :class:`~inspections.models.IssueDueTally` — (campaign, region, severity, state, due_day) → n,
  for the issues in 已交办 or 整改中 (``CLOCK_STATES``, the states 超期未改 counts), ``due_day``
  being the local date of ``rectification_deadline`` (:data:`NO_DUE_DAY` when no deadline runs:
  none set yet, or never sent — the figure needs ``assigned_at``).

``region`` is the issue's region cut to 街道 level (:data:`TALLY_DEPTH`): its own region when that
is a 街道 or higher, else its 街道 ancestor. A finer grain counts nothing: measured on the bench's
200,000 issues (``seed_scale``), the grain (campaign, own region, unit, category, severity,
state, deadline day) has 198,869 distinct cells — one per issue, since issues sit in 9,618 grids
and 273 categories. (campaign, 街道, severity, state) has 5,241 (at most 206 × 4 × 7 whatever
the number of issues); adding the unit makes it 43,477, adding the category 157,105. So the
responsible unit and the category are left out: a unit's issues and a category's issues are
few enough for their indexes (``insp_issue_unit_queue``, ``insp_issue_category_created``), and
the readers fall back to the GROUP BY when such a filter is used (or, for the units a person
sees besides their regions, count only those outside the regions — see
:func:`inspections.counting.list_counts`). The 问题清单's region choice stops at 街道, and
supervision scopes are districts and 街道: a deeper region falls back too (it is small).

The deadline day makes the day table grow with the backlog (27,798 cells at 200,000 issues), so
nobody reads it whole: 超期未改 now = (issues in the clock states, from the state table) − (day
cells from today on, one index range) + (the issues due today whose deadline has passed — an
exact count on ``insp_issue_state_deadline`` over one day of deadlines). That is the figure
``issues_overdue_open`` (:mod:`chuangcheng.reports.figures.predicates`): a clock state,
``assigned_at`` and the deadline before the moment — given that ``assigned_at`` is never in the
future (the services stamp it with the time of the write).

**Kept by the writes.** Every service that saves an issue calls :func:`settle` (through
``services.common.save_issue``) after :func:`track` noted the issue's cells when it was locked;
creations call :func:`created`. :func:`moved` applies the differences as one ``INSERT … ON
CONFLICT DO UPDATE SET n = n + delta`` per table, in the writer's transaction: atomic under
concurrent writers (no lost increment), rows locked in key order and the state table before the
day table (two writers of one issue each cannot deadlock on the tallies). A transaction that
writes several issues (an imported 上级反馈 list) takes their cells issue by issue: two such
imports over the same cells at the same moment can deadlock, and PostgreSQL then cancels one
whole (nothing half-counted). Writes that bypass the services (the bench's COPY, the demo
seeders' bulk_create) call :func:`recompute` afterwards.

**Checked and repaired.** :func:`recompute` (nightly job ``inspections.recompute_tally``, command
``recompute_issue_tally``) groups the issues once and compares; each mismatch is logged and
repaired under a short table lock. :func:`check_events` compares each issue's state with the
state its last state-changing event (the append-only :class:`~inspections.models.IssueEvent`
log) says.
"""

import datetime as dt
import logging
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from chuangcheng.org.models import LEVEL_DEPTH, RegionLevel

from . import daytally
from .models import CLOCK_STATES, InspectionKind, Issue, IssueDueTally, IssueEvent, IssueSource, IssueTally

logger = logging.getLogger(__name__)

TALLY_DEPTH = LEVEL_DEPTH[RegionLevel.TOWN]  # regions are counted at 街道 level (or above)
NO_DUE_DAY = dt.date(9999, 12, 31)  # a clock-state issue no deadline runs against yet
STATE, DUE = "state", "due"
TABLES = {STATE: IssueTally, DUE: IssueDueTally}
KEY_COLUMNS = {
    STATE: ("campaign_id", "region_id", "severity", "state", "key_source"),
    DUE: ("campaign_id", "region_id", "severity", "state", "key_source", "due_day"),
}
# 重点来源: 领导交办, 媒体曝光, or found by an inspection of kind 上级反馈 / 媒体曝光 (the figures'
# definition, :func:`chuangcheng.reports.figures.predicates.issue_key_source`, reads these).
KEY_SOURCES = (IssueSource.LEADER, IssueSource.MEDIA)
KEY_INSPECTIONS = (InspectionKind.HIGHER_FEEDBACK, InspectionKind.MEDIA)
_MISSING = object()
LOCK_TIMEOUT = "5s"  # how long the repair waits for the tallies' lock


def depth(path):
    return len([p for p in path.strip("/").split("/") if p])


def cut_region_id(path, depth):
    """The id of the region at ``depth`` on this region path: its ancestor there, or the region
    itself when it is higher."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    return ids[min(len(ids), depth) - 1]


def tally_region_id(path):
    """The region an issue with this region path is counted in: its ancestor at 街道 level, or
    the region itself when it is higher."""
    return cut_region_id(path, TALLY_DEPTH)


def due_day(state, assigned_at, deadline):
    """The day cell of an issue in ``state`` (None outside the clock states)."""
    if state not in CLOCK_STATES:
        return None
    if assigned_at is None or deadline is None:
        return NO_DUE_DAY
    return timezone.localtime(deadline, timezone.get_default_timezone()).date()


def is_key_source(source, inspection_kind):
    """重点来源, for one issue's source and its inspection's kind."""
    return source in KEY_SOURCES or inspection_kind in KEY_INSPECTIONS


def _inspection_kind(issue):
    if issue.inspection_id is None:
        return None
    return issue.inspection.kind


def _cells(campaign_id, path, severity, state, key_source, assigned_at, deadline):
    key = (campaign_id, tally_region_id(path), severity, state, key_source)
    day = due_day(state, assigned_at, deadline)
    return ((STATE, key),) if day is None else ((STATE, key), (DUE, (*key, day)))


def cells(issue):
    """The tally cells ``issue`` counts in now: its state cell, and its day cell in a clock state."""
    return _cells(
        issue.campaign_id,
        issue.region.path,
        issue.severity,
        issue.state,
        is_key_source(issue.source, _inspection_kind(issue)),
        issue.assigned_at,
        issue.rectification_deadline,
    )


# --- kept by the writes ----------------------------------------------------------------------------


def track(issue):
    """Note the cells ``issue`` counts in as read (under its row lock), for :func:`settle` —
    here and in the day tables (:mod:`inspections.daytally`)."""
    issue._tally_cells = cells(issue)
    daytally.track(issue)


def settle(issue):
    """After saving ``issue``: move it from the cells :func:`track` noted to the ones it counts in
    now (nothing when they are the same), and note those."""
    before = issue.__dict__.get("_tally_cells", _MISSING)
    if before is _MISSING:
        raise RuntimeError("tally.settle: the issue was not tracked when it was read (tally.track)")
    after = cells(issue)
    moved(before, after)
    issue._tally_cells = after
    daytally.settle(issue)


def created(issue):
    """A new issue counts in its cells (and its flows, :mod:`inspections.daytally`)."""
    moved((), cells(issue))
    issue._tally_cells = cells(issue)
    daytally.created(issue)


def deleted(issue):
    """An issue removed counts no more (nothing deletes issues today; here for whoever will)."""
    moved(cells(issue), ())


def moved(before, after):
    """Apply ``-1`` to each cell of ``before`` and ``+1`` to each of ``after`` (cells in both are
    left alone), in the current transaction. Each table takes one statement whose rows come in
    key order, state table first: concurrent writers lock the same cells in the same order."""
    delta = Counter()
    for cell in before:
        delta[cell] -= 1
    for cell in after:
        delta[cell] += 1
    for table in (STATE, DUE):
        rows = sorted((key, n) for (t, key), n in delta.items() if t == table and n)
        if rows:
            _add(table, rows)


def _add(table, rows):
    _write(table, rows, add=True)


def _write(table, rows, *, add):
    """Upsert ``[(key, n)]``: add ``n`` to each cell, or (``add`` false) set it to ``n``."""
    model = TABLES[table]
    name = model._meta.db_table
    columns = KEY_COLUMNS[table]
    width = len(columns) + 1
    values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    params = []
    for key, n in rows:
        params.extend(_adapt(key))
        params.append(n)
    sql = (
        f"INSERT INTO {name} ({', '.join(columns)}, n) VALUES {values} "
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET n = {name + '.n + ' if add else ''}EXCLUDED.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _adapt(key):
    return [connection.ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v for v in key]


# --- recomputed from the issues -------------------------------------------------------------------------


def expected():
    """``{(table, key): n}`` for every non-empty cell, from the issues table (one GROUP BY)."""
    out = {}
    for campaign_id, region_id, severity, state, key_source, day, n in _grouped():
        key = (campaign_id, region_id, severity, state, bool(key_source))
        out[(STATE, key)] = out.get((STATE, key), 0) + n
        if day is not None:
            out[(DUE, (*key, day))] = n
    return out


def _grouped():
    if connection.vendor != "postgresql":
        counts = Counter()
        rows = Issue.objects.values_list(
            "campaign_id",
            "region__path",
            "severity",
            "state",
            "source",
            "inspection__kind",
            "assigned_at",
            "rectification_deadline",
        )
        for campaign_id, path, severity, state, source, kind, assigned_at, deadline in rows.iterator(chunk_size=5000):
            day = due_day(state, assigned_at, deadline)
            key_source = is_key_source(source, kind)
            counts[(campaign_id, tally_region_id(path), severity, state, key_source, day)] += 1
        return [(*key, n) for key, n in counts.items()]
    parts = ", ".join(f"NULLIF(split_part(r.path, '/', {k}), '')" for k in range(TALLY_DEPTH + 1, 1, -1))
    clock = ", ".join(["%s"] * len(CLOCK_STATES))
    sources, kinds = ", ".join(["%s"] * len(KEY_SOURCES)), ", ".join(["%s"] * len(KEY_INSPECTIONS))
    sql = f"""
        SELECT i.campaign_id, COALESCE({parts})::bigint, i.severity, i.state,
               (i.source IN ({sources}) OR COALESCE(n.kind IN ({kinds}), false)),
               CASE WHEN i.state NOT IN ({clock}) THEN NULL
                    WHEN i.assigned_at IS NULL OR i.rectification_deadline IS NULL THEN %s
                    ELSE (i.rectification_deadline AT TIME ZONE %s)::date END,
               count(*)
        FROM inspections_issue i JOIN org_region r ON r.id = i.region_id
        LEFT JOIN inspections_inspection n ON n.id = i.inspection_id
        GROUP BY 1, 2, 3, 4, 5, 6
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*KEY_SOURCES, *KEY_INSPECTIONS, *CLOCK_STATES, NO_DUE_DAY, settings.TIME_ZONE])
        return cursor.fetchall()


def stored():
    """``{(table, key): n}`` as the tables hold it (zero cells included)."""
    out = {}
    for table, model in TABLES.items():
        for row in model.objects.values_list(*KEY_COLUMNS[table], "n").iterator(chunk_size=10000):
            out[(table, tuple(row[:-1]))] = row[-1]
    return out


def mismatches(want, have):
    """``[(table, key, stored, expected)]`` for every cell that differs (a zero cell that is not
    expected is not a mismatch)."""
    out = []
    for cell in sorted(set(want) | set(have), key=repr):
        w, h = want.get(cell, 0), have.get(cell, 0)
        if w != h:
            out.append((cell[0], cell[1], h, w))
    return out


def recompute(*, log=True):
    """Compare the tallies with the issues and repair every cell that differs (the two passes
    of :func:`recount`); returns how many were repaired. Each repaired cell is logged (a warning
    with both values) unless ``log`` is false (after a bulk load, where the tallies are expected
    to be behind)."""

    def report(table, key, have, want):
        logger.warning("issue tally %s %s: stored %s, counted %s — repaired", table, key, have, want)

    return recount(
        TABLES.values(), lambda: mismatches(expected(), stored()), _repair, drop_empty=_drop_empty, log=log and report
    )


def _repair(found):
    for table in (STATE, DUE):
        rows = [(key, want) for t, key, _have, want in found if t == table]
        for start in range(0, len(rows), 1000):
            _write(table, rows[start : start + 1000], add=False)


def recount(models, compare, repair, *, drop_empty, log):
    """Compare kept counts with a recount and repair what differs — shared by the tallies and the
    day tables (:mod:`inspections.daytally`). ``compare()`` gives ``[(table, key, stored,
    counted)]``, ``repair(found)`` writes the counted values, ``log(table, key, stored,
    counted)`` (or false) reports each. Returns how many cells were repaired.

    First without a lock, in one snapshot (REPEATABLE READ: a write that committed is seen in
    both its rows and its counts, one in flight in neither): no difference, nothing more to do.
    Otherwise the tables are locked against writers (SHARE ROW EXCLUSIVE: reads go on; a writer
    waits at its count update, its change not yet visible), compared again and repaired. Inside
    a caller's transaction (a region move) only the locked pass runs."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            found = compare()
        if not found:
            drop_empty()
            return 0
    names = ", ".join(model._meta.db_table for model in models)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Writers queue behind a waiting LOCK: give up rather than hold them long (a
                # transaction that wrote several issues may hold one table and want another);
                # the error fails this run, the next one repairs.
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute("SET LOCAL lock_timeout = DEFAULT")
        found = compare()
        for table, key, have, want in found:
            if log:
                log(table, key, have, want)
        repair(found)
        drop_empty()
        if found and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # after a rebuild the planner's row estimates are stale
                cursor.execute(f"ANALYZE {names}")
    return len(found)


def _drop_empty():
    """Cells that count nothing go (a write that needs one again makes it)."""
    for model in TABLES.values():
        model.objects.filter(n=0).delete()


def rebuild():
    """Replace the tallies and the day tables (:mod:`inspections.daytally`) with the counts of
    the issues and events (after a bulk load: nothing is logged)."""
    return recompute(log=False) + daytally.recompute(log=False)


def region_moved(*, old_path, new_path):
    """A region moved (``chuangcheng.org.services.region_move``, in its transaction): when it lies
    below 街道 level, its issues now count in another 街道."""
    if depth(old_path) > TALLY_DEPTH or depth(new_path) > TALLY_DEPTH:
        recompute(log=False)
        daytally.recompute(log=False)


# --- checked against the event log ------------------------------------------------------------------


def check_events(*, sample=20):
    """Issues whose state is not the one their last state-changing event (``to_state``) records
    — an edit that bypassed the services. Returns ``(count, [issue ids, up to sample])`` and logs
    a warning when there are any. Nothing is repaired: which of the two is right needs a person."""
    last = (
        IssueEvent.objects.filter(issue_id=OuterRef("pk"))
        .exclude(to_state="")
        .order_by("-id")  # the last one written (append-only; its created_at may be a claimed time)
        .values("to_state")[:1]
    )
    wrong = (
        Issue.objects.annotate(last_state=Subquery(last))
        .filter(Q(last_state__isnull=True) | ~Q(state=F("last_state")))
        .order_by()
    )
    count = wrong.count()
    ids = list(wrong.order_by("pk").values_list("pk", flat=True)[:sample]) if count else []
    if count:
        logger.warning("issue state differs from its event log for %s issues, e.g. %s", count, ids)
    return count, ids
