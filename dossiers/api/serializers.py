"""Serializers of the dossiers API (/api/v1/dossier-requirements/, /api/v1/dossier-materials/).

Output serializers read a requirement with its indicator, units and derived status, a material
with its versions (sha256, duplicate flag, download link) and the caller's ``allowed_actions``.
Input serializers check shapes only; :mod:`dossiers.services` holds every rule (file types by
content, size, who may, which state), so pages and API refuse with the same words.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.api.base import LabelField, VisiblePrimaryKeyRelatedField
from chuangcheng.org.api.serializers import UnitRefSerializer
from chuangcheng.org.models import Unit
from dossiers.models import Material, MaterialVersion, Requirement
from dossiers.workflow import TRANSITIONS, allowed_actions


class DossierIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "method"]
        read_only_fields = fields


class RequirementSerializer(serializers.ModelSerializer):
    """A required material as the caller sees it."""

    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    indicator = DossierIndicatorSerializer(read_only=True)
    units = UnitRefSerializer(many=True, read_only=True)
    status_display = LabelField(source="status")
    years = serializers.CharField(source="years_text", read_only=True, help_text=_("覆盖年度，如 2023–2025。"))
    is_overdue = serializers.SerializerMethodField(help_text=_("已过报送时限且未全部审核通过。"))
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = [
            "id",
            "campaign",
            "campaign_name",
            "indicator",
            "name",
            "description",
            "year_from",
            "year_to",
            "years",
            "deadline",
            "units",
            "status",
            "status_display",
            "is_overdue",
            "page_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, requirement) -> bool:
        return requirement.is_overdue()

    def get_page_url(self, requirement) -> str:
        return reverse("dossiers:requirement", args=[requirement.pk])


class VersionSerializer(serializers.ModelSerializer):
    uploaded_by_name = serializers.CharField(source="uploaded_by", read_only=True)
    download_url = serializers.SerializerMethodField()
    is_duplicate = serializers.SerializerMethodField(help_text=_("同一创建活动中已上传过字节完全相同的文件。"))

    class Meta:
        model = MaterialVersion
        fields = [
            "id",
            "number",
            "title",
            "document_number",
            "document_date",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "is_duplicate",
            "duplicate_of",
            "note",
            "uploaded_by_name",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, version) -> str:
        return reverse("dossier-material-file", args=[version.material_id, version.pk])

    def get_is_duplicate(self, version) -> bool:
        return version.duplicate_of_id is not None


class MaterialSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    status_display = LabelField(source="status")
    reviewed_by_name = serializers.CharField(source="reviewed_by", read_only=True, allow_null=True)
    current_version = VersionSerializer(read_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "id",
            "requirement",
            "unit",
            "status",
            "status_display",
            "review_comment",
            "reviewed_by_name",
            "reviewed_at",
            "current_version",
            "versions",
            "allowed_actions",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(TRANSITIONS))))
    def get_allowed_actions(self, material):
        return allowed_actions(self.context["request"].user, material)


class RequirementDetailSerializer(RequirementSerializer):
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta(RequirementSerializer.Meta):
        fields = [*RequirementSerializer.Meta.fields, "materials"]
        read_only_fields = fields


class DossierRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    field = serializers.CharField(required=False)
    state = serializers.CharField(required=False)


# --- Input -----------------------------------------------------------------------------------------


class RequirementCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    indicator = VisiblePrimaryKeyRelatedField(label=_("测评指标"), queryset=Indicator.objects.all())
    name = serializers.CharField(label=_("材料名称"), max_length=200, allow_blank=True)
    description = serializers.CharField(label=_("材料要求"), required=False, allow_blank=True, default="")
    year_from = serializers.IntegerField(label=_("起始年度"), required=False, allow_null=True, default=None)
    year_to = serializers.IntegerField(label=_("截止年度"), required=False, allow_null=True, default=None)
    deadline = serializers.DateField(label=_("报送时限"), required=False, allow_null=True, default=None)
    units = VisiblePrimaryKeyRelatedField(
        label=_("责任单位"), queryset=Unit.objects.filter(is_active=True), many=True, allow_empty=True
    )


class RequirementEditSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("材料名称"), max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(label=_("材料要求"), required=False, allow_blank=True)
    year_from = serializers.IntegerField(label=_("起始年度"), required=False, allow_null=True)
    year_to = serializers.IntegerField(label=_("截止年度"), required=False, allow_null=True)
    deadline = serializers.DateField(label=_("报送时限"), required=False, allow_null=True)
    units = VisiblePrimaryKeyRelatedField(
        label=_("责任单位"), queryset=Unit.objects.filter(is_active=True), many=True, required=False
    )


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        label=_("文件"), help_text=_("PDF、Word、Excel、图片或 zip（multipart/form-data）；按文件内容识别类型。")
    )
    title = serializers.CharField(label=_("材料标题"), max_length=200, allow_blank=True)
    document_number = serializers.CharField(
        label=_("文号"), max_length=60, required=False, allow_blank=True, default=""
    )
    document_date = serializers.DateField(label=_("成文日期"), required=False, allow_null=True, default=None)
    note = serializers.CharField(label=_("说明"), required=False, allow_blank=True, default="")
    unit = VisiblePrimaryKeyRelatedField(
        label=_("报送单位"),
        queryset=Unit.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("在多个责任单位任职时必填。"),
    )


class NewVersionSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("文件"))
    title = serializers.CharField(label=_("材料标题"), max_length=200, required=False, allow_blank=True)
    document_number = serializers.CharField(label=_("文号"), max_length=60, required=False, allow_blank=True)
    document_date = serializers.DateField(label=_("成文日期"), required=False, allow_null=True)
    note = serializers.CharField(label=_("说明"), required=False, allow_blank=True, default="")


class MaterialApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(label=_("审核意见"), required=False, allow_blank=True, default="")


class MaterialReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("退回原因"), allow_blank=True)
