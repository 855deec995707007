"""A real PostgreSQL streaming replica on this machine, for the read-replica tests.

``pg_basebackup -R`` copies the primary (127.0.0.1:5432 by default) into a temporary folder and
``pg_ctl`` starts it as a hot standby on another port (5433). Streaming replication copies the
whole cluster, so a replica made once follows every database created afterwards — including
pytest-django's ``test_…`` database and every row a test commits.

What the primary must allow (checked and, where possible, made so by :func:`ensure_replication_hba`):
``wal_level`` ``replica`` or ``logical`` and ``max_wal_senders`` > 0 (both PostgreSQL's defaults),
and a ``pg_hba.conf`` line letting the replication user in over 127.0.0.1. When the line is
missing and this process may write the primary's ``pg_hba.conf`` (CI runs as root on the machine
that runs PostgreSQL), it appends ``host replication all 127.0.0.1/32 trust`` once and reloads
the primary; otherwise the tests are skipped, saying so.

When run as root, ``pg_basebackup`` and ``pg_ctl`` run as the ``postgres`` OS user (``runuser``):
PostgreSQL refuses to run as root.
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2

HBA_LINE = "host replication all 127.0.0.1/32 trust"
# Settings a hot standby must have at least as high as its primary's.
STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


class ReplicaUnavailable(Exception):
    """A replica cannot be made here; the message says why (the test is skipped with it)."""


def pg_bin(name):
    """The newest PostgreSQL binary ``name`` on this machine (Debian keeps them out of PATH)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise ReplicaUnavailable(f"{name} not found (apt-get install postgresql)")


def _as_postgres(cmd):
    """Run as the postgres OS user when we are root (PostgreSQL will not run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd, timeout):
    done = subprocess.run(_as_postgres(cmd), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise ReplicaUnavailable(f"{' '.join(cmd[:2])} failed: {done.stderr.strip()[-800:]}")
    return done.stdout


def _query(dsn, sql):
    conn = psycopg2.connect(dsn, connect_timeout=3)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def ensure_replication_hba(dsn):
    """Make sure the primary lets a replication connection in from 127.0.0.1 (idempotent)."""
    settings = dict(_query(dsn, "select name, setting from pg_settings where name in ('wal_level', 'max_wal_senders')"))
    if settings.get("wal_level") not in ("replica", "logical") or int(settings.get("max_wal_senders", 0)) < 2:
        raise ReplicaUnavailable(f"the primary cannot stream: {settings}")
    allowed = _query(
        dsn,
        "select count(*) from pg_hba_file_rules where 'replication' = any(database) "
        "and (address is null or address = '127.0.0.1' or address = '0.0.0.0') and error is null",
    )[0][0]
    if allowed:
        return
    hba_file = _query(dsn, "show hba_file")[0][0]
    try:
        with open(hba_file, "a", encoding="utf-8") as f:
            f.write(f"\n# Added by the 创城督办 replica tests (tests/pgreplica.py)\n{HBA_LINE}\n")
    except OSError as error:
        raise ReplicaUnavailable(
            f"{hba_file} has no replication line for 127.0.0.1 and is not writable: {error}"
        ) from None
    _query(dsn, "select pg_reload_conf()")
    time.sleep(0.5)


@dataclass
class Replica:
    data_dir: Path
    port: int
    primary_dsn: str

    @property
    def pg_ctl(self):
        return pg_bin("pg_ctl")

    def dsn(self, dbname="postgres"):
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def start(self, timeout=30):
        log = self.data_dir / "replica.log"
        _run([self.pg_ctl, "-D", str(self.data_dir), "-l", str(log), "-w", "-t", str(timeout), "start"], timeout + 5)

    def stop(self, timeout=30):
        if (self.data_dir / "postmaster.pid").exists():
            _run([self.pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "-t", str(timeout), "stop"], timeout + 5)

    def wait_caught_up(self, timeout=20):
        """Until the replica has replayed everything the primary had written when we asked."""
        target = _query(self.primary_dsn, "select pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while True:
            done = _query(self.dsn(), f"select pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]
            if done:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica did not replay up to {target} in {timeout} s")
            time.sleep(0.05)

    def destroy(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _remove_leftover(primary_dsn, port):
    """A replica of ours left running by a run that was killed is stopped and removed; any
    other server on the port is left alone (and the tests skipped)."""
    try:
        found = _query(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", "show data_directory")
    except psycopg2.OperationalError:
        return
    data_dir = Path(found[0][0])
    if not data_dir.name.startswith("cc-replica-") or data_dir.parent != Path(tempfile.gettempdir()):
        raise ReplicaUnavailable(f"port {port} is taken by another PostgreSQL server ({data_dir})")
    Replica(data_dir=data_dir, port=port, primary_dsn=primary_dsn).destroy()


def make_replica(primary_dsn, port=5433, timeout=120):
    """Copy the primary with ``pg_basebackup -R`` and start it as a hot standby on ``port``."""
    basebackup = pg_bin("pg_basebackup")
    pg_bin("pg_ctl")
    _remove_leftover(primary_dsn, port)
    ensure_replication_hba(primary_dsn)
    params = dict(p.split("=", 1) for p in primary_dsn.split())
    data_dir = Path(tempfile.mkdtemp(prefix="cc-replica-"))
    data_dir.chmod(0o700)
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres", "postgres")
    replica = Replica(data_dir=data_dir, port=port, primary_dsn=primary_dsn)
    try:
        # -c fast: do not wait for a spread checkpoint; --no-sync: a throwaway copy.
        _run(
            [
                basebackup,
                "-h", params.get("host", "127.0.0.1"), "-p", params.get("port", "5432"),
                "-U", params.get("user", "postgres"),
                "-D", str(data_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync",
            ],
            timeout,
        )  # fmt: skip
        minimums = _query(
            primary_dsn,
            "select name, setting from pg_settings where name = any(array[{}])".format(
                ", ".join(f"'{n}'" for n in STANDBY_MINIMUMS)
            ),
        )
        # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy gets its own.
        conf = [
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{data_dir}'",
            "hot_standby = on",
            "hot_standby_feedback = on",
            "fsync = off",
            "autovacuum = off",
            "shared_buffers = 32MB",
            *(f"{name} = {value}" for name, value in minimums),
        ]
        (data_dir / "postgresql.conf").write_text("\n".join(conf) + "\n")
        (data_dir / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data_dir / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(data_dir / name, "postgres", "postgres")
        replica.start()
    except BaseException:
        replica.destroy()
        raise
    return replica
