"""Dashboard selectors (总览, 领导视图, 单位视图): plain dicts, the same for the pages, the JSON API
(/api/v1/dashboard/) and the .xlsx exports.

Two sources, by what each number needs:

- **period figures** (the headline, the unit ranking, the regions of a period) come from
  :mod:`chuangcheng.reports.figures` — the same functions the briefings snapshot, so the
  dashboard and the briefing of a period and scope cannot disagree. At a million issues a
  figure set takes seconds, so it is cached per (scope, period) and warmed by the
  ``reports.refresh_daily_stats`` job for the city and each district;
- **series and breakdowns** (trend, backlog, drill-down, category, severity, weak spots) read
  :class:`~chuangcheng.reports.models.DailyStat` rows (:mod:`stats`): one row per day and
  region, however many issues there are.

Every section is cached for a short time per (campaign, region); a cache that fails (Redis
down) is skipped, never fatal. Who may see which region is decided here, from
:func:`~chuangcheng.org.scoping.scope_for`; callers turn :class:`OutOfScope` into a 404.
"""

import datetime as dt
import logging

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.models import Region, RegionLevel, Unit
from chuangcheng.org.scoping import scope_for
from inspections.models import CLOCK_STATES, OPEN_STATES, Issue, IssueCategory, Severity
from tasks.models import Task, TaskState

from . import figures, periods, stats
from .models import Briefing, BriefingKind, StatDimension

logger = logging.getLogger(__name__)

try:  # the errors a cache backend raises when its server is away
    from redis.exceptions import RedisError

    CACHE_ERRORS = (OSError, RedisError)
except ImportError:  # pragma: no cover - redis is a dependency
    CACHE_ERRORS = (OSError,)

SECTION_SECONDS = 60  # trend, breakdowns, lists: at most a minute old
FIGURES_SECONDS = 15 * 60  # period figures: re-warmed by the job every 5 minutes
OVERVIEW_ROLES = ("supervisor", "leader", "admin")
TREND_DAYS = (30, 90)
# 短板: projected point loss if inspected today = the indicator's score × (5% per open issue +
# 10% per overdue issue or overdue task), at most the full score.
LOSS_PER_OPEN, LOSS_PER_OVERDUE = 0.05, 0.10
LIST_LIMIT = 50


class OutOfScope(Exception):
    """The viewer may not see this campaign, region or unit (shown as 404)."""


# --- the cache ----------------------------------------------------------------------------------


def cached(key, compute, seconds=SECTION_SECONDS):
    """``compute()`` through the Django cache; a cache error is logged and the value computed."""
    try:
        value = cache.get(key)
    except CACHE_ERRORS as error:
        logger.warning("dashboard cache read failed: %s", error)
        value = None
    if value is not None:
        return value
    value = compute()
    try:
        cache.set(key, value, seconds)
    except CACHE_ERRORS as error:
        logger.warning("dashboard cache write failed: %s", error)
    return value


def _key(*parts):
    return "dash:v1:" + ":".join(str(p) for p in parts)


# --- who sees what ------------------------------------------------------------------------------


def can_see_overview(user):
    return scope_for(user).has_role(*OVERVIEW_ROLES)


def campaign_for(user, campaign_id=None):
    """The campaign shown: the one asked for (if visible), else the viewer's latest active one."""
    campaigns = Campaign.objects.visible_to(user).select_related("region")
    if campaign_id:
        campaign = campaigns.filter(pk=campaign_id).first()
    else:
        campaign = campaigns.active().order_by("-start_date", "pk").first() or campaigns.order_by("-start_date").first()
    if campaign is None:
        raise OutOfScope
    return campaign


def top_regions(user, campaign):
    """The highest regions of the campaign the viewer sees whole: the city for the office, the
    assigned districts for a leader, a district for its supervisor."""
    scope = scope_for(user)
    if scope.covers_path(campaign.region.path):
        return [campaign.region]
    paths = [p for p in scope.region_paths if p.startswith(campaign.region.path)]
    paths = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(Region.objects.filter(path__in=paths).order_by("code", "name"))


