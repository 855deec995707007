"""One upload on its way in (previewed, then confirmed once, then done or failed), and one large
list export on its way out (queued, written by a job, then downloaded until it expires)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BatchState(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")  # checked and shown; nothing written yet
    QUEUED = "queued", _("排队中")  # confirmed; a job will import it
    RUNNING = "running", _("导入中")  # being written (in one transaction)
    DONE = "done", _("已导入")  # written; the summary says what
    FAILED = "failed", _("未导入")  # refused when written (the data changed since the preview)


def batch_path(instance, filename):
    return f"imports/{timezone.localdate():%Y/%m}/{filename}"


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person sees the uploads they made; superusers all."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self if user.is_superuser else self.filter(created_by=user)


class ImportBatch(models.Model):
    """导入批次: the uploaded file (kept, through the storage API), who uploaded it for which
    import with which options, and where it stands.

    Invariant: a batch leaves ``previewed`` once, under a row lock (:func:`~chuangcheng.imports.
    services.batch_confirm`), so confirming the same preview twice — even at the same moment —
    imports it once. The importers' own unique keys make a re-upload of the same file skip what
    is already there."""

    kind = models.CharField(_("导入类型"), max_length=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to=batch_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    options = models.JSONField(_("选项"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=BatchState.choices, default=BatchState.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    summary = models.TextField(_("结果"), blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    result = models.JSONField(_("导入结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    token = models.UUIDField(_("令牌"), default=uuid.uuid4, unique=True, editable=False)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "confirmed_at"], name="imports_batch_state")]

    def __str__(self):
        return f"{self.original_name} · {self.get_state_display()}"


class ExportState(models.TextChoices):
    QUEUED = "queued", _("排队中")  # asked for; a job will write it
    RUNNING = "running", _("导出中")  # a worker is writing the file
    DONE = "done", _("已完成")  # the file is in storage, ready to download
    FAILED = "failed", _("失败")  # the error says why; no file
    EXPIRED = "expired", _("已过期")  # done, and its file deleted after EXPORT_KEEP_DAYS


def export_path(instance, filename):
    return f"exports/{instance.created_at:%Y/%m}/{filename}"


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A person sees the exports they asked for; system administrators all."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self if user.scope.has_role("admin") else self.filter(created_by=user)


class ExportJob(models.Model):
    """后台导出: a list export too large to build within the request (more than
    ``EXPORT_INLINE_MAX_ROWS`` rows), written by a job.

    It records who asked and for what — the exporter's kind and the list's query string — so
    the job re-applies the same selector, filter and ``visible_to(user)`` scope the list page
    applies for that person, at the time it runs: the file never holds a row its reader could
    not open. The file is kept through the storage API under ``exports/`` with a name fixed by
    the job's token, so a retried job overwrites its own file rather than adding a second one.

    Invariant: a job is written by one worker at a time — the writer holds the job's row lock
    until it records the outcome (a second runner skips it); a worker that dies releases the
    lock and the sweep queues the job again, up to ``MAX_ATTEMPTS`` claims."""

    kind = models.CharField(_("导出类型"), max_length=30)
    query = models.TextField(_("筛选条件"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导出人"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    total_rows = models.PositiveIntegerField(_("行数"), default=0)
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0)
    file = models.FileField(_("文件"), upload_to=export_path, max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    token = models.UUIDField(_("令牌"), default=uuid.uuid4, unique=True, editable=False)
    # The language the person used when asking: the file's headers, sheet and notice are in it.
    language = models.CharField(_("语言"), max_length=10, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台导出")
        verbose_name_plural = _("后台导出")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="imports_export_state"),
            models.Index(fields=["created_by", "-created_at"], name="imports_export_owner"),
        ]

    def __str__(self):
        return f"{self.kind} · {self.get_state_display()}"

    @property
    def finished(self):
        return self.state not in (ExportState.QUEUED, ExportState.RUNNING)
