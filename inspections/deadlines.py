"""Time limits and the deadlines they make, in working time (数字城管 rules).

A category's limit is in working hours (工作时) or working days (工作日), optionally per area
class (A core / B general / C outer). Severity tightens it:

| severity          | limit                                                                  |
|-------------------|------------------------------------------------------------------------|
| 一般 general       | the category's limit for the region's area class                       |
| 较重 serious       | the same (较重 ranks higher in briefings, the clock is the category's)  |
| 严重 severe        | half: hours halved (rounded up, at least 1 working hour); days halved  |
|                   | (rounded up), and 1 working day becomes half a working day in hours     |
| 负面清单           | 立行立改: by the end of the working day the clock starts                 |

An ``urgent`` flag counts as 严重 unless the severity is already stricter (never compounded).
A category without any limit (an admin's new row) uses :data:`DEFAULT_LIMIT`.

The clock starts at 签收. On 交办 the unit gets a sign-by time: :data:`SIGN_WITHIN_HOURS`
working hours (:data:`URGENT_SIGN_WITHIN_HOURS` for urgent, severe and negative-list issues).

Every deadline is made by :func:`chuangcheng.org.workcalendar.deadline_after`, the one place
that knows the working calendar.
"""

import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chuangcheng.org.models import AreaClass
from chuangcheng.org.workcalendar import WorkingCalendar, deadline_after

from .models import Severity

SIGN_WITHIN_HOURS = 2
URGENT_SIGN_WITHIN_HOURS = 1


@dataclass(frozen=True)
class Limit:
    """Exactly one of ``hours``, ``days`` or ``same_day``."""

    hours: int | None = None
    days: int | None = None
    same_day: bool = False

    def __str__(self):
        if self.same_day:
            return _("立行立改（当日）")
        if self.hours:
            return ngettext("%(n)s 工作时", "%(n)s 工作时", self.hours) % {"n": self.hours}
        return ngettext("%(n)s 工作日", "%(n)s 工作日", self.days) % {"n": self.days}

    def as_dict(self):
        if self.same_day:
            return {"same_day": True}
        return {"hours": self.hours} if self.hours else {"days": self.days}

    def deadline(self, start, *, calendar=None):
        return deadline_after(start, hours=self.hours, days=self.days, same_day=self.same_day, calendar=calendar)


DEFAULT_LIMIT = Limit(days=5)

_HOURS = re.compile(r"^(\d+)\s*(?:个)?(?:工作时|工作小时|小时|h|(?:working\s+)?hours?)$", re.IGNORECASE)
_DAYS = re.compile(r"^(\d+)\s*(?:个)?(?:工作日|天|日|d|(?:working\s+)?days?)$", re.IGNORECASE)
_CLASS_PART = re.compile(r"^([ABC])\s*[:：类]?\s*(.+)$", re.IGNORECASE)


def parse_limit(text):
    """``"4工作时"``, ``"4h"``, ``"5工作日"``, ``"5d"`` → :class:`Limit`; ValueError otherwise."""
    text = (text or "").strip()
    for pattern, unit in ((_HOURS, "hours"), (_DAYS, "days")):
        match = pattern.match(text)
        if match:
            value = int(match.group(1))
            if not 1 <= value <= 999:
                break
            return Limit(**{unit: value})
    raise ValueError(_("无法识别的时限“%(t)s”（应如“4工作时”或“5工作日”）") % {"t": text})


def parse_time_limit_column(text):
    """The import's ``time_limit`` cell: one limit, or one per area class
    (``"A:2工作时;B:4工作时;C:8工作时"``). Returns ``(base, {class: Limit})`` where the base is
    class B's limit (or the first given) and the overrides are the classes that differ."""
    text = (text or "").strip()
    parts = [p.strip() for p in re.split(r"[;；,，/|、\s]+", text) if p.strip()]
    if len(parts) <= 1 and not _CLASS_PART.match(text or "-"):
        return parse_limit(text), {}
    per_class = {}
    for part in parts:
        match = _CLASS_PART.match(part)
        if not match:
            raise ValueError(_("分区域时限“%(t)s”应写成“A:2工作时;B:4工作时;C:8工作时”") % {"t": text})
        per_class[match.group(1).upper()] = parse_limit(match.group(2))
    base = per_class.get(AreaClass.B) or next(iter(per_class.values()))
    return base, {k: v for k, v in per_class.items() if v != base}


def parse_area_class_limits(value):
    """Validate a category's ``area_class_limits`` JSON → ``{class: Limit}``."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError(_('应为 {"A": {"hours": 2}} 这样的对象'))
    out = {}
    for key, spec in value.items():
        if key not in AreaClass.values:
            raise ValueError(_("未知的区域类别“%(k)s”（应为 A、B、C）") % {"k": key})
        if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in ("hours", "days"):
            raise ValueError(_('区域类别 %(k)s 的时限应写成 {"hours": 4} 或 {"days": 5}') % {"k": key})
        unit, amount = next(iter(spec.items()))
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            raise ValueError(_("区域类别 %(k)s 的时限应为正整数") % {"k": key})
        out[key] = Limit(**{unit: amount})
    return out


def category_limit(category, area_class=AreaClass.B):
    """The category's limit for an area class, before severity."""
    overrides = parse_area_class_limits(category.area_class_limits)
    if area_class in overrides:
        return overrides[area_class]
    if category.time_limit_hours:
        return Limit(hours=category.time_limit_hours)
    if category.time_limit_days:
        return Limit(days=category.time_limit_days)
    return DEFAULT_LIMIT


def _workday_hours(calendar=None):
    cal = calendar or WorkingCalendar(overrides={})
    minutes = sum((end.hour * 60 + end.minute) - (begin.hour * 60 + begin.minute) for begin, end in cal.periods)
    return minutes / 60


def tightened(limit, severity, *, urgent=False, calendar=None):
    """Apply the severity rule of the module docstring."""
    if severity == Severity.NEGATIVE_LIST:
        return Limit(same_day=True)
    if severity != Severity.SEVERE and not urgent:
        return limit
    if limit.same_day:
        return limit
    if limit.hours:
        return Limit(hours=max(1, math.ceil(limit.hours / 2)))
    if limit.days >= 2:
        return Limit(days=math.ceil(limit.days / 2))
    return Limit(hours=max(1, math.ceil(_workday_hours(calendar) / 2)))


def rectification_limit(issue, *, calendar=None):
    """The limit that applies to an issue: its category, its region's area class, its severity."""
    area_class = issue.region.area_class if issue.region_id else AreaClass.B
    return tightened(category_limit(issue.category, area_class), issue.severity, urgent=issue.urgent, calendar=calendar)


def rectification_deadline(issue, start, *, calendar=None):
    """签收 at ``start`` → the rectification deadline."""
    return rectification_limit(issue, calendar=calendar).deadline(start, calendar=calendar)


def sign_deadline(issue, start, *, calendar=None):
    """交办 at ``start`` → the time by which the unit should sign."""
    quick = issue.urgent or issue.severity in (Severity.SEVERE, Severity.NEGATIVE_LIST)
    hours = URGENT_SIGN_WITHIN_HOURS if quick else SIGN_WITHIN_HOURS
    return deadline_after(start, hours=hours, calendar=calendar)
