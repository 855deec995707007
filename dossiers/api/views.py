"""Viewsets of the dossiers API.

- ``/api/v1/dossier-requirements/``: the required materials the caller sees (units: their own;
  the office: the campaign's; supervisors and leaders: their region's units'); ``POST`` and
  ``PATCH`` by the office's supervisors; ``POST …/{id}/upload/`` (multipart) hands a new
  material in (staff or head of a responsible unit).
- ``/api/v1/dossier-materials/``: materials with their versions; ``POST …/{id}/new-version/``
  (the unit), ``…/approve/`` and ``…/return/`` (the office); ``GET …/{id}/files/{version}/``
  downloads a version — always as an attachment with its sniffed type, never inline.
- ``/api/v1/dossiers/completeness/?campaign=`` (outside the router): 材料完成率 and its counts
  by indicator and by unit, from :func:`dossiers.selectors.completeness` over what the caller sees.

Refusals: 400 (naming the field) / 403 / 404 / 409 (with ``state``), as everywhere.
"""

from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.api.base import ScopedViewSet, ServiceCreateMixin, ServiceUpdateMixin
from chuangcheng.org.models import Region, Unit
from chuangcheng.org.permissions import is_signed_in
from chuangcheng.org.scoping import scope_for
from dossiers import permissions, selectors, services
from dossiers.models import Material, MaterialVersion, Requirement
from dossiers.workflow import TRANSITIONS

from . import serializers as s

REFUSALS = {
    400: OpenApiResponse(s.DossierRefusalSerializer, description=_("输入有误：field 指出哪一项。")),
    403: OpenApiResponse(s.DossierRefusalSerializer, description=_("能看到该对象，但无权执行此操作。")),
    404: OpenApiResponse(s.DossierRefusalSerializer, description=_("对象不存在，或调用者无权查看。")),
    409: OpenApiResponse(s.DossierRefusalSerializer, description=_("当前状态不允许此操作：state 为当前状态。")),
}
MATERIAL_ACTIONS = {"new_version": "new_version", "approve": "approve", "return_material": "return"}


def download(version):
    """A version's bytes as a download (``Content-Disposition: attachment``) with the type its
    content was sniffed as: never rendered inline by the browser, whatever was uploaded."""
    return FileResponse(
        version.file.open("rb"), as_attachment=True, filename=version.original_name, content_type=version.content_type
    )


class RequirementPermission(drf_permissions.BasePermission):
    """Creating needs a supervisor or an admin (the service then asks for the campaign's office);
    an edit the office; an upload a responsible unit. Reading: the scoped queryset (404)."""

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        self.message = _("只有创建办督查员和系统管理员可以设置材料要求。")
        return scope_for(request.user).has_role("supervisor", "admin")

    def has_object_permission(self, request, view, requirement):
        if view.action == "partial_update":
            self.message = _("只有创建办督查员和系统管理员可以设置材料要求。")
            return permissions.can_manage_requirements(request.user, requirement.campaign)
        if view.action == "upload":
            self.message = _("只有该材料要求的责任单位可以上传材料。")
            return permissions.can_upload(request.user, requirement)
        return True


