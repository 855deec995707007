"""The overview's sections (总览): plain dicts, the same for the page, the JSON API
(/api/v1/dashboard/) and the .xlsx export. Every number is a figure of
:mod:`chuangcheng.reports.figures`, read from one of two places:

- **period figures** (the headline, the unit ranking, a period's regions) — :func:`figures.
  figure_set` / :func:`figures.total_figures`, the functions the briefings snapshot, so the
  dashboard and the briefing of a period and scope cannot disagree; cached per (scope, period)
  and warmed by the ``reports.refresh_daily_stats`` job for the city and each district;
- **series and breakdowns** (trend, drill-down, categories, severities, weak spots) — the daily
  summary rows (:mod:`chuangcheng.reports.stats`), whose flows and end-of-day backlog use the
  same predicates.

Reading a figure from somewhere else (aggregates kept by the writes) changes these functions,
never what a figure means.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Indicator
from chuangcheng.org.models import Region, RegionLevel
from inspections.counting import tally_counts
from inspections.models import IssueCategory, Severity

from .. import contributions, figures, periods, stats
from ..figures import predicates
from ..models import StatDimension
from . import cache, present
from .present import today

TREND_DAYS = (30, 90)
# 短板: projected point loss if inspected today = the indicator's score × (5% per unclosed issue +
# 10% per overdue issue or overdue task), at most the full score.
LOSS_PER_OPEN, LOSS_PER_OVERDUE = 0.05, 0.10
LIST_LIMIT = 50


def scope_arg(campaign, region):
    """figures' ``scope``: ``None`` for the campaign's whole territory."""
    return None if region.pk == campaign.region_id else region


def week_to_date(now):
    day = today(now)
    return periods.period_for(periods.WEEKLY, day)[0], day


def headline(campaign, region, now):
    """This week so far against the same days of last week, so a Wednesday is compared with last
    Wednesday, not with a whole week: this week's backlog as of now, last week's as of the top
    of this hour a week ago (an hourly snapshot, :mod:`chuangcheng.reports.backlog`)."""
    monday, day = week_to_date(now)
    week = dt.timedelta(days=7)
    scope = scope_arg(campaign, region)

    def compute():
        this = figures.total_figures(campaign, monday, day, scope, now=now)
        last_moment = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) - week
        last = figures.total_figures(campaign, monday - week, day - week, scope, now=last_moment)
        return {"this": this.as_dict(), "last": last.as_dict()}

    # Five minutes at most behind the writes (it is read from the kept counts: ~0.2 s cold at 1M
    # issues), whether or not the warming job runs — the page says 每 5 分钟刷新.
    bucket = (day, now.hour, now.minute // 5)
    pair = cache.cached(cache.key(campaign.pk, region.pk, "headline", *bucket), compute, cache.FIGURES_SECONDS)
    definitions = present.definitions_of([k for k, *_rest in present.HEADLINE])
    items = present.headline_items(pair, definitions)
    for figure in contributions.figures():  # e.g. 材料完成率 (dossiers): as of now, not by week
        definitions[figure.key] = {**figure.definition(), "key": figure.key}
        items.append(present.contributed_item(figure, figure.compute(campaign, region), definitions[figure.key]))
    return {
        "period": {"start": monday.isoformat(), "end": day.isoformat()},
        "items": items,
        "definitions": definitions,
    }


def period_figures(campaign, region, period_start, period_end, now):
    """The figure set of a period as the briefing snapshots it: totals, regions and the unit
    ranking by group (with red/black flags and who is not ranked), built as ``briefing_content``
    builds them."""

    period = {"start": period_start.isoformat(), "end": period_end.isoformat()}

    def compute():
        if ended and (snapshot := briefed_figures(campaign, region, period_start, period_end)) is not None:
            return {"period": period, **snapshot}
        fs = figures.figure_set(campaign, period_start, period_end, scope_arg(campaign, region), now=now)
        return {"period": period, **fs.as_dict()}

    ended = period_end < today(now)  # a finished period's figures only change with late edits
    bucket = "final" if ended else f"{today(now)}:{now.hour}"
    value = cache.cached(
        cache.key(campaign.pk, region.pk, "period", period_start, period_end, bucket), compute, cache.FIGURES_SECONDS
    )
    # The groups' names and the definitions in the reader's language: the cached (or briefed)
    # set holds the words of whoever computed it. The definitions are written again from the
    # scoring rule the set was computed with (snapshotted with it), so the numbers in them stay.
    labels = dict(figures.unit_groups())
    ranking = [{**g, "label": str(labels.get(g["group"], g["label"]))} for g in value["ranking"]]
    return {**value, "ranking": ranking, "definitions": _definitions_of(value.get("scoring"), value["definitions"])}


def _definitions_of(scoring, stored):
    known = {f.name for f in dataclasses.fields(figures.Scoring)}
    if not isinstance(scoring, dict) or not set(scoring) <= known:
        return stored  # an older snapshot's rule: its own words
    return {k: d.as_dict() for k, d in figures.definitions(figures.Scoring(**scoring)).items()}


FIGURE_SET_KEYS = ("totals", "regions", "ranking", "flags", "scoring", "definitions")


def briefed_figures(campaign, region, period_start, period_end):
    """The figure set of a finished week as its weekly briefing snapshotted it (one row read
    instead of every issue in scope) — before that briefing is built, as the hourly job kept it
    when the week ended (:func:`keep_finished_week`) —, or ``None`` when neither holds one. The
    ranking a unit sees on the dashboard is then the one it was briefed on; an edit made after
    the briefing was built shows in the next period's figures."""
    from ..briefings.content import VERSION
    from ..models import Briefing, BriefingKind, BriefingStatus, WeekFigures

    content = (
        Briefing.objects.filter(
            campaign=campaign,
            kind=BriefingKind.WEEKLY,
            region=region,
            period_start=period_start,
            period_end=period_end,
            status__in=[BriefingStatus.PUBLISHED, BriefingStatus.DRAFT],
        )
        .order_by("-status", "-pk")  # published before draft
        .values_list("content", flat=True)
        .first()
    )
    if not content:  # not built yet (Mondays before 09:00), or a region without briefings
        content = (
            WeekFigures.objects.filter(
                campaign=campaign, region=region, period_start=period_start, period_end=period_end
            )
            .values_list("content", flat=True)
            .first()
        )
    if not content or content.get("version") != VERSION or any(k not in content for k in FIGURE_SET_KEYS):
        return None
    return {k: content[k] for k in FIGURE_SET_KEYS}


