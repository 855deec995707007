"""What each figure counts: one predicate per figure, and nothing else.

Every count the product shows — on the dashboards, in the daily summary rows, in the briefings,
in the exports and on the list pages' chips — is one of these predicates applied to a source
(issues, issue events, measured tasks). Where two views need different slices, they are two
figures with two names (在办 is 已交办+整改中; 未销号 adds 待核查 and 长期整改), never one word for
two numbers. The words printed next to each figure are in :mod:`chuangcheng.reports.definitions`.

Period predicates take :class:`~chuangcheng.reports.periods.Bounds` ``b`` (``[b.start, b.end)``,
judged at ``b.as_of``); backlog figures (what is owed at a moment) are a table, :data:`BACKLOG`,
evaluated in SQL on current rows (:func:`backlog_q`) and in Python on issues replayed from their
event log (:func:`backlog_holds`, used by :mod:`.history`) — one table, so both mean the same.

Where a figure is *read from* (these predicates over live rows today; aggregates kept by the
writes later) may change; what it *means* is decided here.
"""

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q

from chuangcheng.org.models import Region, Unit
from chuangcheng.org.selectors import AnyOf, in_subtree
from inspections import tally
from inspections.models import (
    CLOCK_STATES,
    Issue,
    IssueAction,
    IssueEvent,
    IssueState,
    Photo,
    PhotoKind,
    Severity,
)
from inspections.tally import KEY_INSPECTIONS, KEY_SOURCES
from tasks.models import Task, TaskState

# --- sources ----------------------------------------------------------------------------------


def in_period(field_name, b):
    """``field_name`` falls within the period's bounds ``b``."""
    return Q(**{f"{field_name}__gte": b.start, f"{field_name}__lt": b.end})


def issues_of(campaign, scope_path=None):
    """The issues of a campaign, within a region subtree when ``scope_path`` is given."""
    issues = Issue.objects.filter(campaign=campaign)
    return issues.filter(region__path__startswith=scope_path) if scope_path else issues


def events_of(campaign, scope_path=None):
    events = IssueEvent.objects.filter(issue__campaign=campaign)
    return events.filter(issue__region__path__startswith=scope_path) if scope_path else events


MEASURED_TASKS = Q(recurrence="") & ~Exists(Task.objects.filter(parent=OuterRef("pk")))


def measured(tasks):
    """The tasks the figures measure: a decomposed task is measured through its children, a
    recurring (常态化) template through its dated occurrences — never both."""
    return tasks.filter(MEASURED_TASKS)


def task_region_q(scope_path):
    """A task is in the region it names, or in its owner unit's region when it names none.

    The scope's regions and units are subqueries of ids, so the tasks are filtered on their own
    columns (joined to the regions and owner units, every dashboard and briefing read joined
    every task of the campaign first). On PostgreSQL each is ``= ANY(ARRAY(subquery))``
    (:func:`in_subtree`, :class:`AnyOf`): the subquery runs once and the OR becomes two bitmap
    index scans — with ``IN (subquery)`` in an OR PostgreSQL tested every task of the campaign
    against hashed subplans (a street: 8 – 12 ms → 2 ms at 20,000 tasks; docs/performance.md,
    tenth pass)."""
    units = Unit.objects.filter(region__path__startswith=scope_path).order_by().values("pk")
    if connection.vendor == "postgresql":
        return Q(in_subtree("region", scope_path)) | Q(Q(region__isnull=True), AnyOf(F("owner_unit_id"), units))
    regions = Region.objects.filter(path__startswith=scope_path).order_by().values("pk")
    return Q(region_id__in=regions) | Q(region__isnull=True, owner_unit_id__in=units)


def tasks_of(campaign, scope_path=None):
    tasks = measured(Task.objects.filter(campaign=campaign))
    return tasks.filter(task_region_q(scope_path)) if scope_path else tasks


# --- issues: flows of a period ----------------------------------------------------------------


def issues_reported(b):
    """登记问题: registered (created) in the period, whatever became of it."""
    return in_period("created_at", b)


def issues_assigned(b):
    """新交办问题: (last) assigned in the period."""
    return in_period("assigned_at", b)


def issues_closed(b):
    """销号问题: closed within the period and still closed."""
    return Q(state=IssueState.CLOSED) & in_period("closed_at", b)


def issues_due(b):
    """应销号问题: the rectification deadline falls in the period (long-term and dismissed excepted)."""
    return in_period("rectification_deadline", b) & ~Q(state__in=[IssueState.LONG_TERM, IssueState.DISMISSED])


def issues_due_closed(b):
    """应销号问题中已销号 (the numerator of 销号率)."""
    return issues_due(b) & Q(state=IssueState.CLOSED)


def issues_closed_on_time(b):
    """按期销号: due in the period (:func:`issues_due`) and closed by its deadline."""
    return issues_due_closed(b) & Q(closed_at__lte=F("rectification_deadline"))


