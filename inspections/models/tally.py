"""Counts of issues kept by the writes (:mod:`inspections.tally`): how many issues of a campaign,
in a 街道 (or higher) region, of a severity, are in each state now — and, for the states in which
a deadline runs, on which day their deadline falls. The grain and why: :mod:`inspections.tally`."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .issues import IssueState, Severity


class IssueTally(models.Model):
    """One cell: ``n`` issues of ``campaign`` whose region lies in ``region`` (the issue's
    region at 街道 level, or the region itself when it is higher), with ``severity``, now in
    ``state``; ``key_source``: of a 重点来源 (领导交办, 媒体曝光, or found by an inspection of kind
    上级反馈 / 媒体曝光 — the figure 超期未改中重点来源 counts only those)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    severity = models.CharField(_("严重程度"), max_length=15, choices=Severity.choices)
    state = models.CharField(_("状态"), max_length=12, choices=IssueState.choices)
    key_source = models.BooleanField(_("重点来源"), default=False)
    n = models.IntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("问题计数")
        verbose_name_plural = _("问题计数")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "severity", "state", "key_source"], name="insp_tally_cell"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.region_id}/{self.severity}/{self.state}/{self.key_source}: {self.n}"


class IssueDueTally(models.Model):
    """One cell of the issues in 已交办 or 整改中 (the states 超期未改 counts): ``n`` of them
    with their rectification deadline on ``due_day`` (Asia/Shanghai), or on
    :data:`inspections.tally.NO_DUE_DAY` when no deadline runs yet (none set, or never sent)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    severity = models.CharField(_("严重程度"), max_length=15, choices=Severity.choices)
    state = models.CharField(_("状态"), max_length=12, choices=IssueState.choices)
    key_source = models.BooleanField(_("重点来源"), default=False)
    due_day = models.DateField(_("整改时限日"))
    n = models.IntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("问题时限计数")
        verbose_name_plural = _("问题时限计数")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "severity", "state", "key_source", "due_day"],
                name="insp_due_tally_cell",
            ),
        ]
        indexes = [
            # The readers ask only for the days from today on (what is not yet overdue).
            models.Index(fields=["due_day"], name="insp_due_tally_day"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.region_id}/{self.severity}/{self.state}/{self.due_day}: {self.n}"


class IssueDayTally(models.Model):
    """One day's flows (登记, 交办, 销号, 应销号…) of the issues of ``campaign`` in ``region`` (cut
    to 社区 level: a grid's issues count in its community) sent to one unit (``unit_key``: the responsible
    unit's id, 0 for none) — what a period's flow figures sum instead of reading every issue
    touched in the period. An issue counts on the local day of each of its dates (registered,
    assigned, closed, deadline), under its current region and unit. Kept by the writes
    (:mod:`inspections.daytally`)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    region = models.ForeignKey("org.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    unit_key = models.IntegerField(_("责任单位"), default=0)  # the unit's id; 0: none (derived data, no FK)
    reported = models.IntegerField(_("登记"), default=0)
    assigned = models.IntegerField(_("交办"), default=0)
    negative_list = models.IntegerField(_("负面清单交办"), default=0)
    closed = models.IntegerField(_("销号"), default=0)
    close_us = models.BigIntegerField(_("交办至销号用时（微秒）"), default=0)
    due = models.IntegerField(_("应销号"), default=0)
    due_closed = models.IntegerField(_("应销号中已销号"), default=0)
    closed_on_time = models.IntegerField(_("按期销号"), default=0)

    class Meta:
        verbose_name = _("问题日计数")
        verbose_name_plural = _("问题日计数")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "region", "unit_key"], name="insp_day_tally_cell"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.day}/{self.region_id}/{self.unit_key}"


class IssueEventDayTally(models.Model):
    """One day's counted issue events (核查, 核查退回, 反弹, 同意延期, 驳回退回申请) of the issues of
    ``campaign`` in ``region`` (社区 level) now sent to one unit (``unit_key``, 0 for none): an
    event counts on its own local day, under its issue's current region and unit. Apart from
    :class:`IssueDayTally` so that a write takes its rows table by table in one order (the
    issue's flows when it is saved, then its event). Kept by the writes (:mod:`inspections.daytally`)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    region = models.ForeignKey("org.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    unit_key = models.IntegerField(_("责任单位"), default=0)
    verifications = models.IntegerField(_("核查"), default=0)
    rejections = models.IntegerField(_("核查退回"), default=0)
    recurrences = models.IntegerField(_("反弹"), default=0)
    extensions = models.IntegerField(_("延期"), default=0)
    refused_reassignments = models.IntegerField(_("推诿"), default=0)

    class Meta:
        verbose_name = _("问题事件日计数")
        verbose_name_plural = _("问题事件日计数")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "day", "region", "unit_key"], name="insp_event_day_tally_cell"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.day}/{self.region_id}/{self.unit_key}"
