"""Celery jobs of the reports app (thin: they look up campaigns and call the services).

Scheduled briefing builds **catch up**: each run works out every briefing that should exist —
each active campaign × the last few finished periods (``BRIEFING_CATCH_UP``) × the city and each
district — and builds the missing ones, one committed transaction each. A run killed half-way
(worker SIGKILL, a lost broker message) therefore loses nothing: the next run builds the rest,
and since a 文号 is taken inside the publishing transaction the numbers stay contiguous.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from chuangcheng.campaigns.models import Campaign
from chuangcheng.exceptions import ApplicationError

from .briefings import briefing_build, due_periods, scheduled_regions
from .figures import scoring_for
from .models import Briefing

logger = logging.getLogger(__name__)

CATCH_UP = {"daily": 7, "weekly": 4, "monthly": 2}  # periods looked back on per run


def build_scheduled(kind, *, today=None, now=None):
    """Every ``kind`` briefing that should exist and does not, for every active campaign, city-wide
    and per district, over the last ``BRIEFING_CATCH_UP[kind]`` finished periods; published at
    once when the campaign's rule says so, else a draft for the office (an empty period gets a
    one-line note). Idempotent by data. Returns ``[(briefing_id, created)]`` of the latest period."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    count = getattr(settings, "BRIEFING_CATCH_UP", CATCH_UP).get(kind, 1)
    out = []
    periods_due = due_periods(kind, today, count)
    latest_start = periods_due[-1][0]
    for campaign in Campaign.objects.active().select_related("region").order_by("pk"):
        publish = scoring_for(campaign).auto_publishes(kind)
        regions = scheduled_regions(campaign)
        for start, _end in periods_due:
            latest = start == latest_start
            have = set(
                Briefing.objects.filter(campaign=campaign, kind=kind, period_start=start).values_list(
                    "region_id", flat=True
                )
            )
            shared = {}  # the regions of one period share reads (the city's flows by kind)
            for region in regions:
                if region.pk in have and not latest:
                    continue
                try:
                    briefing, created = briefing_build(
                        campaign=campaign, kind=kind, day=start, region=region, publish=publish, now=now, shared=shared
                    )
                except ApplicationError as error:  # e.g. a campaign that starts after the period
                    logger.info("briefing %s %s %s skipped: %s", kind, campaign.pk, region.pk, error.message)
                    continue
                if latest:
                    out.append((briefing.pk, created))
                elif created:
                    logger.warning("briefing %s of %s for %s caught up", kind, start, region.name)
    return out


@shared_task(name="reports.build_daily_briefings")
def build_daily_briefings():
    """日通报 of yesterday, and any missed in the week before (beat: every day 08:00)."""
    return build_scheduled("daily")


@shared_task(name="reports.build_weekly_briefings")
def build_weekly_briefings():
    """周通报 of last Monday–Sunday, and any missed in the four weeks before (beat: Mondays 09:00)."""
    return build_scheduled("weekly")


@shared_task(name="reports.build_monthly_briefings")
def build_monthly_briefings():
    """月考评 of last month, and last month's if it was missed (beat: the 1st, 09:00)."""
    return build_scheduled("monthly")


@shared_task(name="reports.snapshot_backlog")
def snapshot_backlog():
    """整点快照: the backlog of each region cell at the top of this hour, and of up to three earlier
    hours missed (the job was down), per active campaign (beat: every hour at :01); then, once a
    week has ended, its figure set for the city and each district not yet briefed (the
    dashboard's ranking until the 周通报 is built: :func:`dashboard.keep_finished_week`).
    Idempotent: an hour's snapshot is replaced whole and is the event log's replay of that
    moment; a kept week is not computed again."""
    from . import backlog, dashboard

    campaigns = list(Campaign.objects.active().select_related("region").order_by("pk"))
    taken = {pk: [h.isoformat() for h in hours] for pk, hours in backlog.run(campaigns).items()}
    for campaign in campaigns:
        dashboard.keep_finished_week(campaign)
    return taken


@shared_task(name="reports.refresh_daily_stats")
def refresh_daily_stats():
    """Dashboards' daily summary rows of today and yesterday, then any day of the last 90 never
    built (the job was down), then the period figures of the city and each district into the
    cache (beat: every 5 minutes). Idempotent: a day's rows are replaced whole, and a past day's
    backlog is replayed from the event log, never read off today's rows."""
    from . import dashboard, stats

    campaigns = list(Campaign.objects.active().select_related("region").order_by("pk"))
    out = stats.refresh(campaigns, days=2)
    stats.catch_up(campaigns)
    for campaign in campaigns:
        dashboard.warm(campaign)
    return out
