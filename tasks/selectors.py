"""Reads of the ledger that are more than a filter. Each starts from ``visible_to(user)``."""

from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, Q, Value
from django.utils import timezone

from .filters import TaskFilter
from .models import Task, TaskState

LAG_THRESHOLD = 20  # percentage points behind the linear plan count as "lagging" (滞后)

LIST_RELATED = ("campaign", "owner_unit", "lead_unit", "region", "parent")


def lagging(queryset, *, today=None, value=True, threshold=LAG_THRESHOLD):
    """Keep (``value=True``) or drop the tasks lagging ``threshold`` points or more behind the
    linear plan — the same rule as :meth:`Task.lag`, in SQL.

    expected − progress ≥ t  ⟺  100·elapsed ≥ (progress + t)·total, with progress ≤ 100 − t
    (expected never exceeds 100). Durations multiply portably on SQLite and PostgreSQL."""
    today = today or timezone.localdate()
    annotated = queryset.annotate(
        _lag_lhs=ExpressionWrapper(
            (Value(today, output_field=DateField()) - F("start_date")) * 100, output_field=DurationField()
        ),
        _lag_rhs=ExpressionWrapper(
            (F("deadline") - F("start_date")) * (F("progress") + threshold), output_field=DurationField()
        ),
    )
    condition = ~Q(state=TaskState.DONE) & Q(progress__lte=100 - threshold) & Q(_lag_lhs__gte=F("_lag_rhs"))
    return annotated.filter(condition) if value else annotated.exclude(condition)


def task_list(*, user, filters=None):
    """The ledger for ``user``: visible tasks, filtered, with what a list row needs."""
    queryset = Task.objects.visible_to(user).select_related(*LIST_RELATED)
    if filters is not None:
        queryset = TaskFilter(filters, queryset=queryset).qs
    return queryset.order_by("deadline", "id")


def state_counts(queryset):
    """{state: count} for a (filtered) ledger, plus overdue, in one query."""
    today = timezone.localdate()
    row = queryset.order_by().aggregate(
        total=Count("id"),
        overdue=Count("id", filter=Q(deadline__lt=today) & ~Q(state=TaskState.DONE)),
        **{state: Count("id", filter=Q(state=state)) for state in TaskState.values},
    )
    return row


def my_work(*, user):
    """我的待办: the open tasks of my units, overdue first, then by deadline."""
    unit_ids = user.scope.unit_ids
    return (
        Task.objects.filter(owner_unit_id__in=unit_ids)
        .exclude(state=TaskState.DONE)
        .select_related(*LIST_RELATED)
        .order_by("deadline", "-priority", "id")
    )
