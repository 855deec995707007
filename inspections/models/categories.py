"""问题类别: the 数字城管 部件/事件 classes plus campaign categories, each with its time limit."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.models import UnitKind


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("部件")  # 数字城管 components: manhole covers, lamps, benches…
    EVENT = "event", _("事件")  # 数字城管 events: exposed garbage, street vending…
    CAMPAIGN = "campaign", _("创建专项")  # campaign categories: 公益广告, 病媒生物, 门前三包…


class IssueCategory(models.Model):
    """问题类别: a 数字城管 class or a campaign category, with its time limit.

    The limit is in working hours (工作时) or working days (工作日), never both.
    ``area_class_limits`` may override it per area class, e.g. ``{"A": {"hours": 2},
    "C": {"hours": 8}}``; a class not listed uses the base limit."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    kind = models.CharField(_("大类"), max_length=10, choices=CategoryKind.choices)
    major = models.CharField(_("大类名称"), max_length=50)
    minor = models.CharField(_("小类编号"), max_length=10, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    time_limit_hours = models.PositiveSmallIntegerField(_("处置时限（工作时）"), null=True, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("处置时限（工作日）"), null=True, blank=True)
    area_class_limits = models.JSONField(
        _("分类区域时限"),
        default=dict,
        blank=True,
        help_text=_('按区域类别覆盖时限，如 {"A": {"hours": 2}, "C": {"days": 1}}；未列出的类别用基本时限。'),
    )
    default_unit_kind = models.CharField(
        _("默认责任单位类型"),
        max_length=12,
        choices=UnitKind.choices,
        default=UnitKind.TERRITORIAL,
        help_text=_("属地：交所在区域的街道/社区；职能部门：交名称含下方关键词的部门。"),
    )
    unit_hint = models.CharField(
        _("职能部门关键词"), max_length=30, blank=True, help_text=_("如“城管”“园林”“卫健”，用于推荐责任单位。")
    )
    source = models.CharField(_("来源"), max_length=50, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "major"], name="insp_category_kind_major")]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_limit_hours__isnull=True) | Q(time_limit_days__isnull=True),
                name="insp_category_one_limit_unit",
                violation_error_message=_("处置时限只能按工作时或工作日填写其一。"),
            ),
            models.CheckConstraint(
                condition=(Q(time_limit_hours__isnull=True) | Q(time_limit_hours__gte=1))
                & (Q(time_limit_days__isnull=True) | Q(time_limit_days__gte=1)),
                name="insp_category_limit_positive",
                violation_error_message=_("处置时限应大于零。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.major}）"

    def clean(self):
        from ..deadlines import parse_area_class_limits

        try:
            parse_area_class_limits(self.area_class_limits)
        except ValueError as exc:
            raise ValidationError({"area_class_limits": str(exc)}) from None

    def limit_display(self):
        from ..deadlines import Limit  # deadlines reads these models

        if self.time_limit_hours:
            return str(Limit(hours=self.time_limit_hours))
        if self.time_limit_days:
            return str(Limit(days=self.time_limit_days))
        return ""


class CampaignCategorySet(models.Model):
    """在用问题类别: the categories a campaign records issues under, so the phone's list is the
    few dozen the campaign uses instead of 300+ classes. A campaign without a set uses them all."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="category_set"
    )
    categories = models.ManyToManyField(IssueCategory, verbose_name=_("在用问题类别"), related_name="+")

    class Meta:
        verbose_name = _("活动在用问题类别")
        verbose_name_plural = _("活动在用问题类别")

    def __str__(self):
        return str(self.campaign)


def categories_for(campaign):
    """The active categories to offer when recording for ``campaign``: its set, or all."""
    active = IssueCategory.objects.filter(is_active=True)
    if campaign is None:
        return active
    chosen = CampaignCategorySet.categories.through.objects.filter(campaigncategoryset__campaign_id=campaign.pk)
    if not chosen.exists():
        return active
    return active.filter(pk__in=chosen.values("issuecategory_id"))
