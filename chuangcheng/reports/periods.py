"""Briefing periods: a day, a Monday–Sunday week, a calendar month — in Asia/Shanghai dates.

A period is an inclusive pair of dates; :func:`bounds` turns it into the half-open interval of
aware datetimes ``[start 00:00, day after end 00:00)`` that every figure filters on.
"""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from chuangcheng.humantime import local_midnight

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
KINDS = (DAILY, WEEKLY, MONTHLY)


@dataclass(frozen=True)
class Bounds:
    """``[start, end)`` as aware datetimes, and the moment "at the end of the period" that
    overdue and lag are judged at (the end, or now when the period has not ended yet)."""

    start: dt.datetime
    end: dt.datetime
    as_of: dt.datetime
    as_of_date: dt.date  # the day after the period (or today): Task.is_overdue(today=as_of_date)


def bounds(period_start, period_end, *, now=None):
    now = now or timezone.now()
    end = local_midnight(period_end + dt.timedelta(days=1))
    as_of = min(end, now)
    return Bounds(
        start=local_midnight(period_start),
        end=end,
        as_of=as_of,
        as_of_date=min(period_end + dt.timedelta(days=1), timezone.localtime(now).date()),
    )


def period_for(kind, day):
    """The period of ``kind`` that contains ``day``: (first day, last day)."""
    if kind == DAILY:
        return day, day
    if kind == WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    if kind == MONTHLY:
        first = day.replace(day=1)
        return first, first + relativedelta(months=1) - dt.timedelta(days=1)
    raise ValueError(kind)


def previous_period(kind, period_start):
    return period_for(kind, period_start - dt.timedelta(days=1))


def next_period(kind, period_end):
    return period_for(kind, period_end + dt.timedelta(days=1))


def last_finished_period(kind, today=None):
    """The period a scheduled briefing reports on: the latest one that has ended (yesterday,
    last Monday–Sunday, last calendar month)."""
    today = today or timezone.localdate()
    return previous_period(kind, period_for(kind, today)[0])
