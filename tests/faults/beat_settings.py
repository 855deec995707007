"""Settings for the two-beats test: the daily briefings every second instead of daily at 08:00
(and nothing else), so two beat processes send the same job many times within a few seconds."""

from tests.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "reports-daily-briefings": {"task": "reports.build_daily_briefings", "schedule": 1.0},
}
