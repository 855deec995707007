"""Randomized campaign data for the figures' consistency tests: issues in every state with the
event log the services would have written (accepted, signed, returned for rework, extended,
reassignment refused, submitted, closed, reopened and closed again, moved to long-term,
dismissed), and tasks (plain, decomposed into children, done on time and late, overdue).

Every row is the replay of its events (the same rule as :mod:`chuangcheng.reports.figures.
history`), so a past moment's backlog can be checked against the log and against today's rows.
"""

import datetime as dt
import random

from inspections import tally
from inspections.models import Issue, IssueAction, IssueEvent, IssueSource, IssueState, Severity
from tasks.models import Task, TaskState

A, S = IssueAction, IssueState
HOUR = dt.timedelta(hours=1)


def _iso(moment):
    return moment.isoformat() if moment else None


class Lifecycle:
    """One issue's events, kept in order and never in the future."""

    def __init__(self, now):
        self.now, self.events, self.t = now, [], None

    def add(self, action, old, new, at, changes=None):
        at = max(at, self.t) if self.t else at
        if at >= self.now:
            raise StopIteration  # the rest has not happened yet
        self.events.append((action, old, new, at, changes or {}))
        self.t = at + dt.timedelta(minutes=1)
        return at


def play(rng, now, created, unit_id):
    """A random lifecycle from ``created``; returns the events."""
    life = Lifecycle(now)
    later = lambda lo, hi: life.t + dt.timedelta(hours=rng.uniform(lo, hi))  # noqa: E731
    try:
        life.add(A.CREATE, "", S.REPORTED, created)
        roll = rng.random()
        if roll < 0.08:
            return life.events  # still 待受理
        if roll < 0.14:
            life.add(A.DISMISS, S.REPORTED, S.DISMISSED, later(1, 20))
            return life.events
        life.add(A.ACCEPT, S.REPORTED, S.ASSIGNED, later(0.5, 12),
                 {"responsible_unit_id": [None, unit_id], "rectification_deadline": None})  # fmt: skip
        if rng.random() < 0.12:
            life.add(A.REQUEST_REASSIGNMENT, S.ASSIGNED, S.ASSIGNED, later(0.2, 3), {"reason": "territory"})
            life.add(A.INSIST, S.ASSIGNED, S.ASSIGNED, later(0.5, 6))
        if rng.random() < 0.1:
            return life.events  # 已交办, never signed
        signed = life.add(A.SIGN, S.ASSIGNED, S.RECTIFYING, later(0.2, 30), {})
        deadline = signed + dt.timedelta(hours=rng.choice([4, 8, 24, 48, 96, 200]))
        life.events[-1][4]["rectification_deadline"] = [None, _iso(deadline)]
        if rng.random() < 0.15:
            new = deadline + dt.timedelta(days=2)
            life.add(
                A.REQUEST_EXTENSION,
                S.RECTIFYING,
                S.RECTIFYING,
                later(1, 10),
                {"rectification_deadline": _iso(deadline)},
            )
            life.add(A.APPROVE_EXTENSION, S.RECTIFYING, S.RECTIFYING, later(0.5, 5),
                     {"rectification_deadline": [_iso(deadline), _iso(new)]})  # fmt: skip
            deadline = new
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            life.add(A.SUBMIT, S.RECTIFYING, S.SUBMITTED, later(2, 40))
            life.add(A.REJECT, S.SUBMITTED, S.RECTIFYING, later(1, 20))
        roll = rng.random()
        if roll < 0.25:
            return life.events  # 整改中
        if roll < 0.32:
            life.add(A.MOVE_LONG_TERM, S.RECTIFYING, S.LONG_TERM, later(10, 100))
            return life.events
        life.add(A.SUBMIT, S.RECTIFYING, S.SUBMITTED, later(2, 120))
        if rng.random() < 0.2:
            return life.events  # 待核查
        life.add(A.VERIFY, S.SUBMITTED, S.CLOSED, later(1, 30))
        if rng.random() < 0.15:
            reopened = later(24, 200)
            new = reopened + dt.timedelta(hours=rng.choice([8, 48]))
            life.add(
                A.REOPEN, S.CLOSED, S.RECTIFYING, reopened, {"rectification_deadline": [_iso(deadline), _iso(new)]}
            )
            if rng.random() < 0.5:
                life.add(A.SUBMIT, S.RECTIFYING, S.SUBMITTED, later(2, 40))
                life.add(A.VERIFY, S.SUBMITTED, S.CLOSED, later(1, 20))
    except StopIteration:
        pass
    return life.events


