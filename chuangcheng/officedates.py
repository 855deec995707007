"""Dates as offices write them: 2026-12-31, 2026年12月31日, 2027年1月底前, 12月31日前, 3月底前,
6月中旬, 年底前, 立行立改, 长期坚持 — for every import (任务分解表, 上级反馈…).

:func:`parse_date` reads a date that carries its year; :func:`parse_deadline` reads the phrases,
inferring a missing year from a reference day (the first such date on or after it) and saying how
it read each (:class:`Deadline`), so previews can show "12月31日前 → 2026-12-31（按开始日期推定年份）".
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy

# The campaign's calendar: deadlines, countdowns and "today" are the offices' dates, whatever
# zone a request or a server runs in.
OFFICE_TZ = ZoneInfo("Asia/Shanghai")


def office_today(now=None):
    """Today's date in Asia/Shanghai (of ``now``, default the present)."""
    return timezone.localdate(now, timezone=OFFICE_TZ)


ONGOING = {"长期坚持", "常态化", "长期", "持续推进", "常态长效", "长期推进", "常态化推进", "长效常治"}
IMMEDIATE = {"立行立改", "立即整改", "即知即改", "立即", "马上办"}
YEAR_END = {"年底", "年底前", "年内", "今年底", "本年底", "年末"}

_TRAILING = re.compile(r"(之前|以前|前|止|完成|办结)+$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_CN_YMD = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]$")
_CN_MONTH_END = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(?:底|末|份|)$")
_CN_TEN_DAYS = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(上旬|中旬|下旬)$")
_YM = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_CN_YEAR_END = re.compile(r"^(\d{4})年(?:底|末|内|)$")


def _month_end(year, month):
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date(text):
    """Dates as people type them: 2026-12-31, 2026/12/31, 2026年12月31日, 2026年12月底 (a date
    with its year; :func:`parse_deadline` reads the phrases without one)."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    text = text.split("T")[0]
    try:
        for pattern, kind in ((_YMD, "ymd"), (_YM, "month_end")):
            m = pattern.match(text)
            if m:
                year, month = int(m.group(1)), int(m.group(2))
                return dt.date(year, month, int(m.group(3))) if kind == "ymd" else _month_end(year, month)
        m = _CN_YMD.match(text)
        if m and m.group(1):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _CN_MONTH_END.match(text)
        if m and m.group(1):
            return _month_end(int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None
    return None


@dataclass
class Deadline:
    """What a 完成时限 cell became: ``date`` and ``how`` — date (given in full), inferred (a
    month and day without the year: the first such date on or after the start), year_end,
    immediate (立行立改), ongoing (长期坚持: runs to the campaign's target date, recurring)."""

    text: str
    date: dt.date | None
    how: str

    HOW_LABELS = {
        "date": gettext_lazy("日期"),
        "inferred": gettext_lazy("按开始日期推定年份"),
        "year_end": gettext_lazy("当年年底"),
        "immediate": gettext_lazy("立行立改：当天下班前"),
        "ongoing": gettext_lazy("长期坚持：至迎检日期，按周期重复"),
    }

    @property
    def how_label(self):
        return self.HOW_LABELS.get(self.how, "")


def _next_on_or_after(reference, make):
    """``make(year)`` for the reference year, or the next year if that falls before it."""
    for year in (reference.year, reference.year + 1):
        try:
            day = make(year)
        except ValueError:
            continue
        if day >= reference:
            return day
    return None


def parse_deadline(text, *, reference, campaign_end, immediate):
    """A 完成时限 cell → :class:`Deadline` (``date`` None when unreadable).

    ``reference``: the row's start date (years are inferred from it); ``campaign_end``: the
    target date 长期坚持 runs to; ``immediate``: the date 立行立改 means (end of today's working
    day, or the next working day's)."""
    raw = (text or "").strip()
    compact = raw.replace(" ", "").replace("\u3000", "")
    if compact in ONGOING or compact.rstrip("。") in ONGOING:
        return Deadline(raw, campaign_end, "ongoing")
    if compact in IMMEDIATE:
        return Deadline(raw, immediate, "immediate")
    full = parse_date(compact)
    if full is not None:
        return Deadline(raw, full, "date")
    body = _TRAILING.sub("", compact) or compact
    if body in YEAR_END or compact in YEAR_END:
        return Deadline(raw, dt.date(reference.year, 12, 31), "year_end")
    full = parse_date(body)
    if full is not None:
        return Deadline(raw, full, "date")
    m = _CN_YEAR_END.match(body)
    if m:
        return Deadline(raw, dt.date(int(m.group(1)), 12, 31), "date")
    m = _CN_YMD.match(body)
    if m:
        month, day = int(m.group(2)), int(m.group(3))
        return Deadline(raw, _next_on_or_after(reference, lambda y: dt.date(y, month, day)), "inferred")
    m = _CN_TEN_DAYS.match(body)
    if m:
        month, part = int(m.group(2)), m.group(3)
        make = {
            "上旬": lambda y: dt.date(y, month, 10),
            "中旬": lambda y: dt.date(y, month, 20),
            "下旬": lambda y: _month_end(y, month),
        }[part]
        if m.group(1):
            return Deadline(raw, make(int(m.group(1))), "date")
        return Deadline(raw, _next_on_or_after(reference, make), "inferred")
    m = _CN_MONTH_END.match(body)
    if m and 1 <= int(m.group(2)) <= 12:
        month = int(m.group(2))
        return Deadline(raw, _next_on_or_after(reference, lambda y: _month_end(y, month)), "inferred")
    return Deadline(raw, None, "")


DEADLINE_HELP = gettext_lazy(
    "完成时限可写：2026-12-31、2026年12月31日、2027年1月底前、12月31日前、3月底前、6月中旬、年底前、"
    "立行立改（当天下班前）、长期坚持或常态化（至迎检日期，须填周期：每周、每月或每季度）"
)
