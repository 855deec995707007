"""API counts that do not scan (issue 18): exact up to the cap, then capped and said so; a page
past the cap is a 404 that says to narrow the filter."""

import pytest
from rest_framework.test import APIClient

from chuangcheng import pagination
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    client = APIClient()
    client.force_authenticate(people.admin)
    return client


def test_counts_are_exact_below_the_cap_and_capped_above(api, campaign, units, monkeypatch):
    for _ in range(7):
        TaskFactory(campaign=campaign, owner_unit=units.street_a1)
    data = api.get("/api/v1/tasks/", {"page_size": 2}).data
    assert (data["count"], data["count_capped"]) == (7, False)

    monkeypatch.setattr(pagination.CappedPaginator, "cap", 5)
    data = api.get("/api/v1/tasks/", {"page_size": 2}).data
    assert (data["count"], data["count_capped"]) == (5, True)
    assert len(api.get("/api/v1/tasks/", {"page_size": 2, "page": 3}).data["results"]) == 1  # rows 5 of the first 5
    beyond = api.get("/api/v1/tasks/", {"page_size": 2, "page": 4})
    assert beyond.status_code == 404
    assert "缩小范围" in str(beyond.data["detail"])