KEEP_WEEKS = 4  # as many finished weeks as the weekly briefings catch up (BRIEFING_CATCH_UP)


def keep_finished_week(campaign, *, now=None):
    """The figure set of the last finished week for the city and each district without a
    weekly briefing of it yet, kept as :class:`~chuangcheng.reports.models.WeekFigures` (the
    hourly job, so from Monday 00:01): the dashboard's ranking then reads one row on a Monday
    morning too. Regions already kept or briefed are skipped; returns the regions computed.
    Rows of weeks older than :data:`KEEP_WEEKS` are dropped (by then each has its briefing)."""
    from ..briefings.content import VERSION
    from ..briefings.services import scheduled_regions
    from ..models import Briefing, BriefingKind, BriefingStatus, WeekFigures

    now = now or timezone.now()
    start, end = ranking_period(now)
    week = {"campaign": campaign, "period_start": start, "period_end": end}
    WeekFigures.objects.filter(campaign=campaign, period_start__lt=start - dt.timedelta(weeks=KEEP_WEEKS)).delete()
    done = set(WeekFigures.objects.filter(**week, content__version=VERSION).values_list("region_id", flat=True))
    done |= set(
        Briefing.objects.filter(
            **week, kind=BriefingKind.WEEKLY, status__in=[BriefingStatus.PUBLISHED, BriefingStatus.DRAFT]
        ).values_list("region_id", flat=True)
    )
    kept, shared = [], {}
    for region in scheduled_regions(campaign):
        if region.pk in done:
            continue
        fs = figures.figure_set(campaign, start, end, scope_arg(campaign, region), now=now, shared=shared)
        content = {"version": VERSION, **{k: v for k, v in fs.as_dict().items() if k in FIGURE_SET_KEYS}}
        WeekFigures.objects.bulk_create(  # a row of an older content version is replaced
            [WeekFigures(**week, region=region, content=content, computed_at=now)],
            update_conflicts=True,
            unique_fields=["campaign", "region", "period_start"],
            update_fields=["period_end", "content", "computed_at"],
        )
        kept.append(region)
    return kept


def ranking_period(now):
    """The unit ranking shows the last finished week: the period of the last weekly briefing."""
    return periods.last_finished_period(periods.WEEKLY, today(now))


def _window(now, days):
    end = today(now)
    return end - dt.timedelta(days=days - 1), end


def trend(campaign, region, now, days=30):
    days = days if days in TREND_DAYS else TREND_DAYS[0]
    start, end = _window(now, days)
    return cache.cached(
        cache.key(campaign.pk, region.pk, "trend", days, end),
        lambda: {"days": days, **stats.trend(campaign, region, start, end)},
    )


