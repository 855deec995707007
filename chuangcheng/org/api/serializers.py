"""Serializers of the org API. Output serializers read (with display labels, and names of
related objects from the viewset's joins); input serializers only check shapes and hand the
values to a service."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from chuangcheng.org.models import (
    AreaClass,
    AssignmentKind,
    LeaderAssignment,
    Region,
    RegionLevel,
    Site,
    SiteType,
    Unit,
    UnitKind,
    UnitLevel,
    User,
)
from chuangcheng.org.selectors import region_full_names

from .base import LabelField, VisiblePrimaryKeyRelatedField
from .representation import CompiledRepresentation, RowsListSerializer

# --- Regions -----------------------------------------------------------------------------------


class RegionListSerializer(serializers.ListSerializer):
    """Looks up the ancestors' names of a whole page in one query (for ``full_name``)."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.child.full_names = region_full_names(rows)
        return super().to_representation(rows)


class RegionSerializer(serializers.ModelSerializer):
    level_display = LabelField(source="level")
    area_class_display = LabelField(source="area_class")
    depth = serializers.IntegerField(
        read_only=True, help_text=_("层级深度：市 1，区县 2，街道乡镇 3，社区村 4，网格 5。")
    )
    full_name = serializers.SerializerMethodField(help_text=_("从市级起的全称，如“示范市甲区甲一街道”。"))

    class Meta:
        model = Region
        list_serializer_class = RegionListSerializer
        fields = [
            "id",
            "code",
            "name",
            "level",
            "level_display",
            "parent",
            "path",
            "depth",
            "area_class",
            "area_class_display",
            "full_name",
        ]
        read_only_fields = fields
        extra_kwargs = {"path": {"help_text": _("祖先主键组成的路径，如 /1/7/30/；按前缀即可取整棵子树。")}}

    def get_full_name(self, region) -> str:
        names = getattr(self, "full_names", None)
        if names is not None and region.id in names:
            return names[region.id]
        return region.full_name()


class RegionCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("名称"), max_length=100)
    level = serializers.ChoiceField(label=_("层级"), choices=RegionLevel.choices)
    parent = VisiblePrimaryKeyRelatedField(
        label=_("上级区划"), queryset=Region.objects.all(), allow_null=True, required=False
    )
    code = serializers.CharField(
        label=_("区划代码"),
        max_length=15,
        required=False,
        allow_blank=True,
        allow_null=True,
        validators=[UniqueValidator(Region.objects.all(), message=_("该区划代码已被使用。"))],
    )
    area_class = serializers.ChoiceField(label=_("区域类别"), choices=AreaClass.choices, required=False)


class RegionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("名称"), max_length=100, required=False)
    level = serializers.ChoiceField(label=_("层级"), choices=RegionLevel.choices, required=False)
    parent = VisiblePrimaryKeyRelatedField(
        label=_("上级区划"), queryset=Region.objects.all(), allow_null=True, required=False
    )
    code = serializers.CharField(label=_("区划代码"), max_length=15, required=False, allow_blank=True, allow_null=True)
    area_class = serializers.ChoiceField(label=_("区域类别"), choices=AreaClass.choices, required=False)


# --- Units -------------------------------------------------------------------------------------


class UnitRefSerializer(CompiledRepresentation, serializers.ModelSerializer):
    """A unit as the other apps' answers name it (a task's cooperating units, an issue's
    responsible unit): its id and name."""

    class Meta:
        model = Unit
        fields = ["id", "name"]
        read_only_fields = fields
        list_serializer_class = RowsListSerializer


class UnitSerializer(serializers.ModelSerializer):
    kind_display = LabelField(source="kind")
    level_display = LabelField(source="level")
    region_name = serializers.CharField(source="region.name", read_only=True)
    parent_name = serializers.CharField(source="parent.name", read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "level",
            "level_display",
            "region",
            "region_name",
            "parent",
            "parent_name",
            "is_active",
        ]
        read_only_fields = fields


class UnitCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("单位名称"), max_length=100)
    short_name = serializers.CharField(label=_("简称"), max_length=50, required=False, allow_blank=True)
    kind = serializers.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    level = serializers.ChoiceField(label=_("层级"), choices=UnitLevel.choices)
    region = VisiblePrimaryKeyRelatedField(label=_("辖区"), queryset=Region.objects.all())
    parent = VisiblePrimaryKeyRelatedField(
        label=_("上级单位"), queryset=Unit.objects.all(), allow_null=True, required=False
    )
    is_active = serializers.BooleanField(label=_("启用"), required=False, default=True)


class UnitUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("单位名称"), max_length=100, required=False)
    short_name = serializers.CharField(label=_("简称"), max_length=50, required=False, allow_blank=True)
    kind = serializers.ChoiceField(label=_("类型"), choices=UnitKind.choices, required=False)
    level = serializers.ChoiceField(label=_("层级"), choices=UnitLevel.choices, required=False)
    region = VisiblePrimaryKeyRelatedField(label=_("辖区"), queryset=Region.objects.all(), required=False)
    parent = VisiblePrimaryKeyRelatedField(
        label=_("上级单位"), queryset=Unit.objects.all(), allow_null=True, required=False
    )
    is_active = serializers.BooleanField(label=_("启用"), required=False)


# --- Sites -------------------------------------------------------------------------------------


class SiteSerializer(serializers.ModelSerializer):
    site_type_display = LabelField(source="site_type")
    region_name = serializers.CharField(source="region.name", read_only=True)
    responsible_unit_name = serializers.CharField(source="responsible_unit.name", read_only=True)

    class Meta:
        model = Site
        fields = [
            "id",
            "site_type",
            "site_type_display",
            "name",
            "region",
            "region_name",
            "address",
            "latitude",
            "longitude",
            "responsible_unit",
            "responsible_unit_name",
            "is_active",
        ]
        read_only_fields = fields


def _coordinate(label, limit, **kwargs):
    return serializers.DecimalField(
        label=label, max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, allow_null=True, **kwargs
    )


class SiteCreateSerializer(serializers.Serializer):
    site_type = serializers.ChoiceField(label=_("点位类型"), choices=SiteType.choices)
    name = serializers.CharField(label=_("点位名称"), max_length=120)
    region = VisiblePrimaryKeyRelatedField(label=_("所在区划"), queryset=Region.objects.all())
    responsible_unit = VisiblePrimaryKeyRelatedField(label=_("责任单位"), queryset=Unit.objects.all())
    address = serializers.CharField(label=_("地址"), max_length=200, required=False, allow_blank=True)
    latitude = _coordinate(_("纬度"), 90, required=False, default=None)
    longitude = _coordinate(_("经度"), 180, required=False, default=None)
    is_active = serializers.BooleanField(label=_("启用"), required=False, default=True)


class SiteUpdateSerializer(serializers.Serializer):
    site_type = serializers.ChoiceField(label=_("点位类型"), choices=SiteType.choices, required=False)
    name = serializers.CharField(label=_("点位名称"), max_length=120, required=False)
    region = VisiblePrimaryKeyRelatedField(label=_("所在区划"), queryset=Region.objects.all(), required=False)
    responsible_unit = VisiblePrimaryKeyRelatedField(label=_("责任单位"), queryset=Unit.objects.all(), required=False)
    address = serializers.CharField(label=_("地址"), max_length=200, required=False, allow_blank=True)
    latitude = _coordinate(_("纬度"), 90, required=False)
    longitude = _coordinate(_("经度"), 180, required=False)
    is_active = serializers.BooleanField(label=_("启用"), required=False)


# --- Leader assignments ------------------------------------------------------------------------


class LeaderAssignmentSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    leader_name = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True)
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True)
    site_name = serializers.CharField(source="site.name", read_only=True, allow_null=True)
    kind_display = LabelField(source="kind")

    class Meta:
        model = LeaderAssignment
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "leader",
            "leader_name",
            "unit",
            "unit_name",
            "region",
            "region_name",
            "site",
            "site_name",
            "kind",
            "kind_display",
            "note",
        ]
        read_only_fields = fields

    def get_leader_name(self, assignment) -> str | None:
        return str(assignment.leader) if assignment.leader_id else None


# The campaign model, without importing the campaigns app (which sits beside org, not below it).
Campaign = LeaderAssignment._meta.get_field("campaign").related_model


class LeaderAssignmentCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    leader = serializers.PrimaryKeyRelatedField(
        label=_("领导"), queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    unit = VisiblePrimaryKeyRelatedField(
        label=_("包保单位"), queryset=Unit.objects.all(), allow_null=True, required=False
    )
    region = VisiblePrimaryKeyRelatedField(
        label=_("包保区域"), queryset=Region.objects.all(), allow_null=True, required=False
    )
    site = VisiblePrimaryKeyRelatedField(
        label=_("包保点位"), queryset=Site.objects.all(), allow_null=True, required=False
    )
    kind = serializers.ChoiceField(
        label=_("责任类型"), choices=AssignmentKind.choices, required=False, default=AssignmentKind.BAOBAO
    )
    note = serializers.CharField(label=_("备注"), max_length=200, required=False, allow_blank=True)
