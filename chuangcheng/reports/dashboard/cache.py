"""The dashboards' short-lived cache: a section computed once a minute (period figures once a
quarter-hour, re-warmed by the job) per (campaign, region). A cache that fails (Redis down) is
skipped, never fatal: the value is computed from the database."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

try:  # the errors a cache backend raises when its server is away
    from redis.exceptions import RedisError

    CACHE_ERRORS = (OSError, RedisError)
except ImportError:  # pragma: no cover - redis is a dependency
    CACHE_ERRORS = (OSError,)

SECTION_SECONDS = 60  # trend, breakdowns, lists: at most a minute old
FIGURES_SECONDS = 15 * 60  # period figures: re-warmed by the job every 5 minutes


def key(*parts):
    return "dash:v2:" + ":".join(str(p) for p in parts)


def worded_key(*parts, language=None):
    """:func:`key` of a section whose value holds words (severity names, definitions, column
    labels): one entry per language, so an English page is never served the Chinese words a
    Chinese page cached (nor the reverse)."""
    return key(*parts, language or get_language() or settings.LANGUAGE_CODE)


def cached(name, compute, seconds=SECTION_SECONDS):
    """``compute()`` through the Django cache; a cache error is logged and the value computed."""
    try:
        value = cache.get(name)
    except CACHE_ERRORS as error:
        logger.warning("dashboard cache read failed: %s", error)
        value = None
    if value is not None:
        return value
    value = compute()
    try:
        cache.set(name, value, seconds)
    except CACHE_ERRORS as error:
        logger.warning("dashboard cache write failed: %s", error)
    return value


def delete(names):
    """Drop cached sections; ``False`` when the cache is away."""
    try:
        cache.delete_many(names)
    except CACHE_ERRORS as error:
        logger.warning("dashboard cache delete failed: %s", error)
        return False
    return True
