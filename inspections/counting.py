"""What the issue list's chips, its 已超期 filter and its export's 是否超期 count.

超期未改 is a figure of :mod:`chuangcheng.reports.figures` (在办 — 已交办 or 整改中 — and past its
rectification deadline). The reports app registers that predicate here when the apps are ready
(:func:`register`), so the list counts what the dashboards and briefings count; inspections may
not import reports. Nothing here defines the figure a second time.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, Case, Count, Value, When
from django.utils import timezone

from chuangcheng import listpages

from .models import IssueState

_FIGURES = {}


def register(*, issues_overdue_open):
    """``issues_overdue_open(moment) -> Q``."""
    _FIGURES.update(issues_overdue_open=issues_overdue_open)


def overdue_q(now=None):
    """超期未改 now (the figure), as a filter on issues."""
    try:
        figure = _FIGURES["issues_overdue_open"]
    except KeyError:
        raise ImproperlyConfigured("inspections.counting: the reports app registers the figures it counts") from None
    return figure(now or timezone.now())


def state_counts(queryset, *, now=None):
    """{state: count} plus total and 超期未改 for a filtered list, in one query."""
    return listpages.state_counts(queryset, IssueState.values, overdue=Count("id", filter=overdue_q(now)))


def annotate(queryset, *, now=None):
    """Rows with ``overdue_now`` (the figure) for the export."""
    return queryset.annotate(
        overdue_now=Case(When(overdue_q(now), then=Value(True)), default=Value(False), output_field=BooleanField())
    )
