"""The working calendar: which days are working days, and "N working hours/days from T".

Sources, in order: an admin's :class:`~chuangcheng.org.models.CalendarOverride` for the day
(including the days ``import_calendar`` loads from the 国务院办公厅 notice); the ``chinesecalendar``
library (statutory holidays and the 调休 make-up working days the State Council announces each
year); for a year neither knows, Monday–Friday — an *estimate*: :meth:`WorkingCalendar.estimated_years`
names such years so pages can say 按常规工作日估算 (see :mod:`chuangcheng.org.holidays`).

Working hours are the wall-clock periods in ``settings.WORKING_PERIODS`` (Asia/Shanghai).
"""

import datetime as dt
import logging
from functools import cached_property

import chinese_calendar
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def _parse(hhmm):
    h, m = hhmm.split(":")
    return dt.time(int(h), int(m))


class WorkingCalendar:
    """One calendar for a computation. Loads the admins' overrides once (cheap to build;
    build a new one per request or job so edits take effect)."""

    def __init__(self, overrides=None, periods=None, covered_years=None):
        self._overrides = overrides
        self._covered = covered_years
        self.periods = [(_parse(a), _parse(b)) for a, b in (periods or settings.WORKING_PERIODS)]
        self.tz = timezone.get_default_timezone()

    @cached_property
    def overrides(self):
        if self._overrides is not None:
            return dict(self._overrides)
        from .models import CalendarOverride

        return dict(CalendarOverride.objects.values_list("date", "is_workday"))

    @cached_property
    def covered_years(self):
        if self._covered is not None:
            return set(self._covered)
        from .holidays import covered_years

        return covered_years()

    def estimated_years(self, start, end):
        """The years between ``start`` and ``end`` (dates or datetimes) whose working days
        this calendar can only estimate (Monday–Friday): no library data, no imported notice."""
        from .holidays import uncovered_years

        return uncovered_years(start, end, covered=self.covered_years)

    def is_workday(self, day):
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # The library has no data for this year yet: weekends only, until an admin adds
            # that year's holidays as overrides.
            return day.weekday() < 5

    def next_workday(self, day):
        """The first working day strictly after ``day``."""
        day += dt.timedelta(days=1)
        for _ in range(400):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within 400 days")

    def _local(self, moment):
        return timezone.localtime(moment, self.tz)

    def _at(self, day, time):
        return timezone.make_aware(dt.datetime.combine(day, time), self.tz)

    def add_working_hours(self, start, hours):
        """The moment ``hours`` of working time after ``start`` (counted only inside working
        periods of working days). A start outside working time begins at the next period."""
        remaining = dt.timedelta(hours=float(hours))
        local = self._local(start)
        day = local.date()
        if not self.is_workday(day):
            day = self.next_workday(day)
            local = self._at(day, self.periods[0][0])
        while True:
            for begin, end in self.periods:
                period_start = self._at(day, begin)
                period_end = self._at(day, end)
                if local >= period_end:
                    continue
                cursor = max(local, period_start)
                available = period_end - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
                local = period_end
            day = self.next_workday(day)
            local = self._at(day, self.periods[0][0])

    def add_working_days(self, start, days):
        """The same wall-clock time ``days`` working days later (a start outside working
        time counts from the start of the next working period)."""
        local = self._local(start)
        day = local.date()
        time = local.time()
        first_begin, last_end = self.periods[0][0], self.periods[-1][1]
        if not self.is_workday(day) or time >= last_end:
            day = self.next_workday(day)
            time = first_begin
        elif time < first_begin:
            time = first_begin
        for _ in range(int(days)):
            day = self.next_workday(day)
        return self._at(day, time)

    def end_of_working_day(self, start):
        """立行立改: the end of the working day ``start`` falls in (or of the next one)."""
        local = self._local(start)
        day = local.date()
        last_end = self.periods[-1][1]
        if not self.is_workday(day) or local.time() >= last_end:
            day = self.next_workday(day)
        return self._at(day, last_end)


def deadline_after(start, *, hours=None, days=None, same_day=False, calendar=None):
    """The one function tasks and issues use to turn a time limit into a deadline.

    Exactly one of ``hours`` (工作时), ``days`` (工作日) or ``same_day`` (立行立改)."""
    if sum(bool(x) for x in (hours, days, same_day)) != 1:
        raise ValueError("give exactly one of hours, days or same_day")
    cal = calendar or WorkingCalendar()
    if same_day:
        return cal.end_of_working_day(start)
    if hours:
        return cal.add_working_hours(start, hours)
    return cal.add_working_days(start, days)
