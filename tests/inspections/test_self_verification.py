"""Nobody verifies their own rectification — by the events, not by today's memberships: a clerk
who submitted an issue and was later moved to the office as a supervisor is refused (service and
API, nothing written, not offered); another supervisor verifies. The same for tasks: whoever
submitted a task for acceptance may not accept or return it."""

import pytest
from django.contrib.auth import get_user_model

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Membership
from inspections import services
from inspections.models import IssueEvent, IssueState
from tasks import services as task_services
from tasks.models import TaskEvent, TaskState
from tests.factories import TaskFactory
from tests.tasks.conftest import png

pytestmark = pytest.mark.django_db


def promote(user, units):
    """The clerk moves to the city office as a supervisor (leaves the street)."""
    Membership.objects.filter(user=user).delete()
    Membership.objects.create(user=user, unit=units.office, role="supervisor")
    return get_user_model().objects.get(pk=user.pk)  # a fresh object: no cached scope


def test_the_mover_cannot_verify_their_own_submission(people, units, make_issue, client):
    issue = make_issue("submitted")
    mover = promote(people.staff, units)
    events = IssueEvent.objects.filter(issue=issue).count()

    with pytest.raises(ApplicationError) as refused:
        services.issue_verify(actor=mover, issue_id=issue.pk)
    assert "不能核查自己经手的整改" in refused.value.message
    with pytest.raises(ApplicationError):
        services.issue_reject(actor=mover, issue_id=issue.pk, reason="不合格")
    issue.refresh_from_db()
    assert issue.state == IssueState.SUBMITTED and IssueEvent.objects.filter(issue=issue).count() == events

    client.force_login(mover)
    detail = client.get(f"/api/v1/issues/{issue.pk}/").json()
    assert "verify" not in detail["allowed_actions"] and "reject" not in detail["allowed_actions"]
    response = client.post(f"/api/v1/issues/{issue.pk}/verify/", {}, content_type="application/json")
    assert response.status_code == 403 and "不能核查自己经手的整改" in response.content.decode()

    services.issue_verify(actor=people.supervisor, issue_id=issue.pk)  # someone else may
    issue.refresh_from_db()
    assert issue.state == IssueState.CLOSED


def test_the_list_offers_the_mover_verify_only_where_they_took_no_part(people, units, make_issue, client):
    """The list's allowed_actions read who took part for its page's submitted rows only — one
    query, however many issues the person ever signed or submitted elsewhere."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    own = make_issue("submitted")
    mover = promote(people.staff, units)
    other = make_issue("submitted")
    IssueEvent.objects.filter(issue=other, actor=people.staff).update(actor=people.supervisor)
    client.force_login(mover)
    with CaptureQueriesContext(connection) as ctx:
        rows = {r["id"]: r for r in client.get("/api/v1/issues/", {"state": "submitted"}).json()["results"]}
    assert "verify" not in rows[own.pk]["allowed_actions"] and "reject" not in rows[own.pk]["allowed_actions"]
    assert "verify" in rows[other.pk]["allowed_actions"] and "reject" in rows[other.pk]["allowed_actions"]
    took_part = [q["sql"] for q in ctx.captured_queries if 'FROM "inspections_issueevent"' in q["sql"]]
    assert len(took_part) == 1 and '"issue_id" IN' in took_part[0]


def test_the_mover_cannot_accept_their_own_task(people, units, campaign, city, client):
    task = TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.a1, title="背街小巷整治")
    task_services.task_submit(actor=people.staff, task_id=task.pk, note="全部完成", files=[png()])
    mover = promote(people.staff, units)

    with pytest.raises(ApplicationError) as refused:
        task_services.task_accept(actor=mover, task_id=task.pk)
    assert "不能由您本人验收" in refused.value.message
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED
    assert not TaskEvent.objects.filter(task=task, action="accept").exists()

    client.force_login(mover)
    assert "accept" not in client.get(f"/api/v1/tasks/{task.pk}/").json()["allowed_actions"]
    response = client.post(f"/api/v1/tasks/{task.pk}/accept/", {}, content_type="application/json")
    assert response.status_code == 403 and "不能由您本人验收" in response.content.decode()

    task_services.task_accept(actor=people.supervisor, task_id=task.pk)
    task.refresh_from_db()
    assert task.state == TaskState.DONE
