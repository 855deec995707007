"""Viewsets of the 模拟测评 API.

- ``/api/v1/evaluation-rounds/``: the rounds the caller sees; ``GET …/{id}/score/`` the score
  (city, districts ranked, indicators — :func:`evaluations.scoring.round_score`, with its
  printed rule); ``POST …/{id}/start/`` and ``…/close/`` (the office).
- ``/api/v1/evaluation-sites/``: sampled sites (``?round=``, ``?mine=1`` for the caller's);
  ``GET …/{id}/`` with its checklist and answers; ``POST …/{id}/answers/`` records answers —
  idempotent by round site and item, so a phone may send the same answer again after a dropped
  connection; ``POST …/{id}/generate-issues/`` turns failures into issues (once).

Refusals: 400 (naming the field) / 403 / 404 / 409, as everywhere.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from chuangcheng.org.api.base import ScopedViewSet
from chuangcheng.org.permissions import is_signed_in
from evaluations import permissions, scoring, services
from evaluations.models import Round, RoundSite
from inspections.models import IssueCategory

from . import serializers as s

REFUSALS = {
    400: OpenApiResponse(s.EvaluationRefusalSerializer, description=_("输入有误：field 指出哪一项。")),
    403: OpenApiResponse(s.EvaluationRefusalSerializer, description=_("能看到该对象，但无权执行此操作。")),
    404: OpenApiResponse(s.EvaluationRefusalSerializer, description=_("对象不存在，或调用者无权查看。")),
    409: OpenApiResponse(s.EvaluationRefusalSerializer, description=_("当前状态不允许此操作：state 为当前状态。")),
}


class RoundPermission(drf_permissions.BasePermission):
    def has_permission(self, request, view):
        return True

    def has_object_permission(self, request, view, round_):
        if view.action in ("start", "close"):
            self.message = _("您没有权限管理该测评轮次。")
            return permissions.can_manage_round(request.user, round_.region)
        return True


class RoundViewSet(ScopedViewSet):
    """测评轮次 and their scores."""

    queryset = Round.objects.select_related("region")
    serializer_class = s.RoundSerializer
    filterset_fields = ["campaign", "state"]
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)
    permission_classes = [*ScopedViewSet.permission_classes, RoundPermission]
    ordering_fields = ["number", "starts_on", "id"]
    ordering = ["-number", "id"]

    @extend_schema(summary="本轮得分：全市、各区（排名）、各指标，附计分口径", responses={200: dict, **REFUSALS})
    @action(detail=True, methods=["get"])
    def score(self, request, pk=None):
        round_ = self.get_object()
        return Response(scoring.round_score(round_).as_dict())

    def _transition(self, name):
        round_ = self.get_object()
        services.round_transition(actor=self.request.user, round_id=round_.pk, action=name)
        return self.respond_with(round_)

    @extend_schema(summary="开始测评（创建办）", request=None, responses={200: s.RoundSerializer, **REFUSALS})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition("start")

    @extend_schema(
        summary="结束本轮（创建办；结果不再改变）", request=None, responses={200: s.RoundSerializer, **REFUSALS}
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition("close")


class RoundSitePermission(drf_permissions.BasePermission):
    def has_permission(self, request, view):
        return True

    def has_object_permission(self, request, view, round_site):
        if view.action == "answers":
            self.message = _("您不是该点位的测评人员。")
            return permissions.can_answer(request.user, round_site) or round_site.round.state == "closed"
        if view.action == "generate_issues":
            self.message = _("您没有权限为该点位生成问题。")
            return permissions.can_generate_issues(request.user, round_site) or round_site.round.state == "closed"
        return True


class RoundSiteViewSet(ScopedViewSet):
    """测评点位 of the rounds: the checklist, the answers, 生成问题."""

    queryset = RoundSite.objects.select_related("round", "round__campaign", "site", "site__region", "district")
    serializer_class = s.RoundSiteSerializer
    filterset_fields = ["round", "district", "inspector"]
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)
    permission_classes = [*ScopedViewSet.permission_classes, RoundSitePermission]
    ordering_fields = ["order", "answered_at", "id"]
    ordering = ["round", "order", "id"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("mine") == "1":
            qs = qs.filter(inspector=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related("answers")
        return qs

    def get_serializer_class(self):
        if self.action in ("retrieve", "answers"):
            return s.RoundSiteDetailSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="提交测评结果（按点位和考察内容幂等：重复提交只更新，不重复记录）",
        request=s.SiteAnswersSerializer,
        responses={200: s.RoundSiteDetailSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        round_site = self.get_object()
        serializer = s.SiteAnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.site_answer(actor=request.user, round_site_id=round_site.pk, **serializer.validated_data)
        return self.respond_with(round_site)

    @extend_schema(
        summary="不合格项生成问题并交办（已生成的不再生成）",
        request=s.GenerateIssuesSerializer,
        responses={200: dict, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="generate-issues")
    def generate_issues(self, request, pk=None):
        round_site = self.get_object()
        serializer = s.GenerateIssuesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = None
        if serializer.validated_data["category"] is not None:
            category = IssueCategory.objects.filter(pk=serializer.validated_data["category"], is_active=True).first()
        created = services.site_generate_issues(actor=request.user, round_site_id=round_site.pk, category=category)
        return Response({"created": [issue.pk for issue in created]})
