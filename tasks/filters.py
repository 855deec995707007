"""The ledger's filters, shared by the ledger page, the API, the export and the selectors."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.listpages import MultipleChoiceFilter
from chuangcheng.org.models import Region, Unit

from .models import Priority, Task, TaskState


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("关键词"), method="filter_q")
    campaign = django_filters.ModelChoiceFilter(label=_("创建活动"), queryset=Campaign.objects.all())
    unit = django_filters.ModelChoiceFilter(label=_("单位"), queryset=Unit.objects.all(), method="filter_unit")
    owner_unit = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=Unit.objects.all())
    lead_unit = django_filters.ModelChoiceFilter(label=_("牵头单位"), queryset=Unit.objects.all())
    region = django_filters.ModelChoiceFilter(
        label=_("区域（含下级）"), queryset=Region.objects.all(), method="filter_region"
    )
    indicator = django_filters.ModelChoiceFilter(
        label=_("指标"), queryset=Indicator.objects.all(), field_name="indicators"
    )
    state = MultipleChoiceFilter(label=_("状态"), choices=TaskState.choices, distinct=False)
    priority = django_filters.ChoiceFilter(label=_("优先级"), choices=Priority.choices)
    overdue = django_filters.BooleanFilter(label=_("超期未完成"), method="filter_overdue")
    lagging = django_filters.BooleanFilter(label=_("进度滞后"), method="filter_lagging")
    deadline_from = django_filters.DateFilter(label=_("时限起"), field_name="deadline", lookup_expr="gte")
    deadline_to = django_filters.DateFilter(label=_("时限止"), field_name="deadline", lookup_expr="lte")
    parent = django_filters.NumberFilter(label=_("上级任务"), field_name="parent_id")
    top_level = django_filters.BooleanFilter(label=_("仅顶层任务"), method="filter_top_level")
    leader_unlinked = django_filters.BooleanFilter(label=_("责任领导未关联"), method="filter_leader_unlinked")

    class Meta:
        model = Task
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(number=value)) if value else queryset

    def filter_unit(self, queryset, name, unit):
        """Any involvement: owner, lead or cooperating unit."""
        if not unit:
            return queryset
        return queryset.filter(
            Q(owner_unit=unit)
            | Q(lead_unit=unit)
            | Q(pk__in=Task.cooperating_units.through.objects.filter(unit=unit).values("task_id"))
        )

    def filter_region(self, queryset, name, region):
        if not region:
            return queryset
        return queryset.filter(
            Q(region__path__startswith=region.path)
            | Q(region__isnull=True, owner_unit__region__path__startswith=region.path)
        )

    def filter_top_level(self, queryset, name, value):
        """The top of what the person sees: tasks without a parent, and tasks whose parent is
        outside their scope (a district's share of a city task is the top of its ledger)."""
        if value is None:
            return queryset
        seen = self.queryset.order_by()  # the person's tasks (visible_to), before any filter
        top = Q(parent__isnull=True)
        if seen.query.where:  # not everything: a parent may be out of sight
            # Two small reads (the sub-tasks seen, then which of their parents are seen) instead of
            # testing every task against the whole scope (+30 – 45 ms on a district's ledger).
            kids = dict(seen.filter(parent__isnull=False).values_list("pk", "parent_id"))
            parents = set(seen.filter(pk__in=set(kids.values())).values_list("pk", flat=True))
            top |= Q(pk__in=[pk for pk, parent in kids.items() if parent not in parents])
        return queryset.filter(top) if value else queryset.exclude(top)

    def filter_leader_unlinked(self, queryset, name, value):
        """Tasks whose 责任领导 is only a name (imported with unlinked leaders allowed): nobody
        gets their reminders until the name is linked to a person."""
        if value is None:
            return queryset
        unlinked = Q(responsible_leader__isnull=True) & ~Q(responsible_leader_name="")
        return queryset.filter(unlinked) if value else queryset.exclude(unlinked)

    def filter_overdue(self, queryset, name, value):
        """超期未完成 as the figures count it (decomposed parents through their children)."""
        from .counting import overdue_q

        if value is None:
            return queryset
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_lagging(self, queryset, name, value):
        """进度滞后 as the figures count it (进度滞后任务): among the tasks they measure — a
        decomposed parent through its children, a recurring template through its occurrences."""
        from .counting import measured_q
        from .selectors import lagging

        return queryset if value is None else lagging(queryset, value=value, among=measured_q())
