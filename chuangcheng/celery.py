"""The Celery app. Jobs live in each app's ``jobs.py`` (a *task* is a ledger item here)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")


def _survive_broker_restart():
    """kombu 5.7's Redis transport crashed the worker when the broker went away with a job in
    flight: the consumer closes its connection (detaching the transport from it), then closing
    the channel restores the unacknowledged message, which builds a new Redis pool from the
    detached connection — ``AttributeError: 'NoneType' object has no attribute 'hostname'`` —
    an "unrecoverable error" that ended the worker. Here that case is the connection error it
    is: swallowed by the channel close, the worker reconnects. The message stays in Redis' unacked
    set (with ``appendonly``) and is restored after the visibility timeout; jobs are idempotent by
    data. Covered by tests/faults/test_worker.py (a real worker, a real redis-server restarted)."""
    import redis
    from kombu.transport import redis as transport

    original = transport.Channel._connparams
    if getattr(original, "patched_for_restart", False):
        return

    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection of this channel is closed")
        return original(self, asynchronous=asynchronous)

    _connparams.patched_for_restart = True
    transport.Channel._connparams = _connparams


_survive_broker_restart()

app = Celery("chuangcheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
