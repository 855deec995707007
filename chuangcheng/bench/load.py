"""The concurrency scenario: gunicorn with N workers on loopback, a bounded mixed load of reads
and progress reports from many clerks at once, then a check that no acknowledged update was
lost (every 200 has its TaskUpdate and event; every task's progress is its last report's).

Traffic goes to 127.0.0.1 only and stops by itself after ``seconds``.
"""

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from chuangcheng.org.models import User


@dataclass
class LoadResult:
    seconds: float
    workers: int
    clients: int
    latencies: dict = field(default_factory=lambda: {"read": [], "write": []})
    errors: list = field(default_factory=list)
    writes_ok: int = 0
    lost: int = 0
    mismatched: int = 0

    def p95(self, kind):
        values = sorted(self.latencies[kind])
        return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))] if values else 0

    def markdown(self):
        reads, writes = len(self.latencies["read"]), len(self.latencies["write"])
        total = reads + writes
        return "\n".join(
            [
                f"#### Load: gunicorn {self.workers} workers on 127.0.0.1, {self.clients} concurrent clients, {self.seconds:.0f} s",
                "",
                "| requests | throughput req/s | reads (p50 / p95 ms) | progress reports (p50 / p95 ms) | errors | lost updates |",
                "|---:|---:|---:|---:|---:|---:|",
                f"| {total} | {total / self.seconds:.1f} | {reads} ({_p50(self.latencies['read']):.0f} / {self.p95('read'):.0f}) "
                f"| {writes} ({_p50(self.latencies['write']):.0f} / {self.p95('write'):.0f}) | {len(self.errors)} "
                f"| {self.lost + self.mismatched} |",
                "",
                f"Every acknowledged report ({self.writes_ok}) was checked afterwards against the database: "
                f"{self.lost} missing, {self.mismatched} tasks whose progress is not their last report.",
            ]
        )


def _p50(values):
    return statistics.median(values) if values else 0


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pick_clerks(count):
    """Clerks of street offices, each with an open task of their own unit (two clerks per task
    where units have them, so reports on one task really do race)."""
    from tasks.models import Task, TaskState

    picks = []
    tasks = (
        Task.objects.filter(owner_unit__level="street", state__in=[TaskState.PENDING, TaskState.IN_PROGRESS])
        .order_by("owner_unit_id", "id")
        .distinct("owner_unit_id")[: count // 2]
    )
    for task in tasks:
        clerks = list(
            User.objects.filter(memberships__unit_id=task.owner_unit_id, memberships__role="staff").order_by("id")[:2]
        )
        for clerk in clerks:
            token, _created = Token.objects.get_or_create(user=clerk)
            picks.append((token.key, task.pk, task.owner_unit_id))
    return picks[:count]


def run_load(*, seconds=30, workers=4, clients=None):
    clients = clients or workers * 4
    picks = _pick_clerks(clients)
    run_id = uuid.uuid4().hex[:8]
    port = _free_port()
    server = _start_server(port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        result = LoadResult(seconds=seconds, workers=workers, clients=len(picks))
        acknowledged = []
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def client(index, token, task_id, unit_id):
            rng = random.Random(index)
            seq = 0
            while time.monotonic() < deadline:
                write = rng.random() < 0.2
                if write:
                    seq += 1
                    progress = rng.randint(1, 99)
                    note = f"load-{run_id}-{index}-{seq}"
                    body = json.dumps({"progress": progress, "note": note}).encode()
                    request = urllib.request.Request(f"{base}/api/v1/tasks/{task_id}/report/", data=body, method="POST")
                    request.add_header("Content-Type", "application/json")
                else:
                    url = rng.choice([f"/api/v1/tasks/?owner_unit={unit_id}", f"/api/v1/tasks/{task_id}/"])
                    request = urllib.request.Request(base + url)
                request.add_header("Authorization", f"Token {token}")
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                except OSError as exc:
                    status = f"{type(exc).__name__}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status == 200:
                        result.latencies["write" if write else "read"].append(elapsed)
                        if write:
                            acknowledged.append((note, task_id, progress))
                    else:
                        result.errors.append(status)

        threads = [threading.Thread(target=client, args=(i, *pick)) for i, pick in enumerate(picks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result.writes_ok = len(acknowledged)
        _verify(result, acknowledged, run_id)
        return result
    finally:
        _stop_server(server)


def _start_server(port, workers, env=None):
    """gunicorn with ``workers`` sync workers on 127.0.0.1:``port``, answering (or an error);
    ``env``: the server's environment (the benchmark's own when ``None``)."""
    env = env or {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + uuid.uuid4().hex * 2),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "chuangcheng.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}", server)
    except Exception:
        _stop_server(server)
        raise
    return server


def _stop_server(server):
    server.terminate()
    server.wait(timeout=30)


def _wait_ready(base, server):
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 20 s")


def _verify(result, acknowledged, run_id):
    """Every acknowledged report is in the database with its event, and each task's progress
    equals its last report (the row lock serialised the racing writers)."""
    from tasks.models import Task, TaskEvent, TaskUpdate

    connection.close()  # see what the server committed, not a stale snapshot
    notes = dict(TaskUpdate.objects.filter(note__startswith=f"load-{run_id}-").values_list("note", "progress"))
    events = set(
        TaskEvent.objects.filter(comment__startswith=f"load-{run_id}-", action="report").values_list(
            "comment", flat=True
        )
    )
    result.lost = sum(1 for note, _task, progress in acknowledged if notes.get(note) != progress or note not in events)
    touched = {task_id for _note, task_id, _p in acknowledged}
    for task_id in touched:
        last = TaskUpdate.objects.filter(task_id=task_id).order_by("-id").values_list("progress", flat=True).first()
        if Task.objects.get(pk=task_id).progress != last:
            result.mismatched += 1
