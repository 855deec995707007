"""What is being won: campaigns, evaluation standards (测评体系) and their indicators."""

import re

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
    FIELD = "field", _("实地考察")  # evaluators walk sampled 点位 (暗访)
    DOCUMENT = "document", _("材料审核")  # documents per indicator
    SURVEY = "survey", _("问卷调查")  # citizen satisfaction
    ONLINE = "online", _("网上申报")  # filed through the national system
    HOUSEHOLD = "household", _("入户调查")  # door-to-door survey
    INTERVIEW = "interview", _("现场访谈")  # on-the-spot interviews
    DATA = "data", _("数据分析")  # statistics supplied by departments


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
    """A node of a standard: 项目 → 指标 → 测评内容, of uneven depth (an item may sit directly
    under a 项目). ``negative_list`` marks 负面清单 items, one hit of which can cost the title.

    ``methods`` is the set of evaluation methods (comma-separated :class:`EvaluationMethod`
    values, in the order the standard names them; ``method`` repeats the first for older
    readers); ``requirements`` is the 考察要求 text verbatim and ``site_types`` the 点位 types it
    names. ``effective_score`` is the score every computation uses: ``max_score`` when the
    standard gives one, else the rule in :mod:`chuangcheng.campaigns.scoring` (equal shares
    within the parent, ``score_is_derived``) — never 0 for an unscored item."""

    standard = models.ForeignKey(
        Standard, verbose_name=_("测评体系"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("编号"), max_length=30)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级指标"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("名称"), max_length=200)
    max_score = models.DecimalField(_("分值"), max_digits=7, decimal_places=2, null=True, blank=True)
    method = models.CharField(_("主要测评方法"), max_length=10, choices=EvaluationMethod.choices, blank=True)
    methods = models.CharField(_("测评方法"), max_length=100, blank=True, default="")
    requirements = models.TextField(_("考察要求"), blank=True, default="")
    site_types = models.CharField(_("考察点位类型"), max_length=200, blank=True, default="")
    negative_list = models.BooleanField(_("负面清单"), default=False)
    description = models.TextField(_("测评内容/标准"), blank=True)
    effective_score = models.DecimalField(
        _("计分分值"), max_digits=9, decimal_places=3, null=True, blank=True, editable=False
    )
    score_is_derived = models.BooleanField(_("分值按规则推算"), default=False, editable=False)
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

    @property
    def method_list(self):
        return [m for m in self.methods.split(",") if m]

    @property
    def method_labels(self):
        labels = dict(EvaluationMethod.choices)
        return [str(labels.get(m, m)) for m in self.method_list]

    @property
    def site_type_list(self):
        return [t for t in self.site_types.split(",") if t]

    @property
    def site_type_labels(self):
        from chuangcheng.org.sitetypes import site_type_labels

        return site_type_labels(self.site_type_list)

    @staticmethod
    def sort_key_for(code):
        """``1.10`` after ``1.9``, ``Ⅸ`` before ``Ⅹ``, ``十二`` after ``二``: each numeric part
        (Arabic, Roman or Chinese numerals) zero-padded."""
        parts = re.split(r"[.\-－—_/、]", code.strip())
        return ".".join(_numeric(p) for p in parts)


_ROMAN = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6, "Ⅶ": 7, "Ⅷ": 8, "Ⅸ": 9, "Ⅹ": 10, "Ⅺ": 11, "Ⅻ": 12}
_ROMAN_ASCII = {"I": 1, "V": 5, "X": 10}  # not L or C: letter codes A, B, C… stay letters
_CHINESE = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _numeric(part):
    """One code part as a sortable string: numbers zero-padded, anything else as written."""
    part = part.strip().strip("（）()")
    if part.isdigit():
        return part.zfill(4)
    value = None
    if part and all(c in _ROMAN for c in part):
        value = sum(_ROMAN[c] for c in part)
    elif part and all(c in _ROMAN_ASCII for c in part.upper()):
        digits = [_ROMAN_ASCII[c] for c in part.upper()]
        value = sum(-d if i + 1 < len(digits) and d < digits[i + 1] else d for i, d in enumerate(digits))
    elif part and all(c in _CHINESE for c in part) and len(part) <= 3:
        if part.startswith("十"):
            value = 10 + (_CHINESE[part[1]] if len(part) > 1 else 0)
        elif "十" in part:
            tens, _sep, ones = part.partition("十")
            value = _CHINESE[tens] * 10 + (_CHINESE[ones] if ones else 0)
        else:
            value = _CHINESE[part] if len(part) == 1 else None
    return str(value).zfill(4) if value is not None else part
