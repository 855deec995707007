"""Two beat processes by mistake (a second host, a restarted container that did not stop the
first): each sends the daily briefing job, two workers run the copies side by side. The data
decides: one briefing per (campaign, region, period), 文号 numbered without gaps or repeats."""

import re
from pathlib import Path

import pytest

from chuangcheng.reports.briefings import scheduled_regions
from chuangcheng.reports.models import Briefing

from .servers import wait_for
from .stack import app_env, beat, stop_all, worker

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SENDS_PER_BEAT = 3  # each beat sends the job at least this often (every second)


def sent(process):
    return process.output().count("Sending due task reports-daily-briefings")


def ran(process):
    return len(re.findall(r"Task reports\.build_daily_briefings\[[^]]+\] succeeded", process.output()))


def test_two_beats_build_one_briefing_per_period_with_contiguous_numbers(
    redis_server, var_dir, campaign, city, people, make_issue
):
    make_issue("closed")
    make_issue("rectifying")
    if redis_server.process is None:
        redis_server.start()
    env = app_env(redis_url=redis_server.url(4), var_dir=var_dir)
    beat_env = {**env, "DJANGO_SETTINGS_MODULE": "tests.faults.beat_settings"}
    workers = [worker(env, name=f"briefings{i}") for i in (1, 2)]
    beats = []
    try:
        beats = [beat(beat_env, schedule_path=Path(var_dir) / f"beat{i}-schedule", name=f"beat{i}") for i in (1, 2)]
        wait_for(
            lambda: all(sent(b) >= SENDS_PER_BEAT for b in beats),
            timeout=90,
            message=lambda: "both beats to send the job\n" + "\n".join(b.output() for b in beats),
        )
        stop_all(*beats)
        sends = sum(sent(b) for b in beats)
        wait_for(
            lambda: sum(ran(w) for w in workers) == sends,
            timeout=120,
            message=lambda: f"the workers to run {sends} jobs\n" + "\n".join(w.output() for w in workers),
        )
        assert all(ran(w) for w in workers)  # both workers built side by side
    finally:
        stop_all(*beats, *workers)

    expected = len(scheduled_regions(campaign))
    built = Briefing.objects.filter(campaign=campaign, kind="daily")
    assert built.count() == expected
    assert len({(b.region_id, b.period_start) for b in built}) == expected
    assert sorted(built.values_list("number", flat=True)) == list(range(1, expected + 1))
