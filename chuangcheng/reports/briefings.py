"""Briefings (通报): build one, say who receives it, and hand its PDF to the outbox.

:func:`briefing_build` is the only write. It refuses a period that has not ended or that ends
before the campaign started; otherwise it returns the briefing of that (campaign, kind,
period, region) — the existing one when it was built before (a unique constraint, and a lock on
the campaign row around the get-or-create), else a new one with the next 文号 of the campaign
and year. The figures come from :mod:`chuangcheng.reports.figures` and are frozen in
``content``; every output renders that snapshot.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import LeaderAssignment, Membership, Region, RegionLevel, User
from inspections.models import CLOCK_STATES, Issue, IssueAction, IssueEvent, Severity
from tasks.models import Task, TaskState

from . import figures, periods, permissions
from .models import Briefing, BriefingKind

KIND_WORDS = {  # (this period, the previous one) as the summary says them
    BriefingKind.DAILY: (pgettext_lazy("briefing period", "当日"), pgettext_lazy("briefing period", "前一日")),
    BriefingKind.WEEKLY: (pgettext_lazy("briefing period", "本周"), pgettext_lazy("briefing period", "上周")),
    BriefingKind.MONTHLY: (pgettext_lazy("briefing period", "本月"), pgettext_lazy("briefing period", "上月")),
}


def _setting(name, default):
    return getattr(settings, name, default)


# --- words ---------------------------------------------------------------------------------------


def period_text(kind, start, end):
    if kind == BriefingKind.MONTHLY:
        return _("%(y)s年%(m)s月") % {"y": start.year, "m": start.month}
    if start == end:
        return _("%(y)s年%(m)s月%(d)s日") % {"y": start.year, "m": start.month, "d": start.day}
    return _("%(y)s年%(m)s月%(d)s日至%(m2)s月%(d2)s日") % {
        "y": start.year,
        "m": start.month,
        "d": start.day,
        "m2": end.month,
        "d2": end.day,
    }


def document_number(year, number):
    """文号: 创建办〔2026〕12号 (the prefix is ``BRIEFING_DOCUMENT_PREFIX``)."""
    prefix = _setting("BRIEFING_DOCUMENT_PREFIX", "创建办")
    return f"{prefix}〔{year}〕{number}号"


def issuer_name(campaign):
    """红头: "XX市创建全国文明城市工作指挥部办公室" for the campaign's first title."""
    titles = campaign.title_labels()
    template = _setting("BRIEFING_ISSUER", "{city}创建{title}工作指挥部办公室")
    return template.format(city=campaign.region.name, title=titles[0] if titles else _("文明城市"))


def _change_words(now, before, word):
    """ "较上周上升 2.3 个百分点" / "与上周持平" / "" when either rate is missing."""
    if now is None or before is None:
        return ""
    delta = round(now - before, 1)
    if delta > 0:
        return _("，较%(p)s上升 %(d)s 个百分点") % {"p": word, "d": delta}
    if delta < 0:
        return _("，较%(p)s下降 %(d)s 个百分点") % {"p": word, "d": -delta}
    return _("，与%(p)s持平") % {"p": word}


def _pct(value):
    return "—" if value is None else f"{value:.1f}%"


def summary_text(kind, totals, previous, red, black):
    """The short paragraph at the top: "本周新交办问题 N 个，按期销号率 X%，较上周上升 Y 个百分点…"."""
    this, last = KIND_WORDS[kind]
    parts = [
        _("%(p)s新交办问题 %(n)s 个，销号 %(c)s 个")
        % {"p": this, "n": totals.issues_assigned, "c": totals.issues_closed}
    ]
    if totals.on_time_rate is not None:
        parts.append(
            _("按期销号率 %(r)s%(change)s")
            % {
                "r": _pct(totals.on_time_rate),
                "change": _change_words(totals.on_time_rate, previous.on_time_rate, last),
            }
        )
    parts.append(_("超期未改问题 %(n)s 个") % {"n": totals.issues_overdue_open})
    if totals.rework_rate is not None:
        parts.append(_("返工率 %(r)s") % {"r": _pct(totals.rework_rate)})
    parts.append(_("反弹 %(n)s 起") % {"n": totals.recurrences})
    if totals.issues_negative_list:
        parts.append(_("负面清单问题 %(n)s 个") % {"n": totals.issues_negative_list})
    text = pgettext("clause separator", "，").join(parts) + pgettext("sentence end", "。")
    text += _("到期任务 %(d)s 项，按期完成 %(o)s 项；超期未完成任务 %(x)s 项，进度滞后 %(l)s 项。") % {
        "d": totals.tasks_due,
        "o": totals.tasks_done_on_time,
        "x": totals.tasks_overdue,
        "l": totals.tasks_lagging,
    }
    if red:
        text += _("红旗单位：%(u)s。") % {"u": _names(red)}
    if black:
        text += _("黑旗单位：%(u)s。") % {"u": _names(black)}
    return text


