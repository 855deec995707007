"""Briefings (通报) and the per-campaign scoring rules behind their rankings.

The figures themselves are never stored as live data: :mod:`chuangcheng.reports.figures`
computes them from tasks and issues. A :class:`Briefing` keeps a *snapshot* of them, taken when
it is built and never changed once it is published; :class:`DailyStat` rows keep each day's
flows and its end-of-day backlog (replayed from the event log), for the dashboards' trends.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.scoping import scope_for


def _points(label, default):
    return models.DecimalField(
        label, max_digits=4, decimal_places=2, default=Decimal(default), validators=[MinValueValidator(0)]
    )


class CampaignScoring(models.Model):
    """评分与通报规则 of one campaign: the weights of the composite score (综合得分), the points
    deducted per counted item, who is too small to rank, how many red/black flags, and which
    scheduled briefings publish themselves. A campaign without a row uses the defaults here
    (and ``BRIEFING_FLAG_COUNT``). Weights are relative: they need not add up to 100. Every
    value is printed under the ranking it produced."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="scoring"
    )
    weight_issue_on_time = models.PositiveSmallIntegerField(_("权重：问题按期销号率"), default=35)
    weight_issue_not_overdue = models.PositiveSmallIntegerField(_("权重：在办问题未超期率"), default=20)
    weight_task_on_time = models.PositiveSmallIntegerField(_("权重：任务按期完成率"), default=20)
    weight_no_rework = models.PositiveSmallIntegerField(_("权重：核查一次通过率"), default=10)
    weight_task_on_track = models.PositiveSmallIntegerField(_("权重：任务进度达标率"), default=15)
    deduct_overdue_issue = _points(_("扣分：每个超期未改问题"), "0.50")
    deduct_overdue_task = _points(_("扣分：每项超期未完成任务"), "0.50")
    deduct_rework = _points(_("扣分：每次核查退回（返工）"), "0.20")
    deduct_recurrence = _points(_("扣分：每起反弹"), "1.00")
    deduct_extension = _points(_("扣分：每次延期"), "0.20")
    deduct_refused_reassignment = _points(_("扣分：每次退回申请被驳回（推诿）"), "1.00")
    deduct_integrity = _points(_("扣分：每次核查确认弄虚作假"), "1.00")
    key_source_factor = models.DecimalField(
        _("重点来源问题扣分倍数"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(1)],
        help_text=_("领导交办、媒体曝光、上级反馈的问题超期未改时，按此倍数扣分。"),
    )
    min_due_issues = models.PositiveSmallIntegerField(
        _("参与排名的最少应销号问题数"),
        default=3,
        help_text=_("统计期内应销号问题少于此数、且到期任务少于下一项的单位不参与排名（样本不足）。"),
    )
    min_due_tasks = models.PositiveSmallIntegerField(
        _("参与排名的最少到期任务数"), default=1, help_text=_("填 0 表示只按应销号问题数判断。")
    )
    flag_share = models.PositiveSmallIntegerField(
        _("授旗比例（%）"),
        default=20,
        validators=[MaxValueValidator(50)],
        help_text=_("每类参与排名单位中，红旗、黑旗各授予不超过此比例（向下取整）的单位。"),
    )
    flag_count = models.PositiveSmallIntegerField(
        _("红黑旗数量上限"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
        help_text=_("每类单位红旗、黑旗各不超过 N 个；留空用系统默认值。"),
    )
    auto_publish_daily = models.BooleanField(
        _("日通报自动发布"), default=True, help_text=_("定时生成后直接发布并编号；否则生成草稿，待审核发布。")
    )
    auto_publish_weekly = models.BooleanField(_("周通报自动发布"), default=False)
    auto_publish_monthly = models.BooleanField(_("月考评自动发布"), default=False)

    class Meta:
        verbose_name = _("评分与通报规则")
        verbose_name_plural = _("评分与通报规则")
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


class BriefingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")  # built; the office reviews it, adds 下步工作要求 and publishes
    PUBLISHED = "published", _("已发布")  # numbered (文号), mailed, immutable
    EMPTY = "empty", _("无数据")  # nothing to report in the period and region: a one-line note


class BriefingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published briefings (and notes of empty periods): admins all; everyone else those of
        a region in their scope (a district's own) and of the regions above it (the city-wide
        one), as for campaigns. Drafts: only to those who may build and publish them."""
        from .permissions import draft_q

        scope = scope_for(user)
        if scope.sees_all:
            return self
        if not (scope.region_paths or scope.home_region_paths):
            return self.none()
        seen = scope.region_q("region__path", include_home=True) | Q(region__path__in=scope.ancestor_paths)
        return self.filter(seen).filter(~Q(status=BriefingStatus.DRAFT) | draft_q(user))


class Briefing(models.Model):
    """通报: one campaign's figures over one period for one region (the campaign's whole
    territory, or a district).

    Built once per (campaign, kind, period, region) by :func:`chuangcheng.reports.briefings.
    briefing_build` as a draft (or, when the period had nothing to report, as an empty note);
    the office adds 下步工作要求 and 点名/表扬 and publishes it (:func:`briefing_publish`): only
    then does it take its 文号 — the next of its series (campaign, region, kind, year), so
    numbers stay contiguous — and go to its subscribers. ``content`` is the snapshot every
    output renders; once published nothing about it changes."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="briefings"
    )
    kind = models.CharField(_("通报类型"), max_length=10, choices=BriefingKind.choices)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("通报范围"), on_delete=models.PROTECT, related_name="briefings"
    )
    period_start = models.DateField(_("统计起始日"))
    period_end = models.DateField(_("统计截止日"))
    status = models.CharField(_("状态"), max_length=10, choices=BriefingStatus.choices, default=BriefingStatus.DRAFT)
    year = models.PositiveSmallIntegerField(_("文号年份"), null=True, blank=True)
    number = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("摘要"))
    content = models.JSONField(_("数据快照"))
    requirements = models.TextField(_("下步工作要求"), blank=True)
    criticism = models.TextField(_("点名批评"), blank=True)
    commendation = models.TextField(_("通报表扬"), blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("空：由定时任务生成。"),
    )
    built_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("空：按规则自动发布。"),
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

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
            # 文号: one series per issuer (the region's office) and kind, numbered per year.
            models.UniqueConstraint(
                fields=["campaign", "region", "kind", "year", "number"],
                condition=Q(number__isnull=False),
                name="reports_briefing_unique_number",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="reports_briefing_period_order"
            ),
            # Published ⟺ numbered.
            models.CheckConstraint(
                condition=(Q(status="published") & Q(number__isnull=False, published_at__isnull=False))
                | (~Q(status="published") & Q(number__isnull=True)),
                name="reports_briefing_numbered_when_published",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "-period_end"], name="reports_briefing_campaign_end")]

    def __str__(self):
        return f"{self.document_number or self.get_status_display()} {self.title}"

    def save(self, *args, **kwargs):
        # Written only by the services: the INSERT in briefing_build, then conditional UPDATEs
        # (a draft's texts, publishing) that never touch a published row.
        if not self._state.adding:
            raise ValueError("Briefings change only through chuangcheng.reports.briefings.")
        super().save(*args, **kwargs)

    @property
    def is_city_wide(self):
        return self.region_id == self.campaign.region_id

    @property
    def is_draft(self):
        return self.status == BriefingStatus.DRAFT

    @property
    def is_published(self):
        return self.status == BriefingStatus.PUBLISHED


