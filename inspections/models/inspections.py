"""检查: one outing (暗访, 督查, 自查…) that finds issues."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chuangcheng.org.scoping import scope_for


class InspectionKind(models.TextChoices):
    COVERT = "covert", _("暗访")  # unannounced, like the national evaluators
    SUPERVISION = "supervision", _("明查督查")  # announced supervision by the 创建办
    SELF_CHECK = "self_check", _("自查")  # a unit or district checks itself
    MOCK = "mock", _("模拟测评")  # a rehearsal of the national evaluation
    HIGHER_FEEDBACK = "higher_feedback", _("上级反馈")  # problems handed down by the province/nation
    MEDIA = "media", _("媒体曝光")  # problems exposed by the press
    CITIZEN_BATCH = "citizen_batch", _("随手拍批次")  # a triage batch of citizen reports


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; supervisors and leaders the inspections in their region subtree and
        those they took part in; unit people the inspections that found their unit's issues."""
        scope = scope_for(user)
        if scope.sees_all:
            return self
        q = scope.region_q("region__path")
        if user is not None and user.is_authenticated:
            q |= Q(pk__in=Inspection.inspectors.through.objects.filter(user_id=user.pk).values("inspection_id"))
        if scope.unit_ids:
            issue_model = apps.get_model("inspections", "Issue")  # same app; its module imports this one
            q |= Q(pk__in=issue_model.objects.filter(responsible_unit_id__in=scope.unit_ids).values("inspection_id"))
        return self.filter(q)


def source_document_path(instance, filename):
    return f"inspections/sources/{timezone.localdate():%Y/%m}/{filename}"


class Inspection(models.Model):
    """检查: one outing — who went, where, when, what kind — and the issues it found."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(_("检查类型"), max_length=20, choices=InspectionKind.choices)
    date = models.DateField(_("检查日期"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), blank=True, related_name="inspections"
    )
    region = models.ForeignKey(
        "org.Region", verbose_name=_("检查区域"), on_delete=models.PROTECT, related_name="inspections"
    )
    summary = models.TextField(_("检查情况"), blank=True)
    source_document = models.FileField(
        _("来源文件"),
        upload_to=source_document_path,
        max_length=200,
        blank=True,
        help_text=_("上级反馈的原始问题清单（.xlsx 或 .docx），导入时原样保存。"),
    )
    source_name = models.CharField(_("来源文件名"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["campaign", "-date"], name="insp_inspection_campaign_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} · {self.region}"
