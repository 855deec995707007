"""Read replica: heavy read-only pages read from a PostgreSQL streaming replica, on purpose only.

Set ``REPLICA_DATABASE_URL`` and the settings add a ``replica`` database and install
:class:`ReplicaRouter`. Nothing reads from the replica unless a view asks for it with
:func:`reads_from_replica` (a decorator or a ``with`` block): the dashboards (pages and API), the
briefing pages and downloads, the list exports and the public 随手拍 track page. Everything else —
and every write, everywhere — stays on the primary, so a page that shows what was just saved
reads it from where it was saved.

Inside ``reads_from_replica`` a read still goes to the primary when

- the replica is down or lags: a health check (cached ``REPLICA_CHECK_SECONDS`` per process, so
  it costs no query per request) finds it unreachable (``connect_timeout`` bounds the wait), not a
  standby, or behind the primary by more than ``REPLICA_MAX_LAG_SECONDS``. Lag is judged against
  the primary's WAL position: caught up means the replica has replayed everything the primary had
  written when asked (an idle primary writes nothing, so "time since the last replayed
  transaction" alone would grow forever); otherwise the lag is the age of the last replayed
  transaction. A warning is logged each time a check sends reads back to the primary;
- the request's browser wrote something in the last ``REPLICA_STICKY_SECONDS``
  (:class:`PrimaryAfterWriteMiddleware`): a briefing just built or published is read back from
  the primary, not from a replica that has not replayed it yet;
- the primary connection is inside a transaction (``atomic``): reads there must see its writes;
- the model is one whose rows a request itself just wrote (sessions, tokens, login attempts).

A view whose replica connection fails half-way (the replica stopped between two checks) is run
once more, on the primary, and the replica is marked down until the next check.
"""

import functools
import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.utils.connection import ConnectionDoesNotExist

logger = logging.getLogger(__name__)

REPLICA = "replica"
# Rows the request machinery writes and reads back at once: always on the primary.
PRIMARY_ONLY_APPS = {"sessions", "authtoken", "axes", "contenttypes"}
STICKY_COOKIE = "cc_primary_until"


@dataclass
class _Use:
    """What the current view asked for, and whether a read did go to the replica."""

    replica: bool = False
    used: bool = False


_use = ContextVar("chuangcheng_reads_from_replica", default=None)
_pinned = ContextVar("chuangcheng_primary_pinned", default=False)


def replica_configured():
    return REPLICA in settings.DATABASES


# --- health ---------------------------------------------------------------------------------------


@dataclass
class _Health:
    checked: float = float("-inf")
    ok: bool = False
    reason: str = ""


_health = _Health()
_health_lock = threading.Lock()


def _lsn_of_primary():
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            return cursor.fetchone()[0]
    except DatabaseError:
        return None  # e.g. the "primary" is itself a standby: judge by replay time alone


def probe():
    """``(usable, reason)`` of the replica now, by one query on each side."""
    primary_lsn = _lsn_of_primary()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(),"
                " %s::pg_lsn IS NOT NULL AND pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())",
                [primary_lsn, primary_lsn],
            )
            standby, caught_up, seconds = cursor.fetchone()
    except DatabaseError as error:
        connections[REPLICA].close()
        return False, f"unreachable: {str(error).strip() or type(error).__name__}"
    return judge(standby, caught_up, seconds, settings.REPLICA_MAX_LAG_SECONDS)


def judge(standby, caught_up, seconds, limit):
    """``(usable, reason)`` from what the replica says: whether it is a standby, whether it has
    replayed the primary's current WAL position, and the age of its last replayed transaction."""
    if not standby:
        return False, "not a standby (promoted, or the URL names a primary)"
    if caught_up:
        return True, "caught up"
    if seconds is None or float(seconds) > limit:
        shown = "unknown" if seconds is None else f"{float(seconds):.1f} s"
        return False, f"lags the primary by {shown} (limit {limit} s)"
    return True, f"lags {float(seconds):.1f} s"


