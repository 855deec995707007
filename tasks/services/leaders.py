"""领导包保 of a task (:class:`~tasks.models.TaskLeader`): who answers for it beside its 责任领导.
Administrators assign and end them (系统管理 → 领导包保（任务）); each write checks role, state and
the leader's role in one transaction (the admin's log says who did it and when)."""

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import AssignmentKind, Membership
from chuangcheng.org.permissions import can_manage_org

from ..models import TaskLeader, TaskState
from .common import _locked


def _check_admin(actor):
    if actor is not None and not can_manage_org(actor):
        raise ApplicationError(_("只有系统管理员可以维护区划、单位、点位和包保关系。"), code="forbidden")


@transaction.atomic
def task_leader_assign(*, actor, task_id, leader, kind=AssignmentKind.BAOBAO, note=""):
    """Make ``leader`` answer for the task: they see it and share its escalations."""
    _check_admin(actor)
    task = _locked(actor, task_id)
    if kind not in AssignmentKind.values:
        raise ApplicationError(_("未知的责任类型。"), field="kind")
    if task.campaign.status == "closed":
        raise ApplicationError(_("“%(c)s”已结束，不能再调整包保关系。") % {"c": task.campaign.name}, code="conflict")
    if task.state == TaskState.DONE:
        raise ApplicationError(_("任务已完成，不再需要包保领导。"), field="task", code="conflict")
    if leader is None or not Membership.objects.filter(user=leader, role="leader", unit__is_active=True).exists():
        raise ApplicationError(_("“%(u)s”没有“包保领导”角色。") % {"u": leader or "—"}, field="leader")
    if TaskLeader.objects.filter(task=task, leader=leader, kind=kind).exists():
        raise ApplicationError(_("该包保关系已存在。"), field="leader")
    return TaskLeader.objects.create(task=task, leader=leader, kind=kind, note=note or "")


@transaction.atomic
def task_leader_remove(*, actor, assignment):
    """End it: the leader no longer sees the task through it."""
    _check_admin(actor)
    TaskLeader.objects.filter(pk=assignment.pk).delete()
