"""Viewsets of the inspections API: inspections, issues and their categories (/api/v1/…).

- Reading: every signed-in person lists and opens the inspections and issues ``visible_to``
  them (anything else is a 404). The issue list takes every
  :class:`~inspections.filters.IssueFilter` filter and ``?ordering=``, and costs the same few
  queries however many rows it returns. ``events/`` is the timeline, ``photos/`` the photos,
  ``integrity/`` what the verifier should look at twice.
- Writing: ``POST`` creates (supervisors and leaders in scope, through the services); each
  workflow action of :data:`inspections.workflow.TRANSITIONS` is one
  ``POST /issues/{id}/<action>/`` with a small input serializer that calls its service, and
  ``POST /issues/{id}/photos/`` adds photos. The answer is the issue as the caller now sees it
  (with its new ``allowed_actions``); a refusal is 400 (naming the field) / 403 / 404 / 409
  (with ``state``).
- The permission to act is the workflow table's predicate for the action, asked before the
  input is read, so a person who may not act gets 403 whatever they send; the service asks
  again under the row lock, with the state.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from chuangcheng.org.api.base import PredicatePermission, ScopedViewSet, ServiceCreateMixin
from chuangcheng.org.api.representation import prefetch_rows
from chuangcheng.org.permissions import is_signed_in
from chuangcheng.org.scoping import scope_for
from inspections import permissions, selectors, services
from inspections.filters import IssueFilter
from inspections.models import Inspection, Issue, IssueCategory, IssueEvent, IssueState, Photo
from inspections.photos import jpeg_response
from inspections.services.common import ACTION_LABELS
from inspections.workflow import TRANSITIONS

from . import serializers as s

REFUSALS = {
    400: OpenApiResponse(s.IssueRefusalSerializer, description=_("输入有误：field 指出哪一项。")),
    403: OpenApiResponse(s.IssueRefusalSerializer, description=_("能看到该问题，但无权执行此操作。")),
    404: OpenApiResponse(s.IssueRefusalSerializer, description=_("问题不存在，或调用者无权查看。")),
    409: OpenApiResponse(
        s.IssueRefusalSerializer, description=_("问题当前状态或待审申请不允许此操作：state 为当前状态。")
    ),
}


def _transition_schema(summary, request):
    return extend_schema(summary=summary, request=request, responses={200: s.IssueSerializer, **REFUSALS})


class RecorderPermission(drf_permissions.BasePermission):
    """Creating an issue or an inspection: a person with a supervisor's or leader's role (or an
    admin) gets past the door, anyone else is refused before the input is read. Whether the
    region is theirs is :func:`~inspections.permissions.can_create_issue`, asked by the service
    once the region is known (403 there too)."""

    message = _("只有督查员、包保领导和系统管理员可以登记问题和检查。")

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        return scope_for(request.user).has_role("supervisor", "leader")


class IssuePermission(RecorderPermission):
    """Wraps :mod:`inspections.permissions`: for a workflow action (and adding photos) the
    predicate the workflow table names. Reading needs only that the issue is visible, which the
    scoped queryset decides (404 otherwise)."""

    def has_object_permission(self, request, view, issue):
        name = view.action  # the viewset's actions carry the workflow table's names
        if name not in TRANSITIONS:
            return True
        label = ACTION_LABELS.get("photo" if name == "add_photo" else name, name)
        self.message = permissions.forbidden_text(request.user, issue, name, label)
        return getattr(permissions, TRANSITIONS[name].permission)(request.user, issue)


class IssueViewSet(ServiceCreateMixin, ScopedViewSet):
    """问题: the list and its filters, the timeline and photos, and one endpoint per workflow
    action."""

    # Few joins: PostgreSQL plans a join of 7 tables for longer than it runs it; the site and
    # the recorder come by id instead.
    queryset = Issue.objects.select_related("campaign", "category", "region", "responsible_unit").prefetch_related(
        "site", "created_by", prefetch_rows("photos", Photo.objects.order_by("created_at", "id"))
    )
    serializer_class = s.IssueSerializer
    create_serializer_class = s.IssueCreateSerializer
    filterset_class = IssueFilter
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)  # who may do what to which issue: IssuePermission
    permission_classes = [*ScopedViewSet.permission_classes, IssuePermission]
    ordering_fields = ["created_at", "rectification_deadline", "sign_deadline", "severity", "state", "id"]
    ordering_columns = {"severity": "severity_rank"}  # by how serious, not by the code's alphabet
    ordering = ["-created_at", "-id"]
    # A page's ids first — from an index that holds the filter and the sort (the (region, state)
    # and (unit, state) indexes hold the sort columns, the orderings' the filters) — then its 50
    # rows with their joins (chuangcheng.pagination, "Ids first").
    page_ids_first = True
    action_input_serializers = {
        "accept": s.IssueAcceptSerializer,
        "merge": s.IssueMergeSerializer,
        "dismiss": s.IssueReasonSerializer,
        "assign": s.IssueAssignSerializer,
        "sign": s.IssueCommentSerializer,
        "request_reassignment": s.IssueRequestReassignmentSerializer,
        "reassign": s.IssueReassignSerializer,
        "insist": s.IssueReasonSerializer,
        "request_extension": s.IssueRequestExtensionSerializer,
        "approve_extension": s.IssueApproveExtensionSerializer,
        "refuse_extension": s.IssueReasonSerializer,
        "submit": s.IssueSubmitSerializer,
        "verify": s.IssueCommentSerializer,
        "reject": s.IssueRejectSerializer,
        "move_long_term": s.IssueMoveLongTermSerializer,
        "long_term_progress": s.IssueLongTermProgressSerializer,
        "reopen": s.IssueReopenSerializer,
        "add_photo": s.PhotoUploadSerializer,
    }

    def get_queryset(self):
        if self.action == "list":  # the region filter lets visible_to drop its OR (see there)
            queryset = self.queryset.all().visible_to(self.request.user, within=self.request.query_params.get("region"))
        else:
            queryset = super().get_queryset()
        return queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:  # a page: who may verify its submitted rows, one query
            submitted = [issue.pk for issue in args[0] if issue.state == IssueState.SUBMITTED]
            permissions.note_took_part(self.request.user, submitted)
        return super().get_serializer(*args, **kwargs)

    def get_input_serializer_class(self):
        return self.action_input_serializers.get(self.action) or super().get_input_serializer_class()

    @extend_schema(
        summary="登记问题（督查员、包保领导；可附整改前照片，可同时交办）",
        responses={201: s.IssueSerializer, **REFUSALS},
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_object(self, data):
        return services.issue_create(actor=self.request.user, **data)

    # --- the workflow actions -------------------------------------------------------------------

    def _act(self, run):
        """Visible (404), allowed (403), well-formed (400); then the service decides (400/403/409)."""
        issue = self.checked_object()
        serializer = self.get_input_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        run(issue.pk, serializer.validated_data)
        return self.respond_with(issue)

    def _run(self, service, **renames):
        """``service(actor=…, issue_id=…, **input)``, with input names mapped to the service's."""

        def run(issue_id, data):
            kwargs = {renames.get(k, k): v for k, v in data.items()}
            return service(actor=self.request.user, issue_id=issue_id, **kwargs)

        return self._act(run)

    @_transition_schema("立案交办（督查员；缺省交推荐单位，属地兜底）", s.IssueAcceptSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._run(services.issue_accept)

    @_transition_schema("合并到同一活动中未办结的问题（督查员）", s.IssueMergeSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        def run(issue_id, d):
            services.issue_merge(actor=request.user, issue_id=issue_id, target_id=d["target"].pk, comment=d["comment"])

        return self._act(run)

    @_transition_schema("不予立案（督查员，须填写理由）", s.IssueReasonSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._run(services.issue_dismiss)

    @_transition_schema("改派：签收前更换责任单位或整改时限（督查员，须填写原因）", s.IssueAssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._run(services.issue_assign)

    @_transition_schema("签收（责任单位；整改时限开始计算）", s.IssueCommentSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        return self._run(services.issue_sign)

    @_transition_schema("申请退回：属地不符或权属不清（责任单位）", s.IssueRequestReassignmentSerializer)
    @action(detail=True, methods=["post"], url_path="request-reassignment")
    def request_reassignment(self, request, pk=None):
        return self._run(services.issue_request_reassignment)

    @_transition_schema("同意退回并改派（督查员）", s.IssueReassignSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._run(services.issue_reassign)

    @_transition_schema("驳回退回申请（督查员，须填写理由）", s.IssueReasonSerializer)
    @action(detail=True, methods=["post"])
    def insist(self, request, pk=None):
        return self._run(services.issue_insist)

    @_transition_schema("申请延期（责任单位；最多延长 10 个工作日，不超过迎检日期）", s.IssueRequestExtensionSerializer)
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        return self._run(services.issue_request_extension)

    @_transition_schema("同意延期（责任单位以外的督查员）", s.IssueApproveExtensionSerializer)
    @action(detail=True, methods=["post"], url_path="approve-extension")
    def approve_extension(self, request, pk=None):
        return self._run(services.issue_approve_extension)

    @_transition_schema("不同意延期（责任单位以外的督查员，须填写理由）", s.IssueReasonSerializer)
    @action(detail=True, methods=["post"], url_path="refuse-extension")
    def refuse_extension(self, request, pk=None):
        return self._run(services.issue_refuse_extension)

    @_transition_schema("提交核查（责任单位；须填写整改措施并附整改后照片）", s.IssueSubmitSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._run(services.issue_submit)

    @_transition_schema("核查销号（责任单位以外的督查员）", s.IssueCommentSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._run(services.issue_verify)

    @_transition_schema("核查退回返工（责任单位以外的督查员，须填写原因）", s.IssueRejectSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._run(services.issue_reject)

    @_transition_schema("转长期整改（督查员；方案和一年内的目标日期）", s.IssueMoveLongTermSerializer)
    @action(detail=True, methods=["post"], url_path="move-long-term")
    def move_long_term(self, request, pk=None):
        return self._run(services.issue_move_long_term)

    @_transition_schema("报送长期整改进展（责任单位，可附照片）", s.IssueLongTermProgressSerializer)
    @action(detail=True, methods=["post"], url_path="long-term-progress")
    def long_term_progress(self, request, pk=None):
        return self._run(services.issue_long_term_progress)

    @_transition_schema("反弹重办（督查员，须说明情况；改由他单位则须重新签收）", s.IssueReopenSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._run(services.issue_reopen)

    # --- photos, history, integrity --------------------------------------------------------------

    @extend_schema(
        summary="问题的照片（整改前、整改后、佐证），按上传先后",
        operation_id="issues_photos_list",
        responses={200: s.IssuePhotoSerializer(many=True), 404: REFUSALS[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def photos(self, request, pk=None):
        issue = self.checked_object()  # the answer reads what it shows itself
        return Response(
            s.IssuePhotoSerializer(issue.photos.all(), many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="上传照片（整改前：督查员；整改后：责任单位；佐证：两者皆可）",
        operation_id="issues_photos_create",
        request=s.PhotoUploadSerializer,
        responses={201: s.IssuePhotoSerializer(many=True), **REFUSALS},
    )
    @photos.mapping.post
    def add_photo(self, request, pk=None):
        issue = self.checked_object()
        serializer = self.get_input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = services.photo_add(actor=request.user, issue_id=issue.pk, **serializer.validated_data)
        data = s.IssuePhotoSerializer(added, many=True, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="下载照片或缩略图（JPEG）",
        parameters=[OpenApiParameter("variant", str, OpenApiParameter.PATH, enum=["file", "thumbnail"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, 404: REFUSALS[404]},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>\d+)/(?P<variant>file|thumbnail)",
        url_name="photo-file",
        filter_backends=[],
        pagination_class=None,
    )
    def photo_file(self, request, pk=None, photo_id=None, variant=None):
        issue = self.checked_object()  # the answer reads what it shows itself
        photo = get_object_or_404(Photo, issue=issue, pk=photo_id)
        return jpeg_response(photo.thumbnail if variant == "thumbnail" else photo.file)

    @extend_schema(
        summary="问题时间线：每一步操作，按时间先后",
        responses={200: s.IssueEventSerializer(many=True), 404: REFUSALS[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def events(self, request, pk=None):
        issue = self.checked_object()  # the answer reads what it shows itself
        events = (
            IssueEvent.objects.filter(issue=issue)
            .select_related("actor")
            .prefetch_related(prefetch_rows("photos", Photo.objects.order_by("created_at", "id")))
            .order_by("created_at", "id")
        )
        return Response(s.IssueEventSerializer(events, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="核查提示：疑似重复照片、拍摄时间早于登记、疑似反弹",
        responses={200: s.IntegrityFlagSerializer(many=True), 404: REFUSALS[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def integrity(self, request, pk=None):
        issue = self.checked_object()  # the answer reads what it shows itself
        return Response([flag.as_dict() for flag in selectors.integrity_flags(issue)])


class InspectionViewSet(ServiceCreateMixin, ScopedViewSet):
    """检查: the outings that found issues (who went, where, when, what kind)."""

    queryset = Inspection.objects.select_related("campaign", "region", "created_by").prefetch_related("inspectors")
    serializer_class = s.InspectionSerializer
    create_serializer_class = s.InspectionCreateSerializer
    filterset_fields = ["campaign", "kind"]
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)  # the service asks can_create_inspection(region)
    permission_classes = [*ScopedViewSet.permission_classes, RecorderPermission]
    ordering_fields = ["date", "created_at", "id"]
    ordering = ["-date", "-id"]

    @extend_schema(summary="新建检查（督查员、包保领导）", responses={201: s.InspectionSerializer, **REFUSALS})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def create_object(self, data):
        return services.inspection_create(actor=self.request.user, **data)

    def get_queryset(self):
        counts = selectors.inspection_issue_counts(self.request.user)
        return super().get_queryset().annotate(issue_count=counts["issue_count"])


class IssueCategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """问题类别: the 数字城管 classes and campaign categories in use, with their time limits."""

    queryset = IssueCategory.objects.filter(is_active=True)
    serializer_class = s.IssueCategorySerializer
    permission_classes = [PredicatePermission]
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)  # no writes here (read-only viewset)
    filterset_fields = ["kind", "major"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]
