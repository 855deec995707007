"""Scheduled briefing builds catch up, through a real Celery worker over Redis.

The daily job of a city with eleven scopes (the city and ten districts) over two days is killed
with SIGKILL while it builds; the next run — what beat sends the next morning — builds exactly
what is missing: every briefing of every period exists once, and each issuer's 文号 run 1, 2
with no gap (a 文号 is taken inside the transaction that publishes, so a kill rolls it back).
"""

import datetime as dt
import os
import signal

import pytest
from django.utils import timezone

from chuangcheng.campaigns.models import Campaign
from chuangcheng.reports import jobs
from chuangcheng.reports.models import Briefing
from tests.celery_worker import real_worker
from tests.factories import RegionFactory, UnitFactory
from tests.notifications.test_real_worker import worker_pid

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DISTRICTS = 10


@pytest.fixture
def busy_city(campaign, city, make_issue):
    """Ten more districts, each with a street office owing an overdue issue, so that every scope
    has something to report; the campaign started two days before yesterday."""
    today = timezone.localdate()
    Campaign.objects.filter(pk=campaign.pk).update(start_date=today - dt.timedelta(days=2))
    shanghai = timezone.get_default_timezone()
    for n in range(DISTRICTS):
        district = RegionFactory(name=f"测试{n}区", level="county", parent=city.city, code=f"9901{n + 10:02d}")
        street = RegionFactory(name=f"测试{n}街道", level="town", parent=district)
        unit = UnitFactory(name=f"测试{n}街道办事处", kind="territorial", level="street", region=street)
        assigned = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(9), shanghai)
        make_issue(unit, street, assigned=assigned, deadline=assigned + dt.timedelta(hours=8), address=f"测试路{n}号")
    return 1 + 2 + DISTRICTS  # the city, 甲区, 乙区 and the ten


def test_a_killed_daily_run_is_completed_by_the_next_with_contiguous_numbers(busy_city):
    scopes = busy_city
    expected = scopes * 2  # yesterday and the day before, each scope
    daily = Briefing.objects.filter(kind="daily")
    with real_worker() as (queue, wait):
        jobs.build_daily_briefings.apply_async(queue=queue)
        assert wait(lambda: daily.count() >= 3, timeout=60), "the job never started building"
        os.kill(worker_pid(queue), signal.SIGKILL)
    killed_at = daily.count()
    assert killed_at < expected, "the job finished before the kill: nothing left to catch up"

    with real_worker() as (queue, wait):
        jobs.build_daily_briefings.apply_async(queue=queue)  # the next scheduled run
        assert wait(lambda: daily.count() == expected, timeout=120), (daily.count(), expected)

    assert daily.values("region_id", "period_start").distinct().count() == expected
    for region_id in set(daily.values_list("region_id", flat=True)):
        series = daily.filter(region_id=region_id, status="published").order_by("number")
        assert list(series.values_list("number", flat=True)) == list(range(1, series.count() + 1))
        assert list(series.order_by("period_start").values_list("number", flat=True)) == list(
            range(1, series.count() + 1)
        )
    assert daily.filter(status="published").count() >= scopes  # 甲区, 乙区 may be empty notes on a day
