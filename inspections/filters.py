"""Issue filters, shared by the issue list page, the API, the export and the selectors."""

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.humantime import local_midnight
from chuangcheng.listpages import MultipleChoiceFilter
from chuangcheng.org.models import Region, Site, Unit

from .models import Inspection, Issue, IssueCategory, IssueSource, IssueState, PendingRequest, Severity, in_subtrees


def _sign_late():
    return Q(state=IssueState.ASSIGNED, signed_at__isnull=True, sign_deadline__lt=timezone.now())


class IssueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_q")
    campaign = django_filters.ModelChoiceFilter(label=_("创建活动"), queryset=Campaign.objects.all())
    region = django_filters.ModelChoiceFilter(
        label=_("区域（含下级）"), queryset=Region.objects.all(), method="filter_region"
    )
    responsible_unit = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=Unit.objects.all())
    category = django_filters.ModelChoiceFilter(label=_("问题类别"), queryset=IssueCategory.objects.all())
    indicator = django_filters.ModelChoiceFilter(label=_("对应指标"), queryset=Indicator.objects.all())
    site = django_filters.ModelChoiceFilter(label=_("测评点位"), queryset=Site.objects.all())
    inspection = django_filters.ModelChoiceFilter(label=_("检查"), queryset=Inspection.objects.all())
    source = MultipleChoiceFilter(label=_("问题来源"), choices=IssueSource.choices, distinct=False)
    severity = MultipleChoiceFilter(label=_("严重程度"), choices=Severity.choices, distinct=False)
    state = MultipleChoiceFilter(label=_("状态"), choices=IssueState.choices, distinct=False)
    pending_request = django_filters.ChoiceFilter(
        label=_("待决定的申请"), choices=[c for c in PendingRequest.choices if c[0]]
    )
    urgent = django_filters.BooleanFilter(label=_("紧急"))
    overdue = django_filters.BooleanFilter(label=_("超期未改"), method="filter_overdue")
    # Not in 超期未改 (the rectification clock starts at signing): waiting past the sign-by time.
    # Both chosen: either (they never overlap, so both at once would be nothing).
    sign_overdue = django_filters.BooleanFilter(label=_("签收超时"), method="filter_sign_overdue")
    reworked = django_filters.BooleanFilter(label=_("有返工"), method="filter_reworked")
    recurred = django_filters.BooleanFilter(label=_("有反弹"), method="filter_recurred")
    created_from = django_filters.DateFilter(label=_("登记日期起"), method="filter_created_from")
    created_to = django_filters.DateFilter(label=_("登记日期止"), method="filter_created_to")

    class Meta:
        model = Issue
        fields = []

    def filter_q(self, queryset, name, value):
        if not value:
            return queryset
        from .search import scope_terms, search_q

        scope = scope_terms(getattr(queryset, "seen", None), self.form.cleaned_data.get("region"))
        return queryset.filter(search_q(value, scope))

    def filter_region(self, queryset, name, region):
        return queryset.filter(in_subtrees([region.path])) if region else queryset

    def filter_overdue(self, queryset, name, value):
        """超期未改 as the figures count it (with 签收超时 also chosen: either)."""
        from .counting import overdue_q

        if value is None:
            return queryset
        if value and self.form.cleaned_data.get("sign_overdue"):
            return queryset.filter(overdue_q() | _sign_late())
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_sign_overdue(self, queryset, name, value):
        """Assigned, not yet signed, past the sign-by time (the ``insp_issue_unsigned`` index)."""
        if value is None or (value and self.form.cleaned_data.get("overdue")):
            return queryset  # both chosen: filter_overdue takes either
        return queryset.filter(_sign_late()) if value else queryset.exclude(_sign_late())

    def filter_reworked(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(rework_count__gt=0) if value else queryset.filter(rework_count=0)

    def filter_recurred(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(recurrence_count__gt=0) if value else queryset.filter(recurrence_count=0)

    # One value per row: no DISTINCT (django-filter adds one to MultipleChoiceFilter by default,
    # and DISTINCT over a wide row sorts the whole filtered set).

    # Dates are days in Asia/Shanghai: compare against the local day's bounds, so the filter
    # uses the created_at index instead of a per-row date conversion.
    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=local_midnight(value)) if value else queryset

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=local_midnight(value + dt.timedelta(days=1))) if value else queryset
