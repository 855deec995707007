"""Managing a task: deadline, owner unit, 领导批示, decomposition and descriptive edits."""

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Unit
from chuangcheng.servicekit import clean_text

from .. import permissions
from ..models import Priority, Task, TaskAction, TaskState
from ..selectors import decompose_targets
from .common import _carried_by_parts, _check, _event, _locked, _notify_unit
from .creation import _create

# --- management -------------------------------------------------------------------------------


@transaction.atomic
def task_change_deadline(*, actor, task_id, deadline, reason):
    task = _locked(actor, task_id)
    _check(actor, task, "change_deadline")
    reason = clean_text(reason, "reason", _("调整时限时请填写原因。"))
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
    reason = clean_text(reason, "reason", _("调整责任单位时请填写原因。"))
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
    text = clean_text(text, "text", _("请填写批示内容。"))
    event = _event(task, actor, TaskAction.INSTRUCT, comment=text)
    _notify_unit(task, task.owner_unit_id, _("领导批示：%(t)s") % {"t": task.title}, text)
    return event


def _share_base(task):
    """What a share split again (a district's share of a city task, to its streets) is named
    after: the task's title without the unit its share was named for — its owner's, or a unit's
    it was reassigned from — so a street's share reads task（street）, not task（district）（street）."""
    title = task.title
    if not (task.parent_id and title.endswith("）") and "（" in title):
        return title
    at = title.rindex("（")
    named = title[at + 1 : -1]
    return title[:at] if named == task.owner_unit.name or Unit.objects.filter(name=named).exists() else title


@transaction.atomic
def task_decompose(*, actor, task_id, parts):
    """任务分解: one child per unit. ``parts``: [{"owner_unit": Unit, "title"?, "deadline"?}]."""
    task = _locked(actor, task_id)
    if task.recurrence:
        raise ApplicationError(_("常态化任务按周期自动生成每期任务，不能再分解。"), code="conflict")
    _check(actor, task, "decompose")
    if not parts:
        raise ApplicationError(_("请至少选择一个责任单位。"), field="parts")
    units = [p["owner_unit"] for p in parts]
    if len({u.pk for u in units}) != len(units):
        raise ApplicationError(_("同一单位不能重复分解。"), field="parts")
    allowed = set(decompose_targets(actor, task).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True))
    for unit in units:
        if unit.pk in allowed:
            continue
        if task.children.filter(owner_unit=unit).exists():
            message = _("“%(u)s”已有本任务的子任务。")
        else:
            message = _("“%(u)s”不在您可以分解任务的范围内。")
        raise ApplicationError(message % {"u": unit.name}, field="parts")
    base = _share_base(task)
    children = []
    for part in parts:
        deadline = part.get("deadline") or task.deadline
        if deadline > task.deadline:
            raise ApplicationError(_("分解任务的时限不能晚于上级任务的完成时限。"), field="deadline")
        children.append(
            _create(
                actor=actor,
                campaign=task.campaign,
                title=part.get("title") or f"{base}（{part['owner_unit'].name}）",
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
    _carried_by_parts(task, actor, TaskAction.DECOMPOSE, changes={"children": [c.pk for c in children]})
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
        data = {**data, "title": clean_text(data["title"], "title", _("请填写任务名称。"))}
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
