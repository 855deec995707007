"""Viewsets of the ledger API: tasks and their progress reports (/api/v1/tasks/, /task-updates/).

- Reading: every signed-in person lists and opens the tasks ``visible_to`` them (anything else
  is a 404); the list takes every :class:`~tasks.filters.TaskFilter` filter and ``?ordering=``,
  and costs the same few queries however many rows it returns.
- Writing: ``POST`` creates (admins and supervisors), ``PATCH`` edits the descriptive fields,
  and each workflow action is one ``POST /tasks/{id}/<action>/`` with a small input serializer
  that calls its service. The answer is the task as the caller now sees it (with its new
  ``allowed_actions``); a refusal is 400 (naming the field) / 403 / 404 / 409 (with ``state``).
- The permission to act is the workflow table's predicate for the action, asked before the
  input is read, so a person who may not act gets 403 whatever they send; the service asks
  again under the row lock, with the state.
"""

import copy

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from chuangcheng.campaigns.models import Indicator
from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.api.base import ScopedViewSet, ServiceCreateMixin, ServiceUpdateMixin
from chuangcheng.org.api.representation import prefetch_rows
from chuangcheng.org.models import Unit
from chuangcheng.org.permissions import is_signed_in
from tasks import permissions, selectors, services
from tasks.filters import TaskFilter
from tasks.models import Task, TaskAttachment, TaskUpdate
from tasks.workflow import TRANSITIONS

from . import serializers as s

# viewset action → workflow action (``return`` is a Python keyword, hence ``return_task``).
WORKFLOW_ACTIONS = {
    "report": "report",
    "submit": "submit",
    "accept": "accept",
    "return_task": "return",
    "change_deadline": "change_deadline",
    "reassign": "reassign",
    "instruct": "instruct",
    "decompose": "decompose",
}

REFUSALS = {
    400: OpenApiResponse(s.RefusalSerializer, description=_("输入有误：field 指出哪一项。")),
    403: OpenApiResponse(s.RefusalSerializer, description=_("能看到该任务，但无权执行此操作。")),
    404: OpenApiResponse(s.RefusalSerializer, description=_("任务不存在，或调用者无权查看。")),
    409: OpenApiResponse(s.RefusalSerializer, description=_("任务当前状态不允许此操作：state 为当前状态。")),
}


def _transition_schema(summary, request):
    return extend_schema(summary=summary, request=request, responses={200: s.TaskSerializer, **REFUSALS})


class TaskPermission(drf_permissions.BasePermission):
    """Wraps :mod:`tasks.permissions`: ``can_create`` for a new task, ``can_manage`` for an edit,
    and for a workflow action the predicate the workflow table names. Reading needs only that
    the task is visible, which the scoped queryset decides (404 otherwise)."""

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        self.message = _("只有督查员和系统管理员可以新建任务。")
        return permissions.can_create(request.user, None)

    def has_object_permission(self, request, view, task):
        if view.action == "partial_update":
            self.message = _("只有督查员和系统管理员可以修改任务信息。")
            return permissions.can_manage(request.user, task)
        name = WORKFLOW_ACTIONS.get(view.action)
        if name is None:
            return True
        self.message = permissions.forbidden_text(request.user, task, name, services.ACTION_LABELS[name])
        return getattr(permissions, TRANSITIONS[name].permission)(request.user, task)


class TaskAPIFilter(TaskFilter):
    """:class:`~tasks.filters.TaskFilter`, with the type of ``unit`` (a method filter over
    owner, lead and cooperating units) told to the OpenAPI schema."""

    unit = extend_schema_field({"type": "integer", "description": "单位：责任、牵头或配合单位之一"})(
        copy.deepcopy(TaskFilter.declared_filters["unit"])
    )


def _children_count():
    children = Task.objects.filter(parent=OuterRef("pk")).order_by().values("parent").annotate(n=Count("pk"))
    return Coalesce(Subquery(children.values("n")), Value(0))


