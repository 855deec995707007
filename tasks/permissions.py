"""Pure predicates: may this person do this to this task? One condition per line.

Visibility is separate (``Task.objects.visible_to``); these assume the task is visible.
"""

from django.utils.translation import gettext as _

from chuangcheng.org.permissions import works_in
from chuangcheng.org.scoping import scope_for

LEDGER_ROLES = ("unit_head", "supervisor", "leader", "admin")


def can_view_ledger(user):
    """The ledger (and its export) is for unit heads, supervisors, leaders and admins (staff
    use 我的待办)."""
    return user.is_authenticated and user.scope.has_role(*LEDGER_ROLES)


def _task_path(task):
    region = task.region if task.region_id else task.owner_unit.region
    return region.path


def supervises(user, task):
    scope = scope_for(user)
    if scope.sees_all:
        return True
    return "supervisor" in scope.roles and scope.covers_path(_task_path(task))


def can_report(user, task):
    """Owner-unit staff or head report progress and submit."""
    return works_in(user, task.owner_unit_id)


def submitted_task_ids(user):
    """The tasks ``user`` submitted for acceptance — one query per request (cached on the user)."""
    from .models import TaskAction, TaskEvent

    cached = getattr(user, "_submitted_task_ids", None)
    if cached is None:
        cached = frozenset(
            TaskEvent.objects.filter(actor=user, action=TaskAction.SUBMIT).values_list("task_id", flat=True)
        )
        user._submitted_task_ids = cached
    return cached


def can_review(user, task):
    """Accept or return a submission: the lead unit or a supervisor in scope — never a member
    of the owner unit (nobody accepts their own unit's work) and never whoever submitted it,
    whatever their memberships are now."""
    if works_in(user, task.owner_unit_id, roles=("staff", "unit_head", "supervisor", "leader", "admin")):
        return False
    if task.lead_unit_id and works_in(user, task.lead_unit_id):
        return task.pk not in submitted_task_ids(user)
    return supervises(user, task) and task.pk not in submitted_task_ids(user)


def can_manage(user, task):
    """Change deadline or owner unit (with a recorded reason)."""
    return supervises(user, task)


def can_instruct(user, task):
    """领导批示: the task's responsible leader, or a leader whose 包保 holds it (the task itself,
    or the region it lies in). Seeing the task for another reason — a staff membership, a
    supervised subtree — gives no 批示."""
    if task.responsible_leader_id is not None and task.responsible_leader_id == user.pk:
        return True
    scope = scope_for(user)
    if "leader" not in scope.roles:
        return False
    if task.pk in scope.assigned_ids("task"):
        return True
    return any(_task_path(task).startswith(path) for path in scope.leader_region_paths)


def can_decompose(user, task):
    """Split into per-unit children: admin, supervisor in scope, or the lead unit — never a
    常态化 task (its sub-tasks are its periods, made by the recurrence job)."""
    if task.recurrence:
        return False
    if task.lead_unit_id and works_in(user, task.lead_unit_id):
        return True
    return supervises(user, task)


def can_create(user, campaign):
    """Create tasks (and import a 任务分解表): admins and supervisors."""
    return scope_for(user).has_role("supervisor", "admin")


def forbidden_text(user, task, action, label):
    """Why ``user`` may not take ``action`` (labelled ``label``) on ``task`` — the one text the
    service, the API and the pages give."""
    if (
        action in ("accept", "return")
        and not works_in(user, task.owner_unit_id)
        and task.pk in submitted_task_ids(user)
    ):
        return _("该任务由您提交验收，不能由您本人验收，请由牵头单位或其他督查人员验收。")
    return _("您没有权限对该任务执行“%(action)s”。") % {"action": label}
