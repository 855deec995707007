"""Writes made by notification jobs."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import JobHeartbeat


def heartbeat_record(*, name, hostname=""):
    """Record that ``name`` ran now. Safe under concurrent runs: the counter is an F() update."""
    now = timezone.now()
    with transaction.atomic():
        beat, created = JobHeartbeat.objects.get_or_create(
            name=name, defaults={"last_run_at": now, "run_count": 1, "hostname": hostname}
        )
        if not created:
            JobHeartbeat.objects.filter(pk=beat.pk).update(
                last_run_at=now, run_count=F("run_count") + 1, hostname=hostname
            )
    return JobHeartbeat.objects.get(name=name)
