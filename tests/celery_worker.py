"""A real Celery worker process over Redis, writing to the test database (PostgreSQL)."""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def database_url():
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def real_worker():
    """Start a worker on a queue of its own; yields ``(queue, wait)`` where ``wait(predicate)``
    polls until the predicate holds (failing with the worker's output if it died)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "chuangcheng", "worker", "--pool=solo", "-Q", queue, "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )

    def wait(predicate, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.3)
        return predicate()

    try:
        yield queue, wait
    finally:
        worker.terminate()
        worker.wait(timeout=30)
