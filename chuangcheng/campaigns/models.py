"""What is being won: campaigns, evaluation standards (测评体系) and their indicators."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.models import Region, Unit
from chuangcheng.org.scoping import scope_for


class CityTitle(models.TextChoices):
    CIVILIZED = "civilized", _("全国文明城市")
    SANITARY = "sanitary", _("国家卫生城市")
    GARDEN = "garden", _("国家园林城市")
    FOOD_SAFETY = "food_safety", _("国家食品安全示范城市")
    OTHER = "other", _("其他")


class CampaignStatus(models.TextChoices):
    PLANNING = "planning", _("筹备中")  # set up, not yet running
    ACTIVE = "active", _("进行中")  # the countdown runs; reminders and briefings go out
    CLOSED = "closed", _("已结束")  # inspected; read-only history


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A campaign is visible to everyone whose scope touches its territory."""
        scope = scope_for(user)
        if scope.sees_all:
            return self
        if not (scope.region_paths or scope.home_region_paths):
            return self.none()
        return self.filter(scope.region_q("region__path", include_home=True) | Q(region__path__in=scope.ancestor_paths))

    def active(self):
        return self.filter(status=CampaignStatus.ACTIVE)


class Campaign(models.Model):
    """创建活动: a campaign for one or more titles over a territory, run by an office, counting
    down to the target inspection date."""

    name = models.CharField(_("活动名称"), max_length=100)
    titles = models.JSONField(_("创建称号"), default=list, help_text=_("一个或多个：civilized / sanitary / garden …"))
    region = models.ForeignKey(Region, verbose_name=_("创建区域"), on_delete=models.PROTECT, related_name="campaigns")
    office_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头办公室"), on_delete=models.PROTECT, related_name="campaigns_run"
    )
    start_date = models.DateField(_("开始日期"))
    target_date = models.DateField(_("迎检日期"))
    status = models.CharField(_("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PLANNING)
    standards = models.ManyToManyField("Standard", verbose_name=_("测评体系"), blank=True, related_name="campaigns")
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("创建活动")
        verbose_name_plural = _("创建活动")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__gte=models.F("start_date")),
                name="campaigns_campaign_target_after_start",
                violation_error_message=_("迎检日期不能早于开始日期。"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        unknown = [t for t in (self.titles or []) if t not in CityTitle.values]
        if unknown:
            raise ValidationError({"titles": _("未知的创建称号：%(t)s") % {"t": "、".join(unknown)}})

    def title_labels(self):
        labels = dict(CityTitle.choices)
        return [labels.get(t, t) for t in self.titles or []]

    def days_left(self, today=None):
        """Days until the target inspection date, counted in Asia/Shanghai."""
        today = today or timezone.localdate()
        return (self.target_date - today).days


class EvaluationMethod(models.TextChoices):
    FIELD = "field", _("实地考察")
    DOCUMENT = "document", _("材料审核")
    SURVEY = "survey", _("问卷调查")
    ONLINE = "online", _("网上申报")


class StandardQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Evaluation standards are national reference texts: every signed-in person reads them."""
        return self if user is not None and user.is_authenticated else self.none()


class Standard(models.Model):
    """测评体系: a versioned evaluation system, e.g. 国家卫生城市标准（2021版）."""

    name = models.CharField(_("名称"), max_length=100)
    version = models.CharField(_("版本"), max_length=30, blank=True)
    title = models.CharField(_("对应称号"), max_length=20, choices=CityTitle.choices, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = StandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评体系")
        verbose_name_plural = _("测评体系")
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="campaigns_standard_unique")]

    def __str__(self):
        return f"{self.name}（{self.version}）" if self.version else self.name


class IndicatorQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if user is not None and user.is_authenticated else self.none()


class Indicator(models.Model):
    """A node of a standard: 项目 → 指标 → 测评内容. ``negative_list`` marks 负面清单 items,
    one hit of which can cost the title."""

    standard = models.ForeignKey(
        Standard, verbose_name=_("测评体系"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("编号"), max_length=30)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("名称"), max_length=200)
    max_score = models.DecimalField(_("分值"), max_digits=7, decimal_places=2, null=True, blank=True)
    method = models.CharField(_("测评方法"), max_length=10, choices=EvaluationMethod.choices, blank=True)
    negative_list = models.BooleanField(_("负面清单"), default=False)
    description = models.TextField(_("测评内容/标准"), blank=True)
    sort_key = models.CharField(_("排序键"), max_length=120, editable=False, default="")

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评指标")
        verbose_name_plural = _("测评指标")
        ordering = ["standard", "sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="campaigns_indicator_unique_code"),
            models.CheckConstraint(
                condition=Q(max_score__isnull=True) | Q(max_score__gte=0), name="campaigns_indicator_score_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @staticmethod
    def sort_key_for(code):
        """``1.10`` after ``1.9``: each numeric part zero-padded."""
        parts = code.replace("-", ".").split(".")
        return ".".join(p.zfill(4) if p.isdigit() else p for p in parts)
