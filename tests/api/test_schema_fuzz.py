"""A bounded schemathesis run over the OpenAPI schema (``/api/v1/schema/``): a few generated
requests per operation, as a city-wide supervisor (token) and anonymously, in process through
the WSGI application. None may answer 5xx (issue 16, security 3).

Path parameters are real objects where the path names a collection (``issues/{id}/verify/``
gets an issue the supervisor sees), so the generated bodies reach the serializers and services
instead of stopping at a 404. Hypothesis is derandomised: the same requests on every run.
"""

import collections
import datetime as dt
import re
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from inspections import services as issue_services
from tasks import services as task_services
from tests.factories import IndicatorFactory, SiteFactory, StandardFactory
from tests.tasks.conftest import png

pytestmark = pytest.mark.django_db

# Examples per operation and role: enough to vary every input once or twice, few enough that
# the run stays around a minute on two cores.
EXAMPLES = {"supervisor": 10, "anonymous": 3}


@pytest.fixture
def world(make_issue, task, people, campaign, units, city, categories):
    """One object of each kind the API lists, visible to the city-wide supervisor."""
    issues = [make_issue(state) for state in ("reported", "rectifying", "submitted", "closed")]
    task_services.task_report(actor=people.staff, task_id=task.pk, progress=50, note="过半", files=[png()])
    standard = StandardFactory()
    indicator = IndicatorFactory(standard=standard)
    site = SiteFactory(region=city.a1)
    inspection = issue_services.inspection_create(
        actor=people.supervisor, campaign=campaign, kind="supervision", date=dt.date(2026, 11, 2), region=city.a
    )
    submitted = issues[2]
    return {
        "issues": submitted.pk,
        "photos": submitted.photos.first().pk,
        "tasks": task.pk,
        "files": task.attachments.first().pk,
        "task-updates": task.updates.first().pk,
        "regions": city.a.pk,
        "units": units.street_a1.pk,
        "sites": site.pk,
        "campaigns": campaign.pk,
        "standards": standard.pk,
        "indicators": indicator.pk,
        "leader-assignments": people.leader.leader_assignments.first().pk,
        "inspections": inspection.pk,
        "issue-categories": categories.garbage.pk,
        "dashboard/units": units.street_a1.pk,
    }


PARAMETER = re.compile(r"\{(\w+)\}")


def path_parameters(path, world):
    """Real values for the path's parameters, found by the collection each one follows."""
    values = {}
    segments = path.strip("/").split("/")
    for index, segment in enumerate(segments):
        match = PARAMETER.fullmatch(segment)
        if not match:
            continue
        name, before = match.group(1), segments[index - 1]
        if name in ("id", "pk"):
            key = "dashboard/units" if segments[index - 2 : index] == ["dashboard", "units"] else before
            if key in world:
                values[name] = world[key]
        elif name == "photo_id":
            values[name] = world["photos"]
        elif name == "attachment_id":
            values[name] = world["files"]
    return values


def fuzz(schema, *, role, headers, world, statuses):
    """Run every operation; returns the 5xx answers as readable lines. ``statuses`` counts the
    answers per (operation, status)."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        parameters = path_parameters(operation.path, world)
        strategy = operation.as_strategy(path_parameters=parameters) | operation.as_strategy(
            GenerationMode.NEGATIVE, path_parameters=parameters
        )

        @given(case=strategy)
        @hypothesis_settings(
            max_examples=EXAMPLES[role],
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            label = case.operation.label
            response = case.call(headers=headers)
            statuses[(role, label, response.status_code)] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{role}: {case.method} {case.formatted_path} → {response.status_code}"
                    f" (query={case.query!r}, body={str(case.body)[:200]!r})"
                )

        call()
    return failures


@pytest.fixture
def keep_connection():
    """The WSGI client is not Django's test client: keep the test's database connection (and its
    transaction) open across requests, as Django's client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_operation_answers_a_server_error_to_generated_requests(world, people, keep_connection):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    token = Token.objects.create(user=people.supervisor)
    started = time.monotonic()
    statuses = collections.Counter()
    failures = fuzz(
        schema, role="supervisor", headers={"Authorization": f"Token {token.key}"}, world=world, statuses=statuses
    )
    failures += fuzz(schema, role="anonymous", headers={}, world=world, statuses=statuses)
    assert not failures, "\n".join(failures)
    # The run reached the operations: every one was called in both roles, and the supervisor's
    # reads of the real objects answered 200 (not only 400/404 refusals).
    operations = {label for _, label, _ in statuses}
    assert len(operations) >= 80
    for role in EXAMPLES:
        assert {label for r, label, _ in statuses if r == role} == operations
    ok = {label for role, label, status in statuses if role == "supervisor" and status < 300}
    for label in ("GET /api/v1/issues/{id}/events/", "GET /api/v1/tasks/{id}/timeline/", "GET /api/v1/dashboard/"):
        assert label in ok, sorted(ok)
    assert time.monotonic() - started < 240, "the schema run outgrew its time budget"
