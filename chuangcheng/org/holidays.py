"""The holiday calendar: which years the working calendar really knows, and loading a year's
国务院办公厅 notice (部分节假日安排的通知) as date ranges.

A year is *covered* when the chinesecalendar library has its data or when its notice has been
imported (a :class:`~chuangcheng.org.models.HolidayYear` row). In any other year the working
calendar can only count Monday–Friday: deadlines there are estimates, and the product says so
(a system check, a banner for admins, a note on the issue page).

Notice files (CSV or .xlsx): ``年份, 节日, 类型, 开始日期, 结束日期, 依据`` where 类型 is 放假 or
调休上班 — one row per range as the notice words it ("春节：2月15日至23日放假调休，共9天。2月14日
（周六）、2月28日（周六）上班"). ``data/holidays_cn.csv`` is the bundled file.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.tabular import ImportErrors, read_table
from chuangcheng.wording import join_clauses, join_list

from .models import CalendarOverride, HolidayYear

COLUMNS = {
    "year": ["年份", "year"],
    "name": ["节日", "节假日", "名称", "name"],
    "kind": ["类型", "安排", "kind"],
    "start": ["开始日期", "起始日期", "开始", "start"],
    "end": ["结束日期", "截止日期", "结束", "end"],
    "source": ["依据", "文件", "来源", "source"],
}
REQUIRED = ["year", "name", "kind", "start"]
HOLIDAY_WORDS = {"放假", "休息", "假日", "holiday", "off"}
WORKDAY_WORDS = {"调休上班", "上班", "补班", "工作日", "workday", "work"}


@lru_cache(maxsize=1)
def library_years():
    """The years chinesecalendar has the State Council's data for."""
    from chinese_calendar import constants

    return frozenset(d.year for d in constants.holidays) | frozenset(d.year for d in constants.workdays)


def covered_years():
    return set(library_years()) | set(HolidayYear.objects.values_list("year", flat=True))


def uncovered_years(first, last, *, covered=None):
    """The years from ``first`` to ``last`` (dates or datetimes) the calendar does not know."""
    if first is None or last is None:
        return []
    covered = covered_years() if covered is None else covered
    low, high = sorted([first.year, last.year])
    return [year for year in range(low, high + 1) if year not in covered]


def campaign_gaps(campaigns):
    """``[(campaign, [years])]`` for the campaigns whose dates reach a year not covered."""
    covered = covered_years()
    gaps = []
    for campaign in campaigns:
        years = uncovered_years(campaign.start_date, campaign.target_date, covered=covered)
        if years:
            gaps.append((campaign, years))
    return gaps


@dataclass
class HolidayRange:
    line: int
    year: int
    name: str
    is_workday: bool
    start: dt.date
    end: dt.date
    source: str

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def kind_label(self):
        return _("调休上班") if self.is_workday else _("放假")


@dataclass
class CalendarPlan:
    """What a notice file will write: its ranges, and per day the override it becomes."""

    rows: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def years(self):
        return sorted({r.year for r in self.rows})

    def summary(self):
        return _("节假日安排 %(years)s 年：%(n)s 段；新增 %(c)s 天，更新 %(u)s 天，未变 %(s)s 天。") % {
            "years": join_list(str(y) for y in self.years),
            "n": len(self.rows),
            "c": self.created,
            "u": self.updated,
            "s": self.unchanged,
        }


def _date(text):
    text = (text or "").strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def plan_calendar(source, *, filename=None):
    """Check every row of a notice file; raise :class:`ImportErrors` naming the bad ones."""
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    errors, rows, days = [], [], {}
    for row in table:
        problems = []
        year_text, name, kind = row.get("year"), row.get("name"), row.get("kind")
        year = int(year_text) if year_text.isdigit() else None
        if year is None or not 2000 <= year <= 2100:
            problems.append(_("年份“%(y)s”应为四位数字") % {"y": year_text})
        if not name:
            problems.append(_("缺少节日名称"))
        if kind in HOLIDAY_WORDS:
            is_workday = False
        elif kind in WORKDAY_WORDS:
            is_workday = True
        else:
            is_workday = None
            problems.append(_("类型“%(k)s”应为“放假”或“调休上班”") % {"k": kind})
        start = _date(row.get("start"))
        end = _date(row.get("end")) if row.get("end") else start
        if start is None:
            problems.append(_("开始日期“%(d)s”无法识别（请写成 2027-02-06）") % {"d": row.get("start")})
        if row.get("end") and end is None:
            problems.append(_("结束日期“%(d)s”无法识别") % {"d": row.get("end")})
        if start and end and end < start:
            problems.append(_("结束日期早于开始日期"))
        if start and end and year and not (start.year in (year, year - 1) and end.year in (year, year + 1)):
            problems.append(_("日期 %(s)s 至 %(e)s 不在 %(y)s 年的安排内") % {"s": start, "e": end, "y": year})
        if start and end and end >= start and (end - start).days > 15:
            problems.append(_("一段安排超过 15 天，请检查日期"))
        if not problems and is_workday:
            weekdays = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
            if any(d.weekday() < 5 for d in weekdays):
                problems.append(_("调休上班日应为周六或周日（%(d)s 是工作日）") % {"d": start})
        if not problems:
            for i in range((end - start).days + 1):
                day = start + dt.timedelta(days=i)
                if day in days and days[day][0] != is_workday:
                    problems.append(_("%(d)s 与第 %(line)s 行矛盾") % {"d": day, "line": days[day][1]})
                    break
                days[day] = (is_workday, row.line)
        if problems:
            errors.append((row.line, join_clauses(problems)))
            continue
        rows.append(HolidayRange(row.line, year, name, is_workday, start, end, row.get("source")))
    if errors:
        raise ImportErrors(errors)
    plan = CalendarPlan(rows=rows)
    existing = dict(CalendarOverride.objects.filter(date__in=list(days)).values_list("date", "is_workday"))
    for day, (is_workday, _line) in days.items():
        if day not in existing:
            plan.created += 1
        elif existing[day] != is_workday:
            plan.updated += 1
        else:
            plan.unchanged += 1
    return plan


@transaction.atomic
def calendar_import(source, *, filename=None, dry_run=False):
    """Load a notice file: one :class:`CalendarOverride` per day (放假 → off, 调休上班 → working)
    and a :class:`HolidayYear` per year, so the calendar counts those years as known.
    All or nothing; importing the same file again changes nothing."""
    plan = plan_calendar(source, filename=filename)
    if dry_run:
        return plan
    for r in plan.rows:
        note = f"{r.name}{r.kind_label}"[:100]
        for i in range(r.days):
            CalendarOverride.objects.update_or_create(
                date=r.start + dt.timedelta(days=i), defaults={"is_workday": r.is_workday, "note": note}
            )
    for year in plan.years:
        sources = sorted({r.source for r in plan.rows if r.year == year and r.source})
        HolidayYear.objects.update_or_create(year=year, defaults={"source": "；".join(sources)[:200]})
    return plan
