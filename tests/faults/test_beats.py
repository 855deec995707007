"""Two beat processes by mistake (a second host, a restarted container that did not stop the
first): each sends the daily briefing job, two workers run the copies side by side. The data
decides: one briefing per (campaign, region, period), 文号 numbered without gaps or repeats."""

import time
from pathlib import Path

import pytest

from chuangcheng.celery import app
from chuangcheng.reports.briefings import scheduled_regions
from chuangcheng.reports.models import Briefing

from .servers import wait_for
from .stack import app_env, beat, stop_all, worker

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEAT_SECONDS = 6


def queue_length(url):
    with app.connection_for_write(url=url) as connection:
        return connection.default_channel.client.llen("celery")


def test_two_beats_build_one_briefing_per_period_with_contiguous_numbers(
    redis_server, var_dir, campaign, city, people, make_issue
):
    make_issue("closed")
    make_issue("rectifying")
    if redis_server.process is None:
        redis_server.start()
    url = redis_server.url(4)
    env = app_env(redis_url=url, var_dir=var_dir)
    beat_env = {**env, "DJANGO_SETTINGS_MODULE": "tests.faults.beat_settings"}
    workers = [worker(env, name=f"briefings{i}") for i in (1, 2)]
    beats = []
    try:
        beats = [beat(beat_env, schedule_path=Path(var_dir) / f"beat{i}-schedule", name=f"beat{i}") for i in (1, 2)]
        time.sleep(BEAT_SECONDS)
        stop_all(*beats)
        sent = "\n".join(b.output() for b in beats).count("Sending due task reports-daily-briefings")
        assert sent >= 4, "\n".join(b.output() for b in beats)
        wait_for(lambda: queue_length(url) == 0, timeout=120, message="the workers to drain the queue")
        time.sleep(2)  # the last job in flight
    finally:
        stop_all(*beats, *workers)

    expected = len(scheduled_regions(campaign))
    built = Briefing.objects.filter(campaign=campaign, kind="daily")
    assert built.count() == expected
    assert len({(b.region_id, b.period_start) for b in built}) == expected
    assert sorted(built.values_list("number", flat=True)) == list(range(1, expected + 1))
