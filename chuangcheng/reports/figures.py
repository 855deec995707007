"""The figures (数据指标): counts, rates, scores and ranks — computed here and nowhere else.

Dashboards, briefings, exports and the API all call these functions, so a number never
disagrees with itself. Every public function takes ``(campaign, period_start, period_end,
scope)`` — ``scope`` a :class:`~chuangcheng.org.models.Region` (a district) or ``None`` for the
campaign's whole territory — and returns plain dataclasses (``as_dict()`` for JSON).

Queries are set-based: one conditional aggregation per source (issues, issue events, tasks,
lagging tasks), grouped by responsible unit or by region-path prefix; a figure set costs the
same handful of queries for 10 units or 500. Each figure's written definition is in
:func:`definitions` and is shown next to it wherever it appears.
"""

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from chuangcheng.org.models import Region, Unit, UnitKind, UnitLevel
from inspections.models import CLOCK_STATES, Issue, IssueAction, IssueEvent, IssueState, Severity
from tasks.models import Task, TaskState
from tasks.selectors import lagging

from .periods import bounds

# --- the counts and the rates derived from them --------------------------------------------------


@dataclass
class Figures:
    """Additive counts for one unit, one region or a whole scope. Rates are derived from the
    counts (so a total is the sum of its parts and its rates are recomputed, never averaged)."""

    issues_assigned: int = 0
    issues_closed: int = 0
    issues_due: int = 0
    issues_due_closed: int = 0
    issues_closed_on_time: int = 0
    issues_overdue_open: int = 0
    issues_in_hand: int = 0
    issues_negative_list: int = 0
    verifications: int = 0
    rejections: int = 0
    recurrences: int = 0
    close_seconds: float = 0.0
    tasks_due: int = 0
    tasks_done: int = 0
    tasks_done_on_time: int = 0
    tasks_overdue: int = 0
    tasks_in_progress: int = 0
    tasks_lagging: int = 0

    def __add__(self, other):
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @staticmethod
    def _pct(part, whole):
        return round(100 * part / whole, 2) if whole else None

    @property
    def on_time_rate(self):
        return self._pct(self.issues_closed_on_time, self.issues_due)

    @property
    def closure_rate(self):
        return self._pct(self.issues_due_closed, self.issues_due)

    @property
    def not_overdue_rate(self):
        return self._pct(self.issues_in_hand - self.issues_overdue_open, self.issues_in_hand)

    @property
    def rework_rate(self):
        return self._pct(self.rejections, self.verifications)

    @property
    def mean_hours_to_close(self):
        return round(self.close_seconds / 3600 / self.issues_closed, 1) if self.issues_closed else None

    @property
    def task_on_time_rate(self):
        return self._pct(self.tasks_done_on_time, self.tasks_due)

    @property
    def task_on_track_rate(self):
        return self._pct(self.tasks_in_progress - self.tasks_lagging, self.tasks_in_progress)

    @property
    def has_activity(self):
        return any(getattr(self, f.name) for f in fields(self))

    RATES = (
        "on_time_rate",
        "closure_rate",
        "not_overdue_rate",
        "rework_rate",
        "mean_hours_to_close",
        "task_on_time_rate",
        "task_on_track_rate",
    )

    def as_dict(self):
        out = asdict(self)
        out["close_seconds"] = round(out["close_seconds"], 1)
        out.update({name: getattr(self, name) for name in self.RATES})
        return out


# --- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scoring:
    """The composite-score rule of a campaign (:class:`~chuangcheng.reports.models.CampaignScoring`,
    or these defaults)."""

    weight_issue_on_time: int = 35
    weight_issue_not_overdue: int = 20
    weight_task_on_time: int = 20
    weight_no_rework: int = 10
    weight_task_on_track: int = 15
    deduct_overdue_issue: float = 0.0
    deduct_overdue_task: float = 0.0
    deduct_recurrence: float = 1.0
    flag_count: int = 3

    def as_dict(self):
        return asdict(self)


def scoring_for(campaign):
    from django.conf import settings

    from .models import CampaignScoring

    default_flags = getattr(settings, "BRIEFING_FLAG_COUNT", 3)
    row = CampaignScoring.objects.filter(campaign=campaign).first()
    if row is None:
        return Scoring(flag_count=default_flags)
    values = {f.name: getattr(row, f.name) for f in fields(Scoring) if f.name != "flag_count"}
    values = {k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()}
    return Scoring(**values, flag_count=default_flags if row.flag_count is None else row.flag_count)