def facts(events):
    """The row an issue's events leave: state, deadline and the timestamps."""
    out = {"state": S.REPORTED, "rectification_deadline": None, "assigned_at": None, "signed_at": None,
           "submitted_at": None, "closed_at": None, "rework_count": 0, "extension_count": 0, "recurrence_count": 0}  # fmt: skip
    for action, _old, new, at, changes in events:
        if new:
            out["state"] = new
        if "rectification_deadline" in changes:
            value = changes["rectification_deadline"]
            value = value[1] if isinstance(value, list) else value
            out["rectification_deadline"] = dt.datetime.fromisoformat(value) if value else None
        stamp = {A.ACCEPT: "assigned_at", A.SIGN: "signed_at", A.SUBMIT: "submitted_at", A.VERIFY: "closed_at"}
        if action in stamp:
            out[stamp[action]] = at
        out["rework_count"] += action == A.REJECT
        out["extension_count"] += action == A.APPROVE_EXTENSION
        out["recurrence_count"] += action == A.REOPEN
    if out["state"] != S.CLOSED:
        out["closed_at"] = None
    return out


def build(*, campaign, category, places, now, seed=12, issues=160, tasks=True):
    """``places``: ``[(region, unit)]`` issues are spread over. Returns the issues."""
    rng = random.Random(seed)
    made = []
    for n in range(issues):
        region, unit = rng.choice(places)
        created = now - dt.timedelta(hours=rng.uniform(1, 45 * 24))
        events = play(rng, now, created, unit.pk)
        row = facts(events)
        dispatched = row["assigned_at"] is not None
        issue = Issue.objects.create(
            campaign=campaign,
            source=rng.choice([IssueSource.PATROL, IssueSource.PATROL, IssueSource.LEADER, IssueSource.MEDIA]),
            category=category,
            description=f"随机问题{n}",
            address=f"随机路{n}号",
            region=region,
            severity=rng.choice([Severity.GENERAL, Severity.GENERAL, Severity.SERIOUS, Severity.NEGATIVE_LIST]),
            responsible_unit=unit if dispatched or row["state"] not in (S.REPORTED, S.DISMISSED) else None,
            created_at=created,
            dismiss_reason="重复" if row["state"] == S.DISMISSED else "",
            long_term_target_date=(now + dt.timedelta(days=60)).date() if row["state"] == S.LONG_TERM else None,
            **row,
        )
        IssueEvent.objects.bulk_create(
            IssueEvent(issue=issue, action=a, from_state=o, to_state=t, created_at=at, changes=c)
            for a, o, t, at, c in events
        )
        made.append(issue)
    if tasks:
        _tasks(rng, campaign, places, now)
    tally.rebuild()  # the rows were written directly, not through the services that keep the tallies
    return made


def _tasks(rng, campaign, places, now):
    today = now.date()
    owners = {unit for _region, unit in places}
    for n in range(30):
        region, unit = rng.choice(places)
        start = today - dt.timedelta(days=rng.randint(5, 50))
        deadline = start + dt.timedelta(days=rng.randint(1, 40))
        state = rng.choice([TaskState.PENDING, TaskState.IN_PROGRESS, TaskState.IN_PROGRESS, TaskState.DONE])
        done_at = None
        if state == TaskState.DONE:
            done_day = min(today - dt.timedelta(days=1), deadline + dt.timedelta(days=rng.randint(-5, 5)))
            done_at = now.replace(year=done_day.year, month=done_day.month, day=done_day.day, hour=10)
        parent = Task.objects.create(
            campaign=campaign, title=f"随机任务{n}", owner_unit=unit, region=region.parent if n % 3 else None,
            start_date=start, deadline=max(deadline, start), state=state, done_at=done_at,
            progress=100 if state == TaskState.DONE else rng.randint(0, 90),
        )  # fmt: skip
        if n % 5 == 0 and state != TaskState.DONE:  # decomposed: measured through its children
            for child_unit in rng.sample(sorted(owners, key=lambda u: u.pk), 2):
                Task.objects.create(
                    campaign=campaign, title=f"随机任务{n}-{child_unit.pk}", owner_unit=child_unit, parent=parent,
                    start_date=start, deadline=parent.deadline, progress=rng.randint(0, 60),
                    state=TaskState.IN_PROGRESS,
                )  # fmt: skip
