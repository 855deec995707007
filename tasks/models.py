"""The task ledger (任务台账): tasks, progress reports, attachments and the task history.

Overdue and lag are derived, never stored: a task is overdue when its deadline has passed and it
is not done; expected-by-now percent is linear between start and deadline; lag is expected minus
reported. State changes happen only in :mod:`tasks.services`, which writes a :class:`TaskEvent`
for each.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.models import AssignmentKind
from chuangcheng.org.scoping import scope_for


class TaskState(models.TextChoices):
    PENDING = "pending", _("未开始")  # created, nobody has reported yet
    IN_PROGRESS = "in_progress", _("推进中")  # the owner unit reports progress
    SUBMITTED = "submitted", _("待验收")  # the owner unit says it is done; lead unit/supervisor checks
    DONE = "done", _("已完成")  # accepted; closed for good


class Priority(models.TextChoices):
    NORMAL = "normal", _("一般")
    HIGH = "high", _("重要")
    URGENT = "urgent", _("紧急")


class Recurrence(models.TextChoices):
    NONE = "", _("不重复")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; supervisors and leaders their region subtree (tasks without a region
        follow their owner unit's region) and tasks where they are the responsible leader;
        unit people the tasks their unit owns, leads or cooperates on."""
        scope = scope_for(user)
        if scope.sees_all or scope.covers_all_regions:  # every task is under some region
            return self
        q = Q(owner_unit_id__in=scope.unit_ids) | Q(lead_unit_id__in=scope.unit_ids)
        if scope.unit_ids:
            q |= Q(pk__in=Task.cooperating_units.through.objects.filter(unit_id__in=scope.unit_ids).values("task_id"))
        if scope.region_paths:
            q |= scope.region_q("region__path") | (Q(region__isnull=True) & scope.region_q("owner_unit__region__path"))
        if "leader" in scope.roles:
            q |= Q(responsible_leader=user) | Q(id__in=scope.assigned_ids("task"))
        return self.filter(q)

    def open(self):
        return self.exclude(state=TaskState.DONE)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(deadline__lt=today)


class Task(models.Model):
    """任务: one line of the ledger — what must be done (完成标准), by whom (责任单位), led by
    whom (牵头单位), by when (完成时限). A task may be split into per-unit children (任务分解)
    and may recur (常态化): then it is a template and its dated occurrences are children too."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="tasks"
    )
    indicators = models.ManyToManyField(
        "campaigns.Indicator", verbose_name=_("对应指标"), blank=True, related_name="tasks"
    )
    number = models.CharField(_("序号"), max_length=30, blank=True)
    title = models.CharField(_("任务名称"), max_length=200)
    completion_standard = models.TextField(_("完成标准"), blank=True)
    owner_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="owned_tasks"
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    cooperating_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("配合单位"), blank=True, related_name="cooperating_tasks"
    )
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_tasks",
    )
    responsible_leader_name = models.CharField(_("责任领导（姓名）"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("区域"), null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    start_date = models.DateField(_("开始日期"))
    deadline = models.DateField(_("完成时限"))
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级任务"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    recurrence = models.CharField(_("常态化周期"), max_length=10, choices=Recurrence.choices, blank=True, default="")
    occurrence_date = models.DateField(_("周期日期"), null=True, blank=True)
    evidence_required = models.BooleanField(_("提交需附佐证材料"), default=True)
    import_key = models.CharField(
        _("导入键"),
        max_length=80,
        blank=True,
        default="",
        editable=False,
        help_text=_("由任务分解表的序号和任务名称（分解子任务再加单位）算出；同一活动内唯一，重复导入不会重复建任务。"),
    )

    state = models.CharField(_("状态"), max_length=12, choices=TaskState.choices, default=TaskState.PENDING)
    progress = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    last_reported_at = models.DateTimeField(_("最近报送"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务台账")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("start_date")),
                name="tasks_task_deadline_after_start",
                violation_error_message=_("完成时限不能早于开始日期。"),
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="tasks_task_progress_0_100"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="tasks_task_not_own_parent"),
            models.UniqueConstraint(
                fields=["parent", "occurrence_date"],
                condition=Q(occurrence_date__isnull=False),
                name="tasks_task_one_occurrence_per_date",
            ),
            # An imported row (and each of its per-unit children) exists once per campaign:
            # a second confirm of the same file — even at the same moment — cannot add it again.
            models.UniqueConstraint(
                fields=["campaign", "import_key"], condition=~Q(import_key=""), name="tasks_task_unique_import_key"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_unit", "state", "deadline"], name="tasks_owner_state_deadline"),
            models.Index(fields=["campaign", "state", "deadline"], name="tasks_campaign_state_deadline"),
            models.Index(fields=["lead_unit", "state"], name="tasks_lead_state"),
            models.Index(fields=["deadline"], name="tasks_deadline"),
        ]

    def __str__(self):
        return self.title

    # Derived figures (shown wherever a task is).
    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.state != TaskState.DONE and self.deadline < today

    def days_left(self, today=None):
        today = today or timezone.localdate()
        return (self.deadline - today).days

    def expected_progress(self, today=None):
        """Expected-by-now percent: linear from 0 at the start date to 100 at the deadline."""
        today = today or timezone.localdate()
        total = (self.deadline - self.start_date).days
        if today >= self.deadline:
            return 100
        if today <= self.start_date or total <= 0:
            return 0
        return round(100 * (today - self.start_date).days / total)

    def lag(self, today=None):
        """滞后: expected minus reported, in percentage points (0 when ahead or done)."""
        if self.state == TaskState.DONE:
            return 0
        return max(0, self.expected_progress(today) - self.progress)

    def traffic_light(self, today=None):
        """green on track, yellow due within 3 days or lagging, red overdue (or done: grey)."""
        today = today or timezone.localdate()
        if self.state == TaskState.DONE:
            return "done"
        if self.is_overdue(today):
            return "red"
        if self.days_left(today) <= 3 or self.lag(today) >= 20:
            return "yellow"
        return "green"


class TaskUpdate(models.Model):
    """进度报送: a dated progress note with a percent and attachments (append-only)."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(_("完成进度（%）"))
    note = models.TextField(_("进展情况"))
    created_at = models.DateTimeField(_("报送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("进度报送")
        verbose_name_plural = _("进度报送")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="tasks_update_progress_0_100")]

    def __str__(self):
        return f"{self.progress}% · {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    today = timezone.localdate()
    return f"tasks/{today:%Y/%m}/{instance.stored_name}"


