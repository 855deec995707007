"""创城 campaign tracker: the project package (settings, urls, Celery app and shared apps)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
