"""提交核查 with the phone's key (issue 17: rectification on a bad signal): sending the same
submission again — its answer was lost, the phone's outbox resends — changes nothing and is
not refused; a new key after a 退回返工 is a new submission."""

import pytest
from django.urls import reverse

from inspections import services
from inspections.models import IssueEvent, Photo
from tests.inspections.conftest import upload

pytestmark = pytest.mark.django_db


def test_the_same_submission_twice_is_one_submission(client, people, make_issue):
    issue = make_issue("rectifying")
    client.force_login(people.staff)
    url = reverse("inspections:issue_submit", args=[issue.pk])
    for _ in range(2):
        response = client.post(url, {"client_key": "k-1", "measures": "已清理", "photos": upload(7)})
        assert response.status_code == 302
    assert IssueEvent.objects.filter(issue=issue, action="submit").count() == 1
    assert Photo.objects.filter(issue=issue, kind="after").count() == 1
    page = client.get(reverse("inspections:issue_detail", args=[issue.pk])).content.decode()
    assert "已提交核查" in page


def test_a_new_key_after_rework_is_a_new_submission(people, make_issue):
    issue = make_issue("rectifying")
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理", photos=[upload(8)], client_key="a")
    services.issue_reject(actor=people.supervisor, issue_id=issue.pk, reason="地面未冲洗")
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已冲洗", photos=[upload(9)], client_key="b")
    assert IssueEvent.objects.filter(issue=issue, action="submit").count() == 2


def test_a_submission_filled_in_before_the_issue_moved_on_is_refused(client, people, make_issue):
    """Kept on a phone, it arrives after a 核查退回 its author never saw: refused, nothing written."""
    issue = make_issue("rectifying")
    client.force_login(people.staff)
    page = client.get(reverse("inspections:issue_detail", args=[issue.pk])).content.decode()
    import re

    based_on = re.search(r'name="based_on" value="(\d+)"', page).group(1)
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理", photos=[upload(11)])
    services.issue_reject(actor=people.supervisor, issue_id=issue.pk, reason="地面未冲洗")
    events = IssueEvent.objects.filter(issue=issue).count()
    url = reverse("inspections:issue_submit", args=[issue.pk])
    response = client.post(
        url, {"client_key": "old", "based_on": based_on, "measures": "再次清理", "photos": upload(12)}
    )
    assert response.status_code == 409
    assert "已有变化" in response.content.decode()
    assert IssueEvent.objects.filter(issue=issue).count() == events
    fresh = client.get(reverse("inspections:issue_detail", args=[issue.pk])).content.decode()
    now_based = re.search(r'name="based_on" value="(\d+)"', fresh).group(1)
    ok = client.post(url, {"client_key": "new", "based_on": now_based, "measures": "再次清理", "photos": upload(13)})
    assert ok.status_code == 302


def test_an_extension_granted_meanwhile_does_not_refuse_the_kept_submission(client, people, make_issue):
    """Only a change of state makes a kept submission stale; a new deadline does not."""
    import datetime as dt
    import re

    from django.utils import timezone

    issue = make_issue("rectifying")
    client.force_login(people.staff)
    page = client.get(reverse("inspections:issue_detail", args=[issue.pk])).content.decode()
    based_on = re.search(r'name="based_on" value="(\d+)"', page).group(1)
    later = timezone.now() + dt.timedelta(days=5)
    services.issue_request_extension(actor=people.staff, issue_id=issue.pk, reason="材料未到", deadline=later)
    services.issue_approve_extension(actor=people.supervisor, issue_id=issue.pk, deadline=later)
    url = reverse("inspections:issue_submit", args=[issue.pk])
    ok = client.post(url, {"client_key": "k", "based_on": based_on, "measures": "已清理", "photos": upload(21)})
    assert ok.status_code == 302
