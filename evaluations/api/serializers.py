"""Serializers of the 模拟测评 API: rounds, sampled sites with their checklist and answers, and
the small input serializers of the actions."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evaluations.models import Answer, CheckItem, Result, Round, RoundSite


class EvaluationRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(required=False)


class RoundSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Round
        fields = [
            "id",
            "campaign",
            "number",
            "name",
            "region",
            "region_name",
            "starts_on",
            "ends_on",
            "state",
            "state_label",
            "quotas",
            "seed",
            "exclude_previous",
            "shortfalls",
            "created_at",
            "closed_at",
        ]


class CheckItemSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = CheckItem
        fields = [
            "id",
            "site_type",
            "text",
            "indicator",
            "indicator_code",
            "points",
            "photo_required",
            "negative_list",
            "category",
            "order",
        ]


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["id", "item", "result", "note", "photo", "answered_by", "answered_at", "issue"]


class RoundSiteSerializer(serializers.ModelSerializer):
    site_name = serializers.CharField(source="site.name", read_only=True)
    site_type = serializers.CharField(source="site.site_type", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    far_from_site = serializers.BooleanField(read_only=True)

    class Meta:
        model = RoundSite
        fields = [
            "id",
            "round",
            "site",
            "site_name",
            "site_type",
            "district",
            "district_name",
            "inspector",
            "answered_at",
            "answered_by",
            "latitude",
            "longitude",
            "distance_m",
            "far_from_site",
            "inspection",
        ]


class RoundSiteDetailSerializer(RoundSiteSerializer):
    checklist = serializers.SerializerMethodField()
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta(RoundSiteSerializer.Meta):
        fields = [*RoundSiteSerializer.Meta.fields, "checklist", "answers"]

    @extend_schema_field(CheckItemSerializer(many=True))
    def get_checklist(self, round_site):
        from evaluations.services import checklist

        return CheckItemSerializer(checklist(round_site), many=True).data


class AnswerInputSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Result.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    photo = serializers.ImageField(required=False, allow_null=True, default=None)


class SiteAnswersSerializer(serializers.Serializer):
    """JSON: ``{"answers": [{"item", "result", "note"}], "latitude", "longitude"}``; multipart: one
    item per request (``item``, ``result``, ``note``, ``photo``) — resubmitting is harmless."""

    answers = AnswerInputSerializer(many=True, required=False)
    item = serializers.IntegerField(required=False)
    result = serializers.ChoiceField(choices=Result.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    photo = serializers.ImageField(required=False, allow_null=True, default=None)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)

    def validate(self, data):
        answers = list(data.get("answers") or [])
        if data.get("item") is not None:
            answers.append(
                {
                    "item": data["item"],
                    "result": data.get("result"),
                    "note": data.get("note", ""),
                    "photo": data.get("photo"),
                }
            )
        if not answers:
            raise serializers.ValidationError({"answers": _("请至少填写一项考察结果。")})
        return {"answers": answers, "latitude": data.get("latitude"), "longitude": data.get("longitude")}


class GenerateIssuesSerializer(serializers.Serializer):
    category = serializers.IntegerField(required=False, allow_null=True, default=None)
