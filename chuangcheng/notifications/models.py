"""What is sent to whom, and the record that background jobs run.

For now: :class:`JobHeartbeat`, proof that beat schedules and a worker executes. The outbox,
deliveries and channels arrive with the reminders issue.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobHeartbeat(models.Model):
    """The last run of a periodic job, one row per job name (upserted by the job)."""

    name = models.CharField(_("作业"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("最近运行"))
    run_count = models.PositiveIntegerField(_("运行次数"), default=0)
    hostname = models.CharField(_("执行节点"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("作业心跳")
        verbose_name_plural = _("作业心跳")

    def __str__(self):
        return self.name


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A notice is private to its recipient."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """An in-app notice (the bell): what happened, to whom, with a link to the object.
    Created by services in the same transaction as the change that causes it."""

    recipient = models.ForeignKey(
        "org.User", verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notices"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    kind = models.CharField(_("类型"), max_length=40)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_notice_inbox")]

    def __str__(self):
        return self.title
