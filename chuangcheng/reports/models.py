"""Briefings (通报) and the per-campaign scoring rules behind their rankings.

The figures themselves are never stored as live data: :mod:`chuangcheng.reports.figures`
computes them from tasks and issues. A :class:`Briefing` keeps a *snapshot* of them, taken once
when it is published and never changed afterwards.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.scoping import scope_for


class CampaignScoring(models.Model):
    """评分规则: how the composite score (综合得分) of a unit is weighted in one campaign, and
    how many units get a red or black flag. A campaign without a row uses the defaults here
    (and ``BRIEFING_FLAG_COUNT``). Weights are relative: they need not add up to 100."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="scoring"
    )
    weight_issue_on_time = models.PositiveSmallIntegerField(_("权重：问题按期销号率"), default=35)
    weight_issue_not_overdue = models.PositiveSmallIntegerField(_("权重：在办问题未超期率"), default=20)
    weight_task_on_time = models.PositiveSmallIntegerField(_("权重：任务按期完成率"), default=20)
    weight_no_rework = models.PositiveSmallIntegerField(_("权重：核查一次通过率"), default=10)
    weight_task_on_track = models.PositiveSmallIntegerField(_("权重：任务进度达标率"), default=15)
    deduct_overdue_issue = models.DecimalField(
        _("扣分：每个超期未改问题"), max_digits=4, decimal_places=2, default=Decimal("0.00")
    )
    deduct_overdue_task = models.DecimalField(
        _("扣分：每项超期未完成任务"), max_digits=4, decimal_places=2, default=Decimal("0.00")
    )
    deduct_recurrence = models.DecimalField(
        _("扣分：每起反弹"), max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    flag_count = models.PositiveSmallIntegerField(
        _("红黑旗数量"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text=_("每类单位前 N 名授红旗、后 N 名授黑旗；留空用系统默认值。"),
    )

    class Meta:
        verbose_name = _("评分规则")
        verbose_name_plural = _("评分规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_issue_on_time__gt=0)
                | Q(weight_issue_not_overdue__gt=0)
                | Q(weight_task_on_time__gt=0)
                | Q(weight_no_rework__gt=0)
                | Q(weight_task_on_track__gt=0),
                name="reports_scoring_some_weight",
                violation_error_message=_("至少一项权重应大于零。"),
            ),
        ]

    def __str__(self):
        return str(self.campaign)


class BriefingKind(models.TextChoices):
    DAILY = "daily", _("日通报")  # yesterday; built every morning at 08:00
    WEEKLY = "weekly", _("周通报")  # last Monday–Sunday; built on Mondays at 09:00
    MONTHLY = "monthly", _("月考评")  # last calendar month; built on the 1st at 09:00


class BriefingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; everyone else the briefings of a region in their scope (a district's
        own briefing) and of the regions above it (the city-wide one), as for campaigns."""
        scope = scope_for(user)
        if scope.sees_all:
            return self
        if not (scope.region_paths or scope.home_region_paths):
            return self.none()
        return self.filter(scope.region_q("region__path", include_home=True) | Q(region__path__in=scope.ancestor_paths))


class Briefing(models.Model):
    """通报: a dated, numbered, immutable record of one campaign's figures over one period for
    one region (the campaign's whole territory, or a district).

    Built once per (campaign, kind, period, region) by :func:`chuangcheng.reports.briefings.
    briefing_build`; ``content`` is the snapshot every output (page, PDF, Word, Excel) renders,
    so a briefing reads the same forever, whatever happens to the issues afterwards."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="briefings"
    )
    kind = models.CharField(_("通报类型"), max_length=10, choices=BriefingKind.choices)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("通报范围"), on_delete=models.PROTECT, related_name="briefings"
    )
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    year = models.PositiveSmallIntegerField(_("文号年份"))
    number = models.PositiveIntegerField(_("文号序号"))
    document_number = models.CharField(_("文号"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("摘要"))
    content = models.JSONField(_("数据快照"))
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("空：由定时任务生成。"),
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    objects = BriefingQuerySet.as_manager()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-period_end", "kind", "region__path"]
        constraints = [
            # Building the same period twice yields the same briefing, not two.
            models.UniqueConstraint(
                fields=["campaign", "kind", "period_start", "region"], name="reports_briefing_one_per_period"
            ),
            # 文号: allocated in sequence per campaign and year.
            models.UniqueConstraint(fields=["campaign", "year", "number"], name="reports_briefing_unique_number"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="reports_briefing_period_order"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "-period_end"], name="reports_briefing_campaign_end")]

    def __str__(self):
        return f"{self.document_number} {self.title}"

    def save(self, *args, **kwargs):
        # Immutable once published: the only write is the INSERT in briefing_build.
        if not self._state.adding:
            raise ValueError("A published briefing is immutable.")
        super().save(*args, **kwargs)

    @property
    def is_city_wide(self):
        return self.region_id == self.campaign.region_id


class StatDimension(models.TextChoices):
    TOTAL = "", _("合计")  # key "": every issue of the region
    CATEGORY = "category", _("问题类别")  # key: IssueCategory id
    SEVERITY = "severity", _("严重程度")  # key: Severity value
    INDICATOR = "indicator", _("测评指标")  # key: Indicator id (issues linked to an indicator)


class DailyStat(models.Model):
    """每日汇总: one campaign's issue counts for one day, one region and one slice (all issues,
    or one category / severity / indicator) — what the dashboards read instead of the issues.

    Rows are kept for every region from the city down to the community (an issue counts in its
    own region and each ancestor), so a region's trend is one row per day however many issues
    it holds. Flow counts (reported … reopened) are additive over days; ``open_end`` and
    ``overdue_end`` are the backlog at the end of the day (for today: at ``refreshed_at``).

    Written only by :func:`chuangcheng.reports.stats.refresh_day`, which replaces a whole
    (campaign, day) at once; derived data, so it may be rebuilt at any time."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    region = models.ForeignKey("org.Region", verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(_("维度"), max_length=10, choices=StatDimension.choices, blank=True, default="")
    key = models.CharField(_("维度取值"), max_length=20, blank=True, default="")
    reported = models.PositiveIntegerField(_("登记"), default=0)
    assigned = models.PositiveIntegerField(_("交办"), default=0)
    closed = models.PositiveIntegerField(_("销号"), default=0)
    closed_on_time = models.PositiveIntegerField(_("按期销号"), default=0)
    due = models.PositiveIntegerField(_("应销号"), default=0)
    rejected = models.PositiveIntegerField(_("核查退回"), default=0)
    reopened = models.PositiveIntegerField(_("反弹"), default=0)
    open_end = models.PositiveIntegerField(_("日末在办"), default=0)
    overdue_end = models.PositiveIntegerField(_("日末超期"), default=0)
    refreshed_at = models.DateTimeField(_("刷新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("每日汇总")
        verbose_name_plural = _("每日汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region", "dimension", "key", "day"], name="reports_dailystat_one_per_cell"
            ),
        ]
        indexes = [
            # A region's trend (one slice over a range of days).
            models.Index(fields=["campaign", "region", "dimension", "day"], name="reports_dailystat_trend"),
            # The child regions' rows of one day (drill-down), and replacing a whole day.
            models.Index(fields=["campaign", "day", "dimension"], name="reports_dailystat_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.region_id} {self.dimension}:{self.key}"
