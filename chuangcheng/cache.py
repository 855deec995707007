"""The Redis cache with short socket timeouts and a breaker (``CACHES["default"]`` when
``REDIS_URL`` is set).

A cache is an optimisation: when Redis refuses, hangs or is gone, a request must not wait for
it. Each command gives up after ``socket_timeout`` (connecting after ``socket_connect_timeout``);
the first failure opens the breaker for ``DOWN_SECONDS`` — every call in this process then fails
at once with :class:`CacheUnavailable` (a ``redis.ConnectionError``, so callers that handle
Redis errors handle it) instead of paying the timeout again. After that the next call tries
Redis again. Callers choose the degradation: the dashboard computes from the database, the
throttles count in this process (:mod:`chuangcheng.throttling`), ``/healthz`` reports it.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

SOCKET_TIMEOUT = 0.5  # seconds; a healthy Redis on the same network answers in a millisecond
DOWN_SECONDS = 5.0

# Per process and server (Django builds one backend object per thread).
_down_until = {}


class CacheUnavailable(RedisConnectionError):
    """The breaker is open: Redis failed moments ago, not tried again yet."""


class KeptClientCacheClient(RedisCacheClient):
    """Django's client makes a new ``redis.Redis`` for every command, and each one builds its
    table of about 170 response callbacks: 0.15 ms of CPU a command, eight commands for a
    cached overview (issue 18, twenty-second pass). One client per connection pool, kept, sends
    the same commands over the same pool. A backend object, and so this client, belongs to one
    thread (Django's cache handler); a ``redis.Redis`` takes a connection from its pool for each
    command, so a dropped connection is replaced as before."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        options = params["OPTIONS"]
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        self.down_seconds = float(params.get("DOWN_SECONDS", DOWN_SECONDS))
        super().__init__(server, params)
        self._class = KeptClientCacheClient
        self._breaker_key = str(server)

    def _check_breaker(self):
        if _down_until.get(self._breaker_key, 0) > time.monotonic():
            raise CacheUnavailable("cache marked unavailable after a recent failure")

    def _trip(self, error):
        was_up = _down_until.get(self._breaker_key, 0) <= time.monotonic()
        _down_until[self._breaker_key] = time.monotonic() + self.down_seconds
        if was_up:
            logger.warning("cache: Redis failed (%r); failing fast for %.0f s", error, self.down_seconds)


def _guarded(name):
    method = getattr(DjangoRedisCache, name)

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        self._check_breaker()
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError) as error:
            self._trip(error)
            raise

    return guarded


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisCache, _name, _guarded(_name))