def region_for(user, campaign, region_id=None):
    """The region to show: the one asked for when the viewer's scope covers it, else the first
    top region. Raises :class:`OutOfScope` otherwise."""
    tops = top_regions(user, campaign)
    if not tops:
        raise OutOfScope
    if not region_id:
        return tops[0]
    region = Region.objects.filter(pk=region_id, path__startswith=campaign.region.path).first()
    if region is None or not scope_for(user).covers_path(region.path):
        raise OutOfScope
    return region


def _scope_arg(campaign, region):
    """figures.py's ``scope``: ``None`` for the campaign's whole territory."""
    return None if region.pk == campaign.region_id else region


def as_id(value):
    """An id from a query-string value (``"12"``), else None."""
    return int(value) if value and str(value).isdigit() else None


def resolve(user, campaign_id=None, region_id=None):
    """The campaign and region a viewer asked for (raw query values) and may see; raises
    :class:`OutOfScope`. Pages answer it with 404, the API too."""
    campaign = campaign_for(user, as_id(campaign_id))
    return campaign, region_for(user, campaign, as_id(region_id))


def unit_for(user, unit_id, campaign_id=None, *, now=None):
    """``(unit, unit_view(...))`` of the unit asked for; raises :class:`OutOfScope` for a unit
    that does not exist or that the viewer may not see."""
    unit = Unit.objects.filter(pk=as_id(unit_id)).select_related("region").first()
    if unit is None:
        raise OutOfScope
    campaign = campaign_for(user, as_id(campaign_id))
    return unit, unit_view(user, campaign, unit, now=now)


def breadcrumbs(user, campaign, region):
    """The path from the viewer's top region down to ``region``: ``[{id, name}]``."""
    scope = scope_for(user)
    ids = [int(p) for p in region.path.strip("/").split("/") if p]
    by_id = Region.objects.in_bulk(ids)
    chain = [by_id[i] for i in ids if i in by_id and by_id[i].path.startswith(campaign.region.path)]
    return [{"id": r.pk, "name": r.name} for r in chain if scope.covers_path(r.path)]


# --- sections -----------------------------------------------------------------------------------


def _today(now):
    return timezone.localtime(now).date()


def countdown(campaign, now):
    days = (campaign.target_date - _today(now)).days
    return {"target_date": campaign.target_date.isoformat(), "days_left": days}


HEADLINE = (  # (key, label, source, attribute, unit, higher is better)
    ("issues_in_hand", _lazy("在办问题"), "issues_in_hand", "", False),
    ("issues_overdue_open", _lazy("超期未改"), "issues_overdue_open", "", False),
    ("issues_closed", _lazy("本周销号"), "issues_closed", "", True),
    ("on_time_rate", _lazy("按期销号率"), "on_time_rate", "%", True),
    ("rework_rate", _lazy("返工率"), "rework_rate", "%", False),
    ("tasks_done", _lazy("本周完成任务"), "tasks_done", "", True),
    ("tasks_overdue", _lazy("超期未完成任务"), "tasks_overdue", "", False),
    ("tasks_lagging", _lazy("进度滞后任务"), "tasks_lagging", "", False),
)


def week_to_date(now):
    today = _today(now)
    monday = periods.period_for(periods.WEEKLY, today)[0]
    return monday, today


def headline(campaign, region, now):
    """This week so far against the same days of last week (figures.py, both as of their own
    "now"), so a Wednesday is compared with last Wednesday, not with a whole week."""
    monday, today = week_to_date(now)
    week = dt.timedelta(days=7)
    scope = _scope_arg(campaign, region)

    def compute():
        this = figures.total_figures(campaign, monday, today, scope, now=now)
        last = figures.total_figures(campaign, monday - week, today - week, scope, now=now - week)
        return {"this": this.as_dict(), "last": last.as_dict()}

    pair = cached(_key(campaign.pk, region.pk, "headline", today, now.hour), compute, FIGURES_SECONDS)
    items = []
    for key, label, attr, unit, higher_better in HEADLINE:
        value, before = pair["this"][attr], pair["last"][attr]
        change = None if value is None or before is None else round(value - before, 2)
        items.append(
            {
                "key": key,
                "label": str(label),
                "value": value,
                "previous": before,
                "change": change,
                "unit": unit,
                "better": None if not change else (change > 0) == higher_better,
            }
        )
    return {"period": {"start": monday.isoformat(), "end": today.isoformat()}, "items": items}


