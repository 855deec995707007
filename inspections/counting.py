"""What the issue list's chips, its 已超期 filter and its export's 是否超期 count.

超期未改 is a figure of :mod:`chuangcheng.reports.figures` (在办 — 已交办 or 整改中 — and past its
rectification deadline). The reports app registers that predicate here when the apps are ready
(:func:`register`), so the list counts what the dashboards and briefings count; inspections may
not import reports. Nothing here defines the figure a second time.

The counts per state come from the tallies kept by the writes (:mod:`inspections.tally`) when
the list is filtered only by what they are kept by (:func:`list_counts`, :func:`tally_counts`),
else from one GROUP BY over the filtered rows (:func:`state_counts`) — the same numbers either
way (``tests/inspections/test_tally_counts.py`` compares them).
"""

import datetime as dt

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, Case, Count, Q, Sum, Value, When
from django.utils import timezone

from chuangcheng import listpages
from chuangcheng.org.selectors import in_subtree

from .models import CLOCK_STATES, Issue, IssueDueTally, IssueState, IssueTally
from .models.issues import Visibility, visibility
from .tally import KEY_INSPECTIONS, KEY_SOURCES, TALLY_DEPTH, depth

_FIGURES = {}
# The states in which an issue can be 超期未改 (the figure's; tests/reports check they agree): the
# list's chip for any other state turns 超期未改 off rather than combine into an empty list.
CAN_BE_OVERDUE = CLOCK_STATES


def register(*, issues_overdue_open):
    """``issues_overdue_open(moment) -> Q``."""
    _FIGURES.update(issues_overdue_open=issues_overdue_open)


def overdue_q(now=None):
    """超期未改 now (the figure), as a filter on issues."""
    try:
        figure = _FIGURES["issues_overdue_open"]
    except KeyError:
        raise ImproperlyConfigured("inspections.counting: the reports app registers the figures it counts") from None
    return figure(now or timezone.now())


def state_counts(queryset, *, now=None, limit=None):
    """{state: count} plus total and 超期未改 for a filtered list, in one query (over at most
    ``limit`` rows)."""
    return listpages.state_counts(queryset, IssueState.values, limit=limit, overdue_q=overdue_q(now))


def annotate(queryset, *, now=None):
    """Rows with ``overdue_now`` (the figure) for the export."""
    return queryset.annotate(
        overdue_now=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField())
    )


# --- from the tallies -----------------------------------------------------------------------------

# The list filters the tallies answer (the rest — keywords, unit, category, dates… — group rows).
TALLY_FILTERS = {"campaign", "region", "severity", "overdue"}
EMPTY = (None, "", [], ())


def tally_counts(*, campaign=None, region_paths=None, severities=None, key_source=None, now=None):
    """``{state: n, …, "total": n, "overdue": n}`` for the issues of ``campaign`` (a campaign or
    its id; None: all) in the union of the region subtrees ``region_paths`` (paths of regions at
    街道 level or above, e.g. ``["/1/7/"]``; None: everywhere), of ``severities`` (None: all) —
    exactly what :func:`state_counts` gives for those issues, read from the tallies: a few
    thousand rows city-wide whatever the number of issues. For the dashboards: a scope is a
    region path; a deeper region, a unit or a category is not kept (group the rows instead)."""
    paths = None if region_paths is None else list(region_paths)
    if paths is not None and any(depth(p) > TALLY_DEPTH for p in paths):
        raise ValueError("tally_counts: regions below 街道 level are not tallied")
    q = Q()
    if campaign is not None:
        q &= Q(campaign=campaign)
    if severities is not None:
        q &= Q(severity__in=list(severities))
    issue_q = q
    if paths is not None:
        q &= _tally_paths_q(paths)
        issue_q &= _paths_q(paths)
    if key_source is not None:  # 重点来源 (or not): a column of the tallies, a predicate on issues
        key = Q(source__in=KEY_SOURCES) | Q(inspection__kind__in=KEY_INSPECTIONS)
        issue_q &= key if key_source else ~key
        q &= Q(key_source=key_source)
    return _shape(*_tallied(q, now or timezone.now(), issue_q=issue_q), overdue_filter=None)


