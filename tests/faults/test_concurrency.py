"""20 HTTP clients at once on one issue and on one task, through gunicorn (3 processes × 8
threads, so the requests really overlap): half try one transition, half a competing one. One
wins (200), the others are told it already changed (409), no 5xx, and exactly one event."""

import threading

import pytest
import requests

from inspections.models import Issue, IssueEvent
from tasks import services as task_services
from tasks.models import Task, TaskEvent
from tests.factories import TaskFactory

from .conftest import auth
from .stack import Web, app_env

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 20


@pytest.fixture(scope="module")
def web(django_db_setup, redis_server, var_dir):
    process = Web(app_env(redis_url=redis_server.url(3), var_dir=var_dir), workers=3, threads=8)
    yield process
    process.close()


def race(calls):
    """Run ``calls`` (url, json, headers) at the same moment; returns the status codes in order."""
    barrier = threading.Barrier(len(calls))
    statuses = [None] * len(calls)

    def one(index, url, body, headers):
        barrier.wait()
        try:
            statuses[index] = requests.post(url, json=body, headers=headers, timeout=60).status_code
        except requests.RequestException as exc:
            statuses[index] = repr(exc)

    threads = [threading.Thread(target=one, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return statuses


def test_twenty_clients_on_one_issue_leave_one_winner(web, make_issue, tokens):
    issue = make_issue("reported")
    accept = (web.url(f"/api/v1/issues/{issue.pk}/accept/"), {}, auth(tokens["supervisor"]))
    dismiss = (web.url(f"/api/v1/issues/{issue.pk}/dismiss/"), {"reason": "不属于创建范围"}, auth(tokens["supervisor"]))
    statuses = race([accept, dismiss] * (CLIENTS // 2))

    assert sorted(statuses).count(200) == 1, statuses
    assert set(statuses) == {200, 409}, statuses
    decided = IssueEvent.objects.filter(issue=issue, action__in=["accept", "dismiss"])
    assert decided.count() == 1
    issue.refresh_from_db()
    assert issue.state == {"accept": "assigned", "dismiss": "dismissed"}[decided.get().action]


def test_twenty_clients_on_one_task_leave_one_winner(web, campaign, units, city, people, tokens):
    task = TaskFactory(
        campaign=campaign, owner_unit=units.street_a1, lead_unit=units.gov_a, region=city.a1, evidence_required=False
    )
    task_services.task_submit(actor=people.staff, task_id=task.pk, note="已完成")
    accept = (web.url(f"/api/v1/tasks/{task.pk}/accept/"), {"comment": "通过"}, auth(tokens["supervisor"]))
    back = (web.url(f"/api/v1/tasks/{task.pk}/return/"), {"reason": "材料不全"}, auth(tokens["supervisor"]))
    statuses = race([accept, back] * (CLIENTS // 2))

    assert sorted(statuses).count(200) == 1, statuses
    assert set(statuses) == {200, 409}, statuses
    decided = TaskEvent.objects.filter(task=task, action__in=["accept", "return"])
    assert decided.count() == 1
    assert Task.objects.get(pk=task.pk).state == {"accept": "done", "return": "in_progress"}[decided.get().action]
    assert Issue.objects.count() == 0