def replica_usable():
    """The cached health of the replica; re-checked at most every ``REPLICA_CHECK_SECONDS``."""
    now = time.monotonic()
    if now - _health.checked < settings.REPLICA_CHECK_SECONDS:
        return _health.ok
    with _health_lock:
        if time.monotonic() - _health.checked < settings.REPLICA_CHECK_SECONDS:
            return _health.ok
        ok, reason = probe()
        if not ok:
            logger.warning("Read replica not used, reading from the primary: %s", reason)
        elif not _health.ok and _health.checked != float("-inf"):
            logger.info("Read replica back in use: %s", reason)
        _health.ok, _health.reason, _health.checked = ok, reason, time.monotonic()
    return ok


def mark_replica_down(reason):
    """Reads go to the primary until the next health check (``REPLICA_CHECK_SECONDS``)."""
    logger.warning("Read replica failed, reading from the primary: %s", reason)
    with _health_lock:
        _health.ok, _health.reason, _health.checked = False, reason, time.monotonic()
    try:
        connections[REPLICA].close()
    except ConnectionDoesNotExist:
        pass


def forget_health():
    """The next read inside :func:`reads_from_replica` checks the replica again (tests)."""
    with _health_lock:
        _health.checked = float("-inf")


# --- choosing ---------------------------------------------------------------------------------------


class ReplicaRouter:
    """Reads to the replica only inside :func:`reads_from_replica` and only while it is healthy;
    writes and migrations always to the primary."""

    def db_for_read(self, model, **hints):
        use = _use.get()
        if (
            use is None
            or not use.replica
            or _pinned.get()
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not replica_usable()
        ):
            # Explicit: without a router's answer Django would follow the instance's database,
            # and an object read from the replica would pull its relations from there too.
            return DEFAULT_DB_ALIAS
        use.used = True
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        both = {DEFAULT_DB_ALIAS, REPLICA}
        return obj1._state.db in both and obj2._state.db in both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class _Scope:
    """Reads inside go to the replica when ``replica`` (and it is configured and healthy)."""

    def __init__(self, replica):
        self.replica = replica

    def __enter__(self):
        self._token = _use.set(_Use(replica=self.replica and replica_configured()))
        return _use.get()

    def __exit__(self, *exc):
        _use.reset(self._token)
        return False


def reads_from_replica(view=None):
    """Reads go to the replica (when configured and healthy): ``with reads_from_replica():``, or
    ``@reads_from_replica`` on a read-only view — innermost, under ``login_required``, so the
    session and the user are read before, from the primary. A decorated view whose replica
    connection fails half-way is run once more, on the primary."""
    if view is None:
        return _Scope(replica=True)

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with _Scope(replica=True) as use:
            try:
                return view(*args, **kwargs)
            except (OperationalError, InterfaceError) as error:
                if not use.used:
                    raise
                mark_replica_down(str(error).strip() or type(error).__name__)
        # Read-only views only: running one again is safe.
        with on_primary():
            return view(*args, **kwargs)

    return wrapped


def on_primary():
    """Reads inside go to the primary, even within :func:`reads_from_replica`."""
    return _Scope(replica=False)


def replica_iter(chunks):
    """A streamed body (``StreamingHttpResponse``) whose reads go to the replica: it is consumed
    after the view has returned, outside the view's ``reads_from_replica``."""
    with reads_from_replica():
        yield from chunks


# --- read-your-writes -------------------------------------------------------------------------------


class PrimaryAfterWriteMiddleware:
    """After a request that may have written (POST, PUT, PATCH, DELETE), that browser reads from
    the primary for ``REPLICA_STICKY_SECONDS``: a cookie holding the time until which it does.
    It says nothing secret; a forged one only sends its holder's reads to the primary."""

    UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            until = float(request.COOKIES.get(STICKY_COOKIE, "0"))
        except ValueError:
            until = 0.0
        token = _pinned.set(until > time.time())
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if request.method in self.UNSAFE and settings.REPLICA_STICKY_SECONDS > 0:
            seconds = settings.REPLICA_STICKY_SECONDS
            response.set_cookie(
                STICKY_COOKIE,
                f"{time.time() + seconds:.0f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
