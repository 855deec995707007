"""Celery jobs of the notifications app (thin: they call services).

Idempotent by data: the reminder pass writes unique delivery rows; the senders claim a row
before sending. A retried or duplicated message finds the work done. Jobs are acknowledged
late (settings), so a message whose worker died is redelivered; the lease covers the rest.
"""

import socket
import time

from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import digests, heartbeats, reminders, services

# Stop taking new rows well before CELERY_TASK_SOFT_TIME_LIMIT (240 s).
SWEEP_BUDGET_SECONDS = 180


@shared_task(name="notifications.heartbeat")
def heartbeat(name="heartbeat"):
    """Scheduled every minute by beat; its row shows the worker and beat are alive."""
    beat = heartbeats.heartbeat_record(name=name, hostname=socket.gethostname())
    return beat.run_count


@shared_task(name="notifications.send_reminders")
def send_reminders(now=None):
    """One reminder pass (beat, every 5 minutes). ``now`` (ISO 8601) is for operators and tests."""
    moment = parse_datetime(now) if now else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    result = reminders.reminders_dispatch(now=moment)
    heartbeats.heartbeat_record(name="notifications.send_reminders", hostname=socket.gethostname())
    return {rule: len(rows) for rule, rows in result.items()}


@shared_task(name="notifications.deliver")
def deliver(delivery_ids):
    """Send these deliveries (enqueued after the commit that wrote them). A row another worker
    holds, or one already sent, is skipped."""
    return [services.delivery_send(delivery_id=pk) for pk in delivery_ids]


@shared_task(name="notifications.deliver_due")
def deliver_due():
    """The sweep (beat, every minute): rows pending past their backoff, rows whose kick was lost
    while the broker was down, rows whose worker died (lease expired)."""
    started = time.monotonic()
    services.deliveries_expire()
    sent = 0
    while time.monotonic() - started < SWEEP_BUDGET_SECONDS:
        ids = services.deliveries_due(now=timezone.now())
        if not ids:
            break
        for pk in ids:
            sent += services.delivery_send(delivery_id=pk) is not None
            if time.monotonic() - started >= SWEEP_BUDGET_SECONDS:
                break
        if len(ids) < 200:
            break
    heartbeats.heartbeat_record(name="notifications.deliver_due", hostname=socket.gethostname())
    return sent


@shared_task(name="notifications.send_daily_digests")
def send_daily_digests():
    """The 每日汇总 of whoever chose one (beat, every 15 minutes; a missed run is made up)."""
    return digests.daily_digests_send()
