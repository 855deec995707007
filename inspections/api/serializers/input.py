"""What the inspections API accepts: shapes only; :mod:`inspections.services` holds the rules."""

import datetime as dt

from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.api.base import VisiblePrimaryKeyRelatedField
from chuangcheng.org.models import Region, Site, Unit, User
from inspections.models import (
    Inspection,
    InspectionKind,
    Issue,
    IssueCategory,
    IssueSource,
    PhotoKind,
    ReassignmentReason,
    Severity,
)


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
        "description": "时限：日期时间，或日期（即当天下班时间）；须晚于现在。",
    }
)
class DeadlineField(serializers.Field):
    """A datetime, or a date meaning the end of that working day (the service decides)."""

    default_error_messages = {"invalid": _("时限格式不正确：请填写日期（2026-05-01）或日期时间。")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)
        self._datetime = serializers.DateTimeField()

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data.strip()) == 10:
            day = parse_date(data.strip()) if data.strip()[4:5] == "-" else None
            if day is None:
                self.fail("invalid")
            return day
        try:
            return self._datetime.to_internal_value(data)
        except serializers.ValidationError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.isoformat() if isinstance(value, dt.date) else value


def _photos_field(label=None, required=False):
    return serializers.ListField(
        label=label or _("照片"),
        child=serializers.FileField(),
        **({"required": True, "allow_empty": False} if required else {"required": False, "default": list}),
        help_text=_("JPEG、PNG、WebP 或 HEIC 照片，可多张（multipart/form-data，字段名 photos）；按文件内容识别类型。"),
    )


def _active_units():
    return Unit.objects.filter(is_active=True)


def _unit_field(label, *, required=False):
    return VisiblePrimaryKeyRelatedField(
        label=label,
        queryset=_active_units(),
        required=required,
        allow_null=not required,
        help_text=_("调用者能看到的在用单位。"),
    )


def _text(label, *, required=True):
    # Blank passes the shape check; the service refuses it with the clerk's wording.
    if required:
        return serializers.CharField(label=label, allow_blank=True)
    return serializers.CharField(label=label, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="Inspection")
class InspectionCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    kind = serializers.ChoiceField(label=_("检查类型"), choices=InspectionKind.choices)
    date = serializers.DateField(label=_("检查日期"))
    region = VisiblePrimaryKeyRelatedField(label=_("检查区域"), queryset=Region.objects.all())
    inspectors = serializers.PrimaryKeyRelatedField(
        label=_("检查人员"),
        queryset=User.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("缺省为调用者本人。"),
    )
    summary = _text(_("检查情况"), required=False)


class IssueCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    category = serializers.PrimaryKeyRelatedField(
        label=_("问题类别"), queryset=IssueCategory.objects.filter(is_active=True)
    )
    description = _text(_("问题描述"))
    region = VisiblePrimaryKeyRelatedField(
        label=_("所在区域"),
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("问题所在区域（到网格）；缺省为测评点位的区域。"),
    )
    site = VisiblePrimaryKeyRelatedField(
        label=_("测评点位"), queryset=Site.objects.all(), required=False, allow_null=True
    )
    inspection = VisiblePrimaryKeyRelatedField(
        label=_("检查"), queryset=Inspection.objects.all(), required=False, allow_null=True
    )
    indicator = VisiblePrimaryKeyRelatedField(
        label=_("对应指标"), queryset=Indicator.objects.all(), required=False, allow_null=True
    )
    source = serializers.ChoiceField(label=_("问题来源"), choices=IssueSource.choices, default=IssueSource.PATROL)
    severity = serializers.ChoiceField(label=_("严重程度"), choices=Severity.choices, default=Severity.GENERAL)
    urgent = serializers.BooleanField(label=_("紧急"), required=False, default=False)
    address = serializers.CharField(label=_("地址"), max_length=200, required=False, allow_blank=True, default="")
    latitude = serializers.DecimalField(
        label=_("纬度"), max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        label=_("经度"), max_digits=None, decimal_places=None, required=False, allow_null=True
    )
    photos = _photos_field(_("整改前照片"))
    responsible_unit = _unit_field(_("责任单位"))
    assign = serializers.BooleanField(
        label=_("立即交办"),
        required=False,
        default=False,
        help_text=_("登记即交办：交给 responsible_unit，未填则交推荐单位（属地兜底）。需有立案权限。"),
    )
    deadline = DeadlineField(label=_("整改时限"), help_text=_("交办时指定；缺省为签收时按类别计算。"))


class IssueCommentSerializer(serializers.Serializer):
    comment = _text(_("说明"), required=False)


class IssueReasonSerializer(serializers.Serializer):
    reason = _text(_("理由"))


class IssueAcceptSerializer(serializers.Serializer):
    responsible_unit = _unit_field(_("责任单位"))
    deadline = DeadlineField(label=_("整改时限"), help_text=_("缺省为签收时按类别、严重程度和区域类别计算。"))
    comment = _text(_("说明"), required=False)


class IssueMergeSerializer(serializers.Serializer):
    target = VisiblePrimaryKeyRelatedField(
        label=_("合并至"), queryset=Issue.objects.all(), help_text=_("同一创建活动中尚未办结的问题。")
    )
    comment = _text(_("说明"), required=False)


class IssueAssignSerializer(serializers.Serializer):
    reason = _text(_("改派原因"))
    responsible_unit = _unit_field(_("新的责任单位"))
    deadline = DeadlineField(label=_("新的整改时限"))


class IssueRequestReassignmentSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(label=_("退回理由"), choices=ReassignmentReason.choices)
    comment = _text(_("具体原因"))
    suggested_unit = serializers.PrimaryKeyRelatedField(
        label=_("建议责任单位"), queryset=_active_units(), required=False, allow_null=True
    )


class IssueReassignSerializer(serializers.Serializer):
    responsible_unit = _unit_field(_("新的责任单位"), required=True)
    deadline = DeadlineField(label=_("整改时限"))
    comment = _text(_("说明"), required=False)


class IssueRequestExtensionSerializer(serializers.Serializer):
    reason = _text(_("延期理由"))
    deadline = DeadlineField(label=_("申请延期至"), required=True, allow_null=False)


class IssueApproveExtensionSerializer(serializers.Serializer):
    deadline = DeadlineField(label=_("新的整改时限"), help_text=_("缺省为申请的时限。"))
    comment = _text(_("说明"), required=False)


class IssueSubmitSerializer(serializers.Serializer):
    measures = _text(_("整改措施"))
    photos = _photos_field(_("整改后照片"))


class IssueRejectSerializer(serializers.Serializer):
    reason = _text(_("退回原因"))
    deadline = DeadlineField(label=_("新的整改时限"), help_text=_("缺省为原时限不变。"))


class IssueMoveLongTermSerializer(serializers.Serializer):
    plan = _text(_("长期整改方案"))
    target_date = serializers.DateField(label=_("目标日期"))


class IssueLongTermProgressSerializer(serializers.Serializer):
    note = _text(_("整改进展"))
    photos = _photos_field(_("佐证照片"))


class IssueReopenSerializer(serializers.Serializer):
    reason = _text(_("反弹情况"))
    responsible_unit = _unit_field(_("改由单位"))
    deadline = DeadlineField(label=_("整改时限"), help_text=_("缺省为从现在起按类别计算。"))


@extend_schema_serializer(component_name="IssuePhoto")
class PhotoUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label=_("照片类型"), choices=PhotoKind.choices)
    photos = _photos_field(required=True)
    comment = _text(_("说明"), required=False)
