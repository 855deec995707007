"""The application's own processes for the fault suite: gunicorn, Celery workers and beat, run
as in production (``DEBUG`` off) against the test database and the suite's own Redis."""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings

from .servers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def shared_database_url():
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def app_env(*, redis_url, database_url=None, var_dir, **extra):
    """Production-like settings (``DEBUG`` off, no TLS redirect) on the test's servers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "NOTIFICATION_", "EMAIL_", "CELERY_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DEBUG": "0",
            "SECRET_KEY": "faults-suite-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url or shared_database_url(),
            "REDIS_URL": redis_url,
            "VAR_DIR": str(var_dir),
            "MEDIA_ROOT": str(Path(var_dir) / "media"),
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "60",
            "AXES_ENABLED": "0",
        }
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Process:
    """A child process with its output in a file under its ``VAR_DIR`` (read it when an assertion
    fails; the directory goes with the test module)."""

    def __init__(self, name, args, env):
        self.name = name
        log_dir = env.get("VAR_DIR") or None
        self.log_path = Path(tempfile.mkstemp(prefix=f"{name}-", suffix=".log", dir=log_dir)[1])
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def output(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def signal(self, sig):
        os.kill(self.popen.pid, sig)

    def kill(self):
        if self.alive():
            self.popen.kill()
            self.popen.wait(timeout=10)

    def stop(self, timeout=15):
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()

    def close(self):
        self.stop()
        with contextlib.suppress(OSError):
            self.log_path.unlink()


class Web(Process):
    """gunicorn on a free port; ``url(path)`` and a ``requests`` session helper."""

    def __init__(self, env, *, workers=2, threads=4):
        self.port = free_port()
        args = [sys.executable, "-m", "gunicorn", "chuangcheng.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        args += ["--workers", str(workers), "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "3"]
        super().__init__("web", args, env)
        wait_for(self._answers, timeout=60, message=lambda: f"gunicorn on {self.port}\n{self.output()}")

    def _answers(self):
        assert self.alive(), self.output()
        try:
            requests.get(self.url("/favicon.ico"), timeout=1, allow_redirects=False)
        except requests.RequestException:
            return False
        return True

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def worker(env, *, queues=None, name="worker", pool="solo", concurrency=1):
    args = [sys.executable, "-m", "celery", "-A", "chuangcheng", "worker", f"--pool={pool}", "-l", "info"]
    args += ["--concurrency", str(concurrency), "-n", f"{name}-{free_port()}@%h", "--without-mingle"]
    args += ["--without-gossip"]
    if queues:
        args += ["-Q", ",".join(queues)]
    return Process(name, args, env)


def beat(env, *, schedule_path, name="beat"):
    args = [sys.executable, "-m", "celery", "-A", "chuangcheng", "beat", "-l", "info", "--schedule", str(schedule_path)]
    return Process(name, args, env)


def stop_all(*processes):
    for process in processes:
        if process is not None:
            process.stop()


def sigkill(process):
    process.signal(signal.SIGKILL)
    process.popen.wait(timeout=10)


def elapsed(started):
    return time.monotonic() - started
