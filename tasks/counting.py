"""What the ledger's chips, its 已超期 filter and its export's 是否超期 count.

超期未完成任务 is a figure of :mod:`chuangcheng.reports.figures`: a task the figures measure (not
a decomposed parent — its children are measured — nor a recurring template) whose deadline day
has passed and that is not done. The reports app registers that predicate here when the apps
are ready (:func:`register`), so the ledger counts what the dashboards and briefings count;
tasks may not import reports. Nothing here defines the figure a second time.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, Case, Count, Q, Value, When
from django.utils import timezone

from chuangcheng import listpages

from .models import TaskState

_FIGURES = {}
# The states in which a task can be 超期未完成 (the figure's: not done; tests/reports check they
# agree): the ledger's 已完成 chip turns 超期未完成 off rather than combine into an empty list.
CAN_BE_OVERDUE = tuple(state for state in TaskState.values if state != TaskState.DONE)


def register(*, tasks_overdue, measured):
    """``tasks_overdue(today, now) -> Q`` and ``measured -> Q`` (the figures' population)."""
    _FIGURES.update(tasks_overdue=tasks_overdue, measured=measured)


def _figure(name):
    try:
        return _FIGURES[name]
    except KeyError:
        raise ImproperlyConfigured("tasks.counting: the reports app registers the figures it counts") from None


def measured_q():
    """The tasks the figures measure (not a decomposed parent, not a recurring template)."""
    return _figure("measured")


def overdue_q(today=None, now=None):
    """超期未完成任务 (the figure), as a filter on tasks."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    return _figure("measured") & _figure("tasks_overdue")(today, now)


def state_counts(queryset):
    """{state: count} for a (filtered) ledger, plus total and 超期未完成, in one query."""
    return listpages.state_counts(
        queryset,
        TaskState.values,
        overdue_q=overdue_q(),
        # 责任领导未关联: imported with --allow-unlinked-leaders, the name kept as text.
        leader_unlinked=Count("id", filter=Q(responsible_leader__isnull=True) & ~Q(responsible_leader_name="")),
    )


def annotate(queryset):
    """Rows with ``measured`` and ``overdue_now`` (the figure) for the export."""
    return queryset.annotate(
        measured=Case(When(_figure("measured"), then=Value(True)), default=Value(False), output_field=BooleanField()),
        overdue_now=Case(When(overdue_q(), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )
