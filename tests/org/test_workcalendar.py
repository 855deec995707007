"""The working calendar: statutory holidays, 调休 make-up days, overrides, working hours."""

import datetime as dt

import pytest
from django.utils import timezone

from chuangcheng.org.models import CalendarOverride
from chuangcheng.org.workcalendar import WorkingCalendar, deadline_after

TZ = timezone.get_default_timezone()


def at(y, m, d, hh=0, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm), TZ)


CAL = WorkingCalendar(overrides={})


def test_holidays_and_makeup_days_from_the_library():
    assert not CAL.is_workday(dt.date(2026, 10, 1))  # 国庆节
    assert CAL.is_workday(dt.date(2026, 11, 23))  # a Monday
    assert not CAL.is_workday(dt.date(2026, 11, 22))  # a Sunday
    # A Saturday the State Council made a working day (调休) in 2026.
    assert CAL.is_workday(dt.date(2026, 10, 10))


def test_year_the_library_does_not_know_falls_back_to_weekdays():
    assert CAL.is_workday(dt.date(2030, 1, 7))
    assert not CAL.is_workday(dt.date(2030, 1, 5))


@pytest.mark.django_db
def test_admin_override_wins():
    CalendarOverride.objects.create(date=dt.date(2026, 11, 24), is_workday=False, note="防汛停工")
    CalendarOverride.objects.create(date=dt.date(2026, 11, 29), is_workday=True, note="迎检加班")
    cal = WorkingCalendar()
    assert not cal.is_workday(dt.date(2026, 11, 24))
    assert cal.is_workday(dt.date(2026, 11, 29))


def test_working_hours_skip_lunch_nights_and_weekends():
    # Monday 10:00 + 4 working hours: 10:00–12:00 (2h), 13:30–15:30 (2h).
    assert CAL.add_working_hours(at(2026, 11, 23, 10), 4) == at(2026, 11, 23, 15, 30)
    # Friday 17:00 + 4h: 1h Friday, then Monday 08:30 + 3h = 11:30.
    assert CAL.add_working_hours(at(2026, 11, 27, 17), 4) == at(2026, 11, 30, 11, 30)
    # Saturday night: starts Monday morning.
    assert CAL.add_working_hours(at(2026, 11, 28, 22), 1) == at(2026, 11, 30, 9, 30)


def test_working_days_jump_the_national_day_holiday():
    # Wednesday 30 Sep 2026, 10:00 + 1 working day: 1–7 Oct are off (国庆), the 8th is a Thursday.
    assert CAL.add_working_days(at(2026, 9, 30, 10), 1) == at(2026, 10, 8, 10)
    # After hours counts from the next working morning.
    assert CAL.add_working_days(at(2026, 11, 23, 19), 1) == at(2026, 11, 25, 8, 30)


def test_same_day_and_deadline_after():
    assert deadline_after(at(2026, 11, 23, 10), same_day=True, calendar=CAL) == at(2026, 11, 23, 18)
    assert deadline_after(at(2026, 11, 28, 10), same_day=True, calendar=CAL) == at(2026, 11, 30, 18)
    assert deadline_after(at(2026, 11, 23, 10), hours=4, calendar=CAL) == at(2026, 11, 23, 15, 30)
    assert deadline_after(at(2026, 11, 23, 10), days=5, calendar=CAL) == at(2026, 11, 30, 10)
    with pytest.raises(ValueError):
        deadline_after(at(2026, 11, 23, 10), hours=1, days=1)