class StatDimension(models.TextChoices):
    TOTAL = "", _("合计")  # key "": every issue of the region
    CATEGORY = "category", _("问题类别")  # key: IssueCategory id
    SEVERITY = "severity", _("严重程度")  # key: Severity value
    INDICATOR = "indicator", _("测评指标")  # key: Indicator id (issues linked to an indicator)
    UNIT = "unit", _("责任单位")  # key: Unit id (the campaign's whole territory only)


class DailyStat(models.Model):
    """每日汇总: one campaign's issue counts for one day, one region and one slice (all issues,
    or one category / severity / indicator) — what the dashboards read instead of the issues.

    Rows are kept for every region from the city down to the community (an issue counts in its
    own region and each ancestor), so a region's trend is one row per day however many issues
    it holds; per unit, for the campaign's whole territory. Flow counts (reported … extended)
    are additive over days; ``in_hand_end``, ``open_end`` and ``overdue_end`` are the backlog
    at the end of the day, replayed from the event log (for today: at the last refresh) — a
    past day's backlog never comes from today's rows. The campaign's own region has a total
    row for every day built, even an empty one: a missing day is one nobody built yet.

    Written only by :func:`chuangcheng.reports.stats.refresh_day`, which brings a whole
    (campaign, day) to its computed cells at once, writing only those that changed
    (``refreshed_at``: when a row's counts last changed); derived data, so it may be rebuilt at
    any time."""

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
    extended = models.PositiveIntegerField(_("延期"), default=0)
    in_hand_end = models.PositiveIntegerField(_("日末在办"), default=0)
    open_end = models.PositiveIntegerField(_("日末未销号"), default=0)
    overdue_end = models.PositiveIntegerField(_("日末超期未改"), default=0)
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


