"""Fixtures for figures and briefings: issues, events and tasks written straight to the
database with chosen timestamps (the lifecycle services are tested in tests/inspections and
tests/tasks; here only the numbers matter).

``world`` is one week of activity in the shared ``city``: the week that ended last Sunday
(so the scheduled weekly briefing reports on it), Asia/Shanghai.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chuangcheng.campaigns.models import Campaign
from chuangcheng.reports import periods
from chuangcheng.reports.models import CampaignScoring
from inspections import tally
from inspections.models import Issue, IssueAction, IssueEvent, IssueState, Severity
from tests.factories import TaskFactory
from tests.inspections.factories import IssueCategoryFactory

SHANGHAI = timezone.get_default_timezone()


def at(day, hour=10, minute=0):
    """An aware datetime on ``day`` in Asia/Shanghai."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), SHANGHAI)


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(db):
    return IssueCategoryFactory(code="200102", name="暴露垃圾")


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def write_history(issue, *, created, assigned, deadline, closed, state):
    """The events the services would have written for an issue with these timestamps, so that
    replaying its log gives the row (the figures judge past moments from the log)."""
    A, S = IssueAction, IssueState
    rows = [(A.CREATE, "", S.REPORTED, created, {})]
    if state == S.DISMISSED:
        rows.append((A.DISMISS, S.REPORTED, S.DISMISSED, created + dt.timedelta(minutes=5), {}))
    if assigned is not None:
        unit = {"responsible_unit_id": [None, issue.responsible_unit_id]}
        rows.append((A.ACCEPT, S.REPORTED, S.ASSIGNED, assigned, {**unit, "rectification_deadline": None}))
        if state != S.ASSIGNED:
            sign = {"rectification_deadline": [None, _iso(deadline)]}
            rows.append((A.SIGN, S.ASSIGNED, S.RECTIFYING, assigned + dt.timedelta(minutes=1), sign))
        if state == S.LONG_TERM:
            rows.append((A.MOVE_LONG_TERM, S.RECTIFYING, S.LONG_TERM, assigned + dt.timedelta(minutes=2), {}))
        if state == S.SUBMITTED:
            rows.append((A.SUBMIT, S.RECTIFYING, S.SUBMITTED, assigned + dt.timedelta(minutes=2), {}))
        if state == S.CLOSED:
            rows.append((A.SUBMIT, S.RECTIFYING, S.SUBMITTED, closed - dt.timedelta(minutes=1), {}))
            rows.append((A.VERIFY, S.SUBMITTED, S.CLOSED, closed, {}))
    IssueEvent.objects.bulk_create(
        IssueEvent(issue=issue, action=a, from_state=f, to_state=t, created_at=when, changes=c)
        for a, f, t, when, c in rows
    )


@pytest.fixture
def make_issue(campaign, category):
    """An issue written straight to the table, with the events that account for it (``history``
    off: the row alone)."""

    def make(
        unit, region, *, state=IssueState.RECTIFYING, assigned=None, deadline=None, closed=None, history=True, **kw
    ):
        kw.setdefault("severity", Severity.GENERAL)
        created = kw.pop("created_at", None) or ((assigned - dt.timedelta(hours=1)) if assigned else timezone.now())
        issue = Issue.objects.create(
            campaign=kw.pop("campaign", campaign),
            source=kw.pop("source", "patrol"),
            category=category,
            description="问题描述",
            address=kw.pop("address", "测试路1号"),
            region=region,
            responsible_unit=unit,
            state=state,
            assigned_at=assigned,
            rectification_deadline=deadline,
            closed_at=closed,
            created_at=created,
            **kw,
        )
        if history:
            write_history(issue, created=created, assigned=assigned, deadline=deadline, closed=closed, state=state)
        tally.rebuild()  # written straight to the tables: count it in the aggregates the services keep
        return issue

    return make