def score(figures, scoring):
    """综合得分 (0–100), or ``None`` when there is nothing to score (see :func:`definitions`)."""
    if not figures.has_activity:
        return None
    parts = [
        (scoring.weight_issue_on_time, figures.on_time_rate),
        (scoring.weight_issue_not_overdue, figures.not_overdue_rate),
        (scoring.weight_task_on_time, figures.task_on_time_rate),
        (scoring.weight_no_rework, None if figures.rework_rate is None else 100 - figures.rework_rate),
        (scoring.weight_task_on_track, figures.task_on_track_rate),
    ]
    parts = [(w, v) for w, v in parts if v is not None and w > 0]
    base = sum(w * v for w, v in parts) / sum(w for w, _value in parts) if parts else 100.0
    deductions = (
        figures.issues_overdue_open * scoring.deduct_overdue_issue
        + figures.tasks_overdue * scoring.deduct_overdue_task
        + figures.recurrences * scoring.deduct_recurrence
    )
    return round(max(0.0, base - deductions), 2)


# --- rows ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """A unit's or a region's figures with its score and its rank among comparable rows."""

    key: int | None
    name: str
    group: str  # ranking group: a unit's "kind:level" (territorial:street…), or "region"
    figures: Figures
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
    scoring: Scoring
    totals: Figures
    units: list
    regions: list

    def ranking(self, group):
        return sorted((r for r in self.units if r.group == group and r.rank), key=lambda r: (r.rank, r.name))

    def groups(self):
        """The ranking groups present, as ``(group, label)``: 块 first (district, street,
        community), then 条 (city, district), then other units."""
        present = {r.group for r in self.units if r.rank}
        return [(g, label) for g, label in unit_groups() if g in present]