def _names(names, shown=6):
    """ "甲、乙、丙" — or "甲、乙…等 9 个单位" when the list is long (the tables name them all)."""
    if len(names) <= shown:
        return pgettext("list separator", "、").join(names)
    return _("%(names)s等 %(n)s 个单位") % {
        "names": pgettext("list separator", "、").join(names[:shown]),
        "n": len(names),
    }


# --- the lists ------------------------------------------------------------------------------------


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def _issue_scope(campaign, region):
    issues = Issue.objects.filter(campaign=campaign)
    return issues if region.pk == campaign.region_id else issues.filter(region__path__startswith=region.path)


ISSUE_COLUMNS = ("pk", "category__name", "address", "region__name", "responsible_unit__name", "severity", "state")


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


def overdue_by_unit(campaign, region, bounds, counts):
    """超期未改 by unit: every unit with overdue issues (count from the figures), and its most
    overdue ones (``BRIEFING_OVERDUE_PER_UNIT``), fetched with one windowed query."""
    per_unit = _setting("BRIEFING_OVERDUE_PER_UNIT", 3)
    overdue = _issue_scope(campaign, region).filter(state__in=CLOCK_STATES, rectification_deadline__lt=bounds.as_of)
    ranked = overdue.annotate(
        _n=Window(RowNumber(), partition_by=[F("responsible_unit_id")], order_by=[F("rectification_deadline").asc()])
    )
    items = {}
    for row in ranked.filter(_n__lte=per_unit).values(*ISSUE_COLUMNS, "responsible_unit_id", "rectification_deadline"):
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


