"""The leader's extras (escalations, their tasks) and the unit view (a unit against comparable
units, its overdue items, its rank in published weekly briefings, its backlog over time)."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from chuangcheng.org.models import Unit
from chuangcheng.org.scoping import scope_for
from tasks.models import Task, TaskState

from .. import periods, stats
from ..figures import predicates
from ..models import Briefing, BriefingKind, BriefingStatus
from ..permissions import OutOfScope, as_id, campaign_for, can_see_unit
from . import present
from .present import today
from .sections import LIST_LIMIT, period_figures, ranking_period

HISTORY_DAYS = 30


def leader_extras(user, campaign, now=None):
    """What a leader has on top of the overview: escalations sent to them and their tasks."""
    from chuangcheng.notifications.models import Notice

    now = now or timezone.now()
    day = today(now)
    scope = scope_for(user)
    escalations = Notice.objects.filter(recipient=user, kind="escalation").order_by("-created_at")
    tasks = (
        Task.objects.filter(campaign=campaign)
        .filter(Q(responsible_leader=user) | Q(pk__in=scope.assigned_ids("task")))
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
             "progress": t.progress, "overdue": t.is_overdue(day)}
            for t in tasks[:20]
        ],
    }  # fmt: skip


def unit_for(user, unit_id, campaign_id=None, *, now=None):
    """``(unit, unit_view(...))`` of the unit asked for; raises :class:`OutOfScope` for a unit
    that does not exist or that the viewer may not see."""
    unit = Unit.objects.filter(pk=as_id(unit_id)).select_related("region").first()
    if unit is None:
        raise OutOfScope
    campaign = campaign_for(user, as_id(campaign_id))
    return unit, unit_view(user, campaign, unit, now=now)


def _rank_history(campaign, unit):
    briefings = Briefing.objects.filter(
        campaign=campaign, kind=BriefingKind.WEEKLY, region=campaign.region, status=BriefingStatus.PUBLISHED
    ).order_by("-period_end")[:12]
    history = []
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
    return list(reversed(history))


def unit_view(user, campaign, unit, *, now=None):
    """A unit against the average of comparable units (same kind and level, city-wide) over the
    last finished week, its overdue issues and tasks (the figures' predicates, now), its rank in
    past weekly briefings and its end-of-day backlog over the last 30 days."""
    if not can_see_unit(user, unit):
        raise OutOfScope
    now = now or timezone.now()
    start, end = ranking_period(now)
    period = period_figures(campaign, campaign.region, start, end, now)
    group = f"{unit.kind}:{unit.level}"
    groups = [g for g in period["ranking"] if g["group"] == group]
    peers = [r for g in groups for r in g["rows"]]
    mine = next((r for g in groups for r in (*g["rows"], *g["unranked"]) if r["key"] == unit.pk), None)
    compared = []
    for key, label in present.UNIT_COMPARE:
        values = [r[key] for r in peers if r[key] is not None]
        compared.append(
            {
                "key": key,
                "label": str(label),
                "unit": "%" if key.endswith("_rate") else "",
                "value": mine[key] if mine else None,
                "average": round(sum(values) / len(values), 2) if values else None,
            }
        )
    b = periods.bounds(today(now), today(now), now=now)
    overdue_issues = present.first_issues(
        predicates.issues_of(campaign).filter(responsible_unit=unit).filter(predicates.issues_overdue_open(now)),
        LIST_LIMIT,
    )
    overdue_tasks = (
        predicates.tasks_of(campaign)
        .filter(owner_unit=unit)
        .filter(predicates.tasks_overdue(b.as_of_date, b.as_of))
        .order_by("deadline", "pk")
    )
    day = today(now)
    return {
        "campaign": {"id": campaign.pk, "name": campaign.name, **present.countdown(campaign, now)},
        "unit": {"id": unit.pk, "name": unit.name, "group": group},
        "period": period["period"],
        "row": mine,
        "peers": len(peers),
        "compared": compared,
        "definitions": present.definitions_of([k for k, _label in present.UNIT_COMPARE]),
        "overdue_issues": [present.issue_item(r, now) for r in overdue_issues],
        "overdue_tasks": [
            {"id": t.pk, "title": t.title, "deadline": t.deadline.isoformat(), "progress": t.progress}
            for t in overdue_tasks[:LIST_LIMIT]
        ],
        "rank_history": _rank_history(campaign, unit),
        "backlog": stats.unit_trend(campaign, unit.pk, day - dt.timedelta(days=HISTORY_DAYS - 1), day),
    }
