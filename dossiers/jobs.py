"""Celery jobs of the dossiers (thin: they call services)."""

from celery import shared_task

from . import services


@shared_task(name="dossiers.send_reminders")
def send_reminders():
    """Requirements near or past their deadline and still owed → outbox rows (once per window)."""
    return len(services.dossier_send_reminders())