def rank_rows(rows, *, flag_count=0):
    """Competition ranking (1, 2, 2, 4) by score within each group; rows without a score are
    not ranked. Rows ranked in the top ``flag_count`` of their group get a red flag, rows in the
    bottom ``flag_count`` (counted from the end, ties alike) a black flag; ``flag_count`` is
    capped at half the group, and a row that would get both gets neither."""
    groups = {}
    for row in rows:
        if row.score is not None:
            groups.setdefault(row.group, []).append(row)
    for members in groups.values():
        members.sort(key=lambda r: (-r.score, r.name))
        for i, row in enumerate(members):
            same = i > 0 and members[i - 1].score == row.score
            row.rank = members[i - 1].rank if same else i + 1
            row.ranked_among = len(members)
        n = min(flag_count, len(members) // 2)
        if not n:
            continue
        for row in members:
            from_bottom = 1 + sum(1 for r in members if r.score < row.score)
            red, black = row.rank <= n, from_bottom <= n
            row.flag = "red" if red and not black else "black" if black and not red else ""
    return rows


# --- the queries --------------------------------------------------------------------------------


def in_period(field_name, b):
    """``field_name`` falls within the period's bounds ``b`` (:func:`periods.bounds`)."""
    return Q(**{f"{field_name}__gte": b.start, f"{field_name}__lt": b.end})


def issues_due(b):
    """到期: the rectification deadline falls in the period (long-term and dismissed excepted)."""
    return in_period("rectification_deadline", b) & ~Q(state__in=[IssueState.LONG_TERM, IssueState.DISMISSED])


def issues_closed(b):
    """销号: closed within the period and still closed."""
    return Q(state=IssueState.CLOSED) & in_period("closed_at", b)


def issues_closed_on_time(b):
    """按期销号: due in the period (:func:`issues_due`) and closed by its deadline."""
    return issues_due(b) & Q(state=IssueState.CLOSED, closed_at__lte=F("rectification_deadline"))


def _issue_aggregates(b):
    due = issues_due(b)
    closed_in_period = issues_closed(b)
    to_close = ExpressionWrapper(F("closed_at") - F("assigned_at"), output_field=DurationField())
    return {
        "issues_assigned": Count("id", filter=in_period("assigned_at", b)),
        "issues_closed": Count("id", filter=closed_in_period),
        "issues_due": Count("id", filter=due),
        "issues_due_closed": Count("id", filter=due & Q(state=IssueState.CLOSED)),
        "issues_closed_on_time": Count("id", filter=issues_closed_on_time(b)),
        "issues_overdue_open": Count("id", filter=Q(state__in=CLOCK_STATES, rectification_deadline__lt=b.as_of)),
        "issues_in_hand": Count("id", filter=Q(state__in=CLOCK_STATES, assigned_at__lt=b.as_of)),
        "issues_negative_list": Count("id", filter=in_period("assigned_at", b) & Q(severity=Severity.NEGATIVE_LIST)),
        "close_duration": Sum(to_close, filter=closed_in_period & Q(assigned_at__isnull=False)),
    }


def _event_aggregates():
    verifications = Q(action__in=[IssueAction.VERIFY, IssueAction.REJECT])
    return {
        "verifications": Count("id", filter=verifications),
        "rejections": Count("id", filter=Q(action=IssueAction.REJECT)),
        "recurrences": Count("id", filter=Q(action=IssueAction.REOPEN)),
    }


def _task_aggregates(b, period_start, period_end):
    open_ = ~Q(state=TaskState.DONE)
    due = Q(deadline__gte=period_start, deadline__lte=period_end)
    return {
        "tasks_due": Count("id", filter=due),
        "tasks_done": Count("id", filter=Q(state=TaskState.DONE) & in_period("done_at", b)),
        "tasks_done_on_time": Count("id", filter=due & Q(state=TaskState.DONE, done_at__date__lte=F("deadline"))),
        "tasks_overdue": Count("id", filter=open_ & Q(deadline__lt=b.as_of_date)),
        "tasks_in_progress": Count("id", filter=open_ & Q(start_date__lt=b.as_of_date)),
    }


def _sources(campaign, scope_path):
    """The issues, issue events and measured tasks of the campaign within the scope."""
    issues = Issue.objects.filter(campaign=campaign)
    events = IssueEvent.objects.filter(issue__campaign=campaign)
    # A decomposed task is measured through its children; a recurring template through its
    # dated occurrences.
    tasks = Task.objects.filter(campaign=campaign, recurrence="").exclude(
        Exists(Task.objects.filter(parent=OuterRef("pk")))
    )
    if scope_path:
        issues = issues.filter(region__path__startswith=scope_path)
        events = events.filter(issue__region__path__startswith=scope_path)
        tasks = tasks.filter(
            Q(region__path__startswith=scope_path)
            | Q(region__isnull=True, owner_unit__region__path__startswith=scope_path)
        )
    return issues, events, tasks


def _grouped(queryset, keys, aggregates):
    """``{(key values…): {aggregate: value}}`` — one GROUP BY query."""
    names = [f"_k{i}" for i in range(len(keys))]
    rows = queryset.order_by().annotate(**dict(zip(names, keys, strict=True))).values(*names).annotate(**aggregates)
    return {tuple(row.pop(n) for n in names): row for row in rows}


def _collect(campaign, period_start, period_end, scope_path, keys, now, task_annotations=None):
    """Run the four grouped queries (issues, issue events, tasks, lagging tasks); ``keys`` maps
    each source to its grouping expressions. Returns ``{(key values…): Figures}``."""
    b = bounds(period_start, period_end, now=now)
    issues, events, tasks = _sources(campaign, scope_path)
    if task_annotations:
        tasks = tasks.annotate(**task_annotations)
    period_events = events.filter(
        action__in=[IssueAction.VERIFY, IssueAction.REJECT, IssueAction.REOPEN], created_at__gte=b.start
    ).filter(created_at__lt=b.end)
    parts = [
        _grouped(issues, keys["issue"], _issue_aggregates(b)),
        _grouped(period_events, keys["event"], _event_aggregates()),
        _grouped(tasks, keys["task"], _task_aggregates(b, period_start, period_end)),
        {
            k: {"tasks_lagging": v["n"]}
            for k, v in _grouped(lagging(tasks, today=b.as_of_date), keys["task"], {"n": Count("id")}).items()
        },
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


def _region_bucket(path_field, children):
    if not children:
        return Value(None, output_field=IntegerField())
    return Case(*[When(**{f"{path_field}__startswith": c.path}, then=c.pk) for c in children], default=None)


def _sum_by(cells, index):
    out = {}
    for key, figures in cells.items():
        out[key[index]] = out.get(key[index], Figures()) + figures
    return out


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


def figure_set(campaign, period_start, period_end, scope=None, *, now=None):
    """Units, regions and the total of one scope (a region, or ``None`` for the campaign's
    territory) and period — from one set of grouped queries keyed on (responsible unit, child
    region), so units, regions and the total are sums of the same cells and always agree."""
    scoring = scoring_for(campaign)
    parent = scope or campaign.region
    children = list(Region.objects.filter(parent=parent).order_by("code", "name"))
    keys = {
        "issue": (F("responsible_unit_id"), _region_bucket("region__path", children)),
        "event": (F("issue__responsible_unit_id"), _region_bucket("issue__region__path", children)),
        "task": (F("owner_unit_id"), _region_bucket("_task_path", children)),
    }
    # Tasks fall in the region they name, or their owner unit's region when they name none.
    with_path = {"_task_path": Coalesce("region__path", "owner_unit__region__path")}
    scope_path = scope.path if scope is not None else None
    cells = _collect(campaign, period_start, period_end, scope_path, keys, now, task_annotations=with_path)
    by_unit, by_region = _sum_by(cells, 0), _sum_by(cells, 1)
    return FigureSet(
        period_start=period_start,
        period_end=period_end,
        scope_id=scope.pk if scope is not None else None,
        scoring=scoring,
        totals=sum(cells.values(), Figures()),
        units=_unit_rows(campaign, scope_path, by_unit, scoring),
        regions=_region_rows(children, by_region, scoring),
    )


def unit_figures(campaign, period_start, period_end, scope=None, *, now=None):
    """One :class:`Row` per unit: every unit with activity in the scope, and every active unit
    located in it (with zeros), scored and ranked among comparable units (:func:`unit_groups`)."""
    return figure_set(campaign, period_start, period_end, scope, now=now).units


def region_figures(campaign, period_start, period_end, scope=None, *, now=None):
    """One :class:`Row` per child region of the scope (the districts of a city, the streets of a
    district), grouped by region-path prefix; scored and ranked among themselves."""
    return figure_set(campaign, period_start, period_end, scope, now=now).regions


def total_figures(campaign, period_start, period_end, scope=None, *, now=None):
    """The whole scope in one :class:`Figures` (four aggregate queries, no grouping)."""
    scope_path = scope.path if scope is not None else None
    keys = {"issue": (F("campaign_id"),), "event": (F("issue__campaign_id"),), "task": (F("campaign_id"),)}
    return sum(_collect(campaign, period_start, period_end, scope_path, keys, now).values(), Figures())


def _unit_rows(campaign, scope_path, by_unit, scoring):
    located = Q(is_active=True, region__path__startswith=scope_path or campaign.region.path)
    units = Unit.objects.filter(located | Q(pk__in=[k for k in by_unit if k is not None])).values(
        "pk", "name", "short_name", "kind", "level", "region__name"
    )
    kind_labels, rows = dict(UnitKind.choices), []
    for unit in units.order_by("level", "name"):
        figures = by_unit.get(unit["pk"], Figures())
        rows.append(
            Row(
                key=unit["pk"],
                name=unit["name"],
                group=f"{unit['kind']}:{unit['level']}",
                figures=figures,
                score=score(figures, scoring),
                extra={
                    "short_name": unit["short_name"],
                    "kind_label": str(kind_labels.get(unit["kind"], unit["kind"])),
                    "level": unit["level"],
                    "region_name": unit["region__name"],
                },
            )
        )
    return rank_rows(rows, flag_count=scoring.flag_count)


def _region_rows(children, by_region, scoring):
    rows = [
        Row(
            key=child.pk,
            name=child.name,
            group="region",
            figures=by_region.get(child.pk, Figures()),
            extra={"code": child.code or ""},
        )
        for child in children
    ]
    for row in rows:
        row.score = score(row.figures, scoring)
    return rank_rows(rows, flag_count=0)


# --- definitions --------------------------------------------------------------------------------


def definitions(scoring=None):
    """Every figure's written definition, in display order (``{key: Definition}``); see
    :mod:`chuangcheng.reports.definitions`."""
    from .definitions import definitions as build

    return build(scoring or Scoring())
