"""The job board: every job of the beat schedule, how often it should run, when it last ran and
whether that is late — read by the home page (for administrators) and the 定时作业 page.

A job is **late** only when it has missed a whole interval: the run due after its last run
(from the beat schedule — every N seconds, or a crontab) is more than one interval (at least
``GRACE``) in the past; a job every 5 minutes turns red 10 minutes after its last run, a daily
job a day after the morning it missed. A job that has never run is measured from the system's
start (the first heartbeat of any job, or this web process's start when there is none yet), so
the first minutes after ``make run`` raise no alarm.
"""

import datetime as dt
from dataclasses import dataclass

from celery.schedules import crontab
from celery.schedules import schedule as every
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import JobHeartbeat

GRACE = dt.timedelta(minutes=2)
# Where this process started (a fallback "system start" before any job has run).
PROCESS_STARTED = timezone.now()

OK, LATE, WAITING = "ok", "late", "waiting"


@dataclass(frozen=True)
class JobRow:
    name: str  # the beat entry
    task: str  # the job's registered name
    interval: dt.timedelta
    schedule_text: str
    last_run_at: dt.datetime | None
    run_count: int
    next_due: dt.datetime
    state: str  # ok / late / waiting (never ran yet, not late)

    @property
    def is_stale(self):
        return self.state == LATE

    @property
    def ran_just_now(self):
        return self.last_run_at is not None and timezone.now() - self.last_run_at < dt.timedelta(minutes=1)


def _as_schedule(value):
    if isinstance(value, int | float):
        return every(dt.timedelta(seconds=value))
    if isinstance(value, dt.timedelta):
        return every(value)
    return value


def _next_after(sched, moment, now):
    """The first run the schedule makes after ``moment``."""
    if isinstance(sched, every):
        return moment + sched.run_every
    return now + sched.remaining_estimate(moment)


def _interval(sched, now):
    if isinstance(sched, every):
        return sched.run_every
    first = _next_after(sched, now, now)
    # Celery counts a run at ``first`` itself as the next after ``first``: ask from just after it.
    gap = _next_after(sched, first + dt.timedelta(minutes=1), now) - first
    return dt.timedelta(seconds=round(gap.total_seconds()))


def describe(sched, interval):
    """每分钟 / 每 5 分钟 / 每天 08:00 / 每周一 09:00 / 每月 1 日 09:00 — in the reader's language."""
    if isinstance(sched, every) or (isinstance(sched, crontab) and interval < dt.timedelta(days=1)):
        # (a crontab that runs many times a day — minute="*/15" — reads as its interval)
        seconds = int(interval.total_seconds())
        if seconds % 60:
            return _("每 %(n)s 秒") % {"n": seconds}
        minutes = seconds // 60
        return _("每分钟") if minutes == 1 else _("每 %(n)s 分钟") % {"n": minutes}
    if isinstance(sched, crontab):
        at = f"{min(sched.hour):02d}:{min(sched.minute):02d}"
        if interval >= dt.timedelta(days=28):
            return _("每月 %(d)s 日 %(t)s") % {"d": min(sched.day_of_month), "t": at}
        if interval >= dt.timedelta(days=7):
            names = [_("周日"), _("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六")]
            return _("每%(w)s %(t)s") % {"w": names[min(sched.day_of_week)], "t": at}
        return _("每天 %(t)s") % {"t": at}
    return str(sched)


def system_started(beats):
    firsts = [b.first_run_at for b in beats if b.first_run_at is not None]
    return min(firsts) if firsts else PROCESS_STARTED


def job_board(*, now=None, beat_schedule=None):
    """One :class:`JobRow` per beat entry, in the schedule's order (two queries)."""
    now = now or timezone.now()
    entries = beat_schedule if beat_schedule is not None else settings.CELERY_BEAT_SCHEDULE
    beats = {b.name: b for b in JobHeartbeat.objects.all()}
    started = system_started(beats.values())
    rows = []
    for name, entry in entries.items():
        sched = _as_schedule(entry["schedule"])
        interval = _interval(sched, now)
        beat = beats.get(entry["task"]) or beats.get(name)
        reference = beat.last_run_at if beat else started
        next_due = _next_after(sched, reference, now)
        late = now - next_due > max(interval, GRACE)
        state = LATE if late else (OK if beat else WAITING)
        rows.append(
            JobRow(
                name=name,
                task=entry["task"],
                interval=interval,
                schedule_text=describe(sched, interval),
                last_run_at=beat.last_run_at if beat else None,
                run_count=beat.run_count if beat else 0,
                next_due=next_due,
                state=state,
            )
        )
    return rows
