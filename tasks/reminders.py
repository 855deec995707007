"""Tasks's contribution to the reminder pass (:mod:`chuangcheng.notifications.reminders`): one
``Window`` per rule over the open tasks' deadline (a date; the ``tasks_deadline`` index), whose
rows become ``Due`` items. Registered at ``ready()``."""

import datetime as dt
from functools import partial

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chuangcheng.notifications.reminders import UNIT_ROLES, Due, Window, before_windows, overdue_steps
from chuangcheng.wording import labelled

from .models import Task, TaskLeader

TASK_FIELDS = (
    "pk",
    "title",
    "deadline",
    "owner_unit_id",
    "owner_unit__name",
    "campaign_id",
    "region__path",
    "owner_unit__region__path",
    "responsible_leader_id",
    "created_by_id",
)


def _days(first, last):
    """Bounds of a window holding the deadlines from ``first`` to ``last`` days after today
    (negative: before), both included, as the half-open [low, high) of dates."""

    def bounds(moment):
        today = timezone.localdate(moment)
        return today + dt.timedelta(days=first), today + dt.timedelta(days=last + 1)

    return bounds


def task_windows(now, rules):
    today = timezone.localdate(now)
    windows = []
    for days, smaller in before_windows(rules["task_before_days"]):
        # days left in [smaller + 1, days]; the smallest window reaches the deadline day itself.
        first = smaller + 1 if smaller else 0
        windows.append((f"T-{days}d", "reminder", tuple(rules.get("before_to", UNIT_ROLES)), _days(first, days)))
    for step, first, end in overdue_steps(rules):
        first = max(first, 1)  # a task is overdue from the day after its deadline date
        if end <= first:
            continue
        # days overdue (today - deadline) in [first, end)
        windows.append((f"D{step['days']}", step["kind"], tuple(step["to"]), _days(-(end - 1), -first)))
    return [
        Window(
            key=label,
            queryset=Task.objects.open(),
            column="deadline",
            bounds=bounds,
            fields=TASK_FIELDS,
            due=partial(_task_due, today=today, label=label, kind=kind, to=to),
            finish=_add_task_leaders if "leader" in to else None,
        )
        for label, kind, to, bounds in windows
    ]


def _task_due(row, *, today, label, kind, to):
    pk, title, deadline, unit_id, unit_name, campaign_id, path, unit_path, leader_id, creator_id = row
    left = (deadline - today).days
    if left >= 0:
        if left:
            heading = ngettext("任务即将到期（剩余 %(n)s 天）", "任务即将到期（剩余 %(n)s 天）", left) % {"n": left}
        else:
            heading = _("任务今日到期")
    elif kind == "escalation":
        heading = ngettext("超期升级：任务已超期 %(n)s 天", "超期升级：任务已超期 %(n)s 天", -left) % {"n": -left}
    else:
        heading = ngettext("任务已超期 %(n)s 天", "任务已超期 %(n)s 天", -left) % {"n": -left}
    return Due(
        rule=f"task {label}",
        kind=kind,
        to=to,
        subject_key=f"task:{pk}",
        window=f"{deadline:%Y-%m-%d}/{label}",
        title=labelled(heading, title),
        body=_("完成时限 %(d)s；责任单位 %(u)s") % {"d": f"{deadline:%Y-%m-%d}", "u": unit_name},
        url=reverse("tasks:detail", args=[pk]),
        unit_id=unit_id,
        campaign_id=campaign_id,
        region_path=path or unit_path or "",
        task_id=pk,
        leader_ids=(leader_id,) if leader_id else (),
        supervisor_id=creator_id,
    )


def _add_task_leaders(dues):
    """Leaders assigned to the task (领导包保) share its escalations with its 责任领导."""
    extra = {}
    for task_id, leader_id in TaskLeader.objects.filter(task_id__in={d.task_id for d in dues}).values_list(
        "task_id", "leader_id"
    ):
        extra.setdefault(task_id, set()).add(leader_id)
    for due in dues:
        if due.task_id in extra:
            due.leader_ids = tuple(sorted(set(due.leader_ids) | extra[due.task_id]))