def _paths_q(paths):
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(region__path__startswith=path)
    return q


def _tally_paths_q(paths):
    """:func:`_paths_q` for the tally tables: the subtrees' region ids as an index condition
    (:func:`in_subtree`; a street's tallies 10 – 14 → 1.2 ms at 1,000,000 issues, where the join
    on the path read every tally row of the campaign first). Not for issues: there the planner,
    not knowing how many ids, starts from every issue of the regions (a district's 110,000)
    instead of the deadline index."""
    q = Q(pk__in=[])
    for path in paths:
        q |= in_subtree("region", path)
    return q


def _tallied(q, now, *, issue_q=None):
    """``(by_state, overdue_by_state)`` for the issues matching ``q`` — a filter on the fields
    the tallies share with issues (campaign, ``region__path``, severity); ``issue_q``: the same
    filter on issues, when it is written differently (重点来源)."""
    zone = timezone.get_default_timezone()
    today = timezone.localtime(now, zone).date()
    # One query: the issues per state; those whose deadline day is today or later (not overdue
    # yet, or no deadline running: NO_DUE_DAY) — the day table read from today on only; and
    # those due today.
    parts = [
        IssueTally.objects.filter(q),
        IssueDueTally.objects.filter(q, due_day__gte=today),
        IssueDueTally.objects.filter(q, due_day=today),
    ]
    parts = [rows.values_list("state").annotate(n=Sum("n"), part=Value(i)).order_by() for i, rows in enumerate(parts)]
    by_state, later, due_today = {}, {}, {}
    for state, n, part in parts[0].union(*parts[1:], all=True):
        (by_state, later, due_today)[part][state] = n
    if not any(by_state.get(s) for s in CLOCK_STATES):
        return by_state, {}
    passed_today = {}
    if any(due_today.values()):
        # Due today, and the deadline has passed: counted exactly, from one day of deadlines.
        today_start = timezone.make_aware(dt.datetime.combine(today, dt.time.min), zone)
        passed_today = dict(
            Issue.objects.filter(
                (q if issue_q is None else issue_q) & overdue_q(now), rectification_deadline__gte=today_start
            )
            .values_list("state")
            .annotate(n=Count("id"))
            .order_by()
        )
    overdue = {s: by_state.get(s, 0) - later.get(s, 0) + passed_today.get(s, 0) for s in CLOCK_STATES if s in by_state}
    return by_state, overdue


def _shape(by_state, overdue, *, overdue_filter):
    """The counts as :func:`state_counts` gives them, for the list filtered by 已超期
    (``overdue_filter`` True/False) or not (None)."""
    if overdue_filter is True:
        counts = {s: overdue.get(s, 0) for s in IssueState.values}
    elif overdue_filter is False:
        counts = {s: by_state.get(s, 0) - overdue.get(s, 0) for s in IssueState.values}
    else:
        counts = {s: by_state.get(s, 0) for s in IssueState.values}
    counts["total"] = sum(counts[s] for s in IssueState.values)
    counts["overdue"] = 0 if overdue_filter is False else sum(overdue.values())
    counts.update({f"overdue_{s}": 0 if overdue_filter is False else overdue.get(s, 0) for s in IssueState.values})
    return counts


def capped_counts(queryset, *, cap, now=None):
    """``(counts, capped)``: :func:`state_counts` of ``queryset`` read over at most ``cap`` + 1
    of its rows. A keyword's matches are rechecked one by one (inspections.search), so grouping
    井盖's 50,000 took 220 ms at 1,000,000 issues: up to ``cap`` the counts are exact; past it
    only the total is known — ``cap`` — and the rest are None (``capped``)."""
    counts = state_counts(queryset, now=now, limit=cap + 1)
    if counts["total"] <= cap:
        return counts, False
    return {key: None for key in counts} | {"total": cap}, True


