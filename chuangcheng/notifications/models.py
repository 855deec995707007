"""What is sent to whom, and the record that background jobs run.

- :class:`JobHeartbeat`: proof that beat schedules and a worker executes.
- :class:`Notice`: an in-app notice (the bell).
- :class:`ReminderWatermark`: how far the reminder pass has got, per source × window.
- :class:`Delivery`: the outbox. One row per (recipient, subject, kind, window, channel), unique,
  written in the transaction of the change (or the reminder pass) that causes it and before any
  side effect; a job claims it and sends it (:mod:`chuangcheng.notifications.services`).
"""

from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobHeartbeat(models.Model):
    """The last run of a periodic job, one row per job name (upserted by the job)."""

    name = models.CharField(_("作业"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("最近运行"))
    first_run_at = models.DateTimeField(_("首次运行"), null=True, blank=True)
    run_count = models.PositiveIntegerField(_("运行次数"), default=0)
    hostname = models.CharField(_("执行节点"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("作业心跳")
        verbose_name_plural = _("作业心跳")

    def __str__(self):
        return self.name


class ReminderWatermark(models.Model):
    """How far the reminder pass has got in one window of one source ("issues", "T-4h:negative_list"):
    every item whose window opened at or before ``passed_at`` has been handled, so the next pass
    reads only the deadlines whose window opened since (:mod:`chuangcheng.notifications.reminders`).
    Moved in the transaction that writes the pass's last deliveries; never backwards."""

    source = models.CharField(_("来源"), max_length=40)
    window = models.CharField(_("提醒窗口"), max_length=60)
    passed_at = models.DateTimeField(_("已处理至"))

    class Meta:
        verbose_name = _("提醒水位")
        verbose_name_plural = _("提醒水位")
        constraints = [models.UniqueConstraint(fields=["source", "window"], name="notif_watermark_once")]

    def __str__(self):
        return f"{self.source} {self.window} @ {self.passed_at:%Y-%m-%d %H:%M}"


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


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")  # waiting for its (next) attempt at next_attempt_at
    SENDING = "sending", _("发送中")  # claimed by a worker until lease_until; reclaimable after
    SENT = "sent", _("已发送")  # the channel accepted it (the in-app notice exists)
    FAILED = "failed", _("发送失败")  # permanent error or out of attempts; "重新发送" in the admin
    SKIPPED = "skipped", _("未发送")  # nothing to send through this channel (e.g. no email address)
    # Handed to the server, but its answer never came (it timed out after the message, or the
    # worker died waiting): it may have arrived. Never sent again on its own; a person decides in
    # 系统管理 → 投递记录 (标记为已送达, or 重新发送 with the same Message-ID).
    UNCONFIRMED = "unconfirmed", _("未确认")
    # Waiting for the person's 每日汇总 (their notification settings); the digest carries it.
    HELD = "held", _("待汇总")


# Rows a sender may still pick up (pending, or sending with a lease that may have expired).
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class Delivery(models.Model):
    """投递记录: one message to one person through one channel, about one subject
    (``subject_key`` "issue:123", "task:7", "briefing:45"), of one kind, for one ``window``
    ("2026-11-23T17:30/T-1h"; a fresh token for one-off event notices).

    The unique constraint is what makes sending idempotent: a re-run of the reminder pass, a
    retried message or a second worker finds the row already there. A sender claims a row by a
    conditional UPDATE (pending/expired lease → sending, ``attempts + 1``, new lease), records the
    hand-over to the server (``handed_over_at``) and marks it sent only while its claim still
    holds; a handed-over row whose answer never came is "unconfirmed", never resent on its own. ``next_attempt_at`` is when the row is next due: the
    backoff time while pending, the end of the lease while sending."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=30)
    kind = models.CharField(_("类型"), max_length=40)
    subject_key = models.CharField(_("对象"), max_length=60, blank=True)
    window = models.CharField(_("提醒窗口"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    attachments = models.JSONField(
        _("附件"), default=list, blank=True, help_text=_("发送时由 loader 函数生成内容，不在此保存文件。")
    )
    address = models.CharField(_("地址"), max_length=254, blank=True)

    status = models.CharField(_("状态"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    # Set (under the claim) just before the message itself goes to the server: from then on the
    # outcome may be "delivered" even if no answer comes, so the row is never resent on its own.
    handed_over_at = models.DateTimeField(_("交付时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    batch = models.CharField(_("批次"), max_length=32, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "subject_key", "kind", "window", "channel"], name="notif_delivery_once"
            ),
        ]
        indexes = [
            # The sweeper: rows due for an attempt (small: sent rows are not in it).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notif_delivery_due",
            ),
            # What one pass created (its in-app notices and its kick).
            models.Index(fields=["batch"], name="notif_delivery_batch"),
            models.Index(fields=["subject_key", "kind"], name="notif_delivery_subject"),
            models.Index(fields=["status", "-created_at"], name="notif_delivery_status"),
        ]

    def __str__(self):
        return f"{self.title} → {self.recipient} ({self.channel})"

    @property
    def message_id(self):
        """The Message-ID of every copy of this delivery (stable across attempts and resends), so a
        mail server's log or a mail client can tell whether it arrived and collapse a second copy."""
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "chuangcheng.local"
        return f"<delivery-{self.pk}@{domain}>"


class NotificationPreference(models.Model):
    """通知设置: what one person wants from the channels other than the bell (the bell — in-app
    notices — always records everything). Absent row: everything, immediately, any time.

    - ``off``: ``"<channel>:<group>"`` pairs turned off (groups in ``preferences.GROUPS``);
    - ``daily_digest``: non-urgent messages wait and go out as one 每日汇总 at ``digest_hour``;
    - ``quiet_start``–``quiet_end``: 免打扰 (may run past midnight); messages are held until its end.

    Urgent items (负面清单 before its deadline) ignore all three."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    off = models.JSONField(_("关闭的通知"), default=list, blank=True)
    daily_digest = models.BooleanField(_("非紧急通知每日汇总发送"), default=False)
    digest_hour = models.PositiveSmallIntegerField(_("每日汇总时间（时）"), default=8)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="notif_pref_digest_hour"),
        ]

    def __str__(self):
        return str(self.user)
