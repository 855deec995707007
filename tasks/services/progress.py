"""The owner unit reports and submits; the reviewer accepts or returns."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.servicekit import clean_text

from ..models import TaskAction, TaskUpdate
from .common import _attach, _check, _check_progress, _checked_files, _event, _locked, _notify_unit

# --- the owner unit ---------------------------------------------------------------------------


@transaction.atomic
def task_report(*, actor, task_id, progress, note, files=()):
    """进度报送: the owner unit reports a percent and a note (with optional attachments)."""
    task = _locked(actor, task_id)
    transition = _check(actor, task, "report")
    progress = _check_progress(progress)
    note = clean_text(note, "note", _("请填写进展情况。"))
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
    note = clean_text(note, "note", _("请填写完成情况说明。"))
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
    reason = clean_text(reason, "reason", _("退回时请填写原因。"))
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
