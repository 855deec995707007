"""模拟测评: the 实地考察 rehearsed — check items per 点位 type, rounds of sampled sites, the
answers inspectors give at each site, and 举一反三 sweeps that carry one finding to every
similar site.

Scores are never stored: :mod:`evaluations.scoring` computes them from the answers, so an
answer changed is a score changed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.models import SiteType
from chuangcheng.org.scoping import scope_for

GPS_WARNING_METRES = 300  # an answer recorded farther than this from the site is flagged, and kept


class CheckItem(models.Model):
    """考察内容: one check of the 实地考察细则 at a 点位 type, the indicator it belongs to and
    what a failure costs (扣分 at that site, within the indicator's score)."""

    standard = models.ForeignKey(
        "campaigns.Standard", verbose_name=_("测评体系"), on_delete=models.CASCADE, related_name="check_items"
    )
    site_type = models.CharField(_("点位类型"), max_length=20, choices=SiteType.choices)
    text = models.CharField(_("考察内容"), max_length=300)
    indicator = models.ForeignKey(
        "campaigns.Indicator", verbose_name=_("所属指标"), on_delete=models.PROTECT, related_name="check_items"
    )
    points = models.DecimalField(
        _("扣分"),
        max_digits=6,
        decimal_places=2,
        help_text=_("该点位此项不合格时扣的分（在所属指标分值内扣，扣完为止）。"),
    )
    photo_required = models.BooleanField(_("不合格须拍照"), default=True)
    negative_list = models.BooleanField(_("负面清单"), default=False)
    category = models.ForeignKey(
        "inspections.IssueCategory",
        verbose_name=_("问题类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("不合格生成问题时的类别；留空时需在生成时选择。"),
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考察内容")
        verbose_name_plural = _("实地考察细则")
        ordering = ["standard", "site_type", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "site_type", "text"], name="eval_item_unique_text"),
            models.CheckConstraint(condition=Q(points__gte=0), name="eval_item_points_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_site_type_display()} · {self.text}"


class RoundState(models.TextChoices):
    PLANNED = "planned", _("待开始")  # sites drawn, teams assigned; nothing answered yet
    IN_PROGRESS = "in_progress", _("测评中")  # teams are answering at the sites
    CLOSED = "closed", _("已结束")  # the score is final; answers can no longer change


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; supervisors and leaders the rounds over their region (or a district of
        it); an inspector the rounds with a site assigned to them."""
        scope = scope_for(user)
        if scope.sees_all:
            return self
        q = scope.region_q("region__path") | Q(pk__in=[])
        for path in scope.region_paths:  # a district office sees the city's rounds, for its sites
            q |= Q(pk__in=RoundSite.objects.filter(site__region__path__startswith=path).values("round_id"))
        if user is not None and user.is_authenticated:
            q |= Q(pk__in=RoundSite.objects.filter(inspector_id=user.pk).values("round_id"))
        return self.filter(q)


class Round(models.Model):
    """测评轮次: a sample of sites drawn per type and district by quota, with a recorded seed
    (the same seed draws the same sites), a window and a state."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="evaluation_rounds"
    )
    number = models.PositiveSmallIntegerField(_("轮次"))
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("测评范围"), on_delete=models.PROTECT, related_name="evaluation_rounds"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    state = models.CharField(_("状态"), max_length=12, choices=RoundState.choices, default=RoundState.PLANNED)
    quotas = models.JSONField(_("抽样配额"), default=dict, help_text=_('每区各类点位抽取数，如 {"main_road": 2}'))
    seed = models.BigIntegerField(_("随机种子"))
    exclude_previous = models.BooleanField(_("排除上一轮已测点位"), default=False)
    shortfalls = models.JSONField(_("配额不足"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评轮次")
        verbose_name_plural = _("测评轮次")
        ordering = ["campaign", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="eval_round_unique_number"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="eval_round_window"),
        ]

    def __str__(self):
        return self.name


class RoundSiteQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.sees_all:
            return self
        q = scope.region_q("site__region__path") | scope.region_q("round__region__path")
        if user is not None and user.is_authenticated:
            q |= Q(inspector_id=user.pk)
        return self.filter(q)


class RoundSite(models.Model):
    """A sampled site of a round: who checks it, when it was answered and where the phone was."""

    round = models.ForeignKey(Round, verbose_name=_("测评轮次"), on_delete=models.CASCADE, related_name="sites")
    site = models.ForeignKey("org.Site", verbose_name=_("点位"), on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("org.Region", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("测评人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluation_sites",
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    answered_at = models.DateTimeField(_("测评时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("测评人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    latitude = models.DecimalField(_("测评位置纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("测评位置经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("距点位（米）"), null=True, blank=True)
    inspection = models.ForeignKey(
        "inspections.Inspection",
        verbose_name=_("生成问题的检查"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RoundSiteQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评点位")
        verbose_name_plural = _("测评点位")
        ordering = ["round", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["round", "site"], name="eval_roundsite_unique")]
        indexes = [models.Index(fields=["inspector", "round"], name="eval_roundsite_inspector")]

    def __str__(self):
        return f"{self.round} · {self.site}"

    @property
    def far_from_site(self):
        return self.distance_m is not None and self.distance_m > GPS_WARNING_METRES


class Result(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NOT_APPLICABLE = "na", _("不涉及")  # the site has no such thing (no 果皮箱 on this lane)


def answer_photo_path(instance, filename):
    return f"evaluations/{timezone.localdate():%Y/%m}/{filename}"


class Answer(models.Model):
    """One check item answered at one sampled site. Unique by round site and item, so a
    resubmitted form (a dropped network, a double tap) changes the answer, never doubles it."""

    round_site = models.ForeignKey(
        RoundSite, verbose_name=_("测评点位"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(CheckItem, verbose_name=_("考察内容"), on_delete=models.PROTECT, related_name="answers")
    result = models.CharField(_("结果"), max_length=4, choices=Result.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    photo = models.ImageField(_("照片"), upload_to=answer_photo_path, max_length=200, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("测评人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("测评时间"), default=timezone.now)
    issue = models.ForeignKey(
        "inspections.Issue",
        verbose_name=_("生成的问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("测评结果")
        verbose_name_plural = _("测评结果")
        ordering = ["round_site", "item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["round_site", "item"], name="eval_answer_unique")]

    def __str__(self):
        return f"{self.item} · {self.get_result_display()}"


class SweepQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope.sees_all:
            return self
        q = scope.region_q("region__path")
        if scope.unit_ids:
            q |= Q(pk__in=SweepSite.objects.filter(unit_id__in=scope.unit_ids).values("sweep_id"))
        return self.filter(q)


class Sweep(models.Model):
    """举一反三: one finding (an issue or a failed check item) checked at every site of its type
    in a scope, each answered by the site's responsible unit."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="sweeps"
    )
    title = models.CharField(_("排查事项"), max_length=300)
    site_type = models.CharField(_("点位类型"), max_length=20, choices=SiteType.choices)
    region = models.ForeignKey("org.Region", verbose_name=_("排查范围"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        CheckItem, verbose_name=_("考察内容"), null=True, blank=True, on_delete=models.PROTECT, related_name="sweeps"
    )
    category = models.ForeignKey(
        "inspections.IssueCategory",
        verbose_name=_("问题类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    origin_issue = models.ForeignKey(
        "inspections.Issue",
        verbose_name=_("源头问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    origin_answer = models.ForeignKey(
        Answer, verbose_name=_("源头测评结果"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(_("完成时限"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)

    objects = SweepQuerySet.as_manager()

    class Meta:
        verbose_name = _("举一反三排查")
        verbose_name_plural = _("举一反三排查")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class SweepResult(models.TextChoices):
    PENDING = "pending", _("待排查")  # the unit has not answered yet
    PASS = "pass", _("合格")  # checked, nothing found (with a photo)
    ISSUE = "issue", _("发现问题")  # checked, the problem is there: an issue was recorded


class SweepSite(models.Model):
    """One site of a sweep, answered by its responsible unit."""

    sweep = models.ForeignKey(Sweep, verbose_name=_("排查"), on_delete=models.CASCADE, related_name="sites")
    site = models.ForeignKey("org.Site", verbose_name=_("点位"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结果"), max_length=8, choices=SweepResult.choices, default=SweepResult.PENDING)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    photo = models.ImageField(_("照片"), upload_to=answer_photo_path, max_length=200, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("排查人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("排查时间"), null=True, blank=True)
    issue = models.ForeignKey(
        "inspections.Issue",
        verbose_name=_("生成的问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("排查点位")
        verbose_name_plural = _("排查点位")
        ordering = ["sweep", "site__region__path", "site__name"]
        constraints = [
            models.UniqueConstraint(fields=["sweep", "site"], name="eval_sweepsite_unique"),
            models.CheckConstraint(
                condition=Q(result="pending") | Q(answered_at__isnull=False), name="eval_sweepsite_answered_when"
            ),
        ]

    def __str__(self):
        return f"{self.sweep} · {self.site}"