class TaskAttachment(models.Model):
    """佐证材料: a photo, PDF or Office document attached to a progress report or submission.
    Stored under a server-generated name; the original name is kept for display."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="attachments")
    update = models.ForeignKey(
        TaskUpdate,
        verbose_name=_("进度报送"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    stored_name = models.CharField(_("存储名"), max_length=80, editable=False)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class TaskAction(models.TextChoices):
    CREATE = "create", _("创建")
    REPORT = "report", _("报送进度")
    SUBMIT = "submit", _("提交验收")
    ACCEPT = "accept", _("验收通过")
    RETURN = "return", _("退回")
    CHANGE_DEADLINE = "change_deadline", _("调整时限")
    REASSIGN = "reassign", _("调整责任单位")
    INSTRUCT = "instruct", _("领导批示")
    DECOMPOSE = "decompose", _("任务分解")
    GENERATE = "generate", _("生成周期任务")  # a 常态化 task's period, by the recurrence job
    IMPORT = "import", _("导入")
    EDIT = "edit", _("修改任务信息")


class TaskEvent(models.Model):
    """The task's history: who did what, when, with what comment and which values changed.
    Append-only: written by :mod:`tasks.services` in the same transaction as the change."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=20, choices=TaskAction.choices)
    from_state = models.CharField(_("原状态"), max_length=12, choices=TaskState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, choices=TaskState.choices, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("任务记录")
        verbose_name_plural = _("任务记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"], name="tasks_event_task_time")]

    def __str__(self):
        return f"{self.get_action_display()} · {self.task_id}"


class TaskLeader(models.Model):
    """领导包保 of one task: a leader who answers for it (beside its 责任领导), within the task's
    campaign. Gives the leader sight of the task (:func:`assigned_task_ids`, registered with
    :mod:`chuangcheng.org.scoping`) and their share of its escalations."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="leaders")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("领导"), on_delete=models.CASCADE, related_name="task_assignments"
    )
    kind = models.CharField(_("责任类型"), max_length=20, choices=AssignmentKind.choices, default=AssignmentKind.BAOBAO)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("领导包保（任务）")
        verbose_name_plural = _("领导包保（任务）")
        constraints = [
            models.UniqueConstraint(fields=["task", "leader", "kind"], name="tasks_leader_once"),
        ]
        indexes = [models.Index(fields=["leader", "task"], name="tasks_leader_by_leader")]

    def __str__(self):
        return f"{self.leader} → {self.task}（{self.get_kind_display()}）"


def assigned_task_ids(leader_id):
    """The tasks a leader answers for by 领导包保, in active campaigns (org's scope reads it)."""
    return TaskLeader.objects.filter(leader_id=leader_id, task__campaign__status="active").values_list(
        "task_id", flat=True
    )