def period_figures(campaign, region, period_start, period_end, now):
    """The figure set of a period as the briefing snapshots it: totals, regions and the unit
    ranking by group (with red/black flags), built exactly as ``briefing_content`` builds them."""

    def compute():
        fs = figures.figure_set(campaign, period_start, period_end, _scope_arg(campaign, region), now=now)
        ranking = [
            {"group": group, "label": str(label), "rows": [r.as_dict() for r in fs.ranking(group)]}
            for group, label in fs.groups()
        ]
        return {
            "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
            "totals": fs.totals.as_dict(),
            "regions": [r.as_dict() for r in fs.regions],
            "ranking": ranking,
            "flags": {
                "red": [r["name"] for g in ranking for r in g["rows"] if r["flag"] == "red"],
                "black": [r["name"] for g in ranking for r in g["rows"] if r["flag"] == "black"],
            },
        }

    ended = period_end < _today(now)  # a finished period's figures only change with late edits
    bucket = "final" if ended else f"{_today(now)}:{now.hour}"
    return cached(_key(campaign.pk, region.pk, "period", period_start, period_end, bucket), compute, FIGURES_SECONDS)


def ranking_period(now):
    """The unit ranking shows the last finished week: the period of the last weekly briefing."""
    return periods.last_finished_period(periods.WEEKLY, _today(now))


def trend(campaign, region, now, days=30):
    days = days if days in TREND_DAYS else TREND_DAYS[0]
    today = _today(now)
    start = today - dt.timedelta(days=days - 1)
    return cached(
        _key(campaign.pk, region.pk, "trend", days, today),
        lambda: {"days": days, **stats.trend(campaign, region, start, today)},
    )


def breakdown(campaign, region, now, days=30):
    """The child regions (district → street → community): reported and closed over the last
    ``days`` days, in hand and overdue now; ranked by overdue, then in hand."""
    today = _today(now)
    start = today - dt.timedelta(days=days - 1)

    def compute():
        children = list(Region.objects.filter(parent=region).exclude(level=RegionLevel.GRID).order_by("code", "name"))
        counts = stats.by_child_region(campaign, region, start, today)
        rows = []
        for child in children:
            c = counts.get(child.pk, {})
            rows.append(
                {
                    "id": child.pk,
                    "name": child.name,
                    "level": child.level,
                    "drill": child.level in (RegionLevel.COUNTY, RegionLevel.TOWN),
                    **_counts(c),
                }
            )
        rows.sort(key=lambda r: (-r["overdue_now"], -r["open_now"], r["name"]))
        return {"days": days, "rows": rows}

    return cached(_key(campaign.pk, region.pk, "breakdown", days, today), compute)


def _counts(c):
    return {
        "reported": c.get("reported", 0),
        "closed": c.get("closed", 0),
        "due": c.get("due", 0),
        "closed_on_time": c.get("closed_on_time", 0),
        "open_now": c.get("open_now", 0),
        "overdue_now": c.get("overdue_now", 0),
    }


def by_category(campaign, region, now, days=30):
    today = _today(now)
    start = today - dt.timedelta(days=days - 1)

    def compute():
        counts = stats.by_slice(campaign, region, StatDimension.CATEGORY, start, today)
        ids = [int(k) for k in counts if k.isdigit()]
        names = dict(IssueCategory.objects.filter(pk__in=ids).values_list("pk", "name"))
        rows = [
            {"key": k, "name": names.get(int(k), k) if k.isdigit() else _("未分类"), **_counts(c)}
            for k, c in counts.items()
        ]
        rows.sort(key=lambda r: (-r["open_now"], -r["reported"], r["name"]))
        return {"days": days, "rows": rows}

    return cached(_key(campaign.pk, region.pk, "category", days, today), compute)


def by_severity(campaign, region, now, days=30):
    today = _today(now)
    start = today - dt.timedelta(days=days - 1)

    def compute():
        counts = stats.by_slice(campaign, region, StatDimension.SEVERITY, start, today)
        rows = [{"key": v, "name": str(label), **_counts(counts.get(v, {}))} for v, label in Severity.choices]
        return {"days": days, "rows": rows}

    return cached(_key(campaign.pk, region.pk, "severity", days, today), compute)


