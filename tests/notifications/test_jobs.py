"""Jobs: the heartbeat service, the beat schedule, and one job through a real Celery worker."""

from pathlib import Path

import pytest
from django.conf import settings

from chuangcheng.celery import app
from chuangcheng.notifications import jobs
from chuangcheng.notifications.heartbeats import heartbeat_record
from chuangcheng.notifications.models import JobHeartbeat
from tests.celery_worker import real_worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_heartbeat_advances_on_each_run():
    first = heartbeat_record(name="heartbeat", hostname="a")
    second = heartbeat_record(name="heartbeat", hostname="b")
    assert (first.run_count, second.run_count) == (1, 2)
    assert second.last_run_at >= first.last_run_at
    assert JobHeartbeat.objects.count() == 1


@pytest.mark.django_db
def test_heartbeat_job_runs_in_process():
    assert jobs.heartbeat.apply(kwargs={"name": "inproc"}).get() == 1


def test_every_scheduled_entry_is_a_registered_job():
    app.loader.import_default_modules()
    registered = set(app.tasks)
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in registered, f"beat entry {name!r} names unknown job {entry['task']!r}"


def test_reliability_settings():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    visibility = (app.conf.broker_transport_options or {}).get("visibility_timeout", 3600)
    assert app.conf.task_time_limit < visibility


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_heartbeat_through_a_real_worker_over_redis():
    """A message goes over Redis to a separate worker process, which writes to the test DB."""
    with real_worker() as (queue, wait):
        jobs.heartbeat.apply_async(kwargs={"name": queue}, queue=queue)
        assert wait(lambda: JobHeartbeat.objects.filter(name=queue).exists())
        assert JobHeartbeat.objects.get(name=queue).run_count == 1