def negative_list_items(campaign, region, bounds, limit):
    """负面清单 (立行立改) issues assigned in the period, and older ones still overdue."""
    rows = (
        _issue_scope(campaign, region)
        .filter(severity=Severity.NEGATIVE_LIST)
        .filter(
            Q(assigned_at__gte=bounds.start, assigned_at__lt=bounds.end)
            | Q(state__in=CLOCK_STATES, rectification_deadline__lt=bounds.as_of)
        )
        .order_by("assigned_at", "pk")
        .values(*ISSUE_COLUMNS, "assigned_at", "rectification_deadline", "closed_at")[:limit]
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
    events = IssueEvent.objects.filter(
        action=IssueAction.REOPEN, created_at__gte=bounds.start, created_at__lt=bounds.end, issue__campaign=campaign
    )
    if region.pk != campaign.region_id:
        events = events.filter(issue__region__path__startswith=region.path)
    columns = {c: f"issue__{c}" if c != "pk" else "issue_id" for c in ISSUE_COLUMNS}
    rows = events.order_by("created_at", "pk").values("created_at", "comment", *columns.values())[:limit]
    return [
        _issue_item(
            {c: r[v] for c, v in columns.items()},
            reopened_at=_iso(r["created_at"]),
            comment=r["comment"][:200],
        )
        for r in rows
    ]


def tasks_due_next(campaign, region, kind, period_end, limit):
    """Tasks not done whose deadline falls in the next period (decomposed parents and
    recurring templates are measured through their children, as in the figures)."""
    start, end = periods.next_period(kind, period_end)
    tasks = (
        Task.objects.filter(campaign=campaign, recurrence="", deadline__gte=start, deadline__lte=end)
        .exclude(state=TaskState.DONE)
        .exclude(children__isnull=False)
    )
    if region.pk != campaign.region_id:
        tasks = tasks.filter(
            Q(region__path__startswith=region.path)
            | Q(region__isnull=True, owner_unit__region__path__startswith=region.path)
        )
    rows = tasks.order_by("deadline", "pk").values(
        "pk", "number", "title", "owner_unit__name", "deadline", "progress", "state"
    )[:limit]
    return {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "items": [
            {
                "id": r["pk"],
                "number": r["number"],
                "title": r["title"],
                "unit": r["owner_unit__name"],
                "deadline": r["deadline"].isoformat(),
                "progress": r["progress"],
                "state": r["state"],
            }
            for r in rows
        ],
    }


# --- the snapshot -----------------------------------------------------------------------------------


def briefing_content(campaign, kind, period_start, period_end, region, *, now=None):
    """Everything a briefing shows, as JSON-ready data (computed, not stored)."""
    scope = None if region.pk == campaign.region_id else region
    limit = _setting("BRIEFING_LIST_LIMIT", 100)
    fs = figures.figure_set(campaign, period_start, period_end, scope, now=now)
    prev_start, prev_end = periods.previous_period(kind, period_start)
    previous = figures.total_figures(campaign, prev_start, prev_end, scope, now=now)
    b = periods.bounds(period_start, period_end, now=now)
    ranking = [
        {"group": group, "label": str(label), "rows": [r.as_dict() for r in fs.ranking(group)]}
        for group, label in fs.groups()
    ]
    red = [r["name"] for g in ranking for r in g["rows"] if r["flag"] == "red"]
    black = [r["name"] for g in ranking for r in g["rows"] if r["flag"] == "black"]
    counts = [(r.key, r.name, r.figures.issues_overdue_open) for r in fs.units]
    return {
        "version": 1,
        "issuer": issuer_name(campaign),
        "campaign": {"id": campaign.pk, "name": campaign.name},
        "scope": {"id": region.pk, "name": region.name, "city_wide": scope is None},
        "kind": kind,
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "previous_period": {"start": prev_start.isoformat(), "end": prev_end.isoformat()},
        "as_of": _iso(b.as_of),
        "summary": summary_text(kind, fs.totals, previous, red, black),
        "totals": fs.totals.as_dict(),
        "previous": previous.as_dict(),
        "scoring": fs.scoring.as_dict(),
        "ranking": ranking,
        "unranked_count": sum(1 for r in fs.units if r.rank is None),
        "flags": {"red": red, "black": black},
        "regions": [r.as_dict() for r in fs.regions],
        "overdue_by_unit": overdue_by_unit(campaign, region, b, counts),
        "negative_list": negative_list_items(campaign, region, b, limit),
        "recurrences": recurrence_items(campaign, region, b, limit),
        "tasks_due_next": tasks_due_next(campaign, region, kind, period_end, limit),
        "definitions": {k: d.as_dict() for k, d in figures.definitions(fs.scoring).items()},
    }


# --- building ------------------------------------------------------------------------------------


def _check(campaign, kind, period_start, period_end, region, actor, today):
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(_("%(r)s不在该创建活动的范围内。") % {"r": region.name}, field="region")
    if actor is not None and not permissions.can_build_briefing(actor, campaign, region):
        raise ApplicationError(_("您没有权限生成该范围的通报。"), code="forbidden")
    words = {"p": period_text(kind, period_start, period_end)}
    if period_end >= today:
        raise ApplicationError(
            _("统计期（%(p)s）尚未结束，不能生成通报：请选择已经结束的统计期。") % words, field="date"
        )
    if period_end < campaign.start_date:
        words["s"] = f"{campaign.start_date:%Y-%m-%d}"
        raise ApplicationError(
            _("统计期（%(p)s）在创建活动开始（%(s)s）之前，没有可通报的数据。") % words, field="date"
        )


def briefing_build(*, campaign, kind, day=None, region=None, actor=None, now=None):
    """Build (or find) the ``kind`` briefing of the period containing ``day`` (default: the
    period that ended most recently) for ``region`` (default: the campaign's territory).

    Returns ``(briefing, created)``. ``actor`` is the person asking (checked against
    :func:`permissions.can_build_briefing`); ``None`` for the scheduled job."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    region = region or campaign.region
    if kind not in BriefingKind.values:
        raise ApplicationError(_("未知的通报类型：%(k)s。") % {"k": kind}, field="kind")
    period_start, period_end = periods.period_for(kind, day) if day else periods.last_finished_period(kind, today)
    _check(campaign, kind, period_start, period_end, region, actor, today)
    key = {"campaign": campaign, "kind": kind, "period_start": period_start, "region": region}
    existing = Briefing.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    # The figures take a while on a big city: computed before taking the lock, so builds of
    # other periods (and issue writes, which key-share the campaign row) never wait on them.
    content = briefing_content(campaign, kind, period_start, period_end, region, now=now)
    try:
        with transaction.atomic():
            # FOR NO KEY UPDATE: serialises briefing builds of this campaign (get-or-create and
            # the 文号 sequence) without blocking inserts that reference the campaign.
            Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
            existing = Briefing.objects.filter(**key).first()
            if existing is not None:
                return existing, False
            year = today.year
            last = Briefing.objects.filter(campaign=campaign, year=year).aggregate(n=Max("number"))["n"] or 0
            title = _("%(scope)s创建工作%(kind)s") % {"scope": region.name, "kind": BriefingKind(kind).label}
            briefing = Briefing.objects.create(
                **key,
                period_end=period_end,
                year=year,
                number=last + 1,
                document_number=document_number(year, last + 1),
                title=title,
                summary=content["summary"],
                content=content,
                built_by=actor,
                published_at=now,
            )
            _deliver(briefing)
    except IntegrityError:
        # Another builder (a database without row locks) won the race: theirs is the briefing.
        existing = Briefing.objects.filter(**key).first()
        if existing is None:
            raise
        return existing, False
    return briefing, True


def scheduled_regions(campaign):
    """The regions a scheduled briefing covers: the whole territory and each district."""
    districts = Region.objects.filter(parent=campaign.region, level=RegionLevel.COUNTY).order_by("code", "name")
    return [campaign.region, *districts]


# --- who receives it ---------------------------------------------------------------------------------


def briefing_subscribers(briefing):
    """Who a briefing is mailed to: the unit heads of units in its region; the leaders assigned
    (领导包保) to that region or below in the campaign; and the office that supervises exactly
    that region (for the city-wide briefing, the campaign office's city-wide supervisors)."""
    path = briefing.region.path
    heads = Membership.objects.filter(role="unit_head", unit__is_active=True, unit__region__path__startswith=path)
    leaders = LeaderAssignment.objects.filter(
        campaign_id=briefing.campaign_id, leader__isnull=False, region__path__startswith=path
    )
    office = Membership.objects.filter(role="supervisor", unit__is_active=True).filter(
        Q(scope_region_id=briefing.region_id) | Q(scope_region__isnull=True, unit__region_id=briefing.region_id)
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=heads.values("user_id"))
            | Q(pk__in=leaders.values("leader_id"))
            | Q(pk__in=office.values("user_id"))
        )
        .order_by("pk")
    )


def _deliver(briefing):
    """Queue the briefing for its subscribers, with its PDF, in the publishing transaction —
    when the notifications outbox offers ``delivery_create`` (it may not exist yet)."""
    try:
        from chuangcheng.notifications.services import delivery_create
    except ImportError:
        return []
    return delivery_create(
        recipients=briefing_subscribers(briefing),
        kind="briefing",
        subject_key=f"briefing:{briefing.pk}",
        window="publish",
        title=f"{briefing.document_number} {briefing.title}",
        body=briefing.summary,
        url=reverse("reports:detail", args=[briefing.pk]),
        attachments=[
            {
                "loader": "chuangcheng.reports.briefings.pdf_bytes",
                "args": [briefing.pk],
                "filename": f"{briefing.document_number}.pdf",
                "mimetype": "application/pdf",
            }
        ],
    )


def pdf_bytes(briefing_id):
    """The briefing's PDF (the outbox's attachment loader, called at send time)."""
    from .outputs import briefing_pdf

    return briefing_pdf(Briefing.objects.select_related("campaign", "region").get(pk=briefing_id))
