"""约谈、问责、通报表扬: the record of what the office did about the figures.

- :class:`Interview` (约谈): who talked to which unit's head, when and why, the unit's
  整改承诺, and a follow-up date that became a ledger task for the unit; linked to the items
  that triggered it (issues, tasks, briefings).
- :class:`Decision` (问责决定): a decision against a unit (and a person), its kind, who decided,
  the document, points or money where the kind has them, and its grounds.
- :class:`Commendation` (通报表扬): praise of a unit or a person, printed in the next briefing.
- :class:`AccountabilityRules`: per campaign, whether and how these count in the ranking.

The links point down (issues, tasks) and sideways (briefings, at this level); nothing below
this app refers to it. Records are written only by :mod:`accountability.services`.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from chuangcheng.campaigns.models import Campaign
from chuangcheng.org.scoping import scope_for

from .permissions import head_unit_ids, leader_region_paths, office_unit_ids


class RestrictedRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; the campaign office's supervisors their campaigns' records; leaders the
        records of units in their 包保 regions; unit heads their own unit's. Unit staff: none."""
        scope = scope_for(user)
        if scope.sees_all:
            return self
        q = Q(pk__in=[])
        offices = office_unit_ids(user)
        if offices:
            q |= Q(campaign__office_unit_id__in=offices)
        heads = head_unit_ids(user)
        if heads:
            q |= Q(unit_id__in=heads)
        for path in leader_region_paths(user):
            q |= Q(unit__region__path__startswith=path)
        return self.filter(q)


class Interview(models.Model):
    """约谈: the office (or a leader) talks to a unit's head about what went wrong. The unit's
    整改承诺 is written down and its follow-up date becomes a task for the unit
    (``follow_up_task``), so the ledger chases it like any other."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="interviews"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("被约谈单位"), on_delete=models.PROTECT, related_name="interviews"
    )
    interviewee = models.CharField(_("约谈对象"), max_length=100, help_text=_("如：单位主要负责人 张某某"))
    interviewers = models.CharField(_("约谈人"), max_length=200, help_text=_("如：市创建办主任 李某某"))
    held_at = models.DateTimeField(_("约谈时间"))
    reason = models.TextField(_("约谈事由"))
    commitment = models.TextField(_("整改承诺"), blank=True)
    follow_up_date = models.DateField(_("整改时限"), null=True, blank=True)
    follow_up_task = models.ForeignKey(
        "tasks.Task", verbose_name=_("跟踪任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issues = models.ManyToManyField("inspections.Issue", verbose_name=_("相关问题"), blank=True, related_name="+")
    tasks = models.ManyToManyField("tasks.Task", verbose_name=_("相关任务"), blank=True, related_name="+")
    briefings = models.ManyToManyField("reports.Briefing", verbose_name=_("相关通报"), blank=True, related_name="+")
    suggested_by = models.CharField(_("触发规则"), max_length=30, blank=True, help_text=_("由“建议约谈”发起时的规则。"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = RestrictedRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("约谈")
        verbose_name_plural = _("约谈")
        ordering = ["-held_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "held_at"], name="acct_interview_campaign_time"),
            models.Index(fields=["unit", "held_at"], name="acct_interview_unit_time"),
        ]

    def __str__(self):
        return f"{self.unit} · {timezone.localtime(self.held_at):%Y-%m-%d}"


class DecisionKind(models.TextChoices):
    CRITICISM = "criticism", _("通报批评")
    INTERVIEW = "interview", _("约谈")
    ADMONITION = "admonition", _("诫勉谈话")
    DEDUCTION = "deduction", pgettext_lazy("decision kind", "扣分")  # one decision: "Deduction"
    FINE = "fine", _("扣罚经费")
    REFERRAL = "referral", _("移交组织处理")


class Decision(models.Model):
    """问责决定: a decision against a unit (and optionally a person in it): its kind, who took it
    and when, its document (文号 and file), the points (扣分) or money (扣罚经费) it carries, and
    the grounds it rests on."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("创建活动"),
        on_delete=models.PROTECT,
        related_name="accountability_decisions",
    )
    kind = models.CharField(_("问责方式"), max_length=12, choices=DecisionKind.choices)
    unit = models.ForeignKey("org.Unit", verbose_name=_("问责单位"), on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField(_("问责个人"), max_length=100, blank=True)
    decided_on = models.DateField(_("决定日期"))
    decided_by = models.CharField(_("决定机关"), max_length=100, help_text=_("如：市创建工作指挥部"))
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    document = models.FileField(_("决定文件"), upload_to="accountability/%Y/%m/", max_length=200, blank=True)
    document_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    document_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    points = models.DecimalField(_("扣分"), max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(_("扣罚金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("问责事由"))
    issues = models.ManyToManyField("inspections.Issue", verbose_name=_("相关问题"), blank=True, related_name="+")
    tasks = models.ManyToManyField("tasks.Task", verbose_name=_("相关任务"), blank=True, related_name="+")
    briefings = models.ManyToManyField("reports.Briefing", verbose_name=_("相关通报"), blank=True, related_name="+")
    interviews = models.ManyToManyField(Interview, verbose_name=_("相关约谈"), blank=True, related_name="decisions")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = RestrictedRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("问责决定")
        verbose_name_plural = _("问责决定")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="deduction") | Q(points__gt=0), name="acct_decision_deduction_has_points"
            ),
            models.CheckConstraint(condition=~Q(kind="fine") | Q(amount__gt=0), name="acct_decision_fine_has_amount"),
        ]
        indexes = [models.Index(fields=["campaign", "decided_on"], name="acct_decision_campaign_day")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.unit}"


class CommendationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published praise: everyone who sees the campaign."""
        return self.filter(campaign__in=Campaign.objects.visible_to(user))


class Commendation(models.Model):
    """通报表扬: praise of a unit, or of a person (in a unit or not), printed in the next briefing."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="commendations"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("表扬单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("表扬个人"), max_length=100, blank=True)
    reason = models.TextField(_("表扬事由"))
    commended_on = models.DateField(_("表扬日期"))
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = CommendationQuerySet.as_manager()

    class Meta:
        verbose_name = _("通报表扬")
        verbose_name_plural = _("通报表扬")
        ordering = ["-commended_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | ~Q(person_name=""), name="acct_commendation_unit_or_person"
            ),
        ]

    def __str__(self):
        return self.person_name or str(self.unit)


class AccountabilityRules(models.Model):
    """问责计分规则: whether, in one campaign's ranking, 约谈 and 问责 cost points. A campaign
    without a row deducts nothing (the ranking is the figures alone). Read by
    :func:`accountability.selectors.deductions`; its changes are kept (history)."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="accountability_rules"
    )
    deduct_per_interview = models.DecimalField(
        _("扣分：每次约谈"), max_digits=4, decimal_places=2, default=Decimal("0.00")
    )
    deduct_per_criticism = models.DecimalField(
        _("扣分：每次通报批评"), max_digits=4, decimal_places=2, default=Decimal("0.00")
    )
    count_decision_points = models.BooleanField(
        _("计入问责决定的扣分"), default=True, help_text=_("“扣分”类问责决定的分值从综合得分中扣除。")
    )

    history = HistoricalRecords(verbose_name=_("历史"))

    class Meta:
        verbose_name = _("问责计分规则")
        verbose_name_plural = _("问责计分规则")

    def __str__(self):
        return str(self.campaign)
