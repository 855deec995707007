"""我的待办 for a supervisor: the tasks 待验收 in their scope (accepted from the card), the issues
to verify and the requests to decide (the inspections app's section, loaded with htmx) — and for
a leader, a home page that names their 包保 districts."""

import re

import pytest
from django.urls import reverse

from tasks import services
from tasks.models import TaskState
from tests.factories import TaskFactory
from tests.tasks.conftest import png

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response):
    return response.content.decode()


def test_supervisor_sees_tasks_to_accept_and_accepts_one_from_the_card(client, people, campaign, units, city, task):
    services.task_submit(actor=people.staff, task_id=task.pk, note="全部完成", files=[png()])
    elsewhere = TaskFactory(campaign=campaign, owner_unit=units.street_b1, region=city.b1, title="乙区的任务")
    services.task_submit(actor=people.staff_b, task_id=elsewhere.pk, note="完成", files=[png()])

    client.force_login(people.district_supervisor)  # 甲区's supervisor
    page = html(client.get(reverse("tasks:my_work")))
    assert 'data-testid="review-tasks"' in page and "背街小巷环境整治" in page and "乙区的任务" not in page
    assert re.search(r'data-testid="review-tasks-total">共 1 项<', page)
    assert f'hx-get="/tasks/{task.pk}/accept/form/"' in page
    assert 'hx-get="/inspections/queue/review/"' in page

    form = client.get(reverse("tasks:accept_form", args=[task.pk]), **HTMX)
    assert form.status_code == 200
    response = client.post(reverse("tasks:accept", args=[task.pk]), {"comment": "验收合格"}, **HTMX)
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == TaskState.DONE
    assert "没有待验收的任务" in html(client.get(reverse("tasks:my_work")))


def test_staff_see_no_review_section(client, people, task):
    services.task_submit(actor=people.staff, task_id=task.pk, note="全部完成", files=[png()])
    client.force_login(people.staff)
    page = html(client.get(reverse("tasks:my_work")))
    assert 'data-testid="review-tasks"' not in page and "review_queue" not in page


def test_leader_home_names_the_assigned_districts(client, people, city):
    client.force_login(people.leader)
    page = html(client.get(reverse("home")))
    scopes = re.findall(r"包保：([^<]+)<", page)  # a leader answers for their 包保 districts
    assert scopes and all("甲区" in s or "乙区" in s for s in scopes)
