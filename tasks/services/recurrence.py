"""常态化: recurring tasks and the job that creates each period's occurrence, once."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Recurrence, Task, TaskAction, TaskState
from .common import _carried_by_parts
from .creation import _create

# --- recurrence (the job) ------------------------------------------------------------------------


def next_occurrence(task, after):
    """The first occurrence date of a recurring task strictly after ``after``, anchored on its
    start date (weekly: same weekday; monthly: same day of month, clamped to the month's end)."""
    if task.recurrence == Recurrence.WEEKLY:
        days = (task.start_date.weekday() - after.weekday()) % 7 or 7
        return after + dt.timedelta(days=days)
    if task.recurrence in (Recurrence.MONTHLY, Recurrence.QUARTERLY):
        step = 3 if task.recurrence == Recurrence.QUARTERLY else 1
        months = (after.year - task.start_date.year) * 12 + after.month - task.start_date.month
        months -= months % step
        candidate = task.start_date + relativedelta(months=months)
        return candidate if candidate > after else task.start_date + relativedelta(months=months + step)
    return None


def task_generate_occurrences(*, today=None):
    """Create the current period's occurrence of every active recurring task, once.

    Idempotent by data: an occurrence is the child with ``(parent, occurrence_date)`` under a
    unique constraint, so a re-run, a retry or two workers at once create it only once."""
    today = today or timezone.localdate()
    created = []
    templates = Task.objects.filter(
        recurrence__in=[Recurrence.WEEKLY, Recurrence.MONTHLY, Recurrence.QUARTERLY],
        start_date__lte=today,
        deadline__gte=today,
    ).exclude(state=TaskState.DONE)
    for template in templates.select_related("campaign", "owner_unit", "lead_unit", "region"):
        occurrence = _current_anchor(template, today)
        if occurrence is None or Task.objects.filter(parent=template, occurrence_date=occurrence).exists():
            continue
        period_end = next_occurrence(template, occurrence) - dt.timedelta(days=1)
        try:
            with transaction.atomic():
                occurrence_task = _create(
                    actor=None,
                    campaign=template.campaign,
                    title=f"{template.title}（{occurrence.month}月{occurrence.day}日）",
                    owner_unit=template.owner_unit,
                    lead_unit=template.lead_unit,
                    deadline=min(period_end, template.deadline),
                    start_date=occurrence,
                    completion_standard=template.completion_standard,
                    region=template.region,
                    priority=template.priority,
                    evidence_required=template.evidence_required,
                    parent=template,
                    occurrence_date=occurrence,
                )
                _carried_by_parts(template, None, TaskAction.GENERATE, changes={"occurrence": occurrence.isoformat()})
                created.append(occurrence_task)
        except IntegrityError:
            continue  # a concurrent run created this occurrence first: the constraint kept it single
    return created


def _current_anchor(template, today):
    """The start of the period ``today`` falls in: the latest anchor date on or before it."""
    probe = template.start_date
    if probe > today:
        return None
    previous = probe
    while probe <= today:
        previous = probe
        probe = next_occurrence(template, probe)
    return previous
