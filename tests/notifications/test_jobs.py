"""Jobs: the heartbeat service, the beat schedule, and one job through a real Celery worker."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from chuangcheng.celery import app
from chuangcheng.notifications import jobs
from chuangcheng.notifications.models import JobHeartbeat
from chuangcheng.notifications.services import heartbeat_record

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


def _database_url():
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_heartbeat_through_a_real_worker_over_redis():
    """A message goes over Redis to a separate worker process, which writes to the test DB."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "chuangcheng", "worker", "--pool=solo", "-Q", queue, "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        jobs.heartbeat.apply_async(kwargs={"name": queue}, queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not JobHeartbeat.objects.filter(name=queue).exists():
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.3)
        beat = JobHeartbeat.objects.get(name=queue)
        assert beat.run_count == 1
    finally:
        worker.terminate()
        worker.wait(timeout=30)
