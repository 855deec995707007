"""Every write to the dossiers. One keyword-only function per action, each in one transaction:
lock the requirement (its status depends on all its materials), check the workflow table and
the permission predicate, save with ``update_fields``, write the :class:`DossierEvent`, notify
through the outbox (:mod:`chuangcheng.notifications.services`).

Refusals raise :class:`~chuangcheng.exceptions.ApplicationError` worded for a unit clerk.
"""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import delivery_create, notice_send, unit_people
from chuangcheng.org.models import User
from chuangcheng.servicekit import check_permission, check_state, clean_text, locked, record_event
from chuangcheng.uploads import stored_name
from chuangcheng.wording import labelled

from . import permissions
from .files import check_dossier_file
from .models import (
    DossierAction,
    DossierEvent,
    Material,
    MaterialStatus,
    MaterialVersion,
    Requirement,
    RequirementStatus,
)
from .rules import needs_dossier
from .workflow import TRANSITIONS, requirement_status

ACTION_LABELS = dict(DossierAction.choices)
MATERIAL_STATUS_LABELS = dict(MaterialStatus.choices)


# --- helpers -----------------------------------------------------------------------------------


def _locked_requirement(actor, requirement_id):
    return locked(
        Requirement.objects.visible_to(actor),
        requirement_id,
        related=("campaign", "indicator"),
        missing=_("材料要求不存在，或您无权查看。"),
    )


def _locked_material(actor, material_id):
    """The material and its requirement, both locked (requirement first, as every writer does)."""
    requirement_id = (
        Material.objects.filter(pk=material_id, requirement__in=Requirement.objects.visible_to(actor))
        .values_list("requirement_id", flat=True)
        .first()
    )
    if requirement_id is None:
        raise ApplicationError(_("材料不存在，或您无权查看。"), code="not_found")
    requirement = _locked_requirement(actor, requirement_id)
    material = Material.objects.select_for_update(of=("self",)).select_related("current_version").get(pk=material_id)
    material.requirement = requirement
    return material


def _check(actor, material, action):
    transition, label = TRANSITIONS[action], ACTION_LABELS[action]
    check_state(
        transition,
        material.status,
        _("材料当前状态为“%(state)s”，不能%(action)s。")
        % {"state": MATERIAL_STATUS_LABELS[material.status], "action": label},
    )
    check_permission(actor, material, transition, permissions, label)
    return transition


def _event(requirement, actor, action, **fields):
    return record_event(DossierEvent, requirement=requirement, actor=actor, action=action, **fields)


def _refresh_status(requirement):
    """Recompute the requirement's derived status from its materials (inside the lock)."""
    status = requirement_status(requirement.materials.values_list("status", flat=True))
    if status != requirement.status:
        requirement.status = status
        requirement.save(update_fields=["status", "updated_at"])
    return status


def requirement_url(requirement_id):
    return reverse("dossiers:requirement", args=[requirement_id])


def reviewers(campaign):
    """The office's supervisors: who is told that a material waits for review."""
    return User.objects.filter(
        is_active=True, memberships__unit_id=campaign.office_unit_id, memberships__role="supervisor"
    ).distinct()


def _store_version(material, *, actor, upload, checked, title, document_number, document_date, note, number):
    extension, mime, size, digest = checked
    name = stored_name(extension)
    duplicate = (
        MaterialVersion.objects.filter(
            sha256=digest, material__requirement__campaign_id=material.requirement.campaign_id
        )
        .order_by("id")
        .first()
    )
    version = MaterialVersion(
        material=material,
        number=number,
        title=title,
        document_number=document_number,
        document_date=document_date,
        stored_name=name,
        original_name=(getattr(upload, "name", "") or name)[:200],
        extension=extension,
        content_type=mime,
        size=size,
        sha256=digest,
        duplicate_of=duplicate,
        note=note,
        uploaded_by=actor,
    )
    upload.seek(0)
    # Django's storage API only (local disk or an S3-compatible bucket): the upload is copied in
    # chunks, never read whole.
    version.file.save(name, upload, save=False)
    version.save()
    return version


