"""照片: before/after/evidence images, re-encoded, with content and perceptual hashes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .issues import Issue, IssueEvent


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("整改前")  # the problem as found
    AFTER = "after", _("整改后")  # proof of the fix; required to submit
    EVIDENCE = "evidence", _("佐证")  # anything else worth keeping (a notice served, a plan)


class PhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A photo follows its issue."""
        return self.filter(issue__in=Issue.objects.visible_to(user))


def photo_path(instance, filename):
    return f"issues/{timezone.localdate():%Y/%m}/{filename}"


def thumbnail_path(instance, filename):
    return f"issues/thumbs/{timezone.localdate():%Y/%m}/{filename}"


class Photo(models.Model):
    """照片: re-encoded as JPEG (metadata stripped, orientation applied) under a server name.

    ``sha256`` hashes the stored JPEG, ``original_sha256`` the upload as received, ``dhash`` is
    a 64-bit difference hash (16 hex digits) for near-identical images. ``duplicate_of`` points
    at a matching photo on another issue (疑似重复照片); ``taken_before_issue`` marks EXIF time
    earlier than the issue's creation."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="photos", db_index=False
    )
    event = models.ForeignKey(
        IssueEvent, verbose_name=_("记录"), null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=PhotoKind.choices)
    file = models.FileField(_("照片"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(_("缩略图"), upload_to=thumbnail_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("内容哈希"), max_length=64)
    original_sha256 = models.CharField(_("原文件哈希"), max_length=64)
    dhash = models.CharField(_("感知哈希"), max_length=16)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    exif_taken_at = models.DateTimeField(_("拍摄时间（EXIF）"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("疑似重复于"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duplicate_distance = models.PositiveSmallIntegerField(_("差异位数"), null=True, blank=True)
    taken_before_issue = models.BooleanField(_("拍摄早于问题登记"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["created_at", "id"]
        indexes = [
            # Covering the duplicate check's read of its neighbours' photos (id, dhash): an
            # index-only scan instead of a heap row per photo (inspections.photos).
            models.Index(fields=["issue", "kind"], include=["id", "dhash"], name="insp_photo_issue_cover"),
            models.Index(fields=["sha256"], name="insp_photo_sha256"),
            models.Index(fields=["original_sha256"], name="insp_photo_original_sha256"),
            models.Index(fields=["dhash"], name="insp_photo_dhash"),
            models.Index(fields=["created_at"], name="insp_photo_created"),
            # 弄虚作假（核查确认）: the after-photos the system flagged, few among all — a period's
            # returns are tested against these first, and only the flagged ones' issues are read
            # for their region (a cold dashboard read every return's issue: 10 ms at 1,000,000).
            models.Index(
                fields=["issue", "created_at"],
                name="insp_photo_flagged",
                condition=models.Q(kind=PhotoKind.AFTER)
                & (models.Q(duplicate_of__isnull=False) | models.Q(taken_before_issue=True)),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(duplicate_of=models.F("id")), name="insp_photo_not_own_duplicate"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · #{self.issue_id}"
