"""Celery jobs of the notifications app (thin: they call services)."""

import socket

from celery import shared_task

from . import services


@shared_task(name="notifications.heartbeat")
def heartbeat(name="heartbeat"):
    """Scheduled every minute by beat; its row shows the worker and beat are alive."""
    beat = services.heartbeat_record(name=name, hostname=socket.gethostname())
    return beat.run_count