def issues_negative_list(b):
    """负面清单问题: assigned in the period with the severity 负面清单."""
    return issues_assigned(b) & Q(severity=Severity.NEGATIVE_LIST)


def issue_key_source():
    """重点来源: 领导交办, 媒体曝光, or found by an inspection of kind 上级反馈 / 媒体曝光."""
    return Q(source__in=KEY_SOURCES) | Q(inspection__kind__in=KEY_INSPECTIONS)


def is_key_source(source, inspection_kind):
    """:func:`issue_key_source` for one replayed issue (the same two lists)."""
    return tally.is_key_source(source, inspection_kind)


# --- issues: what is owed at a moment (backlog) -------------------------------------------------

UNCLOSED_STATES = (IssueState.ASSIGNED, IssueState.RECTIFYING, IssueState.SUBMITTED, IssueState.LONG_TERM)
# figure: (states, past its deadline at the moment, only issues of a key source)
BACKLOG = {
    "issues_in_hand": (CLOCK_STATES, False, False),  # 在办: 已交办、整改中
    "issues_open": (UNCLOSED_STATES, False, False),  # 未销号: 在办 + 待核查 + 长期整改
    "issues_overdue_open": (CLOCK_STATES, True, False),  # 超期未改
    "issues_overdue_key": (CLOCK_STATES, True, True),  # 超期未改中重点来源
}


def backlog_q(name, moment):
    """The backlog figure ``name`` on current rows, as of ``moment`` (now, or a moment after
    which the rows did not change — see :mod:`.history`)."""
    states, late, key = BACKLOG[name]
    q = Q(state__in=states, assigned_at__lt=moment)
    if late:
        q &= Q(rectification_deadline__lt=moment)
    if key:
        q &= issue_key_source()
    return q


def backlog_holds(name, state, deadline, key_source, moment):
    """:func:`backlog_q` for one issue as it was at ``moment`` (replayed from its events)."""
    states, late, key = BACKLOG[name]
    if state not in states:
        return False
    if late and not (deadline is not None and deadline < moment):
        return False
    return key_source or not key


def issues_overdue_open(moment):
    """超期未改 now (the list pages' chip, the export's 是否超期 and the filter)."""
    return backlog_q("issues_overdue_open", moment)


# --- issue events of a period -----------------------------------------------------------------

VERIFICATION_ACTIONS = (IssueAction.VERIFY, IssueAction.REJECT)
EVENT_ACTIONS = (
    IssueAction.VERIFY,
    IssueAction.REJECT,
    IssueAction.REOPEN,
    IssueAction.APPROVE_EXTENSION,
    IssueAction.INSIST,
)


def integrity_confirmed():
    """弄虚作假（核查确认）: a 核查退回 of an issue that, when it was returned, had an after-photo
    the system flagged (疑似重复照片, or taken before the issue was registered) — the verifier saw
    the flag and refused the evidence. Counted once per return."""
    flagged = Photo.objects.filter(
        issue_id=OuterRef("issue_id"), kind=PhotoKind.AFTER, created_at__lte=OuterRef("created_at")
    ).filter(Q(duplicate_of__isnull=False) | Q(taken_before_issue=True))
    return Q(action=IssueAction.REJECT) & Exists(flagged)


EVENT_FIGURES = {
    "verifications": Q(action__in=VERIFICATION_ACTIONS),  # 核查次数: 销号 + 退回
    "rejections": Q(action=IssueAction.REJECT),  # 返工: 核查退回
    "recurrences": Q(action=IssueAction.REOPEN),  # 反弹: 反弹重办
    "extensions": Q(action=IssueAction.APPROVE_EXTENSION),  # 延期: 同意延期
    "refused_reassignments": Q(action=IssueAction.INSIST),  # 推诿: 申请退回被驳回
}


# --- tasks --------------------------------------------------------------------------------------


def tasks_due(period_start, period_end):
    """到期任务: the deadline falls in the period."""
    return Q(deadline__gte=period_start, deadline__lte=period_end)


def tasks_done(b):
    """完成任务: accepted (done) in the period."""
    return Q(state=TaskState.DONE) & in_period("done_at", b)


def tasks_done_on_time(period_start, period_end):
    """按期完成: due in the period and accepted on or before its deadline day."""
    return tasks_due(period_start, period_end) & Q(state=TaskState.DONE, done_at__date__lte=F("deadline"))


def _not_done_by(as_of):
    # 已完成 is final: a task done now was not done at ``as_of`` when it was done later.
    return ~Q(state=TaskState.DONE) | Q(done_at__gte=as_of)


def tasks_overdue(as_of_date, as_of):
    """超期未完成任务: the deadline day is before ``as_of_date`` and the task was not done by ``as_of``."""
    return _not_done_by(as_of) & Q(deadline__lt=as_of_date)


def tasks_in_progress(as_of_date, as_of):
    """在办任务: started before ``as_of_date`` and not done by ``as_of`` (the base of 进度达标率)."""
    return _not_done_by(as_of) & Q(start_date__lt=as_of_date)