def _clean_version_fields(title, document_number, note):
    title = clean_text(title, "title", _("请填写材料标题。"), max_length=200)
    document_number = clean_text(document_number, "document_number", "", required=False, max_length=60)
    note = clean_text(note, "note", "", required=False)
    return title, document_number, note


# --- the office: the list of required materials -----------------------------------------------


REQUIREMENT_FIELDS = ("name", "description", "year_from", "year_to", "deadline")


def _check_years(year_from, year_to):
    for field, year in (("year_from", year_from), ("year_to", year_to)):
        if year is not None and not 2000 <= int(year) <= 2100:
            raise ApplicationError(_("年度应为 2000 到 2100 之间的四位数。"), field=field)
    if year_from and year_to and year_to < year_from:
        raise ApplicationError(_("截止年度不能早于起始年度。"), field="year_to")


@transaction.atomic
def requirement_create(
    *, actor, campaign, indicator, name, units, description="", year_from=None, year_to=None, deadline=None
):
    """New required material for an indicator evaluated on documents (材料审核/网上申报)."""
    if not permissions.can_manage_requirements(actor, campaign):
        raise ApplicationError(_("只有创建办督查员和系统管理员可以设置材料要求。"), code="forbidden")
    if not campaign.standards.filter(pk=indicator.standard_id).exists():
        raise ApplicationError(_("该指标不属于本创建活动使用的测评体系。"), field="indicator")
    if not needs_dossier(indicator):
        raise ApplicationError(
            _("指标 %(c)s 的测评方法不是材料审核或网上申报，不需要报送档案资料。") % {"c": indicator.code},
            field="indicator",
        )
    name = clean_text(name, "name", _("请填写材料名称。"), max_length=200)
    units = list(units or [])
    if not units:
        raise ApplicationError(_("请至少选择一个责任单位。"), field="units")
    _check_years(year_from, year_to)
    if Requirement.objects.filter(campaign=campaign, indicator=indicator, name=name).exists():
        raise ApplicationError(_("该指标下已有同名的材料要求。"), field="name")
    requirement = Requirement.objects.create(
        campaign=campaign,
        indicator=indicator,
        name=name,
        description=(description or "").strip(),
        year_from=year_from,
        year_to=year_to,
        deadline=deadline,
        created_by=actor,
    )
    requirement.units.set(units)
    _event(requirement, actor, DossierAction.CREATE, changes={"units": sorted(u.name for u in units)})
    notice_send(
        recipients=unit_people([u.pk for u in units]),
        title=_("需报送档案资料：%(c)s %(n)s") % {"c": indicator.code, "n": name},
        body=_("报送时限 %(d)s") % {"d": deadline} if deadline else "",
        url=requirement_url(requirement.pk),
        kind="dossier",
        subject_key=f"dossier:{requirement.pk}",
    )
    return requirement


@transaction.atomic
def requirement_update(*, actor, requirement_id, data):
    """修改材料要求: name, text, years, deadline, units. The event keeps old and new values."""
    requirement = _locked_requirement(actor, requirement_id)
    if not permissions.can_manage_requirements(actor, requirement.campaign):
        raise ApplicationError(_("只有创建办督查员和系统管理员可以设置材料要求。"), code="forbidden")
    unknown = set(data) - set(REQUIREMENT_FIELDS) - {"units"}
    if unknown:
        raise ApplicationError(_("该项不能在这里修改。"), field=sorted(unknown)[0])
    if "name" in data:
        data = {**data, "name": clean_text(data["name"], "name", _("请填写材料名称。"), max_length=200)}
    _check_years(data.get("year_from", requirement.year_from), data.get("year_to", requirement.year_to))
    changes, fields = {}, []
    for name in REQUIREMENT_FIELDS:
        if name in data and data[name] != getattr(requirement, name):
            changes[name] = [str(getattr(requirement, name) or ""), str(data[name] or "")]
            setattr(requirement, name, data[name])
            fields.append(name)
    if "units" in data:
        new = list(data["units"])
        if not new:
            raise ApplicationError(_("请至少选择一个责任单位。"), field="units")
        old = list(requirement.units.all())
        if {u.pk for u in old} != {u.pk for u in new}:
            changes["units"] = [sorted(u.name for u in old), sorted(u.name for u in new)]
            requirement.units.set(new)
    if not changes:
        return requirement
    if fields:
        requirement.save(update_fields=[*fields, "updated_at"])
    _event(requirement, actor, DossierAction.EDIT, changes=changes)
    return requirement


