"""What was owed at a past moment, from the append-only event log — never from today's rows.

An issue's state, deadline and responsible unit at a moment are the replay of its
:class:`~inspections.models.IssueEvent` rows up to that moment: each event's ``to_state``; the
``rectification_deadline`` and ``responsible_unit_id`` it recorded (``[old, new]``, or the new
value alone). Replaying every issue for every day would read the whole log each time, so:

- an issue with no event at or after the moment has not changed since: its row *is* the replay,
  and it is counted in SQL with the backlog predicates (:func:`predicates.backlog_q`);
- an issue with events at or after the moment is replayed from its events before it, in Python,
  and judged with the same table (:func:`predicates.backlog_holds`).

For "now" (a period still running) nothing changed since, and no replay happens at all. The
nightly summary (:mod:`chuangcheng.reports.stats`) and past periods' figures read this module.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connections
from django.db.models import Exists, OuterRef

from inspections.models import IssueEvent

from . import predicates


@dataclass
class Fact:
    """One issue as it was at the moment (only what the figures group and judge by)."""

    issue_id: int
    unit_id: int | None
    region_id: int
    region_path: str
    category_id: int | None
    severity: str
    indicator_id: int | None
    site_type: str | None
    key_source: bool
    state: str
    deadline: dt.datetime | None

    def holds(self, name, moment):
        return predicates.backlog_holds(name, self.state, self.deadline, self.key_source, moment)


def _changed_since(moment):
    return Exists(IssueEvent.objects.filter(issue_id=OuterRef("pk"), created_at__gte=moment))


def unchanged(issues, moment):
    """The issues of ``issues`` whose rows are as they were at ``moment`` (created before it,
    no event since)."""
    return issues.filter(created_at__lt=moment).exclude(_changed_since(moment))


def _value(changes, key):
    """The value an event set for ``key``: ``[old, new]`` → new; a bare value is the new one."""
    value = changes[key]
    return value[1] if isinstance(value, list) else value


def _moment(text):
    return dt.datetime.fromisoformat(text) if text else None


def _replay_all(events):
    """``({issue: state}, {issue: deadline}, {issue: unit})`` set by ``events``, in order."""
    state, deadline, unit = {}, {}, {}
    rows = events.order_by("issue_id", "created_at", "id").values_list("issue_id", "to_state", "changes")
    for issue_id, to_state, changes in rows.iterator(chunk_size=5000):
        if to_state:
            state[issue_id] = to_state
        changes = changes or {}
        if "rectification_deadline" in changes:
            deadline[issue_id] = _moment(_value(changes, "rectification_deadline"))
        if "responsible_unit_id" in changes:
            unit[issue_id] = _value(changes, "responsible_unit_id")
    return state, deadline, unit


def _last_values(events):
    """The same as :func:`_replay_all`, read as the last event of each issue that set each
    value (``DISTINCT ON``, PostgreSQL): three small answers instead of every event."""

    def last(queryset):
        return queryset.order_by("issue_id", "-created_at", "-id").distinct("issue_id")

    state = dict(last(events.filter(to_state__gt="")).values_list("issue_id", "to_state"))
    deadline, unit = {}, {}
    for key, into, read in (
        ("rectification_deadline", deadline, _moment),
        ("responsible_unit_id", unit, lambda v: v),
    ):
        for issue_id, changes in last(events.filter(changes__has_key=key)).values_list("issue_id", "changes"):
            into[issue_id] = read(_value(changes, key))
    return state, deadline, unit


def replayed(issues, moment):
    """The issues of ``issues`` created before ``moment`` that changed since, as they were at
    ``moment``: a list of :class:`Fact` (two queries; four on PostgreSQL, each smaller)."""
    changed = issues.filter(created_at__lt=moment).filter(_changed_since(moment))
    rows = {
        r["pk"]: r
        for r in changed.order_by().values(
            "pk",
            "responsible_unit_id",
            "region_id",
            "region__path",
            "category_id",
            "severity",
            "indicator_id",
            "site__site_type",
            "source",
            "inspection__kind",
        )
    }
    if not rows:
        return []
    if connections[changed.db].features.can_distinct_on_fields:  # PostgreSQL: ids, not the subquery again
        state, deadline, unit = _last_values(IssueEvent.objects.filter(issue__in=list(rows), created_at__lt=moment))
    else:
        state, deadline, unit = _replay_all(
            IssueEvent.objects.filter(issue__in=changed.values("pk"), created_at__lt=moment)
        )
    out = []
    for pk, r in rows.items():
        out.append(
            Fact(
                issue_id=pk,
                # An issue sent to a unit before the log recorded units: its unit now.
                unit_id=unit.get(pk, r["responsible_unit_id"]),
                region_id=r["region_id"],
                region_path=r["region__path"],
                category_id=r["category_id"],
                severity=r["severity"],
                indicator_id=r["indicator_id"],
                site_type=r["site__site_type"],
                key_source=predicates.is_key_source(r["source"], r["inspection__kind"]),
                state=state.get(pk, ""),
                deadline=deadline.get(pk),
            )
        )
    return out
