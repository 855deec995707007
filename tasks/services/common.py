"""What every ledger write shares: the row lock, the workflow and permission check and the event
row (the steps of :mod:`chuangcheng.servicekit`, with the ledger's model and words), the
progress and upload checks, the owner unit's notice."""

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.services import notice_send, unit_people
from chuangcheng.servicekit import check_permission, check_state, locked, record_event
from chuangcheng.uploads import check_upload, stored_name

from .. import permissions
from ..models import Task, TaskAction, TaskAttachment, TaskEvent, TaskState
from ..workflow import TRANSITIONS

STATE_LABELS = dict(TaskState.choices)
ACTION_LABELS = dict(TaskAction.choices)


# --- helpers -----------------------------------------------------------------------------------


def _locked(actor, task_id):
    """The task, locked for this transaction, if the actor may see it (else 404)."""
    return locked(
        Task.objects.visible_to(actor),
        task_id,
        related=("owner_unit__region", "region", "lead_unit", "campaign"),
        missing=_("任务不存在，或您无权查看。"),
    )


def _check(actor, task, action):
    transition, label = TRANSITIONS[action], ACTION_LABELS[action]
    check_state(
        transition,
        task.state,
        _("任务当前状态为“%(state)s”，不能%(action)s。") % {"state": STATE_LABELS[task.state], "action": label},
    )
    actor.__dict__.pop("_submitted_task_ids", None)  # read the events afresh, under the row lock
    check_permission(actor, task, transition, permissions, label)
    return transition


def _event(task, actor, action, **fields):
    return record_event(TaskEvent, task=task, actor=actor, action=action, **fields)


def _carried_by_parts(task, actor, action, **fields):
    """Record ``action`` — the step that gave ``task`` sub-tasks (任务分解, an import's
    decomposed row, a 常态化 task's period) — and move a 未开始 task to 推进中: its work goes
    on in the sub-tasks from then on, and the ledger shows it as 已分解执行 / 常态化执行中, so
    its 未开始 chip would count a row that does not read 未开始 (the figures measure its
    sub-tasks either way)."""
    started = Task.objects.filter(pk=task.pk, state=TaskState.PENDING).update(
        state=TaskState.IN_PROGRESS, updated_at=timezone.now()
    )  # conditional: the recurrence job holds no lock on the template
    if started:
        task.state = TaskState.IN_PROGRESS
        fields.update(from_state=TaskState.PENDING, to_state=TaskState.IN_PROGRESS)
    return _event(task, actor, action, **fields)


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