class RequirementViewSet(ServiceCreateMixin, ServiceUpdateMixin, ScopedViewSet):
    """材料要求: the list of what each document-evaluated indicator must be proven with."""

    queryset = Requirement.objects.select_related("campaign", "indicator").prefetch_related(
        Prefetch("units", queryset=Unit.objects.order_by("name", "id"))
    )
    serializer_class = s.RequirementSerializer
    create_serializer_class = s.RequirementCreateSerializer
    update_serializer_class = s.RequirementEditSerializer
    filterset_fields = ["campaign", "indicator", "status", "units"]
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)  # who may: RequirementPermission and the services
    permission_classes = [*ScopedViewSet.permission_classes, RequirementPermission]
    ordering_fields = ["deadline", "status", "created_at", "id"]
    ordering = ["indicator__sort_key", "id"]

    def get_serializer_class(self):
        if self.action in ("retrieve", "upload", "partial_update", "create"):
            return s.RequirementDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action in ("retrieve", "upload", "partial_update", "create"):
            versions = MaterialVersion.objects.select_related("uploaded_by").order_by("-number")
            qs = qs.prefetch_related(
                Prefetch(
                    "materials",
                    queryset=Material.objects.select_related(
                        "unit", "reviewed_by", "current_version__uploaded_by", "requirement__campaign"
                    )
                    .prefetch_related(Prefetch("versions", queryset=versions))
                    .order_by("created_at", "id"),
                )
            )
        return qs

    def get_input_serializer_class(self):
        if self.action == "upload":
            return s.UploadSerializer
        return super().get_input_serializer_class()

    @extend_schema(
        summary="新建材料要求（创建办督查员、系统管理员）", responses={201: s.RequirementDetailSerializer, **REFUSALS}
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(summary="修改材料要求", responses={200: s.RequirementDetailSerializer, **REFUSALS})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def create_object(self, data):
        return services.requirement_create(actor=self.request.user, **data)

    def update_object(self, requirement, data):
        return services.requirement_update(actor=self.request.user, requirement_id=requirement.pk, data=data)

    @extend_schema(
        summary="上传材料（责任单位；按文件内容识别类型，重复文件会被标出）",
        request=s.UploadSerializer,
        responses={201: s.RequirementDetailSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def upload(self, request, pk=None):
        requirement = self.get_object()
        serializer = self.get_input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.material_upload(actor=request.user, requirement_id=requirement.pk, **serializer.validated_data)
        return self.respond_with(requirement, 201)


class MaterialPermission(drf_permissions.BasePermission):
    def has_permission(self, request, view):
        return True

    def has_object_permission(self, request, view, material):
        name = MATERIAL_ACTIONS.get(view.action)
        if name is None:
            return True
        self.message = permissions.forbidden_text(request.user, material, name, services.ACTION_LABELS[name])
        return getattr(permissions, TRANSITIONS[name].permission)(request.user, material)


class MaterialViewSet(ScopedViewSet):
    """材料: what units handed in, every version kept; the office's review as actions."""

    queryset = Material.objects.select_related(
        "unit", "reviewed_by", "current_version__uploaded_by", "requirement__campaign"
    ).prefetch_related(
        Prefetch("versions", queryset=MaterialVersion.objects.select_related("uploaded_by").order_by("-number"))
    )
    serializer_class = s.MaterialSerializer
    filterset_fields = ["requirement", "status", "unit"]
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)
    permission_classes = [*ScopedViewSet.permission_classes, MaterialPermission]
    ordering_fields = ["created_at", "status", "id"]
    ordering = ["created_at", "id"]
    action_input_serializers = {
        "new_version": s.NewVersionSerializer,
        "approve": s.MaterialApproveSerializer,
        "return_material": s.MaterialReturnSerializer,
    }

    def get_queryset(self):
        visible = Requirement.objects.visible_to(self.request.user).values("pk")
        return self.queryset.filter(requirement_id__in=visible)

    def get_input_serializer_class(self):
        return self.action_input_serializers.get(self.action)

    def _act(self, run):
        material = self.get_object()
        serializer = self.get_input_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        run(material, serializer.validated_data)
        return self.respond_with(material)

    @extend_schema(
        summary="上传新版本（报送单位；待审核或已退回的材料）",
        request=s.NewVersionSerializer,
        responses={200: s.MaterialSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="new-version")
    def new_version(self, request, pk=None):
        return self._act(lambda m, d: services.material_add_version(actor=request.user, material_id=m.pk, **d))

    @extend_schema(
        summary="审核通过（创建办督查员）",
        request=s.MaterialApproveSerializer,
        responses={200: s.MaterialSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._act(
            lambda m, d: services.material_approve(actor=request.user, material_id=m.pk, comment=d["comment"])
        )

    @extend_schema(
        summary="退回（创建办督查员，须填写原因）",
        request=s.MaterialReturnSerializer,
        responses={200: s.MaterialSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_material(self, request, pk=None):
        return self._act(
            lambda m, d: services.material_return(actor=request.user, material_id=m.pk, reason=d["reason"])
        )

    @extend_schema(
        summary="下载材料的某个版本（总是作为附件下载）",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: REFUSALS[404]},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<version_id>\d+)",
        url_name="file",
        filter_backends=[],
        pagination_class=None,
    )
    def file(self, request, pk=None, version_id=None):
        material = self.get_object()
        return download(get_object_or_404(MaterialVersion, material=material, pk=version_id))


class CompletenessView(APIView):
    """材料完成率 for one campaign over the requirements the caller sees: totals, by indicator,
    by unit, and the figure's definition. ``?region=`` narrows to units in a region subtree,
    ``?unit=`` to one unit."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        summary="材料完成率（按指标、按单位）",
        parameters=[
            OpenApiParameter("campaign", int, required=False, description="创建活动；缺省为进行中的第一个"),
            OpenApiParameter("region", int, required=False, description="区划（含下级）"),
            OpenApiParameter("unit", int, required=False, description="单位"),
        ],
        responses={200: OpenApiTypes.OBJECT, 404: REFUSALS[404]},
    )
    def get(self, request):
        user = request.user
        campaigns = Campaign.objects.visible_to(user)
        campaign = _pick(campaigns, request.query_params.get("campaign")) or campaigns.active().order_by("pk").first()
        if campaign is None:
            raise ApplicationError(_("没有可查看的创建活动。"), code="not_found")
        scope = _pick(Region.objects.visible_to(user), request.query_params.get("region")) or _pick(
            Unit.objects.visible_to(user), request.query_params.get("unit")
        )
        result = selectors.completeness(campaign, scope, requirements=Requirement.objects.visible_to(user))
        return Response({"campaign": {"id": campaign.pk, "name": campaign.name}, **result.as_dict()})


def _pick(queryset, raw):
    if raw in (None, ""):
        return None
    if not str(raw).isdigit():
        raise ApplicationError(_("编号应为整数。"), field="id")
    found = queryset.filter(pk=int(raw)).first()
    if found is None:
        raise ApplicationError(_("所选对象不存在，或您无权查看。"), code="not_found")
    return found
