"""Two beat processes by mistake (a second host, a restarted container that did not stop the
first): each sends the daily briefing job, two workers run the copies side by side. The data
decides: one briefing per (campaign, region, period), 文号 numbered without gaps or repeats."""

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest
import redis
from django.db.models import F

from chuangcheng.reports.briefings import scheduled_regions
from chuangcheng.reports.models import Briefing
from inspections.models import Issue, IssueEvent

from .servers import wait_for
from .stack import app_env, beat, stop_all, worker

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SENDS_PER_BEAT = 3  # each beat sends the job at least this often (every second)


def sent(process):
    return process.output().count("Sending due task reports-daily-briefings")


def ran(process):
    return len(re.findall(r"Task reports\.build_daily_briefings\[[^]]+\] succeeded", process.output()))


def received(process):
    return len(re.findall(r"Task reports\.build_daily_briefings\[[^]]+\] received", process.output()))


def queued(redis_url):
    return redis.Redis.from_url(redis_url, socket_timeout=2).llen("celery")


def test_two_beats_build_one_briefing_per_period_with_contiguous_numbers(
    redis_server, var_dir, campaign, city, people, make_issue
):
    make_issue("closed")
    make_issue("rectifying")
    # Three days ago, so the days the job looks back on have something to report (and a 文号).
    back = dt.timedelta(days=3)
    stamps = ["assigned_at", "sign_deadline", "signed_at", "rectification_deadline", "submitted_at", "closed_at"]
    Issue.objects.update(created_at=F("created_at") - back, **{f: F(f) - back for f in stamps})
    IssueEvent.objects.update(created_at=F("created_at") - back)
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
        # A beat logs "Sending due task" before it publishes: the one it was stopped between the
        # two never reached the broker. Done means the queue is empty and every copy a worker took
        # has finished; at most one send per beat may be missing.
        wait_for(
            lambda: (
                queued(env["REDIS_URL"]) == 0
                and sum(ran(w) for w in workers) == sum(received(w) for w in workers) >= sends - len(beats)
            ),
            timeout=120,
            message=lambda: f"the workers to run {sends} jobs\n" + "\n".join(w.output() for w in workers),
        )
        assert all(ran(w) for w in workers)  # both workers built side by side
    finally:
        stop_all(*beats, *workers)

    # Each run also catches up the days missed before (BRIEFING_CATCH_UP): whatever periods were
    # built, each (region, day) exists once, and each region's yearly 文号 series has no gap or repeat.
    regions = {r.pk for r in scheduled_regions(campaign)}
    built = list(Briefing.objects.filter(campaign=campaign, kind="daily"))
    periods = {b.period_start for b in built}
    assert built and len(built) == len(regions) * len(periods)
    assert {(b.region_id, b.period_start) for b in built} == {(r, p) for r in regions for p in periods}
    # Published ones take their 文号; an empty day is a one-line note without one.
    assert all((b.number is None) == (b.status == "empty") for b in built)
    assert any(b.number for b in built)
    series = defaultdict(list)
    for b in built:
        if b.number is not None:
            series[(b.region_id, b.period_start.year)].append(b.number)
    for numbers in series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