def _tasks_in(campaign, region):
    tasks = Task.objects.filter(campaign=campaign, recurrence="").exclude(state=TaskState.DONE)
    if region.pk != campaign.region_id:
        tasks = tasks.filter(
            Q(region__path__startswith=region.path)
            | Q(region__isnull=True, owner_unit__region__path__startswith=region.path)
        )
    return tasks


def _issues_in(campaign, region):
    issues = Issue.objects.filter(campaign=campaign)
    return issues if region.pk == campaign.region_id else issues.filter(region__path__startswith=region.path)


def _issue_item(row, now):
    deadline = row["rectification_deadline"]
    return {
        "id": row["pk"],
        "category": row["category__name"],
        "address": row["address"],
        "region": row["region__name"],
        "unit": row["responsible_unit__name"],
        "state": row["state"],
        "deadline": timezone.localtime(deadline).isoformat(timespec="minutes") if deadline else None,
        "overdue": bool(deadline and row["state"] in CLOCK_STATES and deadline < now),
    }


ISSUE_COLUMNS = ("pk", "category__name", "address", "region__name", "responsible_unit__name", "state")


def weak_spots(campaign, region, now, limit=15):
    """短板: indicators by projected point loss if inspected today — open and overdue issues
    (summary rows of today) and overdue open tasks against each, weighted by its score;
    negative-list indicators with anything open are pinned on top, with their open issues."""
    today = _today(now)

    def compute():
        counts = stats.by_slice(campaign, region, StatDimension.INDICATOR, today, today)
        overdue_tasks = dict(
            _tasks_in(campaign, region)
            .filter(deadline__lt=today, indicators__isnull=False)
            .values("indicators")
            .annotate(n=Count("id"))
            .values_list("indicators", "n")
        )
        ids = {int(k) for k, c in counts.items() if k.isdigit() and c["open_now"]} | set(overdue_tasks)
        indicators = Indicator.objects.filter(pk__in=ids).values("pk", "code", "name", "max_score", "negative_list")
        rows = []
        for ind in indicators:
            c = counts.get(str(ind["pk"]), {})
            open_now, overdue_now, tasks = (
                c.get("open_now", 0),
                c.get("overdue_now", 0),
                overdue_tasks.get(ind["pk"], 0),
            )
            score = float(ind["max_score"] or 0)
            loss = min(score, score * (LOSS_PER_OPEN * open_now + LOSS_PER_OVERDUE * (overdue_now + tasks)))
            rows.append(
                {
                    "id": ind["pk"],
                    "code": ind["code"],
                    "name": ind["name"],
                    "max_score": score,
                    "negative_list": ind["negative_list"],
                    "open_issues": open_now,
                    "overdue_issues": overdue_now,
                    "overdue_tasks": tasks,
                    "projected_loss": round(loss, 2),
                    "items": [],
                }
            )
        rows.sort(key=lambda r: (not r["negative_list"], -r["projected_loss"], r["code"]))
        pinned = [r["id"] for r in rows if r["negative_list"] and r["open_issues"]]
        if pinned:
            # Each pinned indicator's nearest deadlines, in one query: a UNION ALL of one
            # index range per indicator (insp_issue_open_indicator), not a sort of all of them.
            open_items = _issues_in(campaign, region).filter(state__in=OPEN_STATES)
            parts = [
                open_items.filter(indicator_id=pk)
                .order_by(F("rectification_deadline").asc(nulls_last=True), "pk")
                .values(*ISSUE_COLUMNS, "indicator_id", "rectification_deadline")[:LIST_LIMIT]
                for pk in pinned
            ]
            if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
                items = list(parts[0].union(*parts[1:], all=True))
            else:  # SQLite cannot limit inside a UNION: one short query per pinned indicator
                items = [item for part in parts for item in part]
            by_id = {r["id"]: r for r in rows}
            far = dt.datetime.max.replace(tzinfo=dt.UTC)
            for item in sorted(items, key=lambda i: (i["rectification_deadline"] or far, i["pk"])):
                by_id[item["indicator_id"]]["items"].append(_issue_item(item, now))
        return {"rows": rows[: max(limit, len(pinned))], "definition": weak_spot_definition()}

    return cached(_key(campaign.pk, region.pk, "weak", today), compute)