def event(issue, action, moment):
    created = IssueEvent.objects.create(issue=issue, action=action, created_at=moment)
    tally.rebuild()  # written straight to the log: count it in the day tables
    return created


@pytest.fixture
def week():
    """The week the scheduled weekly briefing reports on today: (monday, sunday)."""
    return periods.last_finished_period("weekly")


@pytest.fixture
def world(campaign, city, units, people, make_issue, week):
    """Last week in the shared city:

    甲一街道办事处 (territorial street, 甲区): 3 issues assigned Monday, due Wednesday — one closed
    on time (Tuesday, after one rejected verification), one closed late (Thursday), one still
    rectifying (overdue); a negative-list issue assigned Tuesday, closed the same day.
    乙一街道办事处 (territorial street, 乙区): 1 issue assigned and closed on time, verified once.
    示范市城管局 (functional, city): 1 issue due Friday, still rectifying (overdue), in 乙区.
    Tasks: 甲一 owns one due Wednesday, done Tuesday (on time); 乙一 one due Wednesday, not done.
    """
    monday, sunday = week
    Campaign.objects.filter(pk=campaign.pk).update(start_date=monday - dt.timedelta(days=60))
    campaign.refresh_from_db()
    # Two ranked street offices: half of them may be flagged (one red, one black).
    CampaignScoring.objects.create(campaign=campaign, flag_share=50)
    tue, wed, thu, fri = (monday + dt.timedelta(days=n) for n in (1, 2, 3, 4))
    a1, b1, cgj = units.street_a1, units.street_b1, units.cgj
    on_time = make_issue(
        a1,
        city.a1v,
        state=IssueState.CLOSED,
        assigned=at(monday),
        deadline=at(wed),
        closed=at(tue),
        address="甲一路1号",
    )
    late = make_issue(
        a1,
        city.a1v,
        state=IssueState.CLOSED,
        assigned=at(monday),
        deadline=at(wed),
        closed=at(thu),
        address="甲一路2号",
    )
    open_overdue = make_issue(a1, city.a1v, assigned=at(monday), deadline=at(wed), address="甲一路3号")
    negative = make_issue(
        a1,
        city.a1,
        state=IssueState.CLOSED,
        assigned=at(tue, 9),
        deadline=at(tue, 18),
        closed=at(tue, 17),
        severity=Severity.NEGATIVE_LIST,
        address="甲一路4号",
    )
    event(on_time, IssueAction.REJECT, at(monday, 15))
    b_issue = make_issue(
        b1,
        city.b1v,
        state=IssueState.CLOSED,
        assigned=at(monday),
        deadline=at(wed),
        closed=at(tue, 12),
        address="乙一路1号",
    )
    cgj_issue = make_issue(cgj, city.b1, assigned=at(wed), deadline=at(fri), address="乙一路9号")
    # Outside the period: assigned long ago, closed long ago (counts nowhere this week).
    make_issue(a1, city.a1v, state=IssueState.CLOSED, assigned=at(monday - dt.timedelta(days=30)),
               deadline=at(monday - dt.timedelta(days=29)), closed=at(monday - dt.timedelta(days=29)))  # fmt: skip
    task_a = TaskFactory(
        campaign=campaign, owner_unit=a1, region=city.a1, start_date=monday - dt.timedelta(days=20), deadline=wed,
        state="done", progress=100, done_at=at(tue), title="背街小巷整治",
    )  # fmt: skip
    task_b = TaskFactory(
        campaign=campaign, owner_unit=b1, region=city.b1, start_date=monday - dt.timedelta(days=20), deadline=wed,
        progress=10, title="农贸市场改造",
    )  # fmt: skip
    return SimpleNamespace(
        monday=monday,
        sunday=sunday,
        now=at(sunday + dt.timedelta(days=1), 9),
        on_time=on_time,
        late=late,
        open_overdue=open_overdue,
        negative=negative,
        b_issue=b_issue,
        cgj_issue=cgj_issue,
        task_a=task_a,
        task_b=task_b,
    )
