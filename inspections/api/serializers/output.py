"""What the inspections API answers: issues with the names of what they point to, labels,
deadlines, photos (scoped download URLs), events, integrity flags, ``allowed_actions``;
inspections and categories."""

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chuangcheng.org.api.base import LabelField
from chuangcheng.org.api.representation import CompiledRepresentation, RowsListSerializer
from chuangcheng.org.api.serializers import UnitRefSerializer
from chuangcheng.org.models import Region, User
from chuangcheng.org.selectors import region_full_names
from inspections.models import (
    Inspection,
    Issue,
    IssueAction,
    IssueCategory,
    IssueEvent,
    Photo,
)
from inspections.workflow import TRANSITIONS, allowed_actions

ACTION_LABELS = dict(IssueAction.choices)
# Stand-ins for the ids in a reversed photo URL (digits no host or path of ours contains).
PK_MARK, PHOTO_MARK = 918273645546372819, 827364554637281910


def _absolute(request, path):
    return request.build_absolute_uri(path) if request else path


# --- Output: references ------------------------------------------------------------------------


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
        list_serializer_class = RowsListSerializer

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
    responsible_unit = UnitRefSerializer(read_only=True, allow_null=True)
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
