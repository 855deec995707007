"""A leader sees what 领导包保 gives them, not the office they sit in: the 创建办's city-level
tasks (and another district's) are absent from the API and the pages — list, detail, timeline,
files — and cannot be 批示-ed; a task in their 包保 district is visible and 批示 works; a task
assigned to them by name is visible wherever it is."""

import pytest
from django.urls import reverse

from tasks import services
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(campaign, units, city):
    return {
        "office": TaskFactory(
            campaign=campaign, owner_unit=units.office, lead_unit=units.office, region=city.city, title="全市创建方案"
        ),
        "bureau": TaskFactory(campaign=campaign, owner_unit=units.cgj, region=city.city, title="全市垃圾分类"),
        "other_district": TaskFactory(campaign=campaign, owner_unit=units.street_b1, region=city.b1, title="乙区整治"),
        "baobao": TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.a1, title="甲区整治"),
    }


def test_leader_api_lists_only_the_baobao_district(client, people, tasks):
    client.force_login(people.leader)
    titles = {t["title"] for t in client.get("/api/v1/tasks/?page_size=100").json()["results"]}
    assert titles == {"甲区整治"}
    for key in ("office", "bureau", "other_district"):
        pk = tasks[key].pk
        for path in (f"/api/v1/tasks/{pk}/", f"/api/v1/tasks/{pk}/timeline/"):
            assert client.get(path).status_code == 404, (key, path)
        response = client.post(f"/api/v1/tasks/{pk}/instruct/", {"text": "抓紧推进"}, content_type="application/json")
        assert response.status_code == 404, key
    response = client.post(
        f"/api/v1/tasks/{tasks['baobao'].pk}/instruct/", {"text": "抓紧推进"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    allowed = client.get(f"/api/v1/tasks/{tasks['baobao'].pk}/").json()["allowed_actions"]
    assert "instruct" in allowed


def test_leader_pages_agree(client, people, tasks):
    client.force_login(people.leader)
    ledger = client.get(reverse("tasks:ledger")).content.decode()
    assert "甲区整治" in ledger and "全市创建方案" not in ledger and "乙区整治" not in ledger
    assert client.get(reverse("tasks:detail", args=[tasks["office"].pk])).status_code == 404
    assert client.get(reverse("tasks:detail", args=[tasks["baobao"].pk])).status_code == 200


def test_a_task_assigned_by_name_is_visible(client, people, campaign, tasks):
    services.task_leader_assign(actor=people.admin, task_id=tasks["office"].pk, leader=people.leader)
    client.force_login(people.leader)
    assert client.get(f"/api/v1/tasks/{tasks['office'].pk}/").status_code == 200
    assert client.get(f"/api/v1/tasks/{tasks['bureau'].pk}/").status_code == 404


def test_office_staff_still_see_their_tasks(client, people, tasks):
    client.force_login(people.supervisor)  # a supervisor of the office, city-wide
    titles = {t["title"] for t in client.get("/api/v1/tasks/?page_size=100").json()["results"]}
    assert {"全市创建方案", "全市垃圾分类", "乙区整治", "甲区整治"} <= titles
