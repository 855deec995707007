"""Format-suffix URLs (``…/events.json``): the API answers them like the plain route or 404,
never 500 (issue 16, security 3: the router's suffix routes reached actions that take no
``format`` argument)."""

import pytest
from rest_framework.test import APIClient

from tasks import services as task_services
from tests.tasks.conftest import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(user=people.supervisor)
    return client


@pytest.fixture
def objects(make_issue, task, people):
    issue = make_issue("submitted")
    task_services.task_report(actor=people.staff, task_id=task.pk, progress=50, note="过半", files=[png()])
    return {
        "issue": issue.pk,
        "photo": issue.photos.first().pk,
        "task": task.pk,
        "file": task.attachments.first().pk,
    }


GETS = [
    "issues/{issue}/events",
    "issues/{issue}/integrity",
    "issues/{issue}/photos",
    "issues/{issue}/photos/{photo}/file",
    "issues/{issue}/photos/{photo}/thumbnail",
    "issues/{issue}",
    "issues",
    "tasks/{task}/timeline",
    "tasks/{task}/files/{file}",
    "tasks/{task}",
    "tasks",
    "regions",
    "campaigns",
]
POSTS = [
    ("issues/{issue}/verify", {"comment": "ok"}),
    ("tasks/{task}/accept", {"comment": "ok"}),
    ("tasks/{task}/report", {"progress": 60, "note": "x"}),
    ("tasks/{task}/instruct", {"text": "抓紧"}),
]


@pytest.mark.parametrize("route", GETS)
def test_a_json_suffix_on_a_read_answers_like_the_plain_route_or_404(api, objects, route):
    path = "/api/v1/" + route.format(**objects)
    plain = api.get(path + "/")
    suffixed = api.get(path + ".json")
    assert plain.status_code == 200
    assert suffixed.status_code in (plain.status_code, 404), suffixed.content[:300]


@pytest.mark.parametrize(("route", "data"), POSTS)
def test_a_json_suffix_on_an_action_never_answers_500(api, objects, route, data):
    path = "/api/v1/" + route.format(**objects)
    response = api.post(path + ".json", data, format="json")
    assert response.status_code < 500, response.content[:300]
