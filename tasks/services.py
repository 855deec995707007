"""Every write to the ledger. One keyword-only function per action, each in one transaction:
lock the task, check the workflow table and the permission predicate, save with
``update_fields``, write the :class:`~tasks.models.TaskEvent`, notify.

Refusals raise :class:`~chuangcheng.exceptions.ApplicationError` worded for a unit clerk.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import notice_send, unit_people
from chuangcheng.uploads import check_upload, stored_name

from . import permissions
from .models import Priority, Recurrence, Task, TaskAction, TaskAttachment, TaskEvent, TaskState, TaskUpdate
from .workflow import TRANSITIONS

STATE_LABELS = dict(TaskState.choices)
ACTION_LABELS = dict(TaskAction.choices)


# --- helpers -----------------------------------------------------------------------------------


def _locked(actor, task_id):
    """The task, locked for this transaction, if the actor may see it (else 404)."""
    task = (
        Task.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("owner_unit__region", "region", "lead_unit", "campaign")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise ApplicationError(_("任务不存在，或您无权查看。"), code="not_found")
    return task


def _check(actor, task, action):
    transition = TRANSITIONS[action]
    if task.state not in transition.sources:
        raise ApplicationError(
            _("任务当前状态为“%(state)s”，不能%(action)s。")
            % {"state": STATE_LABELS[task.state], "action": ACTION_LABELS[action]},
            code="conflict",
            extra={"state": task.state},
        )
    if not getattr(permissions, transition.permission)(actor, task):
        raise ApplicationError(
            _("您没有权限对该任务执行“%(action)s”。") % {"action": ACTION_LABELS[action]}, code="forbidden"
        )
    return transition


def _event(task, actor, action, *, from_state="", to_state="", comment="", changes=None):
    return TaskEvent.objects.create(
        task=task,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        changes=changes or {},
    )


def _require_text(value, field, message):
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, field=field)
    return value


def _check_progress(progress):
    try:
        value = int(progress)
    except (TypeError, ValueError):
        raise ApplicationError(_("完成进度应为 0 到 100 之间的整数。"), field="progress") from None
    if not 0 <= value <= 100:
        raise ApplicationError(_("完成进度应为 0 到 100 之间的整数。"), field="progress")
    return value


def _checked_files(files):
    """Validate every upload before anything is written (all or nothing)."""
    return [(f, *check_upload(f)) for f in files or []]


def _attach(task, update, actor, checked):
    for upload, extension, mime in checked:
        upload.seek(0)
        name = stored_name(extension)
        attachment = TaskAttachment(
            task=task,
            update=update,
            stored_name=name,
            original_name=(getattr(upload, "name", "") or name)[:200],
            content_type=mime,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(name, ContentFile(upload.read()), save=False)
        attachment.save()


def _task_url(task):
    return reverse("tasks:detail", args=[task.pk])


def _notify_unit(task, unit_id, title, body=""):
    notice_send(
        recipients=unit_people([unit_id]),
        title=title,
        body=body,
        url=_task_url(task),
        kind="task",
        subject_key=f"task:{task.pk}",
    )


# --- creation ---------------------------------------------------------------------------------


@transaction.atomic
def task_create(*, actor, campaign, **fields):
    """Create a ledger task: admins and supervisors (the 创建办 builds the ledger)."""
    if not permissions.can_create(actor, campaign):
        raise ApplicationError(_("只有督查员和系统管理员可以新建任务。"), code="forbidden")
    task = _create(actor=actor, campaign=campaign, **fields)
    if not permissions.supervises(actor, task):
        # Raising rolls the whole creation back (task_create is atomic).
        raise ApplicationError(_("新任务的区域（或责任单位所在区域）不在您的管辖范围内。"), field="region")
    return task


def _create(
    *,
    actor,
    campaign,
    title,
    owner_unit,
    deadline,
    start_date=None,
    completion_standard="",
    lead_unit=None,
    cooperating_units=(),
    indicators=(),
    responsible_leader=None,
    responsible_leader_name="",
    contact_name="",
    contact_phone="",
    region=None,
    priority="normal",
    recurrence="",
    evidence_required=True,
    number="",
    parent=None,
    occurrence_date=None,
    event_action=TaskAction.CREATE,
):
    """Validate and create a task with its first event (callers have checked permission:
    ``task_create``, decomposition, the recurrence job and the import)."""
    title = _require_text(title, "title", _("请填写任务名称。"))
    start_date = start_date or timezone.localdate()
    if deadline is None:
        raise ApplicationError(_("请填写完成时限。"), field="deadline")
    if deadline < start_date:
        raise ApplicationError(_("完成时限不能早于开始日期。"), field="deadline")
    if recurrence not in Recurrence.values:
        raise ApplicationError(_("未知的常态化周期。"), field="recurrence")
    task = Task.objects.create(
        campaign=campaign,
        number=number,
        title=title,
        completion_standard=completion_standard,
        owner_unit=owner_unit,
        lead_unit=lead_unit,
        responsible_leader=responsible_leader,
        responsible_leader_name=responsible_leader_name,
        contact_name=contact_name,
        contact_phone=contact_phone,
        region=region,
        start_date=start_date,
        deadline=deadline,
        priority=priority,
        recurrence=recurrence,
        evidence_required=evidence_required,
        parent=parent,
        occurrence_date=occurrence_date,
        created_by=actor,
    )
    if cooperating_units:
        task.cooperating_units.set(cooperating_units)
    if indicators:
        task.indicators.set(indicators)
    _event(task, actor, event_action, to_state=task.state)
    _notify_unit(task, owner_unit.pk, _("新任务：%(t)s") % {"t": title}, _("完成时限 %(d)s") % {"d": deadline})
    return task


# --- the owner unit ---------------------------------------------------------------------------


@transaction.atomic
def task_report(*, actor, task_id, progress, note, files=()):
    """进度报送: the owner unit reports a percent and a note (with optional attachments)."""
    task = _locked(actor, task_id)
    transition = _check(actor, task, "report")
    progress = _check_progress(progress)
    note = _require_text(note, "note", _("请填写进展情况。"))
    checked = _checked_files(files)
    update = TaskUpdate.objects.create(task=task, author=actor, progress=progress, note=note)
    _attach(task, update, actor, checked)
    old_state, old_progress = task.state, task.progress
    task.state, task.progress, task.last_reported_at = transition.target, progress, timezone.now()
    task.save(update_fields=["state", "progress", "last_reported_at", "updated_at"])
    _event(
        task,
        actor,
        TaskAction.REPORT,
        from_state=old_state,
        to_state=task.state,
        comment=note,
        changes={"progress": [old_progress, progress]},
    )
    return update


@transaction.atomic
def task_submit(*, actor, task_id, note, files=()):
    """提交验收: the owner unit says the task is done. Evidence is required when the task says so."""
    task = _locked(actor, task_id)
    transition = _check(actor, task, "submit")
    note = _require_text(note, "note", _("请填写完成情况说明。"))
    checked = _checked_files(files)
    if task.evidence_required and not checked and not task.attachments.exists():
        raise ApplicationError(_("该任务要求上传佐证材料（照片或文件）后才能提交验收。"), field="files")
    update = TaskUpdate.objects.create(task=task, author=actor, progress=100, note=note)
    _attach(task, update, actor, checked)
    old_state, old_progress = task.state, task.progress
    task.state, task.progress = transition.target, 100
    task.submitted_at = task.last_reported_at = timezone.now()
    task.save(update_fields=["state", "progress", "submitted_at", "last_reported_at", "updated_at"])
    _event(
        task,
        actor,
        TaskAction.SUBMIT,
        from_state=old_state,
        to_state=task.state,
        comment=note,
        changes={"progress": [old_progress, 100]},
    )
    reviewers = [task.lead_unit_id] if task.lead_unit_id else []
    if reviewers:
        _notify_unit(task, reviewers[0], _("待验收：%(t)s") % {"t": task.title})
    return task


# --- the reviewer -----------------------------------------------------------------------------


@transaction.atomic
def task_accept(*, actor, task_id, comment=""):
    """验收通过: the lead unit or a supervisor accepts the submission; the task is done."""
    task = _locked(actor, task_id)
    transition = _check(actor, task, "accept")
    old_state = task.state
    task.state, task.done_at = transition.target, timezone.now()
    task.save(update_fields=["state", "done_at", "updated_at"])
    _event(task, actor, TaskAction.ACCEPT, from_state=old_state, to_state=task.state, comment=(comment or "").strip())
    _notify_unit(task, task.owner_unit_id, _("验收通过：%(t)s") % {"t": task.title})
    return task


@transaction.atomic
def task_return(*, actor, task_id, reason):
    """退回: the submission is not good enough; the owner unit gets the reason and works on."""
    task = _locked(actor, task_id)
    transition = _check(actor, task, "return")
    reason = _require_text(reason, "reason", _("退回时请填写原因。"))
    # Submitting set the progress to 100; a returned task goes back to what it reported before.
    last_submit = task.events.filter(action=TaskAction.SUBMIT).order_by("-id").values_list("changes", flat=True).first()
    before = (last_submit or {}).get("progress", [task.progress])[0]
    old_state, old_progress = task.state, task.progress
    task.state, task.submitted_at, task.progress = transition.target, None, before
    task.save(update_fields=["state", "submitted_at", "progress", "updated_at"])
    _event(
        task,
        actor,
        TaskAction.RETURN,
        from_state=old_state,
        to_state=task.state,
        comment=reason,
        changes={"progress": [old_progress, before]},
    )
    _notify_unit(task, task.owner_unit_id, _("任务被退回：%(t)s") % {"t": task.title}, reason)
    return task


# --- management -------------------------------------------------------------------------------


@transaction.atomic
def task_change_deadline(*, actor, task_id, deadline, reason):
    task = _locked(actor, task_id)
    _check(actor, task, "change_deadline")
    reason = _require_text(reason, "reason", _("调整时限时请填写原因。"))
    if deadline is None or deadline < task.start_date:
        raise ApplicationError(_("新的完成时限不能早于开始日期。"), field="deadline")
    old = task.deadline
    task.deadline = deadline
    task.save(update_fields=["deadline", "updated_at"])
    _event(task, actor, TaskAction.CHANGE_DEADLINE, comment=reason, changes={"deadline": [str(old), str(deadline)]})
    _notify_unit(task, task.owner_unit_id, _("完成时限调整为 %(d)s：%(t)s") % {"d": deadline, "t": task.title}, reason)
    return task


@transaction.atomic
def task_reassign(*, actor, task_id, owner_unit, reason):
    task = _locked(actor, task_id)
    _check(actor, task, "reassign")
    reason = _require_text(reason, "reason", _("调整责任单位时请填写原因。"))
    if owner_unit.pk == task.owner_unit_id:
        raise ApplicationError(_("新的责任单位与原单位相同。"), field="owner_unit")
    old = task.owner_unit
    task.owner_unit = owner_unit
    task.save(update_fields=["owner_unit", "updated_at"])
    _event(
        task,
        actor,
        TaskAction.REASSIGN,
        comment=reason,
        changes={"owner_unit": [old.name, owner_unit.name], "owner_unit_id": [old.pk, owner_unit.pk]},
    )
    _notify_unit(task, owner_unit.pk, _("新交办任务：%(t)s") % {"t": task.title}, reason)
    return task


@transaction.atomic
def task_instruct(*, actor, task_id, text):
    """领导批示: stays on the timeline and notifies the owner unit."""
    task = _locked(actor, task_id)
    _check(actor, task, "instruct")
    text = _require_text(text, "text", _("请填写批示内容。"))
    event = _event(task, actor, TaskAction.INSTRUCT, comment=text)
    _notify_unit(task, task.owner_unit_id, _("领导批示：%(t)s") % {"t": task.title}, text)
    return event


@transaction.atomic
def task_decompose(*, actor, task_id, parts):
    """任务分解: one child per unit. ``parts``: [{"owner_unit": Unit, "title"?, "deadline"?}]."""
    task = _locked(actor, task_id)
    _check(actor, task, "decompose")
    if not parts:
        raise ApplicationError(_("请至少选择一个责任单位。"), field="parts")
    units = [p["owner_unit"] for p in parts]
    if len({u.pk for u in units}) != len(units):
        raise ApplicationError(_("同一单位不能重复分解。"), field="parts")
    children = []
    for part in parts:
        deadline = part.get("deadline") or task.deadline
        if deadline > task.deadline:
            raise ApplicationError(_("分解任务的时限不能晚于上级任务的完成时限。"), field="deadline")
        children.append(
            _create(
                actor=actor,
                campaign=task.campaign,
                title=part.get("title") or f"{task.title}（{part['owner_unit'].name}）",
                owner_unit=part["owner_unit"],
                deadline=deadline,
                start_date=task.start_date,
                completion_standard=task.completion_standard,
                lead_unit=task.lead_unit or task.owner_unit,
                indicators=list(task.indicators.all()),
                responsible_leader=task.responsible_leader,
                region=part["owner_unit"].region if part["owner_unit"].kind == "territorial" else task.region,
                priority=task.priority,
                evidence_required=task.evidence_required,
                parent=task,
                event_action=TaskAction.DECOMPOSE,
            )
        )
    _event(task, actor, TaskAction.DECOMPOSE, changes={"children": [c.pk for c in children]})
    return children


EDITABLE_FIELDS = ("title", "completion_standard", "priority", "contact_name", "contact_phone")
EDITABLE_RELATIONS = ("indicators", "cooperating_units")


@transaction.atomic
def task_update(*, actor, task_id, data):
    """修改任务信息: the descriptive fields only, by an admin or a supervisor in scope, while the
    task is open. Deadline and owner unit change through their own actions, with a reason; the
    event records every old and new value."""
    task = _locked(actor, task_id)
    if not permissions.can_manage(actor, task):
        raise ApplicationError(_("只有督查员和系统管理员可以修改任务信息。"), code="forbidden")
    if task.state == TaskState.DONE:
        raise ApplicationError(_("任务已完成，不能再修改。"), code="conflict", extra={"state": task.state})
    unknown = set(data) - set(EDITABLE_FIELDS) - set(EDITABLE_RELATIONS)
    if unknown:
        field = sorted(unknown)[0]
        label = next((f.verbose_name for f in Task._meta.concrete_fields if f.name == field), field)
        raise ApplicationError(
            _("“%(f)s”不能在这里修改：完成时限和责任单位请通过“调整时限”“调整责任单位”办理。") % {"f": label},
            field=field,
        )
    if "title" in data:
        data = {**data, "title": _require_text(data["title"], "title", _("请填写任务名称。"))}
    if "priority" in data and data["priority"] not in Priority.values:
        raise ApplicationError(_("未知的优先级。"), field="priority")
    changes, fields = {}, []
    for name in EDITABLE_FIELDS:
        if name in data and data[name] != getattr(task, name):
            changes[name] = [getattr(task, name), data[name]]
            setattr(task, name, data[name])
            fields.append(name)
    for name in EDITABLE_RELATIONS:
        if name not in data:
            continue
        related = getattr(task, name)
        old, new = list(related.all()), list(data[name])
        if {o.pk for o in old} != {n.pk for n in new}:
            changes[name] = [sorted(str(o) for o in old), sorted(str(n) for n in new)]
            related.set(new)
    if not changes:
        return task
    task.save(update_fields=[*fields, "updated_at"])
    _event(task, actor, TaskAction.EDIT, changes=changes)
    return task


# --- recurrence (the job) ------------------------------------------------------------------------


def next_occurrence(task, after):
    """The first occurrence date of a recurring task strictly after ``after``, anchored on its
    start date (weekly: same weekday; monthly: same day of month, clamped to the month's end)."""
    if task.recurrence == Recurrence.WEEKLY:
        days = (task.start_date.weekday() - after.weekday()) % 7 or 7
        return after + dt.timedelta(days=days)
    if task.recurrence == Recurrence.MONTHLY:
        months = (after.year - task.start_date.year) * 12 + after.month - task.start_date.month
        candidate = task.start_date + relativedelta(months=months)
        return candidate if candidate > after else task.start_date + relativedelta(months=months + 1)
    return None


def task_generate_occurrences(*, today=None):
    """Create the current period's occurrence of every active recurring task, once.

    Idempotent by data: an occurrence is the child with ``(parent, occurrence_date)`` under a
    unique constraint, so a re-run, a retry or two workers at once create it only once."""
    today = today or timezone.localdate()
    created = []
    templates = Task.objects.filter(
        recurrence__in=[Recurrence.WEEKLY, Recurrence.MONTHLY], start_date__lte=today, deadline__gte=today
    ).exclude(state=TaskState.DONE)
    for template in templates.select_related("campaign", "owner_unit", "lead_unit", "region"):
        occurrence = _current_anchor(template, today)
        if occurrence is None or Task.objects.filter(parent=template, occurrence_date=occurrence).exists():
            continue
        period_end = next_occurrence(template, occurrence) - dt.timedelta(days=1)
        try:
            with transaction.atomic():
                created.append(
                    _create(
                        actor=None,
                        campaign=template.campaign,
                        title=f"{template.title}（{occurrence:%m月%d日}）",
                        owner_unit=template.owner_unit,
                        lead_unit=template.lead_unit,
                        deadline=min(period_end, template.deadline),
                        start_date=occurrence,
                        completion_standard=template.completion_standard,
                        region=template.region,
                        priority=template.priority,
                        evidence_required=template.evidence_required,
                        parent=template,
                        occurrence_date=occurrence,
                    )
                )
        except IntegrityError:
            continue  # a concurrent run created this occurrence first: the constraint kept it single
    return created


def _current_anchor(template, today):
    """The start of the period ``today`` falls in: the latest anchor date on or before it."""
    probe = template.start_date
    if probe > today:
        return None
    previous = probe
    while probe <= today:
        previous = probe
        probe = next_occurrence(template, probe)
    return previous