# --- units: handing materials in ---------------------------------------------------------------


@transaction.atomic
def material_upload(*, actor, requirement_id, file, title, document_number="", document_date=None, note="", unit=None):
    """上传材料: a new material (its version 1) for a requirement, by staff or head of one of
    its responsible units. The same bytes already handed in for this campaign are flagged on
    the version (``duplicate_of``), not refused. Returns the :class:`MaterialVersion`."""
    requirement = _locked_requirement(actor, requirement_id)
    mine = permissions.responsible_unit_ids(actor, requirement)
    if not mine:
        raise ApplicationError(_("只有该材料要求的责任单位可以上传材料。"), code="forbidden")
    if unit is None and len(mine) > 1:
        raise ApplicationError(_("您在多个责任单位任职，请选择以哪个单位报送。"), field="unit")
    unit_id = unit.pk if unit is not None else mine[0]
    if unit_id not in mine:
        raise ApplicationError(_("只能以您任职的责任单位报送。"), field="unit")
    if file is None:
        raise ApplicationError(_("请选择要上传的文件。"), field="file")
    title, document_number, note = _clean_version_fields(title, document_number, note)
    checked = check_dossier_file(file)
    material = Material.objects.create(requirement=requirement, unit_id=unit_id, status=MaterialStatus.PENDING)
    version = _store_version(
        material,
        actor=actor,
        upload=file,
        checked=checked,
        title=title,
        document_number=document_number,
        document_date=document_date,
        note=note,
        number=1,
    )
    material.current_version = version
    material.save(update_fields=["current_version", "updated_at"])
    changes = {"title": title, "sha256": version.sha256}
    if version.duplicate_of_id:
        changes["duplicate_of"] = version.duplicate_of_id
    _event(requirement, actor, DossierAction.UPLOAD, material=material, version=version, comment=note, changes=changes)
    _refresh_status(requirement)
    _notify_reviewers(requirement, _("待审核材料：%(t)s") % {"t": title})
    return version


@transaction.atomic
def material_add_version(*, actor, material_id, file, title=None, document_number=None, document_date=None, note=""):
    """上传新版本: the unit that handed the material in replaces it (pending or returned); the
    material waits for review again. Title, 文号 and date default to the previous version's."""
    material = _locked_material(actor, material_id)
    transition = _check(actor, material, "new_version")
    if file is None:
        raise ApplicationError(_("请选择要上传的文件。"), field="file")
    previous = material.current_version
    title, document_number, note = _clean_version_fields(
        previous.title if title is None else title,
        previous.document_number if document_number is None else document_number,
        note,
    )
    document_date = previous.document_date if document_date is None else document_date
    checked = check_dossier_file(file)
    version = _store_version(
        material,
        actor=actor,
        upload=file,
        checked=checked,
        title=title,
        document_number=document_number,
        document_date=document_date,
        note=note,
        number=previous.number + 1,
    )
    old_status = material.status
    material.current_version, material.status = version, transition.target
    material.save(update_fields=["current_version", "status", "updated_at"])
    changes = {"status": [old_status, material.status], "version": [previous.number, version.number]}
    if version.duplicate_of_id:
        changes["duplicate_of"] = version.duplicate_of_id
    _event(
        material.requirement,
        actor,
        DossierAction.NEW_VERSION,
        material=material,
        version=version,
        comment=note,
        changes=changes,
    )
    _refresh_status(material.requirement)
    _notify_reviewers(material.requirement, _("材料已更新，待审核：%(t)s") % {"t": title})
    return version


