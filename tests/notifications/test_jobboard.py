"""The job board knows each job's interval from the beat schedule: red only after a whole
interval was missed (a 5-minute job 10 minutes after its last run), never in the first interval
after the system started, and every scheduled job is listed — also those that record their run
through Celery's task_success (the signal handler) rather than by themselves."""

import datetime as dt

import pytest
from celery.schedules import crontab
from django.utils import timezone

from chuangcheng.notifications import heartbeats, jobboard
from chuangcheng.notifications.models import JobHeartbeat

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "heartbeat": {"task": "notifications.heartbeat", "schedule": 60.0},
    "reminders": {"task": "notifications.send_reminders", "schedule": 300.0},
    "daily": {"task": "reports.build_daily_briefings", "schedule": crontab(hour=8, minute=0)},
    "weekly": {"task": "reports.build_weekly_briefings", "schedule": crontab(hour=9, minute=0, day_of_week=1)},
}


def _ran(name, ago, *, first=None):
    now = timezone.now()
    JobHeartbeat.objects.update_or_create(
        name=name, defaults={"last_run_at": now - ago, "first_run_at": now - (first or ago), "run_count": 3}
    )


def _states(**kw):
    return {row.name: row.state for row in jobboard.job_board(beat_schedule=SCHEDULE, **kw)}


def test_first_minutes_after_start_raise_no_alarm(monkeypatch):
    monkeypatch.setattr(jobboard, "PROCESS_STARTED", timezone.now() - dt.timedelta(minutes=1))
    assert set(_states().values()) == {"waiting"}
    _ran("heartbeat", dt.timedelta(seconds=5))
    assert _states() == {"heartbeat": "ok", "reminders": "waiting", "daily": "waiting", "weekly": "waiting"}


def test_a_job_is_red_only_after_missing_a_whole_interval():
    _ran("heartbeat", dt.timedelta(seconds=30), first=dt.timedelta(days=30))
    _ran("notifications.send_reminders", dt.timedelta(minutes=9))
    assert _states()["reminders"] == "ok"  # due at +5 min, one interval of grace
    _ran("notifications.send_reminders", dt.timedelta(minutes=15))  # stopped for 3 × its interval
    assert _states()["reminders"] == "late"
    _ran("heartbeat", dt.timedelta(minutes=2))
    assert _states()["heartbeat"] == "ok"  # at least GRACE for the every-minute job
    _ran("heartbeat", dt.timedelta(minutes=4))
    assert _states()["heartbeat"] == "late"


def test_daily_and_weekly_jobs_measured_by_their_crontab():
    _ran("heartbeat", dt.timedelta(seconds=5), first=dt.timedelta(days=30))  # up for a month
    _ran("reports.build_daily_briefings", dt.timedelta(hours=20))
    _ran("reports.build_weekly_briefings", dt.timedelta(days=6))
    states = _states()
    assert (states["daily"], states["weekly"]) == ("ok", "ok")
    _ran("reports.build_daily_briefings", dt.timedelta(days=3))
    assert _states()["daily"] == "late"
    rows = {r.name: r for r in jobboard.job_board(beat_schedule=SCHEDULE)}
    assert rows["daily"].interval == dt.timedelta(days=1) and rows["weekly"].interval == dt.timedelta(days=7)
    assert [rows[k].schedule_text for k in SCHEDULE] == ["每分钟", "每 5 分钟", "每天 08:00", "每周一 09:00"]


def test_a_job_that_never_ran_since_a_long_start_is_red():
    _ran("heartbeat", dt.timedelta(seconds=5), first=dt.timedelta(days=20))  # two Mondays missed
    assert _states()["weekly"] == "late"


def test_scheduled_jobs_record_their_run_on_success(settings):
    class Job:
        name = "reports.refresh_daily_stats"

    heartbeats.heartbeat_after_success(sender=Job())
    heartbeats.heartbeat_after_success(sender=Job())
    beat = JobHeartbeat.objects.get(name="reports.refresh_daily_stats")
    assert beat.run_count == 2 and beat.first_run_at is not None

    class Unscheduled:
        name = "notifications.deliver"

    heartbeats.heartbeat_after_success(sender=Unscheduled())
    assert not JobHeartbeat.objects.filter(name="notifications.deliver").exists()


def test_a_crontab_that_runs_many_times_a_day_reads_as_its_interval():
    import datetime as dt

    from celery.schedules import crontab

    assert jobboard.describe(crontab(minute="*/15"), dt.timedelta(minutes=15)) == "每 15 分钟"
    assert jobboard.describe(crontab(hour=8, minute=0), dt.timedelta(days=1)) == "每天 08:00"
