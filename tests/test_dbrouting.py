"""The read-replica router's choices, without a replica (the health probe is replaced).

tests/test_replica.py runs the same paths against a real streaming replica on PostgreSQL."""

import logging

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from chuangcheng import dbrouting
from chuangcheng.dbrouting import (
    STICKY_COOKIE,
    PrimaryAfterWriteMiddleware,
    ReplicaRouter,
    on_primary,
    reads_from_replica,
    replica_iter,
)
from chuangcheng.org.models import Region

router = ReplicaRouter()


@pytest.fixture
def replica(monkeypatch, settings):
    """A configured replica whose health answers what ``state`` says; counts the probes."""
    settings.REPLICA_CHECK_SECONDS = 60
    state = {"ok": True, "probes": 0}

    def probe():
        state["probes"] += 1
        return state["ok"], "test says so"

    monkeypatch.setattr(dbrouting, "replica_configured", lambda: True)
    monkeypatch.setattr(dbrouting, "probe", probe)
    dbrouting.forget_health()
    yield state
    dbrouting.forget_health()


def test_reads_use_the_replica_only_when_asked(replica):
    assert router.db_for_read(Region) == "default"
    with reads_from_replica():
        assert router.db_for_read(Region) == "replica"
        with on_primary():
            assert router.db_for_read(Region) == "default"
        assert router.db_for_read(Region) == "replica"
    assert router.db_for_read(Region) == "default"


def test_writes_and_migrations_never_go_to_the_replica(replica):
    with reads_from_replica():
        assert router.db_for_write(Region) == "default"
    assert router.allow_migrate("replica", "org") is False
    assert router.allow_migrate("default", "org") is True


def test_sessions_and_tokens_are_read_from_the_primary(replica):
    with reads_from_replica():
        assert router.db_for_read(Session) == "default"


def test_nothing_changes_without_a_replica(monkeypatch):
    monkeypatch.setattr(dbrouting, "replica_configured", lambda: False)
    with reads_from_replica():
        assert router.db_for_read(Region) == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_stay_on_the_primary(replica):
    with reads_from_replica(), transaction.atomic():
        assert router.db_for_read(Region) == "default"


def test_an_unhealthy_replica_sends_reads_to_the_primary_with_a_warning(replica, caplog):
    replica["ok"] = False
    with caplog.at_level(logging.WARNING, logger="chuangcheng.dbrouting"), reads_from_replica():
        assert router.db_for_read(Region) == "default"
        assert router.db_for_read(Region) == "default"
    assert replica["probes"] == 1, "the health check is cached, not one query per read"
    assert "reading from the primary: test says so" in caplog.text


def test_the_health_check_is_repeated_after_its_period(replica, settings):
    with reads_from_replica():
        router.db_for_read(Region)
        router.db_for_read(Region)
        assert replica["probes"] == 1
        settings.REPLICA_CHECK_SECONDS = 0
        router.db_for_read(Region)
        assert replica["probes"] == 2


@pytest.mark.parametrize(
    "standby, caught_up, seconds, usable",
    [
        (False, False, None, False),  # promoted, or the URL names a primary
        (True, True, 3600.0, True),  # an idle primary: last replayed transaction long ago, but caught up
        (True, False, 5.0, True),  # behind, within the bound
        (True, False, 31.0, False),  # behind, past the bound
        (True, False, None, False),  # nothing replayed since it started, and behind
    ],
)
def test_lag_judgement(standby, caught_up, seconds, usable):
    assert dbrouting.judge(standby, caught_up, seconds, 30)[0] is usable


def test_a_view_whose_replica_fails_runs_again_on_the_primary(replica, caplog):
    seen = []

    @reads_from_replica
    def view(request):
        seen.append(router.db_for_read(Region))
        if seen[-1] == "replica":
            raise OperationalError("connection refused")
        return HttpResponse("ok")

    with caplog.at_level(logging.WARNING, logger="chuangcheng.dbrouting"):
        assert view(None).content == b"ok"
    assert seen == ["replica", "default"]
    assert "Read replica failed" in caplog.text
    with reads_from_replica():
        assert router.db_for_read(Region) == "default", "marked down until the next check"


def test_an_error_of_the_primary_is_not_retried(replica):
    @reads_from_replica
    def view(request):
        with on_primary():
            router.db_for_read(Region)
        raise OperationalError("primary down")

    with pytest.raises(OperationalError):
        view(None)


def test_a_streamed_body_reads_from_the_replica(replica):
    def chunks():
        yield router.db_for_read(Region)
        yield router.db_for_read(Region)

    assert list(replica_iter(chunks())) == ["replica", "replica"]
    assert router.db_for_read(Region) == "default"


def test_after_a_write_that_browser_reads_from_the_primary(replica, settings):
    settings.REPLICA_STICKY_SECONDS = 30
    factory = RequestFactory()
    seen = []

    def view(request):
        with reads_from_replica():
            seen.append(router.db_for_read(Region))
        return HttpResponse()

    middleware = PrimaryAfterWriteMiddleware(view)
    assert STICKY_COOKIE not in middleware(factory.get("/dashboard/")).cookies
    posted = middleware(factory.post("/briefings/build/"))
    cookie = posted.cookies[STICKY_COOKIE]
    assert cookie["httponly"] and cookie["max-age"] == 30
    after = factory.get("/briefings/1/")
    after.COOKIES[STICKY_COOKIE] = cookie.value
    middleware(after)
    assert seen == ["replica", "replica", "default"]
    expired = factory.get("/briefings/1/")
    expired.COOKIES[STICKY_COOKIE] = "1"
    middleware(expired)
    assert seen[-1] == "replica"


@pytest.mark.django_db
def test_the_apps_postgresql_connections_run_without_jit():
    """JIT costs the big reads more than it saves (docs/performance.md): off unless DATABASE_JIT=1."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.django_db
def test_the_apps_postgresql_connections_run_without_parallel_workers():
    """Parallel workers take the cores other requests wait for on a small server: none per
    query unless DATABASE_PARALLEL_WORKERS says otherwise."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
