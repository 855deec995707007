"""档案资料 (材料审核 / 网上申报): what each document-evaluated indicator must be proven with,
the files units hand in, and the office's review.

- :class:`Requirement` (材料要求): one required material of one indicator in one campaign —
  name, years covered, responsible units, deadline. Its ``status`` is derived from its
  materials and kept by :mod:`dossiers.services` only (缺项 / 待审 / 退回 / 已通过).
- :class:`Material` (材料): one document a unit hands in for a requirement (e.g. "2025年工作
  方案"); reviewed as a whole: 通过 or 退回 with a reason.
- :class:`MaterialVersion` (版本): every upload is a new version of a material, never an
  overwrite; the latest is what the office reviews and what the export packs. The bytes are
  sniffed on upload, their sha256 kept, and a second upload of the same bytes is flagged.
- :class:`DossierEvent`: the history of a requirement (append-only).

Files go through Django's storage API only (``STORAGES["default"]``: local disk or an
S3-compatible bucket); nothing here assumes a local path.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from chuangcheng.org.permissions import unit_roles
from chuangcheng.org.scoping import scope_for


class RequirementStatus(models.TextChoices):
    MISSING = "missing", _("缺项")  # nothing handed in yet
    PENDING = "pending", _("待审")  # at least one material waits for the office's review
    RETURNED = "returned", pgettext_lazy("dossier status", "退回")  # a material was returned and not replaced yet
    APPROVED = "approved", _("已通过")  # every material handed in is approved


def overdue_q(today, through=""):
    """超期: past its 报送时限 and not 已通过 — as a filter on requirements, or on a model that
    reaches them ``through`` a relation (``"requirement__"``). :meth:`Requirement.is_overdue`
    answers the same for one requirement."""
    return Q(**{f"{through}deadline__lt": today}) & ~Q(**{f"{through}status": RequirementStatus.APPROVED})


class MaterialStatus(models.TextChoices):
    PENDING = "pending", _("待审核")  # its latest version waits for the office
    APPROVED = "approved", _("已通过")  # the office accepted its latest version
    RETURNED = "returned", _("已退回")  # the office sent it back with a reason; a new version answers it


def office_unit_ids(user):
    """Units in which the person is a supervisor: when such a unit runs a campaign (its
    创建办), the person reviews and sees that campaign's whole dossier."""
    return [unit_id for unit_id, roles in unit_roles(user).items() if "supervisor" in roles]


class RequirementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins all; the campaign office's supervisors their campaigns' requirements;
        supervisors and leaders the requirements of units in their region subtree; unit staff
        and heads their own units' requirements."""
        scope = scope_for(user)
        if scope.sees_all:
            return self
        through = Requirement.units.through.objects
        q = Q(pk__in=through.filter(unit_id__in=scope.unit_ids).values("requirement_id"))
        offices = office_unit_ids(user)
        if offices:
            q |= Q(campaign__office_unit_id__in=offices)
        if scope.region_paths:
            q |= Q(pk__in=through.filter(scope.region_q("unit__region__path")).values("requirement_id"))
        return self.filter(q)


