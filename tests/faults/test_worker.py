"""The Celery worker under faults, as a real process on the suite's own Redis:

- the broker restarts while the worker runs a job: the worker stays up and takes the next job
  (it used to exit: ``AttributeError: 'NoneType' object has no attribute 'hostname'`` while
  restoring unacknowledged messages);
- the worker is SIGKILLed in the middle of a sweep: after the lease another worker finishes it —
  every delivery sent once or, at most the one in flight, left "unconfirmed"; none twice.
"""

import time

import pytest

from chuangcheng.celery import app
from chuangcheng.notifications import jobs, services
from chuangcheng.notifications.models import Delivery, JobHeartbeat
from tests.factories import UserFactory

from .servers import wait_for
from .stack import app_env, sigkill, stop_all, worker

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEASE = 3  # NOTIFICATION_LEASE_SECONDS for the workers here


@pytest.fixture
def broker(redis_server):
    """The suite's Redis, running and empty; ``broker.send(job, *args)`` publishes there."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.resume()

    def send(job, *args):
        with app.connection_for_write(url=redis_server.url(2)) as connection:
            job.apply_async(args=list(args), connection=connection)

    redis_server.send = send
    redis_server.db_url = redis_server.url(2)
    yield redis_server
    if redis_server.process is None:
        redis_server.start()


def worker_env(broker, var_dir, smtp_url, **extra):
    return app_env(
        redis_url=broker.db_url,
        var_dir=var_dir,
        NOTIFICATION_EMAIL_URL=smtp_url,
        NOTIFICATION_LEASE_SECONDS=LEASE,
        **extra,
    )


def heartbeat_runs(name):
    beat = JobHeartbeat.objects.filter(name=name).first()
    return beat.run_count if beat else 0


def emails(n):
    people = [UserFactory(username=f"faults{i}", email=f"faults{i}@example.cn") for i in range(n)]
    return services.delivery_create(
        recipients=people, kind="briefing", subject_key="briefing:1", window="W", title="日通报", channels=["email"]
    )


def test_the_worker_survives_a_broker_restart_with_a_job_in_flight(broker, var_dir, hanging_smtp):
    rows = emails(1)
    env = worker_env(broker, var_dir, hanging_smtp.url, EMAIL_TIMEOUT=6)
    process = worker(env, name="restart", pool="prefork", concurrency=2)  # as in production
    try:
        broker.send(jobs.heartbeat, "faults-before")
        wait_for(
            lambda: heartbeat_runs("faults-before") == 1, timeout=60, message=lambda: f"a first job\n{process.output()}"
        )

        broker.send(jobs.deliver, [rows[0].pk])  # hangs in the SMTP greeting for EMAIL_TIMEOUT
        wait_for(lambda: hanging_smtp.connections, timeout=30, message="the job in flight")
        broker.restart()
        time.sleep(8)  # the job ends, the worker reconnects (or, before the fix, exits)
        assert process.alive(), process.output()

        broker.send(jobs.heartbeat, "faults-after")
        wait_for(
            lambda: heartbeat_runs("faults-after") == 1, timeout=60, message=lambda: f"a job after\n{process.output()}"
        )
        assert process.alive()
        row = Delivery.objects.get(pk=rows[0].pk)
        assert (row.status, row.attempts) == ("pending", 1)  # the hung send backed off, not lost
    finally:
        stop_all(process)


def test_a_worker_killed_mid_sweep_loses_nothing_and_sends_nothing_twice(broker, var_dir, smtp):
    server = smtp("accept", per_message_delay=0.05)
    rows = emails(40)
    ids = {r.pk for r in rows}
    env = worker_env(broker, var_dir, server.url)

    first = worker(env, name="first")
    try:
        broker.send(jobs.deliver_due)
        wait_for(lambda: len(server.mailbox.accepted) >= 10, timeout=60, message=lambda: f"the sweep\n{first.output()}")
        sigkill(first)
    finally:
        stop_all(first)
    sent_before = len(server.mailbox.accepted)
    assert sent_before < len(rows)

    time.sleep(LEASE + 0.5)  # the killed worker's lease on its row runs out
    second = worker(env, name="second")
    try:
        broker.send(jobs.deliver_due)  # what beat does every minute
        done = Delivery.objects.filter(pk__in=ids, status__in=["sent", "unconfirmed"])
        wait_for(lambda: done.count() == len(rows), timeout=90, message=lambda: f"the second sweep\n{second.output()}")
    finally:
        stop_all(second)

    delivered = server.mailbox.delivery_ids()
    assert len(delivered) == len(set(delivered)), "a delivery arrived twice"
    sent = set(Delivery.objects.filter(pk__in=ids, status="sent").values_list("pk", flat=True))
    unconfirmed = set(Delivery.objects.filter(pk__in=ids, status="unconfirmed").values_list("pk", flat=True))
    assert sent | unconfirmed == ids  # nothing lost
    assert len(unconfirmed) <= 1  # at most the one in flight when the worker died
    assert sent <= set(delivered) <= sent | unconfirmed
