"""Reads of the accountability record, for its pages and for the reports layer.

For reports (briefings, dashboards, rankings) — each tested on its own in
``tests/accountability/test_selectors.py``:

- :func:`for_briefing` (campaign, region, start, end): the 约谈, 问责 decisions and 表扬 of the
  period, JSON-ready, for a briefing's snapshot (the monthly 考评 prints them);
- :func:`deductions` / :func:`deduction_details` (campaign, start, end): points to deduct per unit
  in the ranking, as the campaign's :class:`AccountabilityRules` say (none without a row);
- :func:`records_for` (user, unit=…): what a unit view or a leader view shows, scoped.

For the office: :func:`suggestions` — 建议约谈 by rule (黑旗 twice in a month, an issue overdue
more than N working days, 反弹 three times); a person decides, nothing is recorded by a rule.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chuangcheng.org.workcalendar import WorkingCalendar
from chuangcheng.reports.models import Briefing, BriefingStatus
from chuangcheng.wording import working_days
from inspections.models import Issue, IssueAction, IssueEvent

from .models import AccountabilityRules, Commendation, Decision, DecisionKind, Interview

DEFAULT_RULES = {
    # 黑旗: flagged black in this many distinct briefing periods (of these kinds, city-wide) …
    "black_flags": {"count": 2, "days": 30, "kinds": ["weekly", "monthly"]},
    # … an issue overdue (clock still running) by more than this many working days …
    "overdue_issue": {"working_days": 10},
    # … or this many recurrences (反弹: a closed issue reopened) within the window.
    "recurrences": {"count": 3, "days": 30},
}


def suggestion_rules():
    return {**DEFAULT_RULES, **getattr(settings, "ACCOUNTABILITY_SUGGESTION_RULES", {})}


# --- 建议约谈 ------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    """One rule met by one unit: why a 约谈 is suggested, and the items that triggered it."""

    rule: str
    unit_id: int
    unit_name: str
    reason: str
    issue_ids: list = field(default_factory=list)
    briefing_ids: list = field(default_factory=list)
    last_interview: dt.datetime | None = None  # a 约谈 of this unit recorded within the window

    @property
    def label(self):
        return RULE_LABELS[self.rule]()

    def as_dict(self):
        return {
            "rule": self.rule,
            "label": str(self.label),
            "unit": {"id": self.unit_id, "name": self.unit_name},
            "reason": self.reason,
            "issues": self.issue_ids,
            "briefings": self.briefing_ids,
            "last_interview": self.last_interview,
        }


RULE_LABELS = {
    "black_flags": lambda: _("多次被授黑旗"),
    "overdue_issue": lambda: _("问题长期超期未改"),
    "recurrences": lambda: _("问题反复反弹"),
}


def _black_flag_suggestions(campaign, today, rule):
    since = today - dt.timedelta(days=rule["days"])
    briefings = Briefing.objects.filter(
        campaign=campaign,
        region_id=campaign.region_id,
        kind__in=rule["kinds"],
        period_end__gte=since,
        status=BriefingStatus.PUBLISHED,  # a draft's flags are not yet anyone's record
    ).order_by("period_start")
    periods, names = defaultdict(dict), {}
    for briefing in briefings.only("pk", "kind", "period_start", "content"):
        for group in (briefing.content or {}).get("ranking", []):
            for row in group.get("rows", []):
                if row.get("flag") == "black" and row.get("key"):
                    periods[row["key"]][(briefing.kind, briefing.period_start)] = briefing.pk
                    names[row["key"]] = row.get("name", "")
    out = []
    for unit_id, flagged in periods.items():
        if len(flagged) >= rule["count"]:
            reason = _("近 %(d)s 天内 %(n)s 次被授黑旗") % {"d": rule["days"], "n": len(flagged)}
            out.append(
                Suggestion("black_flags", unit_id, names[unit_id], reason, briefing_ids=sorted(flagged.values()))
            )
    return out


def _overdue_issue_text(n, days):
    """The overdue-issue suggestion ("3 个问题超期超过 10 个工作日仍未整改"); in English each
    number with its own singular or plural."""
    return ngettext("%(n)s 个问题超期超过 %(span)s仍未整改", "%(n)s 个问题超期超过 %(span)s仍未整改", n) % {
        "n": n,
        "span": working_days(days),
    }


def _working_days_before(today, days, calendar):
    day = today
    for _step in range(int(days)):
        day -= dt.timedelta(days=1)
        while not calendar.is_workday(day):
            day -= dt.timedelta(days=1)
    return day


def _overdue_suggestions(campaign, now, rule):
    calendar = WorkingCalendar()
    cutoff_day = _working_days_before(timezone.localdate(now), rule["working_days"], calendar)
    cutoff = timezone.make_aware(dt.datetime.combine(cutoff_day, dt.time.min))
    rows = (
        Issue.objects.filter(campaign=campaign, responsible_unit__isnull=False)
        .overdue(now=cutoff)
        .order_by("rectification_deadline")
        .values_list("pk", "responsible_unit_id", "responsible_unit__name")
    )
    by_unit = defaultdict(list)
    names = {}
    for pk, unit_id, name in rows:
        by_unit[unit_id].append(pk)
        names[unit_id] = name
    return [
        Suggestion(
            "overdue_issue",
            unit_id,
            names[unit_id],
            _overdue_issue_text(len(ids), rule["working_days"]),
            issue_ids=ids[:50],
        )
        for unit_id, ids in by_unit.items()
    ]


def _recurrence_suggestions(campaign, now, rule):
    since = now - dt.timedelta(days=rule["days"])
    rows = IssueEvent.objects.filter(
        issue__campaign=campaign,
        action=IssueAction.REOPEN,
        created_at__gte=since,
        issue__responsible_unit__isnull=False,
    ).values_list("issue_id", "issue__responsible_unit_id", "issue__responsible_unit__name")
    by_unit, names = defaultdict(list), {}
    for issue_id, unit_id, name in rows:
        by_unit[unit_id].append(issue_id)
        names[unit_id] = name
    return [
        Suggestion(
            "recurrences",
            unit_id,
            names[unit_id],
            _("近 %(d)s 天内问题反弹 %(n)s 次") % {"d": rule["days"], "n": len(ids)},
            issue_ids=sorted(set(ids)),
        )
        for unit_id, ids in by_unit.items()
        if len(ids) >= rule["count"]
    ]


def suggestions(campaign, *, now=None, rules=None):
    """建议约谈 for one campaign now: every (rule, unit) met, with its grounds, most serious rule
    first; each says whether the unit was already interviewed within the rule's window."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = rules or suggestion_rules()
    found = (
        _black_flag_suggestions(campaign, today, rules["black_flags"])
        + _overdue_suggestions(campaign, now, rules["overdue_issue"])
        + _recurrence_suggestions(campaign, now, rules["recurrences"])
    )
    window = max(rules["black_flags"]["days"], rules["recurrences"]["days"])
    last = dict(
        Interview.objects.filter(
            campaign=campaign, unit_id__in={s.unit_id for s in found}, held_at__gte=now - dt.timedelta(days=window)
        )
        .values_list("unit_id")
        .annotate(last=Max("held_at"))
    )
    order = {"black_flags": 0, "overdue_issue": 1, "recurrences": 2}
    for suggestion in found:
        suggestion.last_interview = last.get(suggestion.unit_id)
    # Not yet interviewed first; then the most serious rule, the most grounds, the name.
    return sorted(
        found,
        key=lambda s: (
            s.last_interview is not None,
            order[s.rule],
            -(len(s.issue_ids) + len(s.briefing_ids)),
            s.unit_name,
        ),
    )


