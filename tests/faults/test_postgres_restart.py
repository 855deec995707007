"""PostgreSQL restarted under load: a private cluster (initdb/pg_ctl, run as the ``postgres`` OS
user) holding a copy of the test database; gunicorn and a worker on it; six clients reading and
writing while the cluster stops for two seconds and starts again.

While it is down, answers are 503 with ``Retry-After`` (JSON under /api/) — never 500. Once it is
back, the same web and worker processes serve and write again without a restart (persistent
connections are health-checked before use)."""

import subprocess
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from chuangcheng.celery import app
from chuangcheng.notifications import jobs
from tests.factories import TaskFactory

from .conftest import auth
from .servers import PostgresCluster, postgres_available, wait_for
from .stack import Web, app_env, shared_database_url, stop_all, worker

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not postgres_available(), reason="needs PostgreSQL 15's initdb and the postgres OS user"),
]

CLIENTS = 6
OUTAGE_SECONDS = 2


@pytest.fixture
def cluster():
    server = PostgresCluster().init().start()
    yield server
    server.close()


def copy_database(cluster, name):
    """The committed test data (people, tokens, the task) into the private cluster."""
    cluster.psql("postgres", "-c", f"CREATE DATABASE {name}")
    dump = subprocess.run(["pg_dump", "--no-owner", "-d", shared_database_url()], check=True, capture_output=True)
    cluster.psql(name, input=dump.stdout.decode())


@dataclass
class Answer:
    at: float  # time.monotonic() when it came
    kind: str  # "read" or "write"
    status: object  # the HTTP status, or the client's exception
    headers: dict = field(default_factory=dict)
    text: str = ""
    note: str = ""  # a write's unique progress note


class Load:
    """``CLIENTS`` threads alternating a list read and a progress report (each with a note of its
    own) until stopped; every answer is kept."""

    def __init__(self, web, token, task_id):
        self.web, self.headers, self.task_id = web, auth(token), task_id
        self.answers = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(CLIENTS)]

    def request(self, index, n):
        if (index + n) % 2:
            return "read", "", lambda: requests.get(self.web.url("/api/v1/issues/"), headers=self.headers, timeout=20)
        note = f"第{index}-{n}次报送"
        url = self.web.url(f"/api/v1/tasks/{self.task_id}/report/")
        body = {"progress": 10 + (n % 80), "note": note}
        return "write", note, lambda: requests.post(url, json=body, headers=self.headers, timeout=20)

    def run(self, index):
        n = 0
        while not self.stopping.is_set():
            n += 1
            kind, note, call = self.request(index, n)
            try:
                response = call()
                answer = Answer(time.monotonic(), kind, response.status_code, response.headers, response.text[:300])
            except requests.RequestException as exc:
                answer = Answer(time.monotonic(), kind, repr(exc))
            answer.note = note
            self.answers.append(answer)
            time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


def count(cluster, name, sql):
    return int(cluster.psql(name, "-tAc", sql).stdout.strip())


def test_the_app_rides_out_a_postgresql_restart_without_being_restarted(
    cluster, redis_server, var_dir, people, campaign, units, city, tokens, make_issue
):
    make_issue("reported")
    task = TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.a1, evidence_required=False)
    copy_database(cluster, "faults")
    if redis_server.process is None:
        redis_server.start()
    env = app_env(redis_url=redis_server.url(5), var_dir=var_dir, database_url=cluster.url("faults"))
    web = Web(env, workers=2, threads=4)
    jobs_worker = worker(env, name="pg")

    def send_heartbeat(name):
        with app.connection_for_write(url=redis_server.url(5)) as connection:
            jobs.heartbeat.apply_async(args=[name], connection=connection)

    def heartbeats(name):
        return count(cluster, "faults", f"SELECT count(*) FROM notifications_jobheartbeat WHERE name = '{name}'")

    try:
        send_heartbeat("before-restart")
        wait_for(lambda: heartbeats("before-restart") == 1, timeout=60, message=jobs_worker.output)
        with Load(web, tokens["staff"], task.pk) as load:
            time.sleep(2)
            stopped_at = time.monotonic()
            cluster.stop("fast")
            time.sleep(OUTAGE_SECONDS)
            cluster.start()
            back_at = time.monotonic()
            time.sleep(4)
        send_heartbeat("after-restart")
        wait_for(lambda: heartbeats("after-restart") == 1, timeout=60, message=jobs_worker.output)
        assert jobs_worker.alive() and web.alive()
    finally:
        stop_all(web, jobs_worker)

    answers = load.answers
    statuses = [a.status for a in answers]
    assert 500 not in statuses, [a for a in answers if a.status == 500][:3]
    assert all(isinstance(s, int) for s in statuses), [s for s in statuses if not isinstance(s, int)][:3]
    assert {a.status for a in answers if a.at < stopped_at} == {200}
    unavailable = [a for a in answers if a.status == 503]
    assert unavailable, "no request met the outage"
    for answer in unavailable:
        assert stopped_at < answer.at < back_at + 1.5
        assert answer.headers.get("Retry-After") and "service_unavailable" in answer.text
    recovered = [a for a in answers if a.at > back_at + 1.5]
    assert len(recovered) >= 10 and {a.status for a in recovered} == {200}, {a.status for a in recovered}
    assert [a for a in recovered if a.kind == "write"]

    # Writes: every one answered 200 is in the database once; none twice. A write answered 503
    # during the outage may still be there: committed just before the server went down, its
    # answer then failed to read the task back (the client is told to look before retrying).
    notes = cluster.psql("faults", "-tAc", "SELECT note FROM tasks_taskupdate").stdout.split()
    assert len(notes) == len(set(notes))
    written = set(notes)
    ok = {a.note for a in answers if a.kind == "write" and a.status == 200}
    refused = {a.note for a in answers if a.kind == "write" and a.status == 503}
    assert ok <= written
    assert written - ok <= refused
