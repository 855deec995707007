"""Serializers of the ledger API (/api/v1/tasks/, /api/v1/task-updates/).

Output serializers read a task with the names of what it points to, display labels, the derived
figures (expected progress, lag, overdue, days left, traffic light — "today" in Asia/Shanghai)
and the caller's ``allowed_actions`` from :mod:`tasks.workflow`. Input serializers check shapes
only and hand the values to :mod:`tasks.services`, which holds every rule of the ledger (percent
0–100, a reason for a return, evidence before submitting, file types), so pages and API refuse
with the same words.
"""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.officedates import office_today
from chuangcheng.org.api.base import LabelField, VisiblePrimaryKeyRelatedField
from chuangcheng.org.api.representation import CompiledRepresentation, RowsListSerializer
from chuangcheng.org.api.serializers import UnitRefSerializer
from chuangcheng.org.models import Region, Unit, User
from tasks.models import Priority, Recurrence, Task, TaskAction, TaskAttachment, TaskUpdate
from tasks.workflow import TRANSITIONS, allowed_actions

TRAFFIC_LIGHTS = [
    ("green", _("正常")),
    ("yellow", _("临期或滞后")),
    ("red", _("已超期")),
    ("done", _("已完成")),
]
ACTION_LABELS = dict(TaskAction.choices)


def ledger_today() -> dt.date:
    return office_today()


# --- Output ------------------------------------------------------------------------------------


class IndicatorRefSerializer(CompiledRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name"]
        read_only_fields = fields
        list_serializer_class = RowsListSerializer


class RollupSerializer(serializers.Serializer):
    """A decomposed task's sub-tasks (or a 常态化 series' periods) at a glance — what the ledger
    shows for it (tasks.selectors.Rollup)."""

    total = serializers.IntegerField(help_text=_("下级任务数（常态化任务：已生成的期数）。"))
    done = serializers.IntegerField(help_text=_("其中已完成的。"))
    overdue = serializers.IntegerField(help_text=_("其中已超期未完成的。"))
    worst_lag = serializers.IntegerField(help_text=_("下级任务中最大的滞后（百分点）。"))
    light = serializers.ChoiceField(choices=["red", "yellow", "green", "done"], help_text=_("下级任务中最差的红绿灯。"))
    progress = serializers.IntegerField(
        allow_null=True, help_text=_("下级任务的平均进度（%，已完成的按 100 计）；常态化任务为 null（按期计）。")
    )


class TaskSerializer(CompiledRepresentation, serializers.ModelSerializer):
    """A ledger line as the caller sees it today. A decomposed task is measured through its
    sub-tasks, as the ledger shows it: ``lag`` and ``traffic_light`` are theirs (the worst),
    ``rollup`` says how they stand; ``progress`` stays what the task itself last reported. The
    view puts the page's rollups in the context (``rollups``: {task id: Rollup})."""

    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    indicators = IndicatorRefSerializer(many=True, read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True, allow_null=True)
    cooperating_units = UnitRefSerializer(many=True, read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True)
    responsible_leader_name = serializers.SerializerMethodField(
        help_text=_("责任领导：关联账号的姓名，没有账号时为导入的姓名。")
    )
    priority_display = LabelField(source="priority")
    recurrence_display = LabelField(source="recurrence")
    state_display = LabelField(source="state")
    expected_progress = serializers.SerializerMethodField(
        help_text=_("按开始日期到完成时限线性计算的应完成进度（%）。")
    )
    lag = serializers.SerializerMethodField(
        help_text=_("滞后：应完成进度减去报送进度（百分点，不为负）；已分解的任务为下级任务中最大的滞后。")
    )
    is_overdue = serializers.SerializerMethodField(help_text=_("已过完成时限且未完成。"))
    days_left = serializers.SerializerMethodField(help_text=_("距完成时限的天数（北京时间；已过为负数）。"))
    traffic_light = serializers.SerializerMethodField(
        help_text=_(
            "green 正常，yellow 三天内到期或滞后 20 个百分点以上，red 已超期，done 已完成；已分解的任务为下级任务中最差的。"
        )
    )
    rollup = serializers.SerializerMethodField(help_text=_("已分解（或常态化）任务的下级任务情况；其他任务为 null。"))
    parent_title = serializers.CharField(source="parent.title", read_only=True, allow_null=True)
    children_count = serializers.IntegerField(read_only=True, default=0, help_text=_("分解出的下级任务数。"))
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("调用者现在可以执行的操作（状态和权限都允许），即下列 POST 端点。")
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "number",
            "title",
            "completion_standard",
            "campaign",
            "campaign_name",
            "indicators",
            "owner_unit",
            "owner_unit_name",
            "lead_unit",
            "lead_unit_name",
            "cooperating_units",
            "region",
            "region_name",
            "responsible_leader",
            "responsible_leader_name",
            "contact_name",
            "contact_phone",
            "start_date",
            "deadline",
            "priority",
            "priority_display",
            "recurrence",
            "recurrence_display",
            "evidence_required",
            "state",
            "state_display",
            "progress",
            "expected_progress",
            "lag",
            "is_overdue",
            "days_left",
            "traffic_light",
            "parent",
            "parent_title",
            "children_count",
            "rollup",
            "submitted_at",
            "done_at",
            "last_reported_at",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _today(self):
        return self.context.get("today") or ledger_today()

    def get_responsible_leader_name(self, task) -> str:
        return str(task.responsible_leader) if task.responsible_leader_id else task.responsible_leader_name

    def get_expected_progress(self, task) -> int:
        return task.expected_progress(self._today())

    def _rollup(self, task):
        return self.context.get("rollups", {}).get(task.pk)

    def get_lag(self, task) -> int:
        rollup = self._rollup(task)
        return rollup.worst_lag if rollup else task.lag(self._today())

    def get_is_overdue(self, task) -> bool:
        return task.is_overdue(self._today())

    def get_days_left(self, task) -> int:
        return task.days_left(self._today())

    @extend_schema_field(serializers.ChoiceField(choices=TRAFFIC_LIGHTS))
    def get_traffic_light(self, task):
        rollup = self._rollup(task)
        return rollup.light if rollup else task.traffic_light(self._today())

    @extend_schema_field(RollupSerializer(allow_null=True))
    def get_rollup(self, task):
        rollup = self._rollup(task)
        if rollup is None:
            return None
        return {
            "total": rollup.total,
            "done": rollup.done,
            "overdue": rollup.overdue,
            "worst_lag": rollup.worst_lag,
            "light": rollup.light,
            "progress": None if task.recurrence else rollup.progress,
        }

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=list(TRANSITIONS))))
    def get_allowed_actions(self, task):
        # The predicates cache the caller's memberships and scope on the user object, so a page
        # of tasks costs no query per row.
        return allowed_actions(self.context["request"].user, task)


