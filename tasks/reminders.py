"""Tasks's contribution to the reminder pass (:mod:`chuangcheng.notifications.reminders`): the
tasks due in each rule's window, as ``Due`` items. Registered at ``ready()``."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.notifications.reminders import UNIT_ROLES, Due, before_windows, overdue_steps

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


def task_dues(now, rules):
    today = timezone.localdate(now)
    windows = []
    for days, smaller in before_windows(rules["task_before_days"]):
        # days left in [smaller + 1, days]; the smallest window reaches the deadline day itself.
        low = today + dt.timedelta(days=smaller + 1 if smaller else 0)
        windows.append(
            (f"T-{days}d", "reminder", tuple(rules.get("before_to", UNIT_ROLES)), low, today + dt.timedelta(days=days))
        )
    for step, first, end in overdue_steps(rules):
        first = max(first, 1)  # a task is overdue from the day after its deadline date
        if end <= first:
            continue
        # days overdue (today - deadline) in [first, end)
        windows.append(
            (
                f"D{step['days']}",
                step["kind"],
                tuple(step["to"]),
                today - dt.timedelta(days=end - 1),
                today - dt.timedelta(days=first),
            )
        )
    dues = []
    for label, kind, to, low, high in windows:
        rows = Task.objects.open().filter(deadline__gte=low, deadline__lte=high).values_list(*TASK_FIELDS)
        for pk, title, deadline, unit_id, unit_name, campaign_id, path, unit_path, leader_id, creator_id in rows:
            left = (deadline - today).days
            if left >= 0:
                heading = _("任务即将到期（剩余 %(n)s 天）") % {"n": left} if left else _("任务今日到期")
            elif kind == "escalation":
                heading = _("超期升级：任务已超期 %(n)s 天") % {"n": -left}
            else:
                heading = _("任务已超期 %(n)s 天") % {"n": -left}
            dues.append(
                Due(
                    rule=f"task {label}",
                    kind=kind,
                    to=to,
                    subject_key=f"task:{pk}",
                    window=f"{deadline:%Y-%m-%d}/{label}",
                    title=f"{heading}：{title}",
                    body=_("完成时限 %(d)s；责任单位 %(u)s") % {"d": f"{deadline:%Y-%m-%d}", "u": unit_name},
                    url=reverse("tasks:detail", args=[pk]),
                    unit_id=unit_id,
                    campaign_id=campaign_id,
                    region_path=path or unit_path or "",
                    task_id=pk,
                    leader_ids=(leader_id,) if leader_id else (),
                    supervisor_id=creator_id,
                )
            )
    # Leaders assigned to the task (领导包保) share its escalations with its 责任领导.
    escalated = {d.task_id for d in dues if "leader" in d.to}
    if escalated:
        extra = {}
        for task_id, leader_id in TaskLeader.objects.filter(task_id__in=escalated).values_list("task_id", "leader_id"):
            extra.setdefault(task_id, set()).add(leader_id)
        for due in dues:
            if due.task_id in extra:
                due.leader_ids = tuple(sorted(set(due.leader_ids) | extra[due.task_id]))
    return dues
