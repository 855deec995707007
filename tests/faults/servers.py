"""Servers the fault suite starts for itself, each on a free port of its own, never the shared
ones: Redis (stopped, restarted, SIGSTOP-ed), SMTP servers that misbehave on purpose, and a
private PostgreSQL cluster that can be restarted under load."""

import asyncio
import contextlib
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import redis
from aiosmtpd.controller import Controller

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.1, message="condition"):
    """Poll ``predicate`` until it holds; ``message`` (a string, or a callable for what is known
    only at the end, such as a process's output) explains a timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    text = message() if callable(message) else message
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {text}")


# --- Redis --------------------------------------------------------------------------------------


class RedisServer:
    """``redis-server`` on a free port. ``stop()`` and ``start()`` keep the port (a restart);
    ``pause()``/``resume()`` send SIGSTOP/SIGCONT: the port still accepts connections (the
    kernel's backlog) but nothing answers — a hung Redis, not a refusing one."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="faults-redis-")
        self.process = None

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.ping, message=f"redis-server on {self.port}")
        return self

    def ping(self):
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self):
        self.stop()
        return self.start()

    def pause(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- SMTP ---------------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it accepted. ``mode``:

    - ``"accept"``: 250 at once;
    - ``"slow"``: stores the message, then answers 250 after ``delay`` seconds — longer than the
      client's timeout, so the client never hears that the server has it;
    - ``"refuse"``: 451 (try later) to every DATA, storing nothing.
    ``per_message_delay`` slows every accepted message a little (a sweep that takes a while)."""

    def __init__(self, mode="accept", delay=0.0, per_message_delay=0.0):
        self.mode = mode
        self.delay = delay
        self.per_message_delay = per_message_delay
        self.accepted = []
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "refuse":
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.accepted.append((envelope.rcpt_tos, message))
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        elif self.per_message_delay:
            await asyncio.sleep(self.per_message_delay)
        return "250 OK"

    def message_ids(self):
        with self.lock:
            return [m["Message-ID"] for _, m in self.accepted]

    def delivery_ids(self):
        with self.lock:
            return [int(m["X-Chuangcheng-Delivery"]) for _, m in self.accepted]


class SMTPServer:
    """A real SMTP server (aiosmtpd) on a free port with a :class:`Mailbox` handler."""

    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.port = free_port()
        self.controller = Controller(mailbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller.start()
        return self

    def close(self):
        self.controller.stop()


class HangingSMTPServer:
    """Accepts TCP connections and never says a word (no greeting): a hung mail server."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def _accept(self):
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def start(self):
        self.thread.start()
        return self

    def close(self):
        self.closed.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for conn in self.connections:
            conn.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def _as_postgres(args, **kwargs):
    """Run a PostgreSQL program as the ``postgres`` OS user (the server refuses to run as root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def postgres_available():
    if not (PG_BIN / "initdb").exists():
        return False
    if os.geteuid() != 0:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name == "postgres"
    return shutil.which("runuser") is not None


class PostgresCluster:
    """A private PostgreSQL 15 cluster (initdb + pg_ctl) on a free port, trust authentication,
    no fsync: started, stopped and restarted by the test while the app runs against it."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="faults-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self):
        _as_postgres(
            [str(PG_BIN / "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]
        )
        return self

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=60"
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "30", "start"]
        )
        return self

    def stop(self, mode="fast"):
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", self.data, "-m", mode, "-w", "-t", "30", "stop"])

    def psql(self, database, *args, **kwargs):
        connect = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database]
        return subprocess.run(
            ["psql", *connect, "-v", "ON_ERROR_STOP=1", "-q", *args],
            check=True,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def close(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
