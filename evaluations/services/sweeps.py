"""举一反三: start a sweep of every site of a type under a region, and answer its sites (a
found problem becomes an issue sent to the site's unit)."""

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import notice_send, unit_people
from chuangcheng.org.models import Site, SiteType
from chuangcheng.servicekit import locked
from chuangcheng.uploads import stored_name
from inspections.models import IssueSource
from inspections.permissions import can_create_inspection
from inspections.photos import process_photo
from inspections.services import issue_create

from .. import permissions
from ..models import Sweep, SweepResult, SweepSite


@transaction.atomic
def sweep_create(
    *,
    actor,
    campaign,
    region,
    site_type,
    due_on,
    item=None,
    category=None,
    title="",
    origin_issue=None,
    origin_answer=None,
):
    """举一反三: check ``item`` (or the problem of ``category``) at every active site of
    ``site_type`` under ``region``; each site goes to its responsible unit, who is told."""
    if not permissions.can_start_sweep(actor, region):
        raise ApplicationError(_("您没有权限在该区域发起举一反三排查。"), code="forbidden")
    if not region.path.startswith(campaign.region.path):
        raise ApplicationError(_("排查范围不在创建活动的区域内。"), field="region")
    if site_type not in SiteType.values:
        raise ApplicationError(_("请选择点位类型。"), field="site_type")
    if item is not None and item.site_type != site_type:
        raise ApplicationError(_("考察内容与点位类型不一致。"), field="item")
    if due_on is None or due_on < timezone.localdate():
        raise ApplicationError(_("请填写不早于今天的完成时限。"), field="due_on")
    title = (title or "").strip() or (item.text if item else "") or (category.name if category else "")
    if not title:
        raise ApplicationError(_("请填写排查事项。"), field="title")
    category = (
        category
        or (item.category if item else None)
        or (origin_issue.category if origin_issue else None)
        or (origin_answer.issue.category if origin_answer is not None and origin_answer.issue_id else None)
    )
    if category is None:
        raise ApplicationError(_("请选择问题类别（排查发现问题时按此类别登记）。"), field="category")
    sites = list(
        Site.objects.filter(is_active=True, site_type=site_type, region__path__startswith=region.path).order_by("pk")
    )
    if not sites:
        raise ApplicationError(
            _("%(r)s没有“%(t)s”类点位。") % {"r": region.name, "t": SiteType(site_type).label}, field="site_type"
        )
    sweep = Sweep.objects.create(
        campaign=campaign,
        title=title[:300],
        site_type=site_type,
        region=region,
        item=item,
        category=category,
        origin_issue=origin_issue,
        origin_answer=origin_answer,
        due_on=due_on,
        created_by=actor,
    )
    SweepSite.objects.bulk_create(SweepSite(sweep=sweep, site=s, unit_id=s.responsible_unit_id) for s in sites)
    from django.urls import reverse

    notice_send(
        recipients=unit_people({s.responsible_unit_id for s in sites}),
        title=_("举一反三排查：%(t)s") % {"t": sweep.title},
        body=_("请于 %(d)s 前对本单位负责的%(type)s逐一排查，合格的拍照确认，发现问题的如实上报。")
        % {"d": due_on.strftime("%Y-%m-%d"), "type": SiteType(site_type).label},
        url=reverse("evaluations:sweep", args=[sweep.pk]),
        kind="sweep",
        subject_key=f"sweep:{sweep.pk}",
    )
    return sweep


@transaction.atomic
def sweep_answer(*, actor, sweep_site_id, result, photo=None, note=""):
    """Answer one site of a sweep: 合格 with a photo, or 发现问题 with a photo and a note —
    recorded as an issue at the site (in the sweep starter's name, reported by ``actor``) and
    sent to the site's unit. An answered site cannot be answered again."""
    sweep_site = locked(
        SweepSite.objects.all(),
        sweep_site_id,
        related=("sweep", "sweep__campaign", "sweep__created_by", "site", "site__region"),
        missing=_("排查点位不存在。"),
    )
    if not permissions.can_answer_sweep_site(actor, sweep_site):
        raise ApplicationError(_("该点位不由您的单位负责。"), code="forbidden")
    if sweep_site.result != SweepResult.PENDING:
        raise ApplicationError(
            _("该点位已于 %(t)s 排查。") % {"t": timezone.localtime(sweep_site.answered_at).strftime("%Y-%m-%d %H:%M")},
            code="conflict",
        )
    if result not in (SweepResult.PASS, SweepResult.ISSUE):
        raise ApplicationError(_("请选择合格或发现问题。"), field="result")
    if not photo:
        raise ApplicationError(_("请拍照：合格的拍现场照片，发现问题的拍问题照片。"), field="photo")
    note = (note or "").strip()
    if result == SweepResult.ISSUE and not note:
        raise ApplicationError(_("请说明发现的问题。"), field="note")
    processed = process_photo(photo, field="photo")
    now = timezone.now()
    sweep, site = sweep_site.sweep, sweep_site.site
    if result == SweepResult.ISSUE:
        reporter = (
            sweep.created_by if sweep.created_by and can_create_inspection(sweep.created_by, site.region) else None
        )
        if reporter is None:
            raise ApplicationError(_("发起排查的督查人员已不能在该区域登记问题，请联系创建办。"), code="conflict")
        sweep_site.issue = issue_create(
            actor=reporter,
            campaign=sweep.campaign,
            category=sweep.category,
            description=_("举一反三排查（%(t)s）：%(note)s（%(who)s 上报）")
            % {"t": sweep.title, "note": note, "who": actor},
            region=site.region,
            source=IssueSource.SUPERVISION,
            indicator=sweep.item.indicator if sweep.item_id else None,
            site=site,
            address=site.address or site.name,
            photos=[SimpleUploadedFile("photo.jpg", processed.content, content_type="image/jpeg")],
            responsible_unit=site.responsible_unit,
        )
    sweep_site.photo.save(stored_name("jpg"), ContentFile(processed.content), save=False)
    sweep_site.result, sweep_site.note = result, note[:300]
    sweep_site.answered_by, sweep_site.answered_at = actor, now
    sweep_site.save(update_fields=["result", "note", "photo", "answered_by", "answered_at", "issue"])
    return sweep_site
