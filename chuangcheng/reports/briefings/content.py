"""A briefing's snapshot: everything it shows, as JSON-ready data, computed once when it is built.

The figures, the ranking and the regions are :meth:`figures.FigureSet.as_dict` — the same JSON
the dashboard's ranking section answers. The rest are lists (overdue by unit, 负面清单, 反弹,
tasks due next), 典型问题 with their before/after photos, and the period's issues by 点位 type and
by 测评指标 (the figures grouped another way, through the same predicates).
"""

from django.conf import settings
from django.db.models import Case, F, IntegerField, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.org.models import SiteType
from inspections.models import CLOCK_STATES, IssueAction, Photo, PhotoKind, Severity
from tasks.models import TaskState

from .. import contributions, figures, periods
from ..figures import predicates
from ..figures.sets import kind_figures, region_bucket, shared_districts, shared_scope, sum_by
from . import words

VERSION = 2
ISSUE_COLUMNS = ("pk", "category__name", "address", "region__name", "responsible_unit__name", "severity", "state")
SEVERITY_ORDER = Case(
    When(severity=Severity.NEGATIVE_LIST, then=Value(0)),
    When(severity=Severity.SEVERE, then=Value(1)),
    When(severity=Severity.SERIOUS, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def _setting(name, default):
    return getattr(settings, name, default)


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def _scope_path(campaign, region):
    return None if region.pk == campaign.region_id else region.path


def _issue_item(row, **extra):
    return {
        "id": row["pk"],
        "category": row["category__name"],
        "address": row["address"],
        "region": row["region__name"],
        "unit": row["responsible_unit__name"],
        "severity": row["severity"],
        "state": row["state"],
        **extra,
    }


# --- lists ----------------------------------------------------------------------------------------


def _first(issues, order, limit, columns, partition=()):
    """``values(*columns)`` of the first ``limit`` issues in ``order`` (field names, ascending,
    ``pk`` last) — within each value of ``partition`` (field names) when given: a window
    numbering the rows of each picks the issues by what it orders and partitions on alone
    (served from an index where one covers them), then one read by id fetches their columns."""
    if not partition:
        return list(issues.order_by(*order).values(*columns)[:limit])
    ranked = issues.annotate(_n=Window(RowNumber(), partition_by=[F(p) for p in partition], order_by=list(order)))
    picked = list(ranked.filter(_n__lte=limit).order_by(*partition, "_n").values("pk", *partition))
    rows = {row["pk"]: row for row in issues.filter(pk__in=[p["pk"] for p in picked]).order_by().values(*columns)}
    return [{**rows[p["pk"]], **p} for p in picked]


def _merged(rows, order, limit, per=None):
    """The first ``limit`` of ``rows`` in ``order`` — within each value of ``per`` when given —
    as the database orders them (ascending, empty values last)."""
    firsts = {}
    for row in sorted(rows, key=lambda r: tuple((r[k] is None, r[k]) for k in order)):
        group = firsts.setdefault(row[per] if per else None, [])
        if len(group) < limit:
            group.append(row)
    return [row for group in firsts.values() for row in group]


def _listed(shared, memo, campaign, region, select, order, limit, columns, per=None):
    """The rows of a list: ``values(*columns)`` of the first ``limit`` of ``select(issues)`` in
    ``order`` (within each value of the field ``per`` when given) for ``region``.

    In a build of several regions (``shared``: the dict each build of one period is given),
    the whole territory is read once, ranked per district, and split by the district each row
    falls in: a district takes its own part (its issues are those whose region path starts with
    its own), the territory the first of all parts merged — the same rows as their own reads."""
    partition = (per,) if per else ()
    scope_path = _scope_path(campaign, region)
    once, district = shared_scope(campaign, scope_path, shared)
    if not once:
        return _first(select(predicates.issues_of(campaign, scope_path)), order, limit, columns, partition)
    memo = (*memo, campaign.pk)
    if memo not in shared:
        districts = shared_districts(campaign, shared)
        issues = predicates.issues_of(campaign).annotate(_district=region_bucket("region__path", districts))
        split = {}
        for row in _first(select(issues), order, limit, columns, ("_district", *partition)):
            split.setdefault(row.pop("_district"), []).append(row)
        shared[memo] = split
    if scope_path is None:
        return _merged([row for rows in shared[memo].values() for row in rows], order, limit, per)
    return shared[memo].get(district, [])


def overdue_by_unit(campaign, region, bounds, counts, shared=None):
    """超期未改 by unit: every unit with overdue issues (the count from the figures), and its most
    overdue ones still open when the briefing was built (``BRIEFING_OVERDUE_PER_UNIT``)."""
    rows = _listed(
        shared,
        ("overdue_by_unit", bounds.as_of),
        campaign,
        region,
        lambda issues: issues.filter(predicates.issues_overdue_open(bounds.as_of)),
        ("rectification_deadline", "pk"),
        _setting("BRIEFING_OVERDUE_PER_UNIT", 3),
        (*ISSUE_COLUMNS, "responsible_unit_id", "rectification_deadline"),
        per="responsible_unit_id",
    )
    items = {}
    for row in rows:
        days = (bounds.as_of - row["rectification_deadline"]).days
        items.setdefault(row["responsible_unit_id"], []).append(
            _issue_item(row, deadline=_iso(row["rectification_deadline"]), days_overdue=days)
        )
    out = [
        {"unit_id": unit_id, "unit": name, "count": n, "issues": items.get(unit_id, [])}
        for unit_id, name, n in counts
        if n
    ]
    return sorted(out, key=lambda u: (-u["count"], u["unit"]))


def negative_list_items(campaign, region, bounds, limit, shared=None):
    """负面清单 (立行立改) issues assigned in the period, and older ones still overdue."""
    rows = _listed(
        shared,
        ("negative_list", bounds.start, bounds.end, bounds.as_of, limit),
        campaign,
        region,
        lambda issues: issues.filter(severity=Severity.NEGATIVE_LIST).filter(
            predicates.issues_assigned(bounds) | predicates.issues_overdue_open(bounds.as_of)
        ),
        ("assigned_at", "pk"),
        limit,
        (*ISSUE_COLUMNS, "assigned_at", "rectification_deadline", "closed_at"),
    )
    return [
        _issue_item(
            r,
            assigned_at=_iso(r["assigned_at"]),
            deadline=_iso(r["rectification_deadline"]),
            closed_at=_iso(r["closed_at"]),
            overdue=bool(
                r["state"] in CLOCK_STATES
                and r["rectification_deadline"]
                and r["rectification_deadline"] < bounds.as_of
            ),
        )
        for r in rows
    ]


def recurrence_items(campaign, region, bounds, limit):
    """反弹: issues reopened in the period."""
    events = predicates.events_of(campaign, _scope_path(campaign, region)).filter(
        action=IssueAction.REOPEN, created_at__gte=bounds.start, created_at__lt=bounds.end
    )
    columns = {c: f"issue__{c}" if c != "pk" else "issue_id" for c in ISSUE_COLUMNS}
    rows = events.order_by("created_at", "pk").values("created_at", "comment", *columns.values())[:limit]
    return [
        _issue_item(
            {c: r[v] for c, v in columns.items()}, reopened_at=_iso(r["created_at"]), comment=r["comment"][:200]
        )
        for r in rows
    ]


def tasks_due_next(campaign, region, kind, period_end, limit):
    """Tasks not done whose deadline falls in the next period (measured tasks, as in the figures),
    numbered 1, 2, 3… (序号) with the ledger's own number (任务编号) beside it when it has one."""
    start, end = periods.next_period(kind, period_end)
    tasks = (
        predicates.tasks_of(campaign, _scope_path(campaign, region))
        .filter(predicates.tasks_due(start, end))
        .exclude(state=TaskState.DONE)
    )
    rows = tasks.order_by("deadline", "pk").values(
        "pk", "number", "title", "owner_unit__name", "deadline", "progress", "state"
    )
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "items": [
            {
                "seq": i,
                "id": r["pk"],
                "number": r["number"],
                "title": r["title"],
                "unit": r["owner_unit__name"],
                "deadline": r["deadline"].isoformat(),
                "progress": r["progress"],
                "state": r["state"],
            }
            for i, r in enumerate(rows[:limit], 1)
        ],
    }


# --- 典型问题 ------------------------------------------------------------------------------------


def _photos(issue_ids):
    """``{issue id: {"before": photo, "after": photo}}`` — the first before-photo and the last
    after-photo of each issue (one query)."""
    out = {}
    photos = Photo.objects.filter(issue_id__in=issue_ids, kind__in=[PhotoKind.BEFORE, PhotoKind.AFTER]).order_by(
        "created_at", "pk"
    )
    for p in photos.values("pk", "issue_id", "kind", "file"):
        slot = out.setdefault(p["issue_id"], {})
        if p["kind"] == PhotoKind.BEFORE and "before" in slot:
            continue
        slot[p["kind"]] = {"id": p["pk"], "file": p["file"]}
    return out


def typical_issues(campaign, region, bounds, limit=None, shared=None):
    """典型问题: the worst open items (overdue at the end of the period, 负面清单 and 严重 first,
    longest overdue first) and the best closed ones (closed on time in the period, most severe
    and quickest first), each with its before/after photos."""
    limit = limit or _setting("BRIEFING_TYPICAL_COUNT", 3)
    columns = (*ISSUE_COLUMNS, "description", "rectification_deadline", "assigned_at", "closed_at", "measures")
    memo = ("typical", bounds.start, bounds.end, bounds.as_of, limit)
    worst = _listed(
        shared,
        (*memo, "worst"),
        campaign,
        region,
        lambda issues: issues.filter(predicates.issues_overdue_open(bounds.as_of)).annotate(_sev=SEVERITY_ORDER),
        ("_sev", "rectification_deadline", "pk"),
        limit,
        (*columns, "_sev"),
    )
    best = _listed(
        shared,
        (*memo, "best"),
        campaign,
        region,
        lambda issues: issues.filter(predicates.issues_closed_on_time(bounds)).annotate(
            _sev=SEVERITY_ORDER, _took=F("closed_at") - F("assigned_at")
        ),
        ("_sev", "_took", "pk"),
        limit,
        (*columns, "_sev", "_took"),
    )
    photos = _photos([r["pk"] for r in worst + best])

    def item(row, kind):
        days = (bounds.as_of - row["rectification_deadline"]).days if kind == "worst" else None
        return _issue_item(
            row,
            kind=kind,
            description=row["description"][:200],
            measures=(row["measures"] or "")[:200],
            deadline=_iso(row["rectification_deadline"]),
            closed_at=_iso(row["closed_at"]),
            days_overdue=days,
            photos=photos.get(row["pk"], {}),
        )

    return {"worst": [item(r, "worst") for r in worst], "best": [item(r, "best") for r in best]}


# --- breakdowns -------------------------------------------------------------------------------------

BREAKDOWN_KEYS = ("issues_assigned", "issues_closed", "issues_due", "on_time_rate", "issues_overdue_open")


def _breakdown_row(key, name, f, *extra):
    row = {"key": key, "name": name, **{k: getattr(f, k) for k in BREAKDOWN_KEYS}}
    for k in extra:
        row[k] = getattr(f, k)
    return row


def breakdown_cells(campaign, region, period_start, period_end, now, shared=None):
    """The period's figures by (点位 type, indicator) for the briefing's two breakdowns:
    :func:`figures.sets.kind_figures` of the region's scope."""
    return kind_figures(campaign, period_start, period_end, _scope_path(campaign, region), now, shared)


def by_site_type(cells):
    """The period's issues by 点位 type (issues at no 测评点位 last), from :func:`breakdown_cells`."""
    labels = dict(SiteType.choices)
    by_type = sum_by(cells, 0)
    rows = [
        _breakdown_row(k, str(labels.get(k, k)), f)
        for k, f in by_type.items()
        if k and any(getattr(f, x) for x in BREAKDOWN_KEYS if x != "on_time_rate")
    ]
    rows.sort(key=lambda r: (-r["issues_overdue_open"], -r["issues_assigned"], r["name"]))
    none = by_type.get(None)
    if none is not None and (none.issues_assigned or none.issues_overdue_open or none.issues_due):
        rows.append(_breakdown_row("", _("非测评点位"), none))
    return rows


def by_indicator(cells, limit=20):
    """The period's issues and overdue tasks by 测评指标 (a task counts under each of its
    indicators), the most overdue first, and those linked to none last, from
    :func:`breakdown_cells`."""
    from chuangcheng.campaigns.models import Indicator

    by_ind = sum_by(cells, 1)
    names = {i["pk"]: i for i in Indicator.objects.filter(pk__in=[k for k in by_ind if k]).values("pk", "code", "name")}
    rows = [
        _breakdown_row(k, f"{names[k]['code']} {names[k]['name']}", f, "tasks_overdue")
        for k, f in by_ind.items()
        if k in names and (f.issues_assigned or f.issues_overdue_open or f.issues_due or f.tasks_overdue)
    ]
    rows.sort(key=lambda r: (-(r["issues_overdue_open"] + r["tasks_overdue"]), -r["issues_assigned"], r["name"]))
    rows = rows[:limit]
    none = by_ind.get(None)  # issues and tasks linked to no indicator: the table adds up to the totals
    if none is not None and (none.issues_assigned or none.issues_overdue_open or none.issues_due or none.tasks_overdue):
        rows.append(_breakdown_row("", _("未关联测评指标"), none, "tasks_overdue"))
    return rows


# --- the snapshot -----------------------------------------------------------------------------------


def briefing_content(campaign, kind, period_start, period_end, region, *, now=None, shared=None):
    """Everything a briefing shows, as JSON-ready data. ``has_content`` is false for a period
    and region with nothing to report (no issue or task figure, no list item). ``shared``: a
    dict passed to every build of one run (several regions of a period), for reads they share."""
    now = now or timezone.now()
    scope = None if region.pk == campaign.region_id else region
    limit = _setting("BRIEFING_LIST_LIMIT", 100)
    fs = figures.figure_set(campaign, period_start, period_end, scope, now=now, shared=shared)
    prev_start, prev_end = periods.previous_period(kind, period_start)
    previous = figures.total_figures(campaign, prev_start, prev_end, scope, now=now, shared=shared)
    b = periods.bounds(period_start, period_end, now=now)
    snapshot = fs.as_dict()
    flags = snapshot["flags"]
    counts = [(r.key, r.name, r.figures.issues_overdue_open) for r in fs.units]
    breakdowns = breakdown_cells(campaign, region, period_start, period_end, now, shared)
    content = {
        "version": VERSION,
        "issuer": words.issuer_name(campaign, region),
        "campaign": {"id": campaign.pk, "name": campaign.name},
        "scope": {"id": region.pk, "name": region.name, "city_wide": scope is None},
        "kind": kind,
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "previous_period": {"start": prev_start.isoformat(), "end": prev_end.isoformat()},
        "as_of": _iso(b.as_of),
        "built_at": _iso(now),
        "summary": words.summary_text(kind, fs.totals, previous, flags["red"], flags["black"]),
        **snapshot,
        "previous": previous.as_dict(),
        "unranked_count": sum(1 for r in fs.units if not r.ranked),
        "overdue_by_unit": overdue_by_unit(campaign, region, b, counts, shared),
        "negative_list": negative_list_items(campaign, region, b, limit, shared),
        "recurrences": recurrence_items(campaign, region, b, limit),
        "tasks_due_next": tasks_due_next(campaign, region, kind, period_end, limit),
        "typical": typical_issues(campaign, region, b, shared=shared),
        "by_site_type": by_site_type(breakdowns),
        "by_indicator": by_indicator(breakdowns),
        # 档案资料, 约谈问责与表扬…: sections registered by the apps above this layer.
        "contributed": contributions.briefing_sections(campaign, kind, region, period_start, period_end),
    }
    content["has_content"] = bool(
        fs.totals.has_activity
        or any(t["rows"] for section in content["contributed"] for t in section["tables"])
        or content["negative_list"]
        or content["recurrences"]
        or content["tasks_due_next"]["items"]
    )
    return content
