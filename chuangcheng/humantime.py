"""Times for people: one way to write a date and time wherever a person reads one — pages,
export headers, briefings (PDF, Word, Excel) — never an ISO string.

- :func:`when` — ``2026年10月19日 18:00`` (English: ``19 Oct 2026 18:00``);
- :func:`when_short` — ``10-19 18:00`` for table cells (English: ``19 Oct 18:00``: 10-07
  reads as 10 July to many English readers);
- :func:`day` — ``2026年10月19日`` (English: ``19 Oct 2026``); ``day_short`` — ``10-19``
  (English: ``19 Oct``).

Each takes an aware datetime (shown in Asia/Shanghai), a date, or the ISO text JSON snapshots
store (a briefing's content, the dashboard API), and returns ``""`` for nothing. The same
functions are template filters, built in to every template (``settings.TEMPLATES`` builtins):
``{{ issue.rectification_deadline|when }}``, ``{{ row.deadline|when_short }}``.
"""

import datetime as dt

from django import template
from django.utils import timezone, translation

register = template.Library()


def local_midnight(day):
    """The start of ``day`` in Asia/Shanghai, as an aware datetime (where a day's range begins)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _parse(value):
    """A datetime (local, Asia/Shanghai) or a date from what the code and snapshots hold."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            return value
        return timezone.localtime(value, timezone.get_default_timezone())
    return value


def _chinese():
    return (translation.get_language() or "zh-hans").startswith("zh")


def _day_text(d):
    if _chinese():
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


@register.filter
def when(value):
    """``2026年10月19日 18:00`` (a date alone: ``2026年10月19日``)."""
    moment = _parse(value)
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return _day_text(moment)
    return f"{_day_text(moment)} {moment:%H:%M}"


def _short_day_text(d):
    if _chinese():
        return f"{d:%m-%d}"
    return f"{d.day} {MONTHS_EN[d.month - 1]}"


@register.filter
def when_short(value):
    """``10-19 18:00`` for table cells (a date alone: ``10-19``)."""
    moment = _parse(value)
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return _short_day_text(moment)
    return f"{_short_day_text(moment)} {moment:%H:%M}"


@register.filter
def day(value):
    """``2026年10月19日`` — the date only."""
    moment = _parse(value)
    if moment is None:
        return ""
    return _day_text(moment.date() if isinstance(moment, dt.datetime) else moment)


@register.filter
def day_short(value):
    moment = _parse(value)
    return "" if moment is None else _short_day_text(moment)


@register.filter
def day_range(start, end):
    """``2026年11月16日至11月22日``; one day: ``2026年11月16日``; across years: both in full."""
    a, b = _parse(start), _parse(end)
    if a is None or b is None:
        return day(a or b)
    a = a.date() if isinstance(a, dt.datetime) else a
    b = b.date() if isinstance(b, dt.datetime) else b
    if a == b:
        return _day_text(a)
    if not _chinese():
        return f"{_day_text(a)} – {_day_text(b)}"
    if a.year != b.year:
        return f"{_day_text(a)}至{_day_text(b)}"
    return f"{_day_text(a)}至{b.month}月{b.day}日"
