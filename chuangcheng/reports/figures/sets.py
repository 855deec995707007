"""Figure sets: the counts of a scope and period per unit, per child region and in total.

Set-based: one conditional aggregation per source (issue flows, issue backlog, issue events,
tasks, lagging tasks), grouped by responsible unit and child region; a figure set costs the same
handful of queries for 10 units or 500. Units, regions and the total are sums of the same
cells, so they always agree. The backlog of a period that has ended is judged at its end from
the event log (:mod:`.history`); of a running period, now.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest, NullIf, StrIndex, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.org.models import Region, Unit, UnitKind, UnitLevel
from chuangcheng.org.selectors import in_subtree
from inspections import daytally, tally
from inspections.counting import tally_counts
from inspections.models import IssueAction, IssueDayTally, IssueEventDayTally
from tasks.selectors import lag_annotations, lag_q

from .. import contributions
from ..periods import bounds
from . import history, predicates
from .counts import Figures
from .scoring import breakdown, is_ranked, rank_rows, scoring_for


@dataclass
class Row:
    """A unit's or a region's figures with its score and its rank among comparable rows."""

    key: int | None
    name: str
    group: str  # ranking group: a unit's "kind:level" (territorial:street…), or "region"
    figures: Figures
    ranked: bool = False  # enough to score (the campaign's sample threshold)
    base: float | None = None
    deduction: float | None = None
    score: float | None = None
    rank: int | None = None
    ranked_among: int = 0
    flag: str = ""  # "red" / "black" / ""
    extra: dict = field(default_factory=dict)

    def as_dict(self):
        return {
            "key": self.key,
            "name": self.name,
            "group": self.group,
            "ranked": self.ranked,
            "base": self.base,
            "deduction": self.deduction,
            "score": self.score,
            "rank": self.rank,
            "ranked_among": self.ranked_among,
            "flag": self.flag,
            **self.extra,
            **self.figures.as_dict(),
        }


@dataclass
class FigureSet:
    """Everything about one scope and period: the total, one row per unit, one per region."""

    period_start: object
    period_end: object
    scope_id: int | None
    scoring: object
    totals: Figures
    units: list
    regions: list

    def ranking(self, group):
        return sorted((r for r in self.units if r.group == group and r.rank), key=lambda r: (r.rank, r.name))

    def unranked(self, group):
        """Rows of the group with activity but below the sample threshold (不参与排名)."""
        return [r for r in self.units if r.group == group and not r.ranked and r.figures.has_activity]

    def as_dict(self):
        """The totals, regions, unit ranking by group (with who is not ranked), flags, the
        scoring rule and every definition — what a briefing snapshots and the dashboard's
        ranking section answers, so the two are the same JSON."""
        from ..definitions import definitions

        ranking = [
            {
                "group": group,
                "label": str(label),
                "rows": [r.as_dict() for r in self.ranking(group)],
                "unranked": [r.as_dict() for r in self.unranked(group)],
            }
            for group, label in self.groups()
        ]
        return {
            "totals": self.totals.as_dict(),
            "regions": [r.as_dict() for r in self.regions],
            "ranking": ranking,
            "flags": {
                "red": [r["name"] for g in ranking for r in g["rows"] if r["flag"] == "red"],
                "black": [r["name"] for g in ranking for r in g["rows"] if r["flag"] == "black"],
            },
            "scoring": self.scoring.as_dict(),
            "definitions": {k: d.as_dict() for k, d in definitions(self.scoring).items()},
        }

    def groups(self):
        """The groups with a ranked or an active row, as ``(group, label)``: 块 first (district,
        street, community), then 条 (city, district), then other units."""
        present = {r.group for r in self.units if r.ranked or r.figures.has_activity}
        return [(g, label) for g, label in unit_groups() if g in present]


# --- the queries --------------------------------------------------------------------------------


def _flow_aggregates(b):
    closed = predicates.issues_closed(b)
    to_close = ExpressionWrapper(F("closed_at") - F("assigned_at"), output_field=DurationField())
    return {
        "issues_reported": Count("id", filter=predicates.issues_reported(b)),
        "issues_assigned": Count("id", filter=predicates.issues_assigned(b)),
        "issues_closed": Count("id", filter=closed),
        "issues_due": Count("id", filter=predicates.issues_due(b)),
        "issues_due_closed": Count("id", filter=predicates.issues_due_closed(b)),
        "issues_closed_on_time": Count("id", filter=predicates.issues_closed_on_time(b)),
        "issues_negative_list": Count("id", filter=predicates.issues_negative_list(b)),
        "close_duration": Sum(to_close, filter=closed & Q(assigned_at__isnull=False)),
    }


def flow_touched(b):
    """Issues that can count in any flow of the period: one of its dates falls in it. Every flow
    predicate implies this, so the counts are the same — read from four index ranges instead of
    every issue in scope."""
    return (
        predicates.in_period("created_at", b)
        | predicates.in_period("assigned_at", b)
        | predicates.in_period("closed_at", b)
        | predicates.in_period("rectification_deadline", b)
    )


def _backlog_aggregates(moment):
    return {name: Count("id", filter=predicates.backlog_q(name, moment)) for name in predicates.BACKLOG}


def _event_aggregates():
    figures = {name: Count("id", filter=q) for name, q in predicates.EVENT_FIGURES.items()}
    return {**figures, "integrity_flags": Count("id", filter=Q(_integrity=True))}


def _task_aggregates(b, period_start, period_end):
    return {
        "tasks_due": Count("id", filter=predicates.tasks_due(period_start, period_end)),
        "tasks_done": Count("id", filter=predicates.tasks_done(b)),
        "tasks_done_on_time": Count("id", filter=predicates.tasks_done_on_time(period_start, period_end)),
        "tasks_overdue": Count("id", filter=predicates.tasks_overdue(b.as_of_date, b.as_of)),
        "tasks_in_progress": Count("id", filter=predicates.tasks_in_progress(b.as_of_date, b.as_of)),
    }


def _grouped(queryset, keys, aggregates):
    """``{(key values…): {aggregate: value}}`` — one GROUP BY query."""
    names = [f"_k{i}" for i in range(len(keys))]
    rows = queryset.order_by().annotate(**dict(zip(names, keys, strict=True))).values(*names).annotate(**aggregates)
    return {tuple(row.pop(n) for n in names): row for row in rows}


def backlog_cells(issues, moment, keys, fact_key, *, live):
    """The backlog figures (:data:`predicates.BACKLOG`) at ``moment``, grouped by ``keys`` (SQL
    expressions) — for the rows unchanged since, in SQL; for those replayed, by ``fact_key(fact)``.
    ``live``: the moment is now, nothing changed since (no replay)."""
    source = issues if live else history.unchanged(issues, moment)
    # Every backlog state is one of these: the rest cannot count (replayed issues excepted).
    source = source.filter(state__in=predicates.UNCLOSED_STATES)
    cells = _grouped(source, keys, _backlog_aggregates(moment))
    if live:
        return cells
    for fact in history.replayed(issues, moment):
        cell = None
        for name in predicates.BACKLOG:
            if fact.holds(name, moment):
                cell = cell or cells.setdefault(fact_key(fact), dict.fromkeys(predicates.BACKLOG, 0))
                cell[name] = (cell.get(name) or 0) + 1
    return cells


# A period's flows and events from the day tables, its backlog now from the tallies — for a scope
# the tables are kept for: the campaign's territory or a region at 街道 level or above.
KEPT_NOW_SLACK = dt.timedelta(seconds=30)  # "now" as the caller took it, a moment before the read


def unit_backlog_snapshot(campaign, scope_path, moment, keys, regions):
    """The backlog at ``moment`` grouped by ``keys`` from the midnight per-unit snapshot, or
    ``None`` when none was taken at that moment."""
    from ..backlog import unit_cells

    return unit_cells(campaign, scope_path, moment, keys, regions)


def backlog_snapshot(campaign, scope_path, moment):
    """The backlog of the scope at ``moment`` from the hourly snapshots (:mod:`..backlog`), or
    ``None`` when none was taken at that moment."""
    from ..backlog import at

    return at(campaign, scope_path, moment)


# figure: the day table's column (close_us: the sum of 交办→销号 durations, in microseconds)
FLOW_SUMS = {
    "issues_reported": Sum("reported"),
    "issues_assigned": Sum("assigned"),
    "issues_negative_list": Sum("negative_list"),
    "issues_closed": Sum("closed"),
    "close_us": Sum("close_us"),
    "issues_due": Sum("due"),
    "issues_due_closed": Sum("due_closed"),
    "issues_closed_on_time": Sum("closed_on_time"),
}
EVENT_SUMS = {name: Sum(name) for name in daytally.COUNTERS[daytally.EVENTS]}


def kept_scope(scope_path):
    """The day tables hold this scope whole (``None``: the campaign's territory): a region at
    社区 level or above."""
    return scope_path is None or tally.depth(scope_path) <= daytally.DAY_DEPTH


def tallied_scope(scope_path):
    """The issue tallies (and the hourly backlog snapshots) hold this scope whole: 街道 or above."""
    return scope_path is None or tally.depth(scope_path) <= tally.TALLY_DEPTH


def kept_children(scope):
    """Each child region of ``scope`` is a sum of day-table cells (children at 社区 or above)."""
    return scope is None or tally.depth(scope.path) < daytally.DAY_DEPTH


def kept_regions(campaign, scope_path, depth=daytally.DAY_DEPTH):
    """``{region id: path}`` of the regions cells are kept for — at ``depth`` or above — in the
    scope (``None``: the campaign's territory)."""
    regions = Region.objects.filter(
        path__startswith=scope_path or campaign.region.path, path__regex=rf"^/(\d+/){{1,{depth}}}$"
    )
    return dict(regions.values_list("pk", "path"))


def in_kept_scope(cells, scope_path, regions=None):
    """The cells (rows of a table kept per region cell) of the scope: those whose cell region is
    in ``regions`` (``{id: path}``) when the caller has them, else those whose region's path
    starts with the scope's — the same rows, since a cell is cut at or above the scope's depth
    (the subtree's ids as an index condition beside the day range: :func:`in_subtree`)."""
    if not scope_path:
        return cells
    if regions is not None:
        return cells.filter(region_id__in=list(regions))
    return cells.filter(in_subtree("region", scope_path))


def kept_region_bucket(regions, children):
    """The child of each kept region (its cell's region lies in it), as a SQL expression over
    the day tables' ``region_id``: :func:`region_bucket` for cells."""
    if not children:
        return Value(None, output_field=IntegerField())
    whens, own = [], []
    for child in children:
        ids = [pk for pk, path in regions.items() if path.startswith(child.path)]
        if ids == [child.pk]:
            own.append(child.pk)
        elif ids:
            whens.append(When(region_id__in=ids, then=Value(child.pk)))
    if own:  # children kept with no kept region below them (a street's communities): the cell's own region
        whens.append(When(region_id__in=own, then=F("region_id")))
    return (
        Case(*whens, default=None, output_field=IntegerField()) if whens else Value(None, output_field=IntegerField())
    )


def kept_flows(campaign, period_start, period_end, scope_path, keys, regions=None):
    """``{key: {flow or event figure: n}}`` for the days ``[period_start, period_end]``, summed
    from the day tables (:mod:`inspections.daytally`) and grouped by ``keys`` (SQL expressions
    over a cell: ``unit_key``, ``region_id``). Two grouped reads of the period's cells."""
    out = {}
    for model, sums in ((IssueDayTally, FLOW_SUMS), (IssueEventDayTally, EVENT_SUMS)):
        rows = model.objects.filter(campaign=campaign, day__gte=period_start, day__lte=period_end)
        rows = in_kept_scope(rows, scope_path, regions)
        for key, values in _grouped(rows, keys, sums).items():
            cell = out.setdefault(key, {})
            for name, value in values.items():
                cell[name] = cell.get(name, 0) + (value or 0)
    for cell in out.values():
        micros = cell.pop("close_us", 0)
        cell["close_duration"] = dt.timedelta(microseconds=micros) if micros else None
    return out


def kept_backlog(campaign, scope_path, moment):
    """The backlog figures (:data:`predicates.BACKLOG`) of the whole scope at ``moment`` (now),
    from the issue tallies (:func:`inspections.counting.tally_counts`): 在办 and 未销号 by state,
    超期未改 from the deadline days, 超期未改中重点来源 the same over the key-source cells. The
    tallies count an issue in its state whenever it was sent; the figures only once it was
    (``assigned_at`` before the moment): the few that were not — none through the services,
    which stamp the time of the write — are taken off, read from the index on ``assigned_at``."""
    paths = None if scope_path is None else [scope_path]
    every = tally_counts(campaign=campaign, region_paths=paths, now=moment)
    key = tally_counts(campaign=campaign, region_paths=paths, key_source=True, now=moment)
    figures = {
        "issues_in_hand": sum(every[s] for s in predicates.BACKLOG["issues_in_hand"][0]),
        "issues_open": sum(every[s] for s in predicates.BACKLOG["issues_open"][0]),
        "issues_overdue_open": every["overdue"],
        "issues_overdue_key": key["overdue"],
    }
    counted_by_tally = {
        name: Q(state__in=states) & (Q(rectification_deadline__lt=moment) if late else Q())
        for name, (states, late, _key) in predicates.BACKLOG.items()
    }
    counted_by_tally["issues_overdue_key"] &= predicates.issue_key_source()
    issues = predicates.issues_of(campaign, scope_path)
    for unsent, overdue_judged in (
        # Never sent (the partial index insp_issue_open_unsent): no deadline day in the tallies.
        (issues.filter(state__in=predicates.UNCLOSED_STATES, assigned_at__isnull=True), False),
        # Sent after the moment: one range of insp_issue_assigned_at, the states judged by each
        # count's own filter (a state condition here makes the planner AND in a bitmap of every
        # open issue).
        (issues.filter(assigned_at__gte=moment), True),
    ):
        extra = unsent.aggregate(**{name: Count("id", filter=q) for name, q in counted_by_tally.items()})
        for name, n in extra.items():
            if n and (overdue_judged or name not in ("issues_overdue_open", "issues_overdue_key")):
                figures[name] -= n
    return figures


TASK_PATH = Coalesce("region__path", "owner_unit__region__path")  # a task's region: :func:`predicates.task_region_q`


def _task_parts(campaign, scope_path, keys, b, period_start, period_end, shared):
    """The task figures (:func:`_task_aggregates` and 滞后) of the scope grouped by ``keys``
    ("task": expressions over a task — annotated with its region's path, ``_task_path``, when
    "task_by_path" is set; "path_fact": the same key from its owner unit's id and region path).
    ``shared``: the dict one build of several scopes passes to each — the campaign's tasks are
    then read once, grouped by (owner unit, region path), and each scope sums the groups whose
    path starts with its own (the same tasks as :func:`predicates.task_region_q`)."""
    aggregates = {**_task_aggregates(b, period_start, period_end), "tasks_lagging": Count("id", filter=lag_q())}
    if shared is None:
        tasks = predicates.tasks_of(campaign, scope_path).annotate(**lag_annotations(b.as_of_date))
        if keys.get("task_by_path"):
            tasks = tasks.annotate(_task_path=TASK_PATH)
        return [_grouped(tasks, keys["task"], aggregates)]
    memo = ("task_figures", campaign.pk, period_start, period_end, b.as_of)
    if memo not in shared:
        tasks = predicates.tasks_of(campaign).annotate(_task_path=TASK_PATH, **lag_annotations(b.as_of_date))
        shared[memo] = [_grouped(tasks, (F("owner_unit_id"), F("_task_path")), aggregates)]
    return [_in_scope_by_path(rows, scope_path, keys["path_fact"]) for rows in shared[memo]]


def _in_scope_by_path(rows, scope_path, key_of):
    """``rows`` (``{(unit id or another key, region path): {figure: n}}``, a territory's read)
    of the scope — those whose path starts with its own — summed by ``key_of(key, path)``."""
    out = {}
    for (key, path), values in rows.items():
        if scope_path is None or (path or "").startswith(scope_path):
            cell = out.setdefault(key_of(key, path), dict.fromkeys(values, 0))
            for name, n in values.items():
                cell[name] += n or 0
    return out


def _integrity_flags(campaign, scope_path, keys, b, shared):
    """弄虚作假 (核查确认) by ``keys["event"]``: it depends on the photos an issue had when it was
    returned, so it is read from the returns of the period (few; one index range on action and
    time) — for the whole territory once in a ``shared`` build, by (unit, region path)."""

    def returns(scope_path):
        events = predicates.events_of(campaign, scope_path).filter(
            action=IssueAction.REJECT, created_at__gte=b.start, created_at__lt=b.end
        )
        return events.filter(predicates.integrity_confirmed())

    flags = {"integrity_flags": Count("id")}
    if shared is None:
        return _grouped(returns(scope_path), keys["event"], flags)
    memo = ("integrity_flags", campaign.pk, b.start, b.end)
    if memo not in shared:
        shared[memo] = _grouped(returns(None), (F("issue__responsible_unit_id"), F("issue__region__path")), flags)
    return _in_scope_by_path(shared[memo], scope_path, keys["path_fact"])


def collect(campaign, period_start, period_end, scope_path, keys, now=None, shared=None):
    """The figures of one scope and period, ``{(key values…): Figures}``; ``keys`` maps each
    source ("issue", "event", "task") to its grouping expressions and "fact" to the same key of
    a replayed issue; "kept", when given, to the same key of a day-table cell (``(unit id or
    None, 街道-level region path) → key``): the flows and events are then summed from the
    tables the writes keep (:mod:`inspections.daytally`) when the scope allows, and — for
    the whole scope, grouped by nothing — the backlog now from the tallies, at a past top of
    the hour from its snapshot (:mod:`chuangcheng.reports.backlog`)."""
    now = now or timezone.now()
    b = bounds(period_start, period_end, now=now)
    issues = predicates.issues_of(campaign, scope_path)
    events = predicates.events_of(campaign, scope_path)
    period_events = events.filter(action__in=predicates.EVENT_ACTIONS, created_at__gte=b.start, created_at__lt=b.end)
    # As of now (a running period judged now): today's rows are the backlog. A moment before
    # now — a period that ended, or a caller's past "now" — is judged as the issues were then.
    live = b.as_of >= timezone.now() - KEPT_NOW_SLACK
    kept = keys.get("kept") if kept_scope(scope_path) else None
    if kept is not None:
        flow_parts = [
            kept_flows(campaign, period_start, period_end, scope_path, kept, keys.get("kept_regions")),
            _integrity_flags(campaign, scope_path, keys, b, shared),
        ]
    else:
        flow_parts = [
            _grouped(issues.filter(flow_touched(b)), keys["issue"], _flow_aggregates(b)),
            _grouped(
                period_events.annotate(_integrity=predicates.integrity_confirmed()), keys["event"], _event_aggregates()
            ),
        ]
    backlog = None
    if kept is not None and keys.get("total") and tallied_scope(scope_path):
        if live:
            backlog = {keys["total"]: kept_backlog(campaign, scope_path, b.as_of)}
        elif (snapshot := backlog_snapshot(campaign, scope_path, b.as_of)) is not None:
            backlog = {keys["total"]: snapshot}
    if backlog is None and kept is not None and not live:
        # A period that ended at midnight: the per-unit snapshot taken then, if there is one.
        backlog = unit_backlog_snapshot(campaign, scope_path, b.as_of, kept, keys.get("kept_regions"))
    if backlog is None:
        backlog = backlog_cells(issues, b.as_of, keys["issue"], keys["fact"], live=live)
    parts = [
        *flow_parts,
        backlog,
        *_task_parts(campaign, scope_path, keys, b, period_start, period_end, shared),
    ]
    out = {}
    for part in parts:
        for k, values in part.items():
            out.setdefault(k, {}).update(values)
    return {k: _figures(v) for k, v in out.items()}


def _figures(values):
    duration = values.pop("close_duration", None)
    seconds = duration.total_seconds() if duration is not None else 0.0
    return Figures(close_seconds=seconds, **{k: v or 0 for k, v in values.items()})


def region_bucket(path_field, children):
    """The pk of the child (of ``children``, siblings) whose subtree holds the row's region, else
    ``None``: the path's segment after the parent's (a path is the ids from the root down, so
    the segment is the child's id). One expression whatever the number of children — a CASE
    of one ``LIKE`` per child cost Django more to build and compile than PostgreSQL to run
    (44 communities of a street, in three grouped reads, twice each; docs/performance.md,
    "A region's child from its path").
    A region outside ``children`` (none, as they are all of the parent's children) would get
    its own key, which no child row reads; the totals are sums over every key either way."""
    if not children:
        return Value(None, output_field=IntegerField())
    parent_path = children[0].path[: children[0].path.rstrip("/").rfind("/") + 1]
    if any(c.path != f"{parent_path}{c.pk}/" for c in children):  # not siblings as paths say: one test each
        return Case(*[When(**{f"{path_field}__startswith": c.path}, then=c.pk) for c in children], default=None)
    rest = Substr(path_field, len(parent_path) + 1)
    segment = Substr(path_field, len(parent_path) + 1, Greatest(StrIndex(rest, Value("/")) - 1, Value(0)))
    return Case(
        When(**{f"{path_field}__startswith": parent_path}, then=Cast(NullIf(segment, Value("")), IntegerField())),
        default=None,
        output_field=IntegerField(),
    )


def _path_bucket(children):
    def bucket(path):
        return next((c.pk for c in children if path.startswith(c.path)), None)

    return bucket


def sum_by(cells, index):
    """``{key[index]: Figures}``: the cells summed by one part of their key."""
    groups = {}
    for key, figures in cells.items():
        groups.setdefault(key[index], []).append(figures)
    return {k: Figures.total(items) for k, items in groups.items()}


# --- by 点位 type and indicator (the briefing's breakdowns) ----------------------------------------

BREAKDOWN_FLOWS = ("issues_assigned", "issues_closed", "issues_due", "issues_due_closed", "issues_closed_on_time")


def shared_districts(campaign, shared):
    """The districts of the campaign's territory (its region's children), read once per
    ``shared`` build."""
    key = ("districts", campaign.pk)
    if key not in shared:
        shared[key] = list(Region.objects.filter(parent_id=campaign.region_id).only("pk", "path"))
    return shared[key]


def shared_scope(campaign, scope_path, shared):
    """``(read once?, the district's pk or None)`` for a scope of a ``shared`` build: the
    territory and each district of it sum the parts of one read grouped by district; any other
    scope (or no ``shared``) reads its own."""
    if shared is None:
        return False, None
    if scope_path is None:
        return True, None
    district = next((d.pk for d in shared_districts(campaign, shared) if d.path == scope_path), None)
    return district is not None, district


def _kind_flows(campaign, scope_path, b, keys, shared):
    """The period's flows by ``keys``. ``shared``: a dict that one build of several scopes (the
    city and its districts) passes to each — the campaign's territory is read once, grouped by
    district too, and the territory sums every district's rows, a district takes its own (the
    same counts: a district's issues are those whose region path starts with its own)."""
    flows = {k: v for k, v in _flow_aggregates(b).items() if k in BREAKDOWN_FLOWS}
    once, district = shared_scope(campaign, scope_path, shared)
    if not once:
        return _grouped(predicates.issues_of(campaign, scope_path).filter(flow_touched(b)), keys, flows)
    memo = ("breakdown_flows", campaign.pk, b.start, b.end, b.as_of)
    if memo not in shared:
        issues = predicates.issues_of(campaign).filter(flow_touched(b))
        bucket = region_bucket("region__path", shared_districts(campaign, shared))
        shared[memo] = _grouped(issues, (bucket, *keys), flows)
    out = {}
    for (bucket, *key), values in shared[memo].items():
        if scope_path is None or bucket == district:
            cell = out.setdefault(tuple(key), dict.fromkeys(values, 0))
            for name, n in values.items():
                cell[name] += n or 0
    return out


def _tasks_overdue_by_indicator(campaign, scope_path, b, shared):
    """``{(None, indicator id or None): {"tasks_overdue": n}}`` — a task under each of its
    indicators; with ``shared``, read once for the campaign by region path (:func:`_task_parts`)."""
    overdue = {"tasks_overdue": Count("id", filter=predicates.tasks_overdue(b.as_of_date, b.as_of))}
    if shared is None:
        return _grouped(
            predicates.tasks_of(campaign, scope_path),
            (Value(None, output_field=IntegerField()), F("indicators")),
            overdue,
        )
    memo = ("tasks_overdue_by_indicator", campaign.pk, b.as_of)
    if memo not in shared:
        tasks = predicates.tasks_of(campaign).annotate(_task_path=TASK_PATH)
        shared[memo] = _grouped(tasks, (F("indicators"), F("_task_path")), overdue)
    return _in_scope_by_path(shared[memo], scope_path, lambda indicator, _path: (None, indicator))


def kind_figures(campaign, period_start, period_end, scope_path, now, shared=None):
    """``{(点位 type or None, indicator id or None): Figures}`` of the period — the flows of the
    issues it touched (one grouped read), what was owed at its end (the midnight snapshot by
    kind, :func:`..backlog.kind_cells`, else replayed from the event log), and the tasks overdue
    by indicator (a task under each of its indicators, no 点位 type). The figures' own
    predicates, grouped both ways at once: the briefing's tables by 点位 type and by indicator
    sum the same cells (:func:`sum_by`)."""
    from ..backlog import kind_cells

    b = bounds(period_start, period_end, now=now)
    issues = predicates.issues_of(campaign, scope_path)
    keys = (F("site__site_type"), F("indicator_id"))
    live = b.as_of >= timezone.now() - KEPT_NOW_SLACK
    backlog = None if live else kind_cells(campaign, scope_path, b.as_of)
    if backlog is None:
        backlog = backlog_cells(issues, b.as_of, keys, lambda fact: (fact.site_type, fact.indicator_id), live=live)
    parts = [
        _kind_flows(campaign, scope_path, b, keys, shared),
        {k: {"issues_overdue_open": v.get("issues_overdue_open") or 0} for k, v in backlog.items()},
        _tasks_overdue_by_indicator(campaign, scope_path, b, shared),
    ]
    out = {}
    for part in parts:
        for k, values in part.items():
            out.setdefault(k, {}).update(values)
    return {k: Figures(**{name: n or 0 for name, n in v.items()}) for k, v in out.items()}


# --- the public API -------------------------------------------------------------------------------


def unit_groups():
    """Every ranking group of units, in display order: comparable units are those of the same
    kind (块 apart from 条) at the same level (a street office with street offices)."""
    kinds = dict(UnitKind.choices)
    levels = dict(UnitLevel.choices)
    # A territorial unit at district level is a district government: "区县", not "区直".
    territorial = {**levels, UnitLevel.DISTRICT: _("区县"), UnitLevel.STREET: _("街道乡镇")}
    return [
        (f"{kind}:{level}", f"{kinds[kind]} · {(territorial if kind == UnitKind.TERRITORIAL else levels)[level]}")
        for kind in (UnitKind.TERRITORIAL, UnitKind.FUNCTIONAL, UnitKind.OTHER)
        for level in UnitLevel.values
    ]


def figure_set(campaign, period_start, period_end, scope=None, *, now=None, shared=None):
    """Units, regions and the total of one scope (a region, or ``None`` for the campaign's
    territory) and period — from one set of grouped queries keyed on (responsible unit, child
    region), so units, regions and the total are sums of the same cells and always agree."""
    scoring = scoring_for(campaign)
    parent = scope or campaign.region
    children = list(Region.objects.filter(parent=parent).order_by("code", "name"))
    bucket = _path_bucket(children)
    keys = {
        "issue": (F("responsible_unit_id"), region_bucket("region__path", children)),
        "fact": lambda fact: (fact.unit_id, bucket(fact.region_path)),
        "event": (F("issue__responsible_unit_id"), region_bucket("issue__region__path", children)),
        "task": (F("owner_unit_id"), region_bucket("_task_path", children)),
        "path_fact": lambda unit_id, path: (unit_id, bucket(path or "")),
        "task_by_path": True,
    }
    if kept_children(scope):
        regions = kept_regions(campaign, scope.path if scope is not None else None)
        keys["kept"] = (NullIf(F("unit_key"), 0), kept_region_bucket(regions, children))
        keys["kept_regions"] = regions
    scope_path = scope.path if scope is not None else None
    cells = collect(campaign, period_start, period_end, scope_path, keys, now, shared)
    by_unit, by_region = sum_by(cells, 0), sum_by(cells, 1)
    return FigureSet(
        period_start=period_start,
        period_end=period_end,
        scope_id=scope.pk if scope is not None else None,
        scoring=scoring,
        totals=Figures.total(cells.values()),
        units=_unit_rows(
            campaign, scope_path, by_unit, scoring, contributions.deduction_items(campaign, period_start, period_end)
        ),
        regions=_region_rows(children, by_region, scoring),
    )


def unit_figures(campaign, period_start, period_end, scope=None, *, now=None):
    """One :class:`Row` per unit: every unit with activity in the scope, and every active unit
    located in it (with zeros), scored and ranked among comparable units (:func:`unit_groups`)."""
    return figure_set(campaign, period_start, period_end, scope, now=now).units


def region_figures(campaign, period_start, period_end, scope=None, *, now=None):
    """One :class:`Row` per child region of the scope (the districts of a city, the streets of a
    district), grouped by region-path prefix; scored and ranked among themselves (no flags)."""
    return figure_set(campaign, period_start, period_end, scope, now=now).regions


def total_figures(campaign, period_start, period_end, scope=None, *, now=None, shared=None):
    """The whole scope in one :class:`Figures` (no grouping)."""
    scope_path = scope.path if scope is not None else None
    keys = {
        "issue": (F("campaign_id"),),
        "fact": lambda fact: (campaign.pk,),
        "event": (F("issue__campaign_id"),),
        "task": (F("campaign_id"),),
        "path_fact": lambda unit_id, path: (campaign.pk,),
        "kept": (Value(campaign.pk, output_field=IntegerField()),),
        "total": (campaign.pk,),
    }
    return Figures.total(collect(campaign, period_start, period_end, scope_path, keys, now, shared).values())


def _scored(row, scoring, extra_deductions=()):
    """Score a row; ``extra_deductions`` (registered sources, e.g. 问责扣分) come off a ranked
    row's score and are kept on the row so the briefing prints each one."""
    row.ranked = is_ranked(row.figures, scoring)
    parts = breakdown(row.figures, scoring)
    row.base, row.deduction, row.score = parts["base"], parts["deduction"], parts["score"]
    if row.ranked and extra_deductions:
        items = [{**item, "points": float(item["points"])} for item in extra_deductions]
        row.extra["other_deductions"] = items
        row.deduction = round(row.deduction + sum(item["points"] for item in items), 2)
        row.score = round(max(0.0, row.base - row.deduction), 2)
    return row


def _unit_rows(campaign, scope_path, by_unit, scoring, extra_deductions=None):
    located = Q(is_active=True, region__path__startswith=scope_path or campaign.region.path)
    units = Unit.objects.filter(located | Q(pk__in=[k for k in by_unit if k is not None])).values(
        "pk", "name", "short_name", "kind", "level", "region__name"
    )
    kind_labels, rows = dict(UnitKind.choices), []
    for unit in units.order_by("level", "name"):
        row = Row(
            key=unit["pk"],
            name=unit["name"],
            group=f"{unit['kind']}:{unit['level']}",
            figures=by_unit.get(unit["pk"], Figures()),
            extra={
                "short_name": unit["short_name"],
                "kind_label": str(kind_labels.get(unit["kind"], unit["kind"])),
                "level": unit["level"],
                "region_name": unit["region__name"],
            },
        )
        rows.append(_scored(row, scoring, (extra_deductions or {}).get(unit["pk"], ())))
    return rank_rows(rows, scoring=scoring)


def _region_rows(children, by_region, scoring):
    rows = [
        _scored(
            Row(
                key=child.pk,
                name=child.name,
                group="region",
                figures=by_region.get(child.pk, Figures()),
                extra={"code": child.code or ""},
            ),
            scoring,
        )
        for child in children
    ]
    return rank_rows(rows, scoring=scoring, flags=False)
