"""The cache's breaker and the throttles' fallback, against a Redis port where nothing listens
(runs everywhere; tests/faults/ does the same against a real redis-server stopped and hung)."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from redis.exceptions import ConnectionError as RedisConnectionError

from chuangcheng import cache as resilient
from chuangcheng.throttling import FALLBACK, ScopedRateThrottle
from tests.notifications.conftest import free_port


@pytest.fixture
def dead_cache():
    backend = resilient.RedisCache(f"redis://127.0.0.1:{free_port()}/0", {"DOWN_SECONDS": 0.5})
    resilient._down_until.pop(backend._breaker_key, None)
    yield backend
    resilient._down_until.pop(backend._breaker_key, None)


def test_the_first_failure_opens_the_breaker_and_later_calls_fail_at_once(dead_cache):
    with pytest.raises(RedisConnectionError) as first:
        dead_cache.get("k")
    assert not isinstance(first.value, resilient.CacheUnavailable)
    started = time.monotonic()
    for _ in range(50):
        with pytest.raises(resilient.CacheUnavailable):
            dead_cache.set("k", 1)
    assert time.monotonic() - started < 0.1
    time.sleep(0.6)  # the breaker closes: the next call tries Redis again
    with pytest.raises(RedisConnectionError) as again:
        dead_cache.get("k")
    assert not isinstance(again.value, resilient.CacheUnavailable)


def test_socket_timeouts_are_short_by_default(dead_cache):
    options = dead_cache._options
    assert options["socket_timeout"] <= 1 and options["socket_connect_timeout"] <= 1


def test_a_throttle_counts_in_the_process_when_its_cache_fails(dead_cache):
    class Throttle(ScopedRateThrottle):
        cache = dead_cache
        THROTTLE_RATES = {"probe": "3/min"}

    view = type("View", (), {"throttle_scope": "probe"})()
    request = RequestFactory().get("/", REMOTE_ADDR=f"10.9.{time.monotonic_ns() % 250}.1")
    request.user = AnonymousUser()
    FALLBACK.clear()
    answers = [Throttle().allow_request(request, view) for _ in range(4)]
    assert answers == [True, True, True, False]


def test_one_redis_client_is_kept_per_pool_not_made_for_every_command():
    """Django's client makes a ``redis.Redis`` (with its table of response callbacks) for every
    command; ours keeps one per connection pool."""
    backend = resilient.RedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client(write=True) is client
    assert backend._cache.get_client("key") is client  # one server: reads and writes share its pool