class WeekFigures(models.Model):
    """The figure set (totals, regions, unit ranking, flags) of a finished week for the city or
    a district, computed by the hourly job (``reports.snapshot_backlog``) once the week has
    ended — what the dashboard's ranking and a unit's comparison read from Monday 00:00 until
    that week's 周通报 is built (Mondays 09:00), instead of computing the ranking over the
    week's cells on every cold read (:func:`chuangcheng.reports.dashboard.sections.
    briefed_figures`). The briefing's own snapshot is read first once it exists. Derived data:
    a missing row means the ranking is computed, as before."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    content = models.JSONField(_("数据快照"))
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("周排名快照")
        verbose_name_plural = _("周排名快照")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "region", "period_start"], name="reports_week_figures_once"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.region_id}/{self.period_start}–{self.period_end}"


class BacklogFigures(models.Model):
    """The backlog figures a snapshot holds (:data:`chuangcheng.reports.figures.predicates.BACKLOG`)."""

    issues_in_hand = models.IntegerField(_("在办问题"), default=0)
    issues_open = models.IntegerField(_("未销号问题"), default=0)
    issues_overdue_open = models.IntegerField(_("超期未改"), default=0)
    issues_overdue_key = models.IntegerField(_("超期未改中重点来源"), default=0)

    class Meta:
        abstract = True


class SnapshotCell(BacklogFigures):
    """One region cell of a snapshot of ``campaign`` taken at ``taken_at``."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="+"
    )
    taken_at = models.DateTimeField(_("快照时间"))
    region = models.ForeignKey("org.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class BacklogSnapshot(SnapshotCell):
    """整点快照: what was owed (在办, 未销号, 超期未改, 超期未改中重点来源) in one region cell (街道
    or above, as the issue tallies cut regions) at ``taken_at`` — taken every hour by the job
    ``reports.snapshot_backlog`` (:mod:`chuangcheng.reports.backlog`), kept
    :data:`~chuangcheng.reports.backlog.KEEP_DAYS` days: the dashboard's headline compares this
    week with the same moment of last week by reading one, not by replaying the week's events.
    Derived data: a missing hour is computed from the event log instead."""

    class Meta:
        verbose_name = _("积压快照")
        verbose_name_plural = _("积压快照")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "taken_at", "region"], name="reports_backlog_snapshot_cell"),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.taken_at:%Y-%m-%d %H:%M}/{self.region_id}"


class UnitBacklogSnapshot(SnapshotCell):
    """零点快照: what was owed at local midnight (the end of a day, a week, a month) in one region
    cell (社区 or above) by one responsible unit (``unit_key``, 0 for none) — what a finished
    period's figure set (the ranking, a briefing) reads for its backlog instead of replaying the
    period's events. Taken with the hourly snapshot at midnight
    (:mod:`chuangcheng.reports.backlog`), kept as long."""

    unit_key = models.IntegerField(_("责任单位"), default=0)

    class Meta:
        verbose_name = _("单位积压快照")
        verbose_name_plural = _("单位积压快照")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "taken_at", "region", "unit_key"], name="reports_unit_backlog_snapshot_cell"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}/{self.taken_at:%Y-%m-%d %H:%M}/{self.region_id}/{self.unit_key}"


class KindBacklogSnapshot(SnapshotCell):
    """零点快照 by kind: what was owed at local midnight in one region cell (街道 or above) for
    one 点位 type (``site_type``, empty for an issue at no 测评点位) and one 测评指标
    (``indicator_key``, 0 for none) — what a finished period's briefing reads for its breakdowns
    by 点位 type and by indicator instead of replaying the period's events. Taken with the
    per-unit snapshot at midnight (:mod:`chuangcheng.reports.backlog`), kept as long."""

    site_type = models.CharField(_("点位类型"), max_length=20, blank=True, default="")
    indicator_key = models.IntegerField(_("测评指标"), default=0)

    class Meta:
        verbose_name = _("分类积压快照")
        verbose_name_plural = _("分类积压快照")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "taken_at", "region", "site_type", "indicator_key"],
                name="reports_kind_backlog_snapshot_cell",
            ),
        ]

    def __str__(self):
        return (
            f"{self.campaign_id}/{self.taken_at:%Y-%m-%d %H:%M}/{self.region_id}/{self.site_type}/{self.indicator_key}"
        )
