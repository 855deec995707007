"""Serializers of the campaigns API: output with display labels; input checks shapes only and
hands the values to :mod:`chuangcheng.campaigns.services`."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chuangcheng.campaigns.models import (
    Campaign,
    CampaignStatus,
    CityTitle,
    EvaluationMethod,
    Indicator,
    Standard,
)
from chuangcheng.officedates import office_today
from chuangcheng.org.api.base import LabelField, VisiblePrimaryKeyRelatedField
from chuangcheng.org.models import Region, Unit


class CampaignSerializer(serializers.ModelSerializer):
    titles = serializers.ListField(child=serializers.ChoiceField(choices=CityTitle.choices), read_only=True)
    title_labels = serializers.SerializerMethodField()
    region_name = serializers.CharField(source="region.name", read_only=True)
    office_unit_name = serializers.CharField(source="office_unit.name", read_only=True)
    status_display = LabelField(source="status")
    days_left = serializers.SerializerMethodField(help_text=_("距迎检日期的天数（按北京时间计；已过为负数）。"))

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "titles",
            "title_labels",
            "region",
            "region_name",
            "office_unit",
            "office_unit_name",
            "start_date",
            "target_date",
            "days_left",
            "status",
            "status_display",
            "standards",
            "description",
            "created_at",
        ]
        read_only_fields = fields

    def get_title_labels(self, campaign) -> list[str]:
        return [str(label) for label in campaign.title_labels()]

    def get_days_left(self, campaign) -> int:
        return campaign.days_left(today=_today())


def _today() -> dt.date:
    return office_today()


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("活动名称"), max_length=100)
    titles = serializers.ListField(
        label=_("创建称号"), child=serializers.ChoiceField(choices=CityTitle.choices), allow_empty=False
    )
    region = VisiblePrimaryKeyRelatedField(label=_("创建区域"), queryset=Region.objects.all())
    office_unit = VisiblePrimaryKeyRelatedField(label=_("牵头办公室"), queryset=Unit.objects.all())
    start_date = serializers.DateField(label=_("开始日期"))
    target_date = serializers.DateField(label=_("迎检日期"))
    status = serializers.ChoiceField(
        label=_("状态"), choices=CampaignStatus.choices, required=False, default=CampaignStatus.PLANNING
    )
    standards = VisiblePrimaryKeyRelatedField(
        label=_("测评体系"), queryset=Standard.objects.all(), many=True, required=False
    )
    description = serializers.CharField(label=_("说明"), required=False, allow_blank=True)


class CampaignUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("活动名称"), max_length=100, required=False)
    titles = serializers.ListField(
        label=_("创建称号"), child=serializers.ChoiceField(choices=CityTitle.choices), allow_empty=False, required=False
    )
    region = VisiblePrimaryKeyRelatedField(label=_("创建区域"), queryset=Region.objects.all(), required=False)
    office_unit = VisiblePrimaryKeyRelatedField(label=_("牵头办公室"), queryset=Unit.objects.all(), required=False)
    start_date = serializers.DateField(label=_("开始日期"), required=False)
    target_date = serializers.DateField(label=_("迎检日期"), required=False)
    status = serializers.ChoiceField(label=_("状态"), choices=CampaignStatus.choices, required=False)
    standards = VisiblePrimaryKeyRelatedField(
        label=_("测评体系"), queryset=Standard.objects.all(), many=True, required=False
    )
    description = serializers.CharField(label=_("说明"), required=False, allow_blank=True)


class StandardSerializer(serializers.ModelSerializer):
    title_display = LabelField(source="title")
    indicator_count = serializers.IntegerField(read_only=True, help_text=_("指标（含各级）数量。"))

    class Meta:
        model = Standard
        fields = ["id", "name", "version", "title", "title_display", "indicator_count", "created_at"]
        read_only_fields = fields


class StandardCreateSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("名称"), max_length=100)
    version = serializers.CharField(label=_("版本"), max_length=30, required=False, allow_blank=True)
    title = serializers.ChoiceField(label=_("对应称号"), choices=CityTitle.choices, required=False, allow_blank=True)


class IndicatorSerializer(serializers.ModelSerializer):
    method_display = LabelField(source="method")
    methods = serializers.ListField(
        source="method_list",
        child=serializers.ChoiceField(choices=EvaluationMethod.choices),
        read_only=True,
        help_text=_("测评方法（可多个，按体系原文顺序）。"),
    )
    methods_display = serializers.ListField(source="method_labels", child=serializers.CharField(), read_only=True)
    site_types = serializers.ListField(
        source="site_type_list",
        child=serializers.CharField(),
        read_only=True,
        help_text=_("考察要求中提到的点位类型。"),
    )
    site_types_display = serializers.ListField(source="site_type_labels", child=serializers.CharField(), read_only=True)
    effective_score = serializers.DecimalField(
        max_digits=9,
        decimal_places=3,
        read_only=True,
        help_text=_("计分分值：体系给出的分值；未标分值时按“同级均分”规则推算（score_is_derived）。"),
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "standard",
            "code",
            "parent",
            "name",
            "max_score",
            "effective_score",
            "score_is_derived",
            "method",
            "method_display",
            "methods",
            "methods_display",
            "requirements",
            "site_types",
            "site_types_display",
            "negative_list",
            "description",
        ]
        read_only_fields = fields


class IndicatorCreateSerializer(serializers.Serializer):
    standard = VisiblePrimaryKeyRelatedField(label=_("测评体系"), queryset=Standard.objects.all())
    code = serializers.CharField(label=_("编号"), max_length=30)
    parent = VisiblePrimaryKeyRelatedField(
        label=_("上级指标"), queryset=Indicator.objects.all(), allow_null=True, required=False
    )
    name = serializers.CharField(label=_("名称"), max_length=200)
    max_score = serializers.DecimalField(
        label=_("分值"), max_digits=7, decimal_places=2, allow_null=True, required=False
    )
    method = serializers.ChoiceField(
        label=_("测评方法"), choices=EvaluationMethod.choices, required=False, allow_blank=True
    )
    methods = serializers.ListField(
        label=_("测评方法（多个）"), child=serializers.ChoiceField(choices=EvaluationMethod.choices), required=False
    )
    requirements = serializers.CharField(label=_("考察要求"), required=False, allow_blank=True)
    negative_list = serializers.BooleanField(label=_("负面清单"), required=False, default=False)
    description = serializers.CharField(label=_("测评内容/标准"), required=False, allow_blank=True)


class IndicatorUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(label=_("编号"), max_length=30, required=False)
    parent = VisiblePrimaryKeyRelatedField(
        label=_("上级指标"), queryset=Indicator.objects.all(), allow_null=True, required=False
    )
    name = serializers.CharField(label=_("名称"), max_length=200, required=False)
    max_score = serializers.DecimalField(
        label=_("分值"), max_digits=7, decimal_places=2, allow_null=True, required=False
    )
    method = serializers.ChoiceField(
        label=_("测评方法"), choices=EvaluationMethod.choices, required=False, allow_blank=True
    )
    methods = serializers.ListField(
        label=_("测评方法（多个）"), child=serializers.ChoiceField(choices=EvaluationMethod.choices), required=False
    )
    requirements = serializers.CharField(label=_("考察要求"), required=False, allow_blank=True)
    negative_list = serializers.BooleanField(label=_("负面清单"), required=False)
    description = serializers.CharField(label=_("测评内容/标准"), required=False, allow_blank=True)
