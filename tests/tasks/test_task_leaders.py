"""领导包保 of a task lives with the tasks (``TaskLeader``, issue 16: org no longer points up at
tasks): assigned and ended through the admin's service calls, it shows the task to the leader
and gives them its escalations; refusals are shown with nothing written."""

import datetime as dt

import pytest
from django.utils import timezone

from chuangcheng.notifications.reminders import reminders_dispatch
from chuangcheng.org.scoping import scope_for
from tasks.models import Task, TaskLeader
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(campaign, units, city):
    return TaskFactory(campaign=campaign, owner_unit=units.office, title="全市创建方案")


def fresh(user):
    user.__dict__.pop("_scope_cache", None)
    return user


def test_the_admin_assigns_a_leader_to_a_task_and_ends_it(client, people, task):
    people.admin.is_staff = people.admin.is_superuser = True
    people.admin.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(people.admin)
    add = "/admin/tasks/taskleader/add/"
    assert client.get(add).status_code == 200
    form = client.get(add).content.decode()
    assert f'value="{people.leader.pk}"' in form and f'value="{people.staff.pk}"' not in form  # leaders only
    refused = client.post(add, {"task": 999999, "leader": people.leader.pk, "kind": "baobao"})
    assert refused.status_code == 200 and "没有这个编号的任务" in refused.content.decode()
    assert not TaskLeader.objects.exists()
    assert task not in Task.objects.visible_to(fresh(people.leader))

    done = client.post(add, {"task": task.pk, "leader": people.leader.pk, "kind": "baobao", "note": "市长包保"})
    assert done.status_code == 302
    link = TaskLeader.objects.get()
    assert scope_for(fresh(people.leader)).assigned_ids("task") == {task.pk}
    assert task in Task.objects.visible_to(fresh(people.leader))

    page = client.post(f"/admin/tasks/taskleader/{link.pk}/delete/", {"post": "yes"})
    assert page.status_code == 302 and not TaskLeader.objects.exists()
    assert task not in Task.objects.visible_to(fresh(people.leader))


def test_only_an_admin_assigns(client, people, task):
    from chuangcheng.exceptions import ApplicationError
    from tasks import services

    with pytest.raises(ApplicationError):
        services.task_leader_assign(actor=people.supervisor, task_id=task.pk, leader=people.leader)


def test_an_assigned_leader_gets_the_tasks_escalation(people, task, settings):
    settings.NOTIFICATION_CHANNELS = {"inapp": settings.NOTIFICATION_CHANNELS["inapp"]}
    TaskLeader.objects.create(task=task, leader=people.leader)
    Task.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    out = reminders_dispatch()
    escalated = [
        d for rows in out.values() for d in rows if d.kind == "escalation" and d.subject_key == f"task:{task.pk}"
    ]
    assert people.leader.pk in {d.recipient_id for d in escalated}
