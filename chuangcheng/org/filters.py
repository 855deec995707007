"""FilterSets for regions, units, sites and leader assignments — shared by the API, pages,
exports and selectors. They filter a queryset already scoped with ``visible_to(user)``; a
region given by id (``within``, ``region``) selects its whole subtree by path prefix."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import AssignmentKind, LeaderAssignment, Region, RegionLevel, Site, SiteType, Unit, UnitKind, UnitLevel


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A primary key: a whole number (``NumberFilter`` would take decimals) within the range of a
    ``bigint`` — a longer one is a 400 naming the filter, not a database overflow (500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def subtree_of(queryset, path_lookup, region_id):
    """Rows whose region (``path_lookup``: the lookup to its ``path``) lies under ``region_id``,
    that region included. One path-prefix condition; an unknown id matches nothing."""
    if region_id in (None, ""):
        return queryset
    path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first()
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{path_lookup}__startswith": path})


class RegionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("层级"), choices=RegionLevel.choices)
    parent = IdFilter(label=_("上级区划"), field_name="parent_id")
    code = django_filters.CharFilter(label=_("区划代码"), field_name="code")
    name = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")
    within = IdFilter(label=_("所属区划（含下级）"), method="filter_within")

    class Meta:
        model = Region
        fields = ["level", "parent", "code", "name", "within"]

    def filter_within(self, queryset, name, value):
        return subtree_of(queryset, "path", value)


class UnitFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=UnitKind.choices)
    level = django_filters.ChoiceFilter(label=_("层级"), choices=UnitLevel.choices)
    region = IdFilter(label=_("辖区（含下级）"), method="filter_region")
    parent = IdFilter(label=_("上级单位"), field_name="parent_id")
    name = django_filters.CharFilter(label=_("单位名称"), method="filter_name")
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = Unit
        fields = ["kind", "level", "region", "parent", "name", "is_active"]

    def filter_region(self, queryset, name, value):
        return subtree_of(queryset, "region__path", value)

    def filter_name(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))


class SiteFilterSet(django_filters.FilterSet):
    site_type = django_filters.ChoiceFilter(label=_("点位类型"), choices=SiteType.choices)
    region = IdFilter(label=_("所在区划（含下级）"), method="filter_region")
    responsible_unit = IdFilter(label=_("责任单位"), field_name="responsible_unit_id")
    name = django_filters.CharFilter(label=_("点位名称"), lookup_expr="icontains")
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = Site
        fields = ["site_type", "region", "responsible_unit", "name", "is_active"]

    def filter_region(self, queryset, name, value):
        return subtree_of(queryset, "region__path", value)


class LeaderAssignmentFilterSet(django_filters.FilterSet):
    campaign = IdFilter(label=_("创建活动"), field_name="campaign_id")
    leader = IdFilter(label=_("领导"), field_name="leader_id")
    unit = IdFilter(label=_("包保单位"), field_name="unit_id")
    kind = django_filters.ChoiceFilter(label=_("责任类型"), choices=AssignmentKind.choices)
    region = IdFilter(label=_("包保区域（含下级）"), method="filter_region")
    site = IdFilter(label=_("包保点位"), field_name="site_id")

    class Meta:
        model = LeaderAssignment
        fields = ["campaign", "leader", "unit", "kind", "region", "site"]

    def filter_region(self, queryset, name, value):
        return subtree_of(queryset, "region__path", value)