# --- for the reports layer ------------------------------------------------------------------------


def _in_region(qs, campaign, region):
    if region is None or region.pk == campaign.region_id:
        return qs
    return qs.filter(unit__region__path__startswith=region.path)


def _day(value):
    return value.isoformat() if value else None


def _amount(value):
    return str(value) if value is not None else None


def for_briefing(campaign, region, start, end):
    """The 约谈, 问责 decisions and 通报表扬 dated within ``start``–``end`` (dates, inclusive, Asia/
    Shanghai) for units in ``region`` (``None`` or the campaign's region: all, including praise of
    people without a unit), as JSON-ready lists for a briefing's snapshot."""
    tz = timezone.get_default_timezone()
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    interviews = _in_region(
        Interview.objects.filter(campaign=campaign, held_at__gte=lo, held_at__lt=hi), campaign, region
    ).select_related("unit")
    decisions = _in_region(
        Decision.objects.filter(campaign=campaign, decided_on__range=(start, end)), campaign, region
    ).select_related("unit")
    commendations = Commendation.objects.filter(campaign=campaign, commended_on__range=(start, end)).select_related(
        "unit"
    )
    if region is not None and region.pk != campaign.region_id:
        commendations = commendations.filter(unit__region__path__startswith=region.path)
    return {
        "interviews": [
            {
                "id": i.pk,
                "unit_id": i.unit_id,
                "unit": i.unit.name,
                "interviewee": i.interviewee,
                "interviewers": i.interviewers,
                "held_on": _day(timezone.localtime(i.held_at).date()),
                "reason": i.reason,
                "commitment": i.commitment,
                "follow_up_date": _day(i.follow_up_date),
            }
            for i in interviews.order_by("held_at", "id")
        ],
        "decisions": [
            {
                "id": d.pk,
                "kind": d.kind,
                "kind_label": str(d.get_kind_display()),
                "unit_id": d.unit_id,
                "unit": d.unit.name,
                "person": d.person_name,
                "decided_on": _day(d.decided_on),
                "decided_by": d.decided_by,
                "document_number": d.document_number,
                "points": _amount(d.points),
                "amount": _amount(d.amount),
                "description": d.description,
            }
            for d in decisions.order_by("decided_on", "id")
        ],
        "commendations": [
            {
                "id": c.pk,
                "unit_id": c.unit_id,
                "unit": c.unit.name if c.unit_id else "",
                "person": c.person_name,
                "commended_on": _day(c.commended_on),
                "document_number": c.document_number,
                "reason": c.reason,
            }
            for c in commendations.order_by("commended_on", "id")
        ],
    }