def breakdown(campaign, region, now, days=30):
    """The child regions (district → street → community): flows over the last ``days`` days,
    backlog now; ranked by 超期未改, then 在办."""
    start, end = _window(now, days)

    def compute():
        children = list(Region.objects.filter(parent=region).exclude(level=RegionLevel.GRID).order_by("code", "name"))
        counts = stats.by_child_region(campaign, region, start, end)
        rows = [
            {
                "id": child.pk,
                "name": child.name,
                "level": child.level,
                "drill": child.level in (RegionLevel.COUNTY, RegionLevel.TOWN),
                **present.counts(counts.get(child.pk, {})),
            }
            for child in children
        ]
        # Issues filed against the region itself (a street's own, not a community's): their row,
        # so the rows add up to the region's headline.
        own = stats.by_slice(campaign, region, StatDimension.TOTAL, start, end).get("", {})
        rest = {
            k: v - sum((counts.get(c.pk, {}).get(k) or 0) for c in children)
            for k, v in own.items()
            if isinstance(v, int | float)
        }
        if children and any(rest.values()):
            rows.append(
                {
                    "id": region.pk,
                    "name": _("%(r)s（本级）") % {"r": region.name},
                    "level": region.level,
                    "drill": False,
                    "own": True,
                    **present.counts(rest),
                }
            )
        rows.sort(key=lambda r: (-r["overdue_now"], -r["in_hand_now"], r["name"]))
        return {"days": days, "rows": rows}

    return cache.cached(cache.key(campaign.pk, region.pk, "breakdown", days, end), compute)


def by_category(campaign, region, now, days=30):
    start, end = _window(now, days)

    def compute():
        counts = stats.by_slice(campaign, region, StatDimension.CATEGORY, start, end)
        ids = [int(k) for k in counts if k.isdigit()]
        names = dict(IssueCategory.objects.filter(pk__in=ids).values_list("pk", "name"))
        rows = [
            {"key": k, "name": names.get(int(k), k) if k.isdigit() else _("未分类"), **present.counts(c)}
            for k, c in counts.items()
        ]
        rows.sort(key=lambda r: (-r["open_now"], -r["reported"], r["name"]))
        return {"days": days, "rows": rows}

    return cache.cached(cache.key(campaign.pk, region.pk, "category", days, end), compute)


def by_severity(campaign, region, now, days=30):
    start, end = _window(now, days)

    def compute():
        counts = stats.by_slice(campaign, region, StatDimension.SEVERITY, start, end)
        rows = [{"key": v, "name": str(label), **present.counts(counts.get(v, {}))} for v, label in Severity.choices]
        return {"days": days, "rows": rows}

    return cache.cached(cache.worded_key(campaign.pk, region.pk, "severity", days, end), compute)


def _overdue_tasks_by_indicator(campaign, region, now):
    """超期未完成任务 per indicator: the figure's own population (measured tasks) and predicate."""
    b = periods.bounds(today(now), today(now), now=now)
    tasks = predicates.tasks_of(campaign, None if region.pk == campaign.region_id else region.path)
    rows = (
        tasks.filter(predicates.tasks_overdue(b.as_of_date, b.as_of), indicators__isnull=False)
        .values("indicators")
        .annotate(n=Count("id"))
        .values_list("indicators", "n")
    )
    return dict(rows)


def weak_spots(campaign, region, now, limit=15):
    """短板: indicators by projected point loss if inspected today — unclosed and overdue issues
    (today's summary rows) and overdue tasks against each, weighted by its score; negative-list
    indicators with anything unclosed are pinned on top, with their open issues."""
    day = today(now)

    def compute():
        counts = stats.by_slice(campaign, region, StatDimension.INDICATOR, day, day)
        overdue_tasks = _overdue_tasks_by_indicator(campaign, region, now)
        ids = {int(k) for k, c in counts.items() if k.isdigit() and c["open_now"]} | set(overdue_tasks)
        scope = None if region.pk == campaign.region_id else region
        measured = contributions.measures(campaign, scope)
        for m in measured:
            ids |= {pk for pk, loss in m["losses"].items() if loss}
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
                    "measured": [float(m["losses"].get(ind["pk"], 0)) for m in measured],
                    "items": [],
                }
            )
        rows.sort(key=lambda r: (not r["negative_list"], -max([r["projected_loss"], *r["measured"]]), r["code"]))
        pinned = [r["id"] for r in rows if r["negative_list"] and r["open_issues"]]
        if pinned:
            _pinned_items(campaign, region, now, rows, pinned)
        return {
            "rows": rows[: max(limit, len(pinned))],
            "definition": weak_spot_definition(),
            # Each measured loss (e.g. the latest 模拟测评 round) is a labelled column beside the projection.
            "measures": [
                {"key": m["key"], "label": str(m["label"]), "definition": str(m["definition"])} for m in measured
            ],
        }

    return cache.cached(cache.worded_key(campaign.pk, region.pk, "weak", day), compute)


