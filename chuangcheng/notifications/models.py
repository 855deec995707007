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