class Requirement(models.Model):
    """材料要求: a material an indicator must be proven with, in one campaign (e.g. 1.1
    爱卫会会议纪要, 2023–2025, 市卫健委). Units listed in ``units`` hand in its materials; the
    campaign office reviews them. ``status`` is derived (see :class:`RequirementStatus`)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("创建活动"), on_delete=models.CASCADE, related_name="dossier_requirements"
    )
    indicator = models.ForeignKey(
        "campaigns.Indicator", verbose_name=_("测评指标"), on_delete=models.PROTECT, related_name="dossier_requirements"
    )
    name = models.CharField(_("材料名称"), max_length=200)
    description = models.TextField(_("材料要求"), blank=True)
    year_from = models.PositiveSmallIntegerField(_("起始年度"), null=True, blank=True)
    year_to = models.PositiveSmallIntegerField(_("截止年度"), null=True, blank=True)
    deadline = models.DateField(_("报送时限"), null=True, blank=True)
    units = models.ManyToManyField("org.Unit", verbose_name=_("责任单位"), related_name="dossier_requirements")
    status = models.CharField(
        _("完成状态"), max_length=10, choices=RequirementStatus.choices, default=RequirementStatus.MISSING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("材料要求")
        verbose_name_plural = _("材料要求")
        ordering = ["campaign", "indicator__sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "indicator", "name"], name="dossiers_requirement_unique_name"),
            models.CheckConstraint(
                condition=Q(year_from__isnull=True) | Q(year_to__isnull=True) | Q(year_to__gte=models.F("year_from")),
                name="dossiers_requirement_years_order",
                violation_error_message=_("截止年度不能早于起始年度。"),
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="dossiers_req_campaign_status")]

    def __str__(self):
        return f"{self.indicator.code} {self.name}"

    @property
    def years_text(self):
        if self.year_from and self.year_to and self.year_from != self.year_to:
            return f"{self.year_from}–{self.year_to}"
        year = self.year_from or self.year_to
        return str(year) if year else ""

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return bool(self.deadline) and self.deadline < today and self.status != RequirementStatus.APPROVED


class Material(models.Model):
    """材料: one document a unit hands in for a requirement. Its versions are the uploads; the
    office reviews the latest (``current_version``). Written only by :mod:`dossiers.services`."""

    requirement = models.ForeignKey(
        Requirement, verbose_name=_("材料要求"), on_delete=models.CASCADE, related_name="materials"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("审核状态"), max_length=10, choices=MaterialStatus.choices, default=MaterialStatus.PENDING
    )
    current_version = models.ForeignKey(
        "MaterialVersion",
        verbose_name=_("当前版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("材料")
        verbose_name_plural = _("材料")
        ordering = ["requirement", "created_at", "id"]
        indexes = [models.Index(fields=["requirement", "status"], name="dossiers_material_req_status")]

    def __str__(self):
        return self.current_version.title if self.current_version_id else str(self.pk)


def version_path(instance, filename):
    """Stored under a server-generated name; the uploader's name is kept in ``original_name``."""
    return f"dossiers/{timezone.localdate():%Y/%m}/{instance.stored_name}"


class MaterialVersion(models.Model):
    """One upload of a material (append-only). ``content_type`` and ``extension`` come from
    the bytes, not the name; ``sha256`` identifies the bytes, and ``duplicate_of`` points at an
    earlier version with the very same bytes (flagged to the reviewer, not refused)."""

    material = models.ForeignKey(Material, verbose_name=_("材料"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("版本号"))
    title = models.CharField(_("材料标题"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=60, blank=True)
    document_date = models.DateField(_("成文日期"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to=version_path, max_length=200)
    stored_name = models.CharField(_("存储名"), max_length=80, editable=False)
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(_("扩展名"), max_length=10)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("与之重复"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("材料版本")
        verbose_name_plural = _("材料版本")
        ordering = ["material", "number"]
        constraints = [
            models.UniqueConstraint(fields=["material", "number"], name="dossiers_version_unique_number"),
        ]

    def __str__(self):
        return f"{self.title} v{self.number}"

    @property
    def year(self):
        """The year the document belongs to (its date, else the upload's year)."""
        if self.document_date:
            return self.document_date.year
        return timezone.localtime(self.uploaded_at).year


class DossierAction(models.TextChoices):
    CREATE = "create", _("新建材料要求")
    EDIT = "edit", _("修改材料要求")
    UPLOAD = "upload", _("上传材料")
    NEW_VERSION = "new_version", _("上传新版本")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回")


class DossierEvent(models.Model):
    """The history of a requirement and its materials: who did what, when, why.
    Append-only: written by :mod:`dossiers.services` in the transaction of the change."""

    requirement = models.ForeignKey(
        Requirement, verbose_name=_("材料要求"), on_delete=models.CASCADE, related_name="events"
    )
    material = models.ForeignKey(
        Material, verbose_name=_("材料"), null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    version = models.ForeignKey(
        MaterialVersion, verbose_name=_("版本"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=20, choices=DossierAction.choices)
    comment = models.TextField(_("说明"), blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("档案记录")
        verbose_name_plural = _("档案记录")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["requirement", "created_at"], name="dossiers_event_req_time")]

    def __str__(self):
        return f"{self.get_action_display()} · {self.requirement_id}"
