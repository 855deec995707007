"""Throttles that keep answering when the cache (Redis) does not.

DRF's throttles keep their counters in the cache; a cache error used to escape as a 500 on the
public 随手拍 paths and on token login. Here a cache error (including the breaker of
:mod:`chuangcheng.cache` being open) makes the throttle count in this process's memory instead:
the same rate, per process — with N web processes a client gets at most N times the limit while
Redis is away. The fallback is logged (at most once a minute per process).
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)

FALLBACK = LocMemCache("chuangcheng-throttle-fallback", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 20000}})
CACHE_ERRORS = (RedisError, OSError)
_last_logged = [0.0]


class FallbackMixin:
    """For a :class:`rest_framework.throttling.SimpleRateThrottle`: on a cache error, count in
    this process (:data:`FALLBACK`) at the same rate."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            now = time.monotonic()
            if now - _last_logged[0] > 60:
                _last_logged[0] = now
                logger.warning("throttle: cache unavailable (%r); counting in this process", error)
            self.cache = FALLBACK
            return super().allow_request(request, view)


class AnonRateThrottle(FallbackMixin, throttling.AnonRateThrottle):
    pass


class ScopedRateThrottle(FallbackMixin, throttling.ScopedRateThrottle):
    pass
