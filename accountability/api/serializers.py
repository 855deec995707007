"""Serializers of the accountability API (/api/v1/interviews/, /accountability-decisions/,
/commendations/). Input serializers check shapes; :mod:`accountability.services` holds the rules."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accountability.models import Commendation, Decision, DecisionKind, Interview
from chuangcheng.campaigns.models import Campaign
from chuangcheng.org.api.base import LabelField, VisiblePrimaryKeyRelatedField
from chuangcheng.org.api.serializers import UnitRefSerializer
from chuangcheng.org.models import Unit
from chuangcheng.reports.models import Briefing
from inspections.models import Issue
from tasks.models import Task


class InterviewSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by", read_only=True)
    follow_up_task = serializers.PrimaryKeyRelatedField(read_only=True)
    follow_up_task_state = serializers.CharField(source="follow_up_task.state", read_only=True, allow_null=True)

    class Meta:
        model = Interview
        fields = [
            "id",
            "campaign",
            "unit",
            "interviewee",
            "interviewers",
            "held_at",
            "reason",
            "commitment",
            "follow_up_date",
            "follow_up_task",
            "follow_up_task_state",
            "issues",
            "tasks",
            "briefings",
            "suggested_by",
            "recorded_by_name",
            "created_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    kind_display = LabelField(source="kind")
    recorded_by_name = serializers.CharField(source="recorded_by", read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "campaign",
            "kind",
            "kind_display",
            "unit",
            "person_name",
            "decided_on",
            "decided_by",
            "document_number",
            "document_name",
            "document_url",
            "points",
            "amount",
            "description",
            "issues",
            "tasks",
            "briefings",
            "interviews",
            "recorded_by_name",
            "created_at",
        ]
        read_only_fields = fields

    def get_document_url(self, decision) -> str | None:
        return reverse("accountability-decision-document", args=[decision.pk]) if decision.document else None


class CommendationSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Commendation
        fields = ["id", "campaign", "unit", "person_name", "reason", "commended_on", "document_number", "created_at"]
        read_only_fields = fields


# --- Input -----------------------------------------------------------------------------------------


def _many(model, label):
    return VisiblePrimaryKeyRelatedField(
        label=label, queryset=model.objects.all(), many=True, required=False, default=list
    )


class InterviewCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    unit = VisiblePrimaryKeyRelatedField(label=_("被约谈单位"), queryset=Unit.objects.all())
    held_at = serializers.DateTimeField(label=_("约谈时间"))
    interviewee = serializers.CharField(label=_("约谈对象"), max_length=100, allow_blank=True)
    interviewers = serializers.CharField(label=_("约谈人"), max_length=200, allow_blank=True)
    reason = serializers.CharField(label=_("约谈事由"), allow_blank=True)
    commitment = serializers.CharField(label=_("整改承诺"), required=False, allow_blank=True, default="")
    follow_up_date = serializers.DateField(label=_("整改时限"), required=False, allow_null=True, default=None)
    issues = _many(Issue, _("相关问题"))
    tasks = _many(Task, _("相关任务"))
    briefings = _many(Briefing, _("相关通报"))
    suggested_by = serializers.ChoiceField(
        label=_("触发规则"),
        choices=[
            ("", "—"),
            ("black_flags", "black_flags"),
            ("overdue_issue", "overdue_issue"),
            ("recurrences", "recurrences"),
        ],
        required=False,
        default="",
    )


class DecisionCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    kind = serializers.ChoiceField(label=_("问责方式"), choices=DecisionKind.choices)
    unit = VisiblePrimaryKeyRelatedField(label=_("问责单位"), queryset=Unit.objects.all())
    person_name = serializers.CharField(
        label=_("问责个人"), max_length=100, required=False, allow_blank=True, default=""
    )
    decided_on = serializers.DateField(label=_("决定日期"))
    decided_by = serializers.CharField(label=_("决定机关"), max_length=100, allow_blank=True)
    document_number = serializers.CharField(
        label=_("文号"), max_length=60, required=False, allow_blank=True, default=""
    )
    document = serializers.FileField(label=_("决定文件"), required=False, allow_null=True, default=None)
    points = serializers.DecimalField(
        label=_("扣分"), max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )
    amount = serializers.DecimalField(
        label=_("扣罚金额（元）"), max_digits=12, decimal_places=2, required=False, allow_null=True, default=None
    )
    description = serializers.CharField(label=_("问责事由"), allow_blank=True)
    issues = _many(Issue, _("相关问题"))
    tasks = _many(Task, _("相关任务"))
    briefings = _many(Briefing, _("相关通报"))
    interviews = _many(Interview, _("相关约谈"))


class CommendationCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    unit = VisiblePrimaryKeyRelatedField(
        label=_("表扬单位"), queryset=Unit.objects.all(), required=False, allow_null=True, default=None
    )
    person_name = serializers.CharField(
        label=_("表扬个人"), max_length=100, required=False, allow_blank=True, default=""
    )
    reason = serializers.CharField(label=_("表扬事由"), allow_blank=True)
    commended_on = serializers.DateField(label=_("表扬日期"))
    document_number = serializers.CharField(
        label=_("文号"), max_length=60, required=False, allow_blank=True, default=""
    )
