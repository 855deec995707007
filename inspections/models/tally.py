"""Counts of issues kept by the writes (:mod:`inspections.tally`): how many issues of a campaign,
in a 街道 (or higher) region, of a severity, are in each state now — and, for the states in which
a deadline runs, on which day their deadline falls. The grain and why: :mod:`inspections.tally`."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .issues import IssueState, Severity


class IssueTally(models.Model):
    """One cell: ``n`` issues of ``campaign`` whose region lies in ``region`` (the issue's
    region at 街道 level, or the region itself when it is higher), with ``severity``, now in
    ``state``."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    severity = models.CharField(_("严重程度"), max_length=15, choices=Severity.choices)
    state = models.CharField(_("状态"), max_length=12, choices=IssueState.choices)
    n = models.IntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("问题计数")
        verbose_name_plural = _("问题计数")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "region", "severity", "state"], name="insp_tally_cell"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.region_id}/{self.severity}/{self.state}: {self.n}"


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
    due_day = models.DateField(_("整改时限日"))
    n = models.IntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("问题时限计数")
        verbose_name_plural = _("问题时限计数")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "severity", "state", "due_day"], name="insp_due_tally_cell"
            ),
        ]
        indexes = [
            # The readers ask only for the days from today on (what is not yet overdue).
            models.Index(fields=["due_day"], name="insp_due_tally_day"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.region_id}/{self.severity}/{self.state}/{self.due_day}: {self.n}"
