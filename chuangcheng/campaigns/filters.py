"""FilterSets for campaigns, standards and indicators — shared by the API, pages, exports and
selectors; they filter a queryset already scoped with ``visible_to(user)``."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.filters import IdFilter

from .models import Campaign, CampaignStatus, CityTitle, EvaluationMethod, Indicator, Standard


class CampaignFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=CampaignStatus.choices)
    name = django_filters.CharFilter(label=_("活动名称"), lookup_expr="icontains")

    class Meta:
        model = Campaign
        fields = ["status", "name"]


class StandardFilterSet(django_filters.FilterSet):
    title = django_filters.ChoiceFilter(label=_("对应称号"), choices=CityTitle.choices)
    name = django_filters.CharFilter(label=_("名称"), lookup_expr="icontains")

    class Meta:
        model = Standard
        fields = ["title", "name"]


class IndicatorFilterSet(django_filters.FilterSet):
    standard = IdFilter(label=_("测评体系"), field_name="standard_id")
    parent = IdFilter(label=_("上级指标"), field_name="parent_id")
    is_top = django_filters.BooleanFilter(label=_("仅顶层指标"), field_name="parent", lookup_expr="isnull")
    negative_list = django_filters.BooleanFilter(label=_("负面清单"))
    method = django_filters.ChoiceFilter(
        label=_("测评方法"),
        choices=EvaluationMethod.choices,
        method="filter_method",
        help_text=_("含该测评方法的指标。"),
    )
    code = django_filters.CharFilter(label=_("编号"))

    def filter_method(self, queryset, name, value):
        """Any of the indicator's methods (``methods`` holds them comma-separated)."""
        return queryset.filter(
            Q(method=value)
            | Q(methods=value)
            | Q(methods__startswith=f"{value},")
            | Q(methods__endswith=f",{value}")
            | Q(methods__contains=f",{value},")
        )

    class Meta:
        model = Indicator
        fields = ["standard", "parent", "is_top", "negative_list", "method", "code"]