def list_counts(filterset, *, user, within=None, now=None):
    """The 问题清单's counts (:func:`state_counts` of ``filterset.qs``) for ``user``: from the
    tallies when the filter uses only what they keep (campaign, a region down to 街道,
    severity, 已超期) and the person's regions are 街道 or wider; the units (and 包保 sites,
    deeper regions) a person sees besides their regions add a GROUP BY over just those issues
    outside the regions. Anything else: the GROUP BY over the filtered rows. ``within``: what
    the list passed to ``visible_to`` (the region asked for)."""
    now = now or timezone.now()
    plan = _tally_plan(filterset, user, within)
    if plan is None:
        return state_counts(filterset.qs, now=now)
    dims_q, regions_q, rest_q, overdue_filter = plan
    counts = _shape(*_tallied(dims_q & regions_q, now), overdue_filter=overdue_filter)
    if rest_q is not None:
        rest = state_counts(filterset.filter_queryset(Issue.objects.filter(rest_q).exclude(regions_q)), now=now)
        counts = {key: n + rest[key] for key, n in counts.items()}
    return counts


def _tally_plan(filterset, user, within=None):
    """``(dims_q, regions_q, rest_q, overdue_filter)`` — the issues the list counts are those of
    ``dims_q & regions_q`` (tallied) plus those of ``rest_q`` outside ``regions_q`` (grouped) —
    or None when the tallies cannot answer."""
    data = {}
    if filterset.is_bound:
        filterset.errors  # noqa: B018 — validates: what is invalid is dropped, as filterset.qs does
        data = filterset.form.cleaned_data
    used = {name: value for name, value in data.items() if value not in EMPTY}
    if not set(used) <= TALLY_FILTERS:
        return None
    dims_q = Q()
    if "campaign" in used:
        dims_q &= Q(campaign=used["campaign"])
    if "region" in used:
        if depth(used["region"].path) > TALLY_DEPTH:
            return None
        dims_q &= Q(region__path__startswith=used["region"].path)
    if "severity" in used:
        dims_q &= Q(severity__in=list(used["severity"]))
    seen = _seen_plan(user, within)
    if seen is None:
        return None
    wide, rest_q = seen
    return dims_q, (Q() if wide is None else _paths_q(wide)), rest_q, used.get("overdue")


def _seen_plan(user, within=None):
    """``(wide, rest_q)``: what ``Issue.objects.visible_to(user, within=within)`` is, as the
    tallied region subtrees ``wide`` (paths at 街道 level or above; None: everywhere) and
    ``rest_q``, the issues seen besides them (their units', 包保 sites', deeper regions'; None:
    none) — or None when the person sees no region the tallies keep."""
    seen = visibility(user, within=within)  # what Issue.objects.visible_to filters by
    if seen.everything:
        return None, None
    wide = [p for p in seen.region_paths if depth(p) <= TALLY_DEPTH]
    if not wide:
        return None
    rest = Visibility(
        region_paths=tuple(p for p in seen.region_paths if p not in wide),
        unit_ids=seen.unit_ids,
        site_ids=seen.site_ids,
    )
    return wide, (rest.q() if rest.region_paths or rest.unit_ids or rest.site_ids else None)


def seen_in_states(user, states):
    """``{state: n}`` of the issues ``user`` sees (``visible_to``) in each of ``states`` — the
    queues 需要我处理 counts (待核查, 待受理): from the state tally for the person's regions at
    街道 level or wider (a city supervisor's 待受理 read 45,000 issues at 1,000,000), plus a
    GROUP BY over what they see besides those regions; a person who sees no such region (unit
    people, a 社区's supervisor) has the GROUP BY over their issues."""
    states = list(states)
    plan = _seen_plan(user)
    if plan is None:
        rows = Issue.objects.visible_to(user).filter(state__in=states)
        return _by_state(rows, states)
    wide, rest_q = plan
    tallied = IssueTally.objects.filter(state__in=states)
    if wide is not None:
        tallied = tallied.filter(_tally_paths_q(wide))
    counts = dict.fromkeys(states, 0)
    counts.update(tallied.values_list("state").annotate(n=Sum("n")).order_by())
    if rest_q is not None:
        rest = _by_state(Issue.objects.filter(rest_q).exclude(_paths_q(wide)).filter(state__in=states), states)
        counts = {state: n + rest[state] for state, n in counts.items()}
    return counts


def _by_state(rows, states):
    return dict.fromkeys(states, 0) | dict(rows.values_list("state").annotate(n=Count("id")).order_by())