class AttachmentSerializer(CompiledRepresentation, serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    is_image = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField(help_text=_("下载地址（需登录，且能看到该任务）。"))

    class Meta:
        model = TaskAttachment
        fields = ["id", "name", "content_type", "size", "is_image", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        path = reverse("task-file", kwargs={"pk": attachment.task_id, "attachment_id": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class TaskUpdateSerializer(CompiledRepresentation, serializers.ModelSerializer):
    """进度报送 (and the note of a submission), with its evidence."""

    task_title = serializers.CharField(source="task.title", read_only=True)
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TaskUpdate
        fields = ["id", "task", "task_title", "author", "author_name", "progress", "note", "created_at", "attachments"]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.Serializer):
    """One step of a task's history (:func:`tasks.selectors.task_timeline`): the event, with the
    progress report and evidence a report or submission wrote alongside it."""

    at = serializers.DateTimeField(read_only=True)
    action = serializers.SerializerMethodField()
    action_display = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField(help_text=_("操作人姓名；系统自动生成时为空。"))
    from_state = serializers.CharField(source="event.from_state", read_only=True, allow_null=True)
    to_state = serializers.CharField(source="event.to_state", read_only=True, allow_null=True)
    comment = serializers.CharField(source="event.comment", read_only=True, allow_null=True)
    changes = serializers.JSONField(
        source="event.changes", read_only=True, allow_null=True, help_text=_("变更内容：{字段: [原值, 新值]}。")
    )
    progress = serializers.IntegerField(source="update.progress", read_only=True, allow_null=True)
    note = serializers.CharField(source="update.note", read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    def get_action(self, entry) -> str:
        return entry.event.action if entry.event else TaskAction.REPORT.value

    def get_action_display(self, entry) -> str:
        return str(ACTION_LABELS.get(self.get_action(entry), self.get_action(entry)))

    def get_actor(self, entry) -> int | None:
        return entry.actor.pk if entry.actor else None

    def get_actor_name(self, entry) -> str | None:
        return str(entry.actor) if entry.actor else None


class RefusalSerializer(serializers.Serializer):
    """The answer to a refused call (400/403/404/409)."""

    detail = serializers.CharField(help_text=_("给操作人的说明。"))
    code = serializers.CharField(required=False, help_text=_("invalid / forbidden / not_found / conflict"))
    field = serializers.CharField(required=False, help_text=_("出错的输入项（400）。"))
    state = serializers.CharField(required=False, help_text=_("任务的当前状态（409）。"))


# --- Input: create and edit --------------------------------------------------------------------


class TaskCreateSerializer(serializers.Serializer):
    campaign = VisiblePrimaryKeyRelatedField(label=_("创建活动"), queryset=Campaign.objects.all())
    title = serializers.CharField(label=_("任务名称"), max_length=200)
    owner_unit = VisiblePrimaryKeyRelatedField(label=_("责任单位"), queryset=Unit.objects.filter(is_active=True))
    deadline = serializers.DateField(label=_("完成时限"))
    start_date = serializers.DateField(label=_("开始日期"), required=False, help_text=_("缺省为今天。"))
    number = serializers.CharField(label=_("序号"), max_length=30, required=False, allow_blank=True)
    completion_standard = serializers.CharField(label=_("完成标准"), required=False, allow_blank=True)
    lead_unit = VisiblePrimaryKeyRelatedField(
        label=_("牵头单位"), queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True
    )
    cooperating_units = VisiblePrimaryKeyRelatedField(
        label=_("配合单位"), queryset=Unit.objects.filter(is_active=True), many=True, required=False
    )
    indicators = VisiblePrimaryKeyRelatedField(
        label=_("对应指标"), queryset=Indicator.objects.all(), many=True, required=False
    )
    responsible_leader = serializers.PrimaryKeyRelatedField(
        label=_("责任领导"), queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    responsible_leader_name = serializers.CharField(
        label=_("责任领导（姓名）"), max_length=50, required=False, allow_blank=True
    )
    contact_name = serializers.CharField(label=_("联系人"), max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(label=_("联系电话"), max_length=20, required=False, allow_blank=True)
    region = VisiblePrimaryKeyRelatedField(
        label=_("区域"), queryset=Region.objects.all(), required=False, allow_null=True
    )
    priority = serializers.ChoiceField(label=_("优先级"), choices=Priority.choices, required=False)
    recurrence = serializers.ChoiceField(
        label=_("常态化周期"), choices=Recurrence.choices, required=False, allow_blank=True
    )
    evidence_required = serializers.BooleanField(label=_("提交需附佐证材料"), required=False, default=True)


class TaskEditSerializer(serializers.Serializer):
    """``PATCH``: descriptive fields only. Deadline and owner unit change through the
    ``change-deadline`` and ``reassign`` actions, which record a reason."""

    title = serializers.CharField(label=_("任务名称"), max_length=200, required=False)
    completion_standard = serializers.CharField(label=_("完成标准"), required=False, allow_blank=True)
    priority = serializers.ChoiceField(label=_("优先级"), choices=Priority.choices, required=False)
    contact_name = serializers.CharField(label=_("联系人"), max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(label=_("联系电话"), max_length=20, required=False, allow_blank=True)
    indicators = VisiblePrimaryKeyRelatedField(
        label=_("对应指标"), queryset=Indicator.objects.all(), many=True, required=False
    )
    cooperating_units = VisiblePrimaryKeyRelatedField(
        label=_("配合单位"), queryset=Unit.objects.filter(is_active=True), many=True, required=False
    )

    def validate(self, attrs):
        # A PATCH carrying a deadline or owner unit would otherwise be silently half applied.
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    unknown[0]: _(
                        "这里只能修改任务名称、完成标准、优先级、联系人、对应指标和配合单位；"
                        "完成时限和责任单位请通过“调整时限”“调整责任单位”办理（需填写原因）。"
                    )
                }
            )
        return attrs


# --- Input: the workflow actions ---------------------------------------------------------------


def _files_field():
    return serializers.ListField(
        label=_("佐证材料"),
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=_("照片、PDF 或 Office 文档，可多个（multipart/form-data，字段名 files）；按文件内容识别类型。"),
    )


class ReportSerializer(serializers.Serializer):
    progress = serializers.IntegerField(label=_("完成进度（%）"), help_text=_("0 到 100 之间的整数。"))
    note = serializers.CharField(label=_("进展情况"), allow_blank=True)
    files = _files_field()


class SubmitSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("完成情况说明"), allow_blank=True)
    files = _files_field()


class AcceptSerializer(serializers.Serializer):
    comment = serializers.CharField(label=_("验收意见"), required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("退回原因"), allow_blank=True)


class ChangeDeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateField(label=_("新的完成时限"))
    reason = serializers.CharField(label=_("调整原因"), allow_blank=True)


class ReassignSerializer(serializers.Serializer):
    owner_unit = VisiblePrimaryKeyRelatedField(
        label=_("新的责任单位"), queryset=Unit.objects.filter(is_active=True), help_text=_("调用者能看到的单位。")
    )
    reason = serializers.CharField(label=_("调整原因"), allow_blank=True)


class InstructSerializer(serializers.Serializer):
    text = serializers.CharField(label=_("批示内容"), allow_blank=True)


class DecomposeSerializer(serializers.Serializer):
    owner_units = VisiblePrimaryKeyRelatedField(
        label=_("责任单位"),
        queryset=Unit.objects.filter(is_active=True),
        many=True,
        help_text=_("每个单位分解出一条下级任务。"),
    )
    deadline = serializers.DateField(
        label=_("完成时限"), required=False, allow_null=True, help_text=_("缺省为上级任务的完成时限。")
    )
