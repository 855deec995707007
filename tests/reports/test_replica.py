"""The dashboards against a real PostgreSQL streaming replica (issue 18, item 8).

A module fixture copies the primary with ``pg_basebackup -R`` into a temporary folder and starts
it as a hot standby on port 5433 (``TEST_REPLICA_PORT``) — tests/pgreplica.py; it is made after
pytest-django created the test database, and streaming replication follows everything the tests
commit afterwards. The tests are transactional (rows must be committed to reach the replica).
The replica is stopped and its folder removed after this module's tests (module scope, not
session: a replica left running would replay the WAL of the whole rest of the suite). A replica
of ours left by a killed run is removed first. Bounded: the copy takes about 10 s here.

Skipped, saying why, on SQLite, without pg_basebackup, or when the primary refuses replication
connections from 127.0.0.1 and its pg_hba.conf cannot be changed; on CI (root, on the machine that
runs PostgreSQL) the fixture adds the pg_hba line and reloads the primary (tests/pgreplica.py).
"""

import datetime as dt
import logging
import os
import time

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from chuangcheng import dbrouting
from chuangcheng.dbrouting import reads_from_replica
from chuangcheng.org.models import Region, RegionLevel
from inspections.models import Issue
from tests import pgreplica
from tests.conftest import IS_POSTGRES

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "CREATE", "ALTER", "DROP")


@pytest.fixture(scope="module")
def pg_replica(django_db_setup, django_db_blocker):
    if not IS_POSTGRES:
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    try:
        pgreplica.pg_bin("pg_basebackup")
    except pgreplica.ReplicaUnavailable as error:
        pytest.skip(f"no streaming replica here: {error}")
    primary = connections["default"].settings_dict
    if primary["PASSWORD"]:
        os.environ.setdefault("PGPASSWORD", primary["PASSWORD"])
    dsn = f"host={primary['HOST'] or '127.0.0.1'} port={primary['PORT'] or 5432} user={primary['USER']} dbname=postgres"
    port = int(os.environ.get("TEST_REPLICA_PORT", "5433"))
    try:
        replica = pgreplica.make_replica(dsn, port=port)
    except pgreplica.ReplicaUnavailable as error:
        pytest.skip(f"no streaming replica here: {error}")
    # The replica alias, as settings.py makes it from REPLICA_DATABASE_URL, pointing at the
    # copy of the test database. MIRROR keeps pytest-django from creating or flushing a database
    # on it (it is read-only); its connection still goes to the replica's port.
    conf = {
        **primary,
        "PORT": port,
        "OPTIONS": {"connect_timeout": 2},
        "CONN_MAX_AGE": 0,
        "TEST": {**primary["TEST"], "MIRROR": "default"},
    }
    conf = connections.configure_settings({"default": dict(primary), "replica": conf})["replica"]
    connections.settings["replica"] = conf
    settings.DATABASES["replica"] = conf
    routers = override_settings(
        DATABASE_ROUTERS=["chuangcheng.dbrouting.ReplicaRouter"],
        REPLICA_CHECK_SECONDS=60,
        REPLICA_MAX_LAG_SECONDS=30,
    )
    routers.enable()
    try:
        yield replica
    finally:
        routers.disable()
        connections["replica"].close()
        connections.settings.pop("replica", None)
        settings.DATABASES.pop("replica", None)  # the same dict, for Django
        replica.destroy()


@pytest.fixture
def replica(pg_replica):
    """The running replica, caught up with what the test committed, health not yet checked."""
    dbrouting.forget_health()
    yield pg_replica
    dbrouting.forget_health()
    connections["replica"].close()


@pytest.fixture
def world(campaign, people, units, city, make_issue):
    start = timezone.now() - dt.timedelta(days=3)
    for n in range(6):
        closed = start + dt.timedelta(days=1) if n % 2 else None
        state = "closed" if closed else "rectifying"
        deadline = start + dt.timedelta(days=5)
        make_issue(units.street_a1, city.a1v, state=state, assigned=start, deadline=deadline, closed=closed)
    client = APIClient()
    client.force_authenticate(people.supervisor)
    return client


def _port(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        return cursor.fetchone()[0]


def _writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_dashboard_reads_go_to_the_replica_and_writes_never_do(replica, world, people, city, client):
    replica.wait_caught_up()
    with reads_from_replica():
        assert _port("replica") == replica.port != _port("default")
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        api = world.get("/api/v1/dashboard/")
        assert api.status_code == 200
        client.force_login(people.supervisor)
        assert client.get("/dashboard/", {"region": city.a.pk}).status_code == 200
        assert client.get("/briefings/").status_code == 200
        # A write inside the replica scope goes to the primary; reads outside it see it at once.
        with reads_from_replica():
            made = Region.objects.create(name="新区", code="990103", level=RegionLevel.COUNTY, parent=city.city)
        assert Region.objects.filter(pk=made.pk).exists()
        # Exports read with .iterator(): a server-side cursor, on the standby.
        with reads_from_replica():
            assert len(list(Issue.objects.order_by("pk").iterator(chunk_size=2))) == 6
    tables = " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "inspections_issue" in tables, "the dashboard read its issues from the replica"
    assert "reports_briefing" in tables, "the briefing list read from the replica"
    assert _writes(on_replica.captured_queries) == []
    assert "django_session" not in tables, "sessions stay on the primary"


def test_lagging_replica_is_not_used(replica, world, caplog):
    """Replay paused while the primary writes: past REPLICA_MAX_LAG_SECONDS the primary answers."""
    replica.wait_caught_up()
    lag = override_settings(REPLICA_MAX_LAG_SECONDS=0.2)
    lag.enable()
    pgreplica._query(replica.dsn(), "SELECT pg_wal_replay_pause()")
    try:
        Region.objects.create(name="滞后区", code="990104", level=RegionLevel.COUNTY)
        time.sleep(0.5)
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            caplog.at_level(logging.WARNING, logger="chuangcheng.dbrouting"),
        ):
            assert world.get("/api/v1/dashboard/").status_code == 200
        assert "lags the primary" in caplog.text
        assert [q for q in on_replica.captured_queries if "pg_is_in_recovery" not in q["sql"]] == []
    finally:
        lag.disable()
        pgreplica._query(replica.dsn(), "SELECT pg_wal_replay_resume()")


def test_replica_stopped_pages_answer_from_the_primary(replica, world, people, city, client, caplog):
    replica.wait_caught_up()
    client.force_login(people.supervisor)
    assert world.get("/api/v1/dashboard/").status_code == 200  # health checked: in use
    connections["replica"].close()
    replica.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="chuangcheng.dbrouting"):
            # Stopped between two health checks: the view fails over and runs on the primary.
            assert world.get("/api/v1/dashboard/").status_code == 200
            assert "Read replica failed" in caplog.text
            dbrouting.forget_health()
            # The next check finds it unreachable; reads go to the primary without trying it.
            assert client.get("/dashboard/", {"region": city.a.pk}).status_code == 200
            assert "unreachable" in caplog.text
            assert world.get("/api/v1/dashboard/trend/").status_code == 200
    finally:
        replica.start()
