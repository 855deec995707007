"""The Celery app. Jobs live in each app's ``jobs.py`` (a *task* is a ledger item here)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuangcheng.settings")

app = Celery("chuangcheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")
