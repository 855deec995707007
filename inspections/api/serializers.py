"""Serializers of the inspections API (/api/v1/inspections/, /issues/, /issue-categories/).

Output serializers read an issue with the names of what it points to, display labels, its
deadlines and whether it is overdue, its photos (with scoped download URLs) and the caller's
``allowed_actions`` from :mod:`inspections.workflow`. Input serializers check shapes only and
hand the values to :mod:`inspections.services`, which holds every rule (a reason where one is
required, a deadline in the future, an extension within its limit, photos that are images
within the pixel limit, coordinates inside the country), so pages and API refuse with the
same words.

OpenAPI: an input serializer that shares a choice field with its output (``kind``) carries the
output's component name, so the schema has one enum per choice set (drf-spectacular names enums
per component; two components with the same field name would collide).
"""

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.api.base import LabelField, VisiblePrimaryKeyRelatedField
from chuangcheng.org.api.representation import CompiledRepresentation
from chuangcheng.org.models import Region, Site, Unit, User
from chuangcheng.org.selectors import region_full_names
from inspections.models import (
    Inspection,
    InspectionKind,
    Issue,
    IssueAction,
    IssueCategory,
    IssueEvent,
    IssueSource,
    Photo,
    PhotoKind,
    ReassignmentReason,
    Severity,
)
from inspections.workflow import TRANSITIONS, allowed_actions

ACTION_LABELS = dict(IssueAction.choices)
# Stand-ins for the ids in a reversed photo URL (digits no host or path of ours contains).
PK_MARK, PHOTO_MARK = 918273645546372819, 827364554637281910


def _absolute(request, path):
    return request.build_absolute_uri(path) if request else path


# --- Output: references ------------------------------------------------------------------------


class IssueUnitRefSerializer(CompiledRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]
        read_only_fields = fields


class IssueCategoryRefSerializer(CompiledRepresentation, serializers.ModelSerializer):
    class Meta:
        model = IssueCategory
        fields = ["id", "code", "name"]
        read_only_fields = fields


class IssueRegionRefSerializer(CompiledRepresentation, serializers.ModelSerializer):
    full_name = serializers.SerializerMethodField(help_text=_("从市级起的全称，如“示范市甲区甲一街道”。"))

    class Meta:
        model = Region
        fields = ["id", "name", "path", "full_name"]
        read_only_fields = fields
        extra_kwargs = {"path": {"help_text": _("祖先主键组成的路径，如 /1/7/30/。")}}

    def get_full_name(self, region) -> str:
        names = self.context.get("region_full_names") or {}
        return names.get(region.pk) or region.full_name()