class TaskViewSet(ServiceCreateMixin, ServiceUpdateMixin, ScopedViewSet):
    """任务台账: the ledger, its filters, and one endpoint per workflow action."""

    queryset = (
        # Few joins: PostgreSQL plans a join of 8 tables for longer than it runs it (18 ms of
        # planning for a 3 ms page); the rarely-set parent and leader come by id instead.
        Task.objects.select_related("campaign", "owner_unit__region", "lead_unit", "region")
        .prefetch_related(
            "parent",
            "responsible_leader",
            prefetch_rows("cooperating_units", Unit.objects.order_by("name", "id")),
            prefetch_rows("indicators", Indicator.objects.order_by("sort_key", "id")),
        )
        .annotate(children_count=_children_count())
    )
    serializer_class = s.TaskSerializer
    create_serializer_class = s.TaskCreateSerializer
    update_serializer_class = s.TaskEditSerializer
    filterset_class = TaskAPIFilter
    read_predicate = staticmethod(is_signed_in)
    write_predicate = staticmethod(is_signed_in)  # who may do what to which task: TaskPermission
    permission_classes = [*ScopedViewSet.permission_classes, TaskPermission]
    ordering_fields = ["deadline", "start_date", "progress", "state", "title", "created_at", "updated_at", "id"]
    ordering = ["deadline", "id"]
    action_input_serializers = {
        "report": s.ReportSerializer,
        "submit": s.SubmitSerializer,
        "accept": s.AcceptSerializer,
        "return_task": s.ReturnSerializer,
        "change_deadline": s.ChangeDeadlineSerializer,
        "reassign": s.ReassignSerializer,
        "instruct": s.InstructSerializer,
        "decompose": s.DecomposeSerializer,
    }

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": s.ledger_today()}

    def get_serializer(self, *args, **kwargs):
        """An answer of tasks carries their sub-tasks' rollups (the ledger's figures for a
        decomposed task): one query for the page's parents, none when it has none."""
        if args and self.get_serializer_class() is s.TaskSerializer:
            rows = args[0] if isinstance(args[0], list | tuple) else [args[0]]
            parents = [t.pk for t in rows if isinstance(t, Task) and getattr(t, "children_count", 0)]
            context = kwargs.setdefault("context", self.get_serializer_context())
            context["rollups"] = selectors.task_rollups(parents, today=context["today"]) if parents else {}
        return super().get_serializer(*args, **kwargs)

    def get_input_serializer_class(self):
        return self.action_input_serializers.get(self.action) or super().get_input_serializer_class()

    @extend_schema(summary="新建任务（督查员、系统管理员）", responses={201: s.TaskSerializer, **REFUSALS})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(
        summary="修改任务信息（名称、完成标准、优先级、联系人、指标、配合单位）",
        responses={200: s.TaskSerializer, **REFUSALS},
    )
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def create_object(self, data):
        return services.task_create(actor=self.request.user, **data)

    def update_object(self, task, data):
        return services.task_update(actor=self.request.user, task_id=task.pk, data=data)

    # --- the workflow actions -------------------------------------------------------------------

    def _act(self, run, *, field_aliases=None):
        """Visible (404), allowed (403), well-formed (400); then the service decides (400/403/409)."""
        task = self.checked_object()
        serializer = self.get_input_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run(task, serializer.validated_data)
        except ApplicationError as error:
            # The service's name for an input, when the API calls it otherwise.
            error.field = (field_aliases or {}).get(error.field, error.field)
            raise
        return self.respond_with(task)

    @_transition_schema("报送进度（责任单位）", s.ReportSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        return self._act(
            lambda task, d: services.task_report(
                actor=request.user, task_id=task.pk, progress=d["progress"], note=d["note"], files=d["files"]
            )
        )

    @_transition_schema("提交验收（责任单位；要求佐证材料的任务须附文件）", s.SubmitSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(
            lambda task, d: services.task_submit(actor=request.user, task_id=task.pk, note=d["note"], files=d["files"])
        )

    @_transition_schema("验收通过（牵头单位或辖区督查员）", s.AcceptSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(
            lambda task, d: services.task_accept(actor=request.user, task_id=task.pk, comment=d["comment"])
        )

    @_transition_schema("退回（牵头单位或辖区督查员，须填写原因）", s.ReturnSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_task(self, request, pk=None):
        return self._act(lambda task, d: services.task_return(actor=request.user, task_id=task.pk, reason=d["reason"]))

    @_transition_schema("调整完成时限（督查员、系统管理员，须填写原因）", s.ChangeDeadlineSerializer)
    @action(detail=True, methods=["post"], url_path="change-deadline")
    def change_deadline(self, request, pk=None):
        return self._act(
            lambda task, d: services.task_change_deadline(
                actor=request.user, task_id=task.pk, deadline=d["deadline"], reason=d["reason"]
            )
        )

    @_transition_schema("调整责任单位（督查员、系统管理员，须填写原因）", s.ReassignSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        return self._act(
            lambda task, d: services.task_reassign(
                actor=request.user, task_id=task.pk, owner_unit=d["owner_unit"], reason=d["reason"]
            )
        )

    @_transition_schema("领导批示", s.InstructSerializer)
    @action(detail=True, methods=["post"])
    def instruct(self, request, pk=None):
        return self._act(lambda task, d: services.task_instruct(actor=request.user, task_id=task.pk, text=d["text"]))

    @_transition_schema("任务分解：每个责任单位一条下级任务", s.DecomposeSerializer)
    @action(detail=True, methods=["post"])
    def decompose(self, request, pk=None):
        def run(task, d):
            parts = [{"owner_unit": unit, "deadline": d.get("deadline")} for unit in d["owner_units"]]
            services.task_decompose(actor=request.user, task_id=task.pk, parts=parts)

        return self._act(run, field_aliases={"parts": "owner_units"})

    # --- reading the history ---------------------------------------------------------------------

    @extend_schema(
        summary="任务时间线：操作记录与进度报送，按时间先后",
        operation_id="tasks_timeline",
        responses={200: s.TimelineEntrySerializer(many=True), 404: REFUSALS[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request, pk=None):
        task = self.checked_object()  # the timeline reads what it shows itself
        entries = selectors.task_timeline(task)
        return Response(s.TimelineEntrySerializer(entries, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="下载佐证材料（图片和 PDF 直接显示）",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: REFUSALS[404]},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<attachment_id>\d+)",
        url_name="file",
        filter_backends=[],
        pagination_class=None,
    )
    def file(self, request, pk=None, attachment_id=None):
        task = self.checked_object()
        item = get_object_or_404(TaskAttachment, task=task, pk=attachment_id)
        inline = item.is_image or item.content_type == "application/pdf"
        return FileResponse(
            item.file.open("rb"), as_attachment=not inline, filename=item.original_name, content_type=item.content_type
        )


class TaskUpdateViewSet(ScopedViewSet):
    """进度报送: the progress reports of the tasks the caller sees, newest first (``?task=``)."""

    queryset = TaskUpdate.objects.select_related("task", "author").prefetch_related("attachments")
    serializer_class = s.TaskUpdateSerializer
    filterset_fields = ["task"]
    read_predicate = staticmethod(is_signed_in)
    ordering_fields = ["created_at", "progress", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        # A report is visible with its task.
        visible = Task.objects.visible_to(self.request.user).values("pk")
        return self.queryset.filter(task_id__in=visible)