def _notify_reviewers(requirement, title):
    notice_send(
        recipients=reviewers(requirement.campaign),
        title=title,
        body=f"{requirement.indicator.code} {requirement.name}",
        url=requirement_url(requirement.pk),
        kind="dossier",
        subject_key=f"dossier:{requirement.pk}",
    )


# --- the office: review ------------------------------------------------------------------------


@transaction.atomic
def material_approve(*, actor, material_id, comment=""):
    """审核通过: the office accepts the material's latest version."""
    material = _locked_material(actor, material_id)
    transition = _check(actor, material, "approve")
    return _review(actor, material, transition, DossierAction.APPROVE, (comment or "").strip())


@transaction.atomic
def material_return(*, actor, material_id, reason):
    """退回: the office sends the material back with a reason; the unit answers with a new version."""
    material = _locked_material(actor, material_id)
    transition = _check(actor, material, "return")
    reason = clean_text(reason, "reason", _("退回时请填写原因。"))
    return _review(actor, material, transition, DossierAction.RETURN, reason)


def _review(actor, material, transition, action, comment):
    old_status = material.status
    material.status, material.review_comment = transition.target, comment
    material.reviewed_by, material.reviewed_at = actor, timezone.now()
    material.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at", "updated_at"])
    requirement = material.requirement
    _event(
        requirement,
        actor,
        action,
        material=material,
        version=material.current_version,
        comment=comment,
        changes={"status": [old_status, material.status]},
    )
    _refresh_status(requirement)
    title = material.current_version.title
    heading = _("材料被退回：%(t)s") if action == DossierAction.RETURN else _("材料审核通过：%(t)s")
    notice_send(
        recipients=unit_people([material.unit_id]),
        title=heading % {"t": title},
        body=comment,
        url=requirement_url(requirement.pk),
        kind="dossier",
        subject_key=f"dossier:{requirement.pk}",
    )
    return material


# --- reminders (the job) -------------------------------------------------------------------------

REMINDER_DAYS = (3, 1)  # before the deadline: T-3 while 2–3 days are left, T-1 from 1 day to the day itself


def dossier_send_reminders(*, today=None):
    """Requirements still owed (缺项 or 退回) near or past their deadline become outbox rows for
    their units' staff and heads. Idempotent by data: the window (deadline and step) is part of
    the delivery's unique key, so a re-run sends nothing twice. Returns the rows created."""
    today = today or timezone.localdate()
    owed = (RequirementStatus.MISSING, RequirementStatus.RETURNED)
    windows = [
        ("T-3d", "reminder", today + dt.timedelta(days=2), today + dt.timedelta(days=3)),
        ("T-1d", "reminder", today, today + dt.timedelta(days=1)),
        ("D1", "overdue", today - dt.timedelta(days=3), today - dt.timedelta(days=1)),
    ]
    created = []
    for label, kind, low, high in windows:
        rows = (
            Requirement.objects.filter(status__in=owed, deadline__gte=low, deadline__lte=high)
            .select_related("indicator")
            .prefetch_related("units")
        )
        for requirement in rows:
            left = (requirement.deadline - today).days
            if left > 0:
                heading = ngettext("档案资料即将到期（剩余 %(n)s 天）", "档案资料即将到期（剩余 %(n)s 天）", left) % {
                    "n": left
                }
            elif left == 0:
                heading = _("档案资料今日到期")
            else:
                heading = ngettext("档案资料已超期 %(n)s 天", "档案资料已超期 %(n)s 天", -left) % {"n": -left}
            created += delivery_create(
                recipients=unit_people([u.pk for u in requirement.units.all()]),
                kind=kind,
                subject_key=f"dossier:{requirement.pk}",
                window=f"{requirement.deadline:%Y-%m-%d}/{label}",
                title=labelled(heading, f"{requirement.indicator.code} {requirement.name}"),
                body=_("报送时限 %(d)s；当前状态 %(s)s")
                % {"d": f"{requirement.deadline:%Y-%m-%d}", "s": requirement.get_status_display()},
                url=requirement_url(requirement.pk),
            )
    return created