class InspectorSerializer(CompiledRepresentation, serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


# --- Output: photos, events, integrity ---------------------------------------------------------


class IssuePhotoSerializer(CompiledRepresentation, serializers.ModelSerializer):
    """照片: the re-encoded JPEG and its thumbnail (download URLs need sign-in and the issue in
    scope), with the flags the verifier sees."""

    kind_display = LabelField(source="kind")
    url = serializers.SerializerMethodField(help_text=_("照片下载地址（需登录，且能看到该问题）。"))
    thumbnail_url = serializers.SerializerMethodField(help_text=_("缩略图地址（长边 320 像素）。"))

    class Meta:
        model = Photo
        fields = [
            "id",
            "kind",
            "kind_display",
            "event",
            "original_name",
            "width",
            "height",
            "size",
            "exif_taken_at",
            "duplicate_of",
            "taken_before_issue",
            "created_at",
            "url",
            "thumbnail_url",
        ]
        read_only_fields = fields
        extra_kwargs = {"duplicate_of": {"help_text": _("疑似重复于另一问题的这张照片。")}}

    def _url(self, photo, variant):
        # One reverse per variant and serializer (a page of photos asked for 100), then the ids.
        templates = self.__dict__.setdefault("_url_templates", {})
        if variant not in templates:
            path = reverse("issue-photo-file", kwargs={"pk": PK_MARK, "photo_id": PHOTO_MARK, "variant": variant})
            templates[variant] = _absolute(self.context.get("request"), path)
        return templates[variant].replace(str(PK_MARK), str(photo.issue_id)).replace(str(PHOTO_MARK), str(photo.pk))

    def get_url(self, photo) -> str:
        return self._url(photo, "file")

    def get_thumbnail_url(self, photo) -> str:
        return self._url(photo, "thumbnail")


class IssueEventSerializer(CompiledRepresentation, serializers.ModelSerializer):
    """One step of an issue's history (immutable)."""

    action = serializers.CharField(read_only=True)
    action_display = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField(help_text=_("操作人姓名；市民举报或系统生成时为空。"))
    from_state = serializers.CharField(read_only=True, help_text=_("原状态（未改变状态的操作与新状态相同）。"))
    to_state = serializers.CharField(read_only=True)
    from_state_display = LabelField(source="from_state")
    to_state_display = LabelField(source="to_state")
    changes = serializers.JSONField(read_only=True, help_text=_("变更内容，如 {字段: [原值, 新值]}。"))
    photos = IssuePhotoSerializer(many=True, read_only=True)

    class Meta:
        model = IssueEvent
        fields = [
            "id",
            "action",
            "action_display",
            "actor",
            "actor_name",
            "from_state",
            "from_state_display",
            "to_state",
            "to_state_display",
            "comment",
            "changes",
            "created_at",
            "photos",
        ]
        read_only_fields = fields

    def get_action_display(self, event) -> str:
        return str(ACTION_LABELS.get(event.action, event.action))

    def get_actor_name(self, event) -> str | None:
        return str(event.actor) if event.actor_id else None


class IntegrityFlagSerializer(serializers.Serializer):
    """What the verifier should look at twice (:func:`inspections.selectors.integrity_flags`)."""

    kind = serializers.CharField(help_text=_("duplicate_photo / exif_before_creation / possible_recurrence"))
    message = serializers.CharField()
    photo_id = serializers.IntegerField(required=False, allow_null=True)
    other_issue_id = serializers.IntegerField(required=False, allow_null=True)
    distance = serializers.IntegerField(required=False, allow_null=True, help_text=_("感知哈希差异位数。"))


# --- Output: issues, inspections, categories ---------------------------------------------------


class RegionNamesListSerializer(serializers.ListSerializer):
    """Looks up the full names of a whole page's regions in one query (``region.full_name``)."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.child.context["region_full_names"] = region_full_names([r.region for r in rows])
        return super().to_representation(rows)


class IssueSerializer(CompiledRepresentation, serializers.ModelSerializer):
    """A problem as the caller sees it now."""

    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    category = IssueCategoryRefSerializer(read_only=True)
    severity_display = LabelField(source="severity")
    source_display = LabelField(source="source")
    state_display = LabelField(source="state")
    region = IssueRegionRefSerializer(read_only=True)
    responsible_unit = IssueUnitRefSerializer(read_only=True, allow_null=True)
    site_name = serializers.CharField(source="site.name", read_only=True, allow_null=True)
    pending_request_display = LabelField(source="pending_request")
    overdue = serializers.SerializerMethodField(help_text=_("已过整改时限且仍由责任单位整改（已交办或整改中）。"))
    traffic_light = serializers.SerializerMethodField(
        help_text=_("green 正常，yellow 一天内到期，red 已超期，done 已销号或不予立案；空：时限尚未开始计算。")
    )
    created_by_name = serializers.SerializerMethodField()
    photos = IssuePhotoSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text=_(
            "调用者现在可以执行的操作（状态、待审申请和权限都允许）：每个对应 POST /issues/{id}/<操作>/，"
            "下划线写作连字符；add_photo 即 POST /issues/{id}/photos/。"
        )
    )

    class Meta:
        model = Issue
        list_serializer_class = RegionNamesListSerializer
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "inspection",
            "indicator",
            "site",
            "site_name",
            "category",
            "severity",
            "severity_display",
            "urgent",
            "source",
            "source_display",
            "state",
            "state_display",
            "description",
            "address",
            "latitude",
            "longitude",
            "region",
            "responsible_unit",
            "assigned_at",
            "sign_deadline",
            "signed_at",
            "rectification_deadline",
            "deadline_set_by_supervisor",
            "overdue",
            "traffic_light",
            "submitted_at",
            "measures",
            "closed_at",
            "rework_count",
            "recurrence_count",
            "extension_count",
            "pending_request",
            "pending_request_display",
            "request_reason",
            "requested_deadline",
            "merged_into",
            "dismiss_reason",
            "long_term_plan",
            "long_term_target_date",
            "possible_recurrence_of",
            "created_by_name",
            "created_at",
            "updated_at",
            "photos",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _now(self):
        return self.context.get("now") or timezone.now()

    def get_overdue(self, issue) -> bool:
        return issue.is_overdue(self._now())

    def get_traffic_light(self, issue) -> str:
        return issue.traffic_light(self._now())

    def get_created_by_name(self, issue) -> str | None:
        return str(issue.created_by) if issue.created_by_id else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(TRANSITIONS))))
    def get_allowed_actions(self, issue):
        # The predicates read the caller's scope and memberships cached on the user object and
        # the issue's region from the list's join, so a page of issues costs no query per row.
        return allowed_actions(self.context["request"].user, issue)


class InspectionSerializer(CompiledRepresentation, serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    kind_display = LabelField(source="kind")
    region = IssueRegionRefSerializer(read_only=True)
    inspectors = InspectorSerializer(many=True, read_only=True)
    created_by_name = serializers.SerializerMethodField()
    issue_count = serializers.IntegerField(read_only=True, default=0, help_text=_("本次检查发现的问题数。"))

    class Meta:
        model = Inspection
        list_serializer_class = RegionNamesListSerializer
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "kind",
            "kind_display",
            "date",
            "region",
            "inspectors",
            "summary",
            "issue_count",
            "created_by_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_created_by_name(self, inspection) -> str | None:
        return str(inspection.created_by) if inspection.created_by_id else None


class IssueCategorySerializer(CompiledRepresentation, serializers.ModelSerializer):
    kind_display = LabelField(source="kind")
    time_limit_display = serializers.CharField(source="limit_display", read_only=True)

    class Meta:
        model = IssueCategory
        fields = [
            "id",
            "code",
            "kind",
            "kind_display",
            "major",
            "minor",
            "name",
            "time_limit_hours",
            "time_limit_days",
            "time_limit_display",
            "area_class_limits",
        ]
        read_only_fields = fields


class IssueRefusalSerializer(serializers.Serializer):
    """The answer to a refused call (400/403/404/409)."""

    detail = serializers.CharField(help_text=_("给操作人的说明。"))
    code = serializers.CharField(required=False, help_text=_("invalid / forbidden / not_found / conflict"))
    field = serializers.CharField(required=False, help_text=_("出错的输入项（400）。"))
    state = serializers.CharField(required=False, help_text=_("问题的当前状态（409）。"))
    pending_request = serializers.CharField(required=False, help_text=_("待审申请（409）。"))


# --- Input -------------------------------------------------------------------------------------


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
