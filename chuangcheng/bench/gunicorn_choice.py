"""python -m chuangcheng.bench.gunicorn_choice [--port 8711] [--seconds 15] [--clients 16]

Which gunicorn worker setup serves the product best on this machine: starts gunicorn on
127.0.0.1:PORT with each candidate in turn and sends CLIENTS concurrent clients (threads) for
SECONDS each — a mix of read requests a city supervisor makes (dashboard API, issue and task
lists, one issue) with an API token — then prints requests per second, p50/p95 and errors per
candidate. Traffic stays on loopback and stops by itself. Uses the configured database (its
first supervisor); a measurement, not product code.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")
django.setup()

from django.conf import settings  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from chuangcheng.org.models import Membership  # noqa: E402
from inspections.models import Issue  # noqa: E402

CANDIDATES = [
    ["--workers", "3"],  # sync, gunicorn's default class
    ["--workers", "5"],  # sync, 2 × cores + 1
    ["--workers", "3", "--worker-class", "gthread", "--threads", "2"],  # the image's setup before
    ["--workers", "3", "--worker-class", "gthread", "--threads", "4"],
    ["--workers", "5", "--worker-class", "gthread", "--threads", "4"],
]


def _paths():
    issue = Issue.objects.order_by("-id").values_list("pk", flat=True).first()
    return ["/api/v1/dashboard/", "/api/v1/issues/", "/api/v1/tasks/", f"/api/v1/issues/{issue}/"]


def _token():
    member = Membership.objects.filter(role="supervisor", unit__level="city").select_related("user").first()
    return Token.objects.get_or_create(user=member.user)[0].key


def run(args, *, port, seconds, clients, token, paths):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "chuangcheng.wsgi", "-b", f"127.0.0.1:{port}", "--timeout", "60", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        times, errors, lock = [], [], threading.Lock()
        deadline = time.monotonic() + seconds

        def client(index):
            rng = random.Random(index)
            while time.monotonic() < deadline:
                request = urllib.request.Request(base + rng.choice(paths))
                request.add_header("Authorization", f"Token {token}")
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        response.read()
                        ok = response.status == 200
                except (urllib.error.HTTPError, OSError):
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    (times if ok else errors).append(elapsed)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    times.sort()
    p95 = times[round(0.95 * (len(times) - 1))] if times else 0
    return len(times) / seconds, statistics.median(times) if times else 0, p95, len(errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8711)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    options = parser.parse_args()
    token, paths = _token(), _paths()
    print(f"{options.clients} clients, {options.seconds:.0f} s each, paths: {', '.join(paths)}")
    print("| gunicorn | req/s | p50 ms | p95 ms | errors |")
    print("|---|---:|---:|---:|---:|")
    for args in CANDIDATES:
        rate, p50, p95, errors = run(
            args, port=options.port, seconds=options.seconds, clients=options.clients, token=token, paths=paths
        )
        print(f"| `{' '.join(args)}` | {rate:.1f} | {p50:.0f} | {p95:.0f} | {errors} |", flush=True)


if __name__ == "__main__":
    main()
