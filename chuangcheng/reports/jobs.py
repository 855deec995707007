"""Celery jobs of the reports app (thin: they look up campaigns and call the briefing service)."""

import logging

from celery import shared_task

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError

from .briefings import briefing_build, scheduled_regions

logger = logging.getLogger(__name__)


def build_scheduled(kind, *, today=None):
    """The ``kind`` briefing of the period that just ended, for every active campaign, city-wide
    and per district. Idempotent by data: a re-run finds the briefings already built.
    Returns ``[(briefing_id, created)]``."""
    from django.utils import timezone

    from . import periods

    today = today or timezone.localdate()
    day = periods.last_finished_period(kind, today)[0]
    out = []
    for campaign in Campaign.objects.active().select_related("region").order_by("pk"):
        for region in scheduled_regions(campaign):
            try:
                briefing, created = briefing_build(campaign=campaign, kind=kind, day=day, region=region)
            except ApplicationError as error:  # e.g. a campaign that starts after the period
                logger.info("briefing %s %s %s skipped: %s", kind, campaign.pk, region.pk, error.message)
                continue
            out.append((briefing.pk, created))
    return out


@shared_task(name="reports.build_daily_briefings")
def build_daily_briefings():
    """日通报 of yesterday (beat: every day 08:00)."""
    return build_scheduled("daily")


@shared_task(name="reports.build_weekly_briefings")
def build_weekly_briefings():
    """周通报 of last Monday–Sunday (beat: Mondays 09:00)."""
    return build_scheduled("weekly")


@shared_task(name="reports.build_monthly_briefings")
def build_monthly_briefings():
    """月考评 of last month (beat: the 1st, 09:00)."""
    return build_scheduled("monthly")


@shared_task(name="reports.refresh_daily_stats")
def refresh_daily_stats():
    """Dashboards' daily summary rows of today and yesterday, then the period figures of the
    city and each district into the cache (beat: every 5 minutes). Idempotent: a day's rows
    are replaced whole."""
    from . import dashboard, stats

    campaigns = list(Campaign.objects.active().select_related("region").order_by("pk"))
    out = stats.refresh(campaigns, days=2)
    for campaign in campaigns:
        dashboard.warm(campaign)
    return out