def deduction_details(campaign, start, end):
    """``{unit_id: [{"source", "id", "label", "date", "points"}]}``: every deduction of the period
    the campaign's :class:`AccountabilityRules` call for (printed under a ranking so anyone can
    recompute a score). No rules row: nothing."""
    rules = AccountabilityRules.objects.filter(campaign=campaign).first()
    if rules is None:
        return {}
    tz = timezone.get_default_timezone()
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    out = defaultdict(list)
    if rules.deduct_per_interview:
        for pk, unit_id, held_at in Interview.objects.filter(
            campaign=campaign, held_at__gte=lo, held_at__lt=hi
        ).values_list("pk", "unit_id", "held_at"):
            day = timezone.localtime(held_at).date().isoformat()
            out[unit_id].append(
                {"source": "interview", "id": pk, "label": _("约谈"), "date": day, "points": rules.deduct_per_interview}
            )
    decisions = Decision.objects.filter(campaign=campaign, decided_on__range=(start, end))
    wanted = Q(pk__in=[])
    if rules.deduct_per_criticism:
        wanted |= Q(kind=DecisionKind.CRITICISM)
    if rules.count_decision_points:
        wanted |= Q(kind=DecisionKind.DEDUCTION)
    labels = dict(DecisionKind.choices)
    for pk, unit_id, kind, day, points in decisions.filter(wanted).values_list(
        "pk", "unit_id", "kind", "decided_on", "points"
    ):
        value = rules.deduct_per_criticism if kind == DecisionKind.CRITICISM else points
        out[unit_id].append(
            {"source": "decision", "id": pk, "label": str(labels[kind]), "date": day.isoformat(), "points": value}
        )
    return dict(out)


def deductions(campaign, start, end):
    """``{unit_id: Decimal}``: the points to take off each unit's composite score for the period
    (only units with a deduction). See :func:`deduction_details` for the items."""
    return {
        unit_id: sum((item["points"] for item in items), Decimal("0"))
        for unit_id, items in deduction_details(campaign, start, end).items()
    }


# --- for pages (unit view, leader view, the office's list) -----------------------------------------


def records_for(user, *, campaign=None, unit=None, region=None, limit=20):
    """What ``user`` may see of the record, newest first: 约谈 and 问责 (restricted) and 表扬
    (published), optionally for one unit or the units of one region subtree."""
    interviews = Interview.objects.visible_to(user).select_related("unit", "follow_up_task", "campaign")
    decisions = Decision.objects.visible_to(user).select_related("unit", "campaign")
    commendations = Commendation.objects.visible_to(user).select_related("unit", "campaign")
    if campaign is not None:
        interviews, decisions, commendations = (
            qs.filter(campaign=campaign) for qs in (interviews, decisions, commendations)
        )
    if unit is not None:
        interviews, decisions, commendations = (qs.filter(unit=unit) for qs in (interviews, decisions, commendations))
    if region is not None:
        interviews, decisions, commendations = (
            qs.filter(unit__region__path__startswith=region.path) for qs in (interviews, decisions, commendations)
        )
    return {
        "interviews": list(interviews[:limit]),
        "decisions": list(decisions[:limit]),
        "commendations": list(commendations[:limit]),
    }


def counts_by_unit(campaign, start, end):
    """``{unit_id: {"interviews": n, "decisions": n, "commendations": n}}`` over a period (a
    unit view's or a ranking's extra columns)."""
    tz = timezone.get_default_timezone()
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    out = defaultdict(lambda: {"interviews": 0, "decisions": 0, "commendations": 0})
    for key, qs in (
        ("interviews", Interview.objects.filter(campaign=campaign, held_at__gte=lo, held_at__lt=hi)),
        ("decisions", Decision.objects.filter(campaign=campaign, decided_on__range=(start, end))),
        ("commendations", Commendation.objects.filter(campaign=campaign, commended_on__range=(start, end))),
    ):
        for unit_id, n in qs.exclude(unit__isnull=True).values_list("unit_id").annotate(n=Count("id")).order_by():
            out[unit_id][key] = n
    return dict(out)
