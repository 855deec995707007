"""Viewsets of the accountability API.

- ``/api/v1/interviews/``, ``/api/v1/accountability-decisions/``: 约谈 and 问责 records, visible
  to the office, the leaders of the unit's district and the unit's head (not unit staff: a
  404, as for a record that does not exist); ``POST`` by the office's supervisors.
  ``GET …/accountability-decisions/{id}/document/`` downloads the decision's file.
- ``/api/v1/commendations/``: 通报表扬, published: everyone who sees the campaign.
- ``/api/v1/accountability/suggestions/?campaign=`` (outside the router): 建议约谈, office only.
"""

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accountability import permissions, selectors, services
from accountability.models import Commendation, Decision, Interview
from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.api.base import ScopedViewSet, ServiceCreateMixin
from chuangcheng.org.permissions import is_signed_in
from chuangcheng.org.scoping import scope_for

from . import serializers as s


class OfficeCreatePermission(drf_permissions.BasePermission):
    """Recording needs a supervisor or an admin; the service then asks for the campaign's office."""

    message = _("只有创建办督查员和系统管理员可以登记约谈、问责和表扬。")

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        return scope_for(request.user).has_role("supervisor", "admin")


class RecordViewSet(ServiceCreateMixin, ScopedViewSet):
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)
    permission_classes = [*ScopedViewSet.permission_classes, OfficeCreatePermission]
    filterset_fields = ["campaign", "unit"]


class InterviewViewSet(RecordViewSet):
    """约谈: restricted to the office, the district's leaders and the unit's head."""

    queryset = Interview.objects.select_related("unit", "recorded_by", "follow_up_task").prefetch_related(
        "issues", "tasks", "briefings"
    )
    serializer_class = s.InterviewSerializer
    create_serializer_class = s.InterviewCreateSerializer
    ordering_fields = ["held_at", "created_at", "id"]
    ordering = ["-held_at", "-id"]

    @extend_schema(summary="登记约谈（创建办督查员；填写整改时限则为该单位生成跟踪任务）")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_object(self, data):
        return services.interview_record(actor=self.request.user, **data)


class DecisionViewSet(RecordViewSet):
    """问责决定: restricted like 约谈."""

    queryset = Decision.objects.select_related("unit", "recorded_by").prefetch_related(
        "issues", "tasks", "briefings", "interviews"
    )
    serializer_class = s.DecisionSerializer
    create_serializer_class = s.DecisionCreateSerializer
    filterset_fields = ["campaign", "unit", "kind"]
    ordering_fields = ["decided_on", "created_at", "id"]
    ordering = ["-decided_on", "-id"]

    @extend_schema(summary="登记问责决定（创建办督查员）")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_object(self, data):
        return services.decision_record(actor=self.request.user, **data)

    @extend_schema(
        summary="下载决定文件（作为附件）", responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def document(self, request, pk=None):
        decision = self.get_object()
        if not decision.document:
            raise Http404
        return FileResponse(
            decision.document.open("rb"),
            as_attachment=True,
            filename=decision.document_name or decision.document.name.rsplit("/", 1)[-1],
            content_type=decision.document_type or "application/octet-stream",
        )


class CommendationViewSet(RecordViewSet):
    """通报表扬: published praise."""

    queryset = Commendation.objects.select_related("unit")
    serializer_class = s.CommendationSerializer
    create_serializer_class = s.CommendationCreateSerializer
    ordering_fields = ["commended_on", "id"]
    ordering = ["-commended_on", "-id"]

    @extend_schema(summary="登记通报表扬（创建办督查员）")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_object(self, data):
        return services.commendation_record(actor=self.request.user, **data)


class SuggestionsView(APIView):
    """建议约谈 of one campaign, for its office: each rule met by each unit, with its grounds."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="建议约谈（创建办督查员）",
        parameters=[OpenApiParameter("campaign", int, required=False, description="创建活动；缺省为进行中的第一个")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        campaigns = Campaign.objects.visible_to(request.user)
        raw = request.query_params.get("campaign", "")
        campaign = campaigns.filter(pk=int(raw)).first() if raw.isdigit() else campaigns.active().order_by("pk").first()
        if campaign is None:
            raise ApplicationError(_("没有可查看的创建活动。"), code="not_found")
        if not permissions.is_office(request.user, campaign):
            raise ApplicationError(_("建议约谈只给创建办督查员看。"), code="forbidden")
        found = selectors.suggestions(campaign)
        return Response(
            {"campaign": {"id": campaign.pk, "name": campaign.name}, "results": [x.as_dict() for x in found]}
        )
