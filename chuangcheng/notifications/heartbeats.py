"""Job heartbeats: each scheduled job's last run, read by the job board (:mod:`.jobboard`)."""

import logging
import socket

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import JobHeartbeat

logger = logging.getLogger(__name__)


def heartbeat_after_success(sender=None, **_kwargs):
    """Celery's ``task_success``: a job of the beat schedule records its run (the job board reads
    it). Jobs that record their own heartbeat are left alone; a failure to record is logged,
    never the job's failure."""
    name = getattr(sender, "name", "")
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    if name not in scheduled or name in SELF_RECORDING:
        return
    try:
        heartbeat_record(name=name, hostname=socket.gethostname())
    except Exception:
        logger.exception("heartbeat of %s not recorded", name)


# Jobs that call heartbeat_record themselves (the heartbeat job names its row "heartbeat").
SELF_RECORDING = {"notifications.heartbeat", "notifications.send_reminders", "notifications.deliver_due"}


def heartbeat_record(*, name, hostname=""):
    """Record that ``name`` ran now. Safe under concurrent runs: the counter is an F() update."""
    now = timezone.now()
    with transaction.atomic():
        beat, created = JobHeartbeat.objects.get_or_create(
            name=name, defaults={"last_run_at": now, "first_run_at": now, "run_count": 1, "hostname": hostname}
        )
        if not created:
            JobHeartbeat.objects.filter(pk=beat.pk).update(
                last_run_at=now, run_count=F("run_count") + 1, hostname=hostname
            )
    return JobHeartbeat.objects.get(name=name)