def weak_spot_definition():
    return _(
        "预计失分 = 指标分值 × （每个在办问题 %(o)s%% ＋ 每个超期问题或超期任务 %(d)s%%），不超过分值；"
        "负面清单指标有在办问题的置顶。在办、超期按每日汇总（最近一次刷新）计。"
    ) % {"o": round(LOSS_PER_OPEN * 100), "d": round(LOSS_PER_OVERDUE * 100)}


def negative_list(campaign, region, now):
    """负面清单 issues open right now (any open state), most urgent first."""

    def compute():
        open_items = _issues_in(campaign, region).filter(severity=Severity.NEGATIVE_LIST, state__in=OPEN_STATES)
        rows = open_items.order_by(F("rectification_deadline").asc(nulls_last=True), "pk").values(
            *ISSUE_COLUMNS, "rectification_deadline"
        )
        items = [_issue_item(r, now) for r in rows[:LIST_LIMIT]]
        return {"count": len(items) if len(items) < LIST_LIMIT else open_items.count(), "items": items}

    return cached(_key(campaign.pk, region.pk, "negative", _today(now), now.minute // 5), compute)


SECTIONS = {
    "headline": lambda c, r, now, p: headline(c, r, now),
    "trend": lambda c, r, now, p: trend(c, r, now, p.get("days", 30)),
    "breakdown": lambda c, r, now, p: breakdown(c, r, now, p.get("days", 30)),
    "categories": lambda c, r, now, p: by_category(c, r, now, p.get("days", 30)),
    "severities": lambda c, r, now, p: by_severity(c, r, now, p.get("days", 30)),
    "ranking": lambda c, r, now, p: period_figures(c, r, *(p.get("period") or ranking_period(now)), now),
    "weak_spots": lambda c, r, now, p: weak_spots(c, r, now),
    "negative_list": lambda c, r, now, p: negative_list(c, r, now),
}


def overview(user, campaign, region, *, now=None, sections=None, params=None):
    """The overview of ``region`` (already checked with :func:`region_for`), section by section."""
    now = now or timezone.now()
    params = params or {}
    out = {
        "campaign": {"id": campaign.pk, "name": campaign.name, **countdown(campaign, now)},
        "scope": {
            "id": region.pk,
            "name": region.name,
            "level": region.level,
            "city_wide": region.pk == campaign.region_id,
            "breadcrumbs": breadcrumbs(user, campaign, region),
        },
        "as_of": timezone.localtime(now).isoformat(timespec="minutes"),
    }
    for name in sections or SECTIONS:
        out[name] = SECTIONS[name](campaign, region, now, params)
    return out


def forget(campaign, region, now=None):
    """Drop the short-lived section caches of a region (tests and the benchmark)."""
    now = now or timezone.now()
    today = _today(now)
    keys = [
        _key(campaign.pk, region.pk, name, d, today)
        for name in ("trend", "breakdown", "category", "severity")
        for d in TREND_DAYS
    ]
    keys += [
        _key(campaign.pk, region.pk, "weak", today),
        _key(campaign.pk, region.pk, "negative", today, now.minute // 5),
    ]
    try:
        cache.delete_many(keys)
    except CACHE_ERRORS as error:
        logger.warning("dashboard cache delete failed: %s", error)


def warm(campaign, *, now=None):
    """Compute the period figures of the city and each district into the cache (the job)."""
    now = now or timezone.now()
    regions = [campaign.region, *Region.objects.filter(parent=campaign.region).order_by("code")]
    for region in regions:
        key_now = now
        try:
            cache.delete_many(
                [
                    _key(campaign.pk, region.pk, "headline", _today(now), now.hour),
                    _key(campaign.pk, region.pk, "period", *ranking_period(now), "final"),
                ]
            )
        except CACHE_ERRORS:
            return
        headline(campaign, region, key_now)
        period_figures(campaign, region, *ranking_period(now), key_now)


# --- leader and unit views ----------------------------------------------------------------------


def leader_extras(user, campaign, now=None):
    """What a leader has on top of the overview: escalations sent to them and their tasks."""
    from chuangcheng.notifications.models import Notice

    now = now or timezone.now()
    today = _today(now)
    scope = scope_for(user)
    escalations = Notice.objects.filter(recipient=user, kind="escalation").order_by("-created_at")
    tasks = (
        Task.objects.filter(campaign=campaign)
        .filter(Q(responsible_leader=user) | Q(pk__in=scope.task_ids))
        .exclude(state=TaskState.DONE)
        .select_related("owner_unit")
        .order_by("deadline", "pk")
    )
    return {
        "escalations": [
            {"title": n.title, "url": n.url, "created_at": timezone.localtime(n.created_at).isoformat(timespec="minutes"),
             "read": n.read_at is not None}
            for n in escalations[:20]
        ],
        "tasks": [
            {"id": t.pk, "title": t.title, "unit": t.owner_unit.name, "deadline": t.deadline.isoformat(),
             "progress": t.progress, "overdue": t.deadline < today}
            for t in tasks[:20]
        ],
    }  # fmt: skip


UNIT_COMPARE_LABELS = {
    "score": _lazy("综合得分"),
    "on_time_rate": _lazy("按期销号率"),
    "not_overdue_rate": _lazy("在办问题未超期率"),
    "rework_rate": _lazy("返工率"),
    "issues_overdue_open": _lazy("超期未改"),
    "tasks_overdue": _lazy("超期未完成任务"),
}


def units_headed(user):
    """The units whose head (or staff) the viewer is: a unit view each."""
    scope = scope_for(user)
    return list(Unit.objects.filter(pk__in=scope.unit_ids, is_active=True).order_by("level", "name"))


def unit_view(user, campaign, unit, *, now=None):
    """A unit against the average of comparable units (same kind and level, city-wide) over
    the last finished week, its overdue issues and tasks, and its rank in past weekly briefings."""
    scope = scope_for(user)
    if not (scope.sees_all or unit.pk in scope.unit_ids or scope.covers_path(unit.region.path)):
        raise OutOfScope
    now = now or timezone.now()
    start, end = ranking_period(now)
    period = period_figures(campaign, campaign.region, start, end, now)
    rows = [r for g in period["ranking"] for r in g["rows"]]
    mine = next((r for r in rows if r["key"] == unit.pk), None)
    group = f"{unit.kind}:{unit.level}"
    peers = [r for g in period["ranking"] if g["group"] == group for r in g["rows"]]
    compared = []
    for key in UNIT_COMPARE_LABELS:
        values = [r[key] for r in peers if r[key] is not None]
        compared.append(
            {
                "key": key,
                "label": str(UNIT_COMPARE_LABELS[key]),
                "value": mine[key] if mine else None,
                "average": round(sum(values) / len(values), 2) if values else None,
            }
        )
    overdue_issues = (
        Issue.objects.filter(campaign=campaign, responsible_unit=unit)
        .overdue(now)
        .order_by(F("rectification_deadline").asc(nulls_last=True), "pk")
        .values(*ISSUE_COLUMNS, "rectification_deadline")
    )
    overdue_tasks = Task.objects.filter(campaign=campaign, owner_unit=unit).overdue(_today(now)).order_by("deadline")
    history = []
    briefings = Briefing.objects.filter(campaign=campaign, kind=BriefingKind.WEEKLY, region=campaign.region).order_by(
        "-period_end"
    )[:12]
    for b in briefings:
        row = next((r for g in b.content.get("ranking", []) for r in g["rows"] if r["key"] == unit.pk), None)
        history.append(
            {
                "briefing": b.pk,
                "document_number": b.document_number,
                "period_end": b.period_end.isoformat(),
                "rank": row["rank"] if row else None,
                "ranked_among": row["ranked_among"] if row else None,
                "score": row["score"] if row else None,
                "flag": row["flag"] if row else "",
            }
        )
    return {
        "campaign": {"id": campaign.pk, "name": campaign.name, **countdown(campaign, now)},
        "unit": {"id": unit.pk, "name": unit.name, "group": group},
        "period": period["period"],
        "row": mine,
        "peers": len(peers),
        "compared": compared,
        "overdue_issues": [_issue_item(r, now) for r in overdue_issues[:LIST_LIMIT]],
        "overdue_tasks": [
            {"id": t.pk, "title": t.title, "deadline": t.deadline.isoformat(), "progress": t.progress}
            for t in overdue_tasks[:LIST_LIMIT]
        ],
        "rank_history": list(reversed(history)),
    }
