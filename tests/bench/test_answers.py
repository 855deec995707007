"""The benchmark's yardsticks (chuangcheng/bench/answers.py) run on the schema as migrated and
answer what the pages answer: the same rows, in the same order, with the same total."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng.bench import answers
from tests.factories import TaskFactory


def _answer(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        value = cursor.fetchone()[0]
    return value


@pytest.mark.postgres
def test_tasks_page_answer_matches_the_api(campaign, units, city, people):
    today = timezone.localdate()
    for i in range(7):
        TaskFactory(
            campaign=campaign,
            owner_unit=units.street_a1,
            lead_unit=units.gov_a if i % 2 else None,
            start_date=today - dt.timedelta(days=10),
            deadline=today + dt.timedelta(days=i - 3),
            progress=10 * i,
        )
    client = APIClient()
    client.force_authenticate(people.admin)
    api = client.get("/api/v1/tasks/", {"owner_unit": units.street_a1.pk, "page_size": 50}).json()
    sql = _answer(answers.TASKS_PAGE, {"unit": units.street_a1.pk, "today": today})
    assert sql["count"] == api["count"] == 7
    keys = ["id", "title", "lead_unit_name", "expected_progress", "lag", "is_overdue", "days_left", "traffic_light"]
    assert [{k: r[k] for k in keys} for r in sql["results"]] == [{k: r[k] for k in keys} for r in api["results"]]


@pytest.mark.postgres
def test_my_work_and_issue_answers_run(campaign, units, people):
    today = timezone.localdate()
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, deadline=today - dt.timedelta(days=1))
    mine = _answer(answers.MY_WORK_PAGE, {"units": [units.street_a1.pk], "today": today, "user": people.staff.pk})
    assert mine["count"] == 1 and mine["summary"]["overdue"] == 1 and mine["cards"][0]["light"] == "red"
    issues = _answer(answers.ISSUES_PAGE, {"path": "/%", "state": "rectifying", "now": timezone.now()})
    assert issues == {"count": 0, "results": []}