def _pinned_items(campaign, region, now, rows, pinned):
    """Each pinned indicator's nearest deadlines, in one query: a UNION ALL of one index range
    per indicator (insp_issue_open_indicator), not a sort of all of them."""
    scope_path = None if region.pk == campaign.region_id else region.path
    open_items = issues_in(campaign, scope_path).filter(state__in=predicates.UNCLOSED_STATES)
    parts = [present.first_issues(open_items.filter(indicator_id=pk), LIST_LIMIT, "indicator_id") for pk in pinned]
    if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
        items = list(parts[0].union(*parts[1:], all=True))
    else:  # SQLite cannot limit inside a UNION: one short query per pinned indicator
        items = [item for part in parts for item in part]
    by_id = {r["id"]: r for r in rows}
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    for item in sorted(items, key=lambda i: (i["rectification_deadline"] or far, i["pk"])):
        by_id[item["indicator_id"]]["items"].append(present.issue_item(item, now))


def issues_in(campaign, scope_path):
    """:func:`predicates.issues_of` for the lists (the first items by deadline): the scope as
    the ids of its regions, so PostgreSQL combines the region index with the list's own instead
    of walking the city's open items in deadline order for the few in a street (58 → 5 ms)."""
    if scope_path is None:
        return predicates.issues_of(campaign)
    ids = list(Region.objects.filter(path__startswith=scope_path).values_list("pk", flat=True))
    return predicates.issues_of(campaign).filter(region_id__in=ids)


def weak_spot_definition():
    return _(
        "预计失分 = 指标分值 × （每个未销号问题 %(o)s%% ＋ 每个超期未改问题或超期未完成任务 %(d)s%%），不超过分值；"
        "负面清单指标有未销号问题的置顶。问题数按每日汇总（最近一次刷新）计，任务按已分解任务的子任务计。"
    ) % {"o": round(LOSS_PER_OPEN * 100), "d": round(LOSS_PER_OVERDUE * 100)}


def negative_list(campaign, region, now):
    """负面清单未销号问题 right now (已交办 to 长期整改), most urgent first."""

    def compute():
        scope_path = None if region.pk == campaign.region_id else region.path
        open_items = issues_in(campaign, scope_path).filter(
            severity=Severity.NEGATIVE_LIST, state__in=predicates.UNCLOSED_STATES
        )
        items = [present.issue_item(r, now) for r in present.first_issues(open_items, LIST_LIMIT)]
        if len(items) < LIST_LIMIT:
            count = len(items)
        elif figures.sets.tallied_scope(scope_path):  # the issue tallies, not a count of the rows
            paths = None if scope_path is None else [scope_path]
            kept = tally_counts(campaign=campaign, region_paths=paths, severities=[Severity.NEGATIVE_LIST])
            count = sum(kept[state] for state in predicates.UNCLOSED_STATES)
        else:
            count = open_items.count()
        return {"count": count, "items": items}

    return cache.cached(cache.key(campaign.pk, region.pk, "negative", today(now), now.minute // 5), compute)


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


def forget(campaign, region, now=None):
    """Drop the short-lived section caches of a region (tests and the benchmark)."""
    now = now or timezone.now()
    day = today(now)
    names = [
        cache.key(campaign.pk, region.pk, name, d, day)
        for name in ("trend", "breakdown", "category")
        for d in TREND_DAYS
    ]
    for language, _name in settings.LANGUAGES:
        names += [cache.worded_key(campaign.pk, region.pk, "severity", d, day, language=language) for d in TREND_DAYS]
        names.append(cache.worded_key(campaign.pk, region.pk, "weak", day, language=language))
    names += [
        cache.key(campaign.pk, region.pk, "negative", day, now.minute // 5),
    ]
    cache.delete(names)


def warm(campaign, *, now=None):
    """Compute the period figures of the city and each district into the cache (the job)."""
    now = now or timezone.now()
    for region in [campaign.region, *Region.objects.filter(parent=campaign.region).order_by("code")]:
        stale = [
            cache.key(campaign.pk, region.pk, "headline", today(now), now.hour, now.minute // 5),
            cache.key(campaign.pk, region.pk, "period", *ranking_period(now), "final"),
        ]
        if not cache.delete(stale):
            return
        headline(campaign, region, now)
        period_figures(campaign, region, *ranking_period(now), now)
