"""What the inspection pages share: an issue as a row reads (state colour, deadline countdown in
working time, 已超期 N 天), the first before-photo of each issue on a page, the timeline's
change lines, the refusal page, and who may record inspections."""

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from chuangcheng import pages
from chuangcheng.humantime import when, when_short
from chuangcheng.org.workcalendar import WorkingCalendar
from chuangcheng.wording import working_days

from ..deadlines import Limit, parse_limit
from ..models import (
    CLOCK_STATES,
    Issue,
    IssueState,
    Photo,
    PhotoKind,
)

PAGE_SIZE = 50
CAPTURE_ROLES = ("supervisor", "leader")
STATE_COLORS = {
    IssueState.REPORTED: "secondary",
    IssueState.ASSIGNED: "azure",
    IssueState.RECTIFYING: "blue",
    IssueState.SUBMITTED: "orange",
    IssueState.CLOSED: "green",
    IssueState.LONG_TERM: "purple",
    IssueState.DISMISSED: "secondary",
}
SEVERITY_COLORS = {"general": "secondary", "serious": "yellow", "severe": "orange", "negative_list": "red"}
LIGHT_COLORS = {"green": "green", "yellow": "yellow", "red": "red", "done": "secondary", "": "secondary"}


def can_capture(user):
    """Inspectors (supervisors) and leaders record inspections and issues."""
    return user.scope.has_role(*CAPTURE_ROLES)


# --- deadlines as a person reads them ----------------------------------------------------------


def working_minutes(calendar, start, end):
    """Working time between two moments, in minutes (working periods of working days only)."""
    if end <= start:
        return 0
    total, day = 0, timezone.localtime(start).date()
    last = timezone.localtime(end).date()
    while day <= last:
        if calendar.is_workday(day):
            for begin, finish in calendar.periods:
                a = max(start, timezone.make_aware(dt.datetime.combine(day, begin)))
                b = min(end, timezone.make_aware(dt.datetime.combine(day, finish)))
                if b > a:
                    total += (b - a).total_seconds() / 60
        day += dt.timedelta(days=1)
    return int(total)


def overdue_text(deadline, now):
    late = now - deadline
    if late >= dt.timedelta(days=1):
        n = late.days
        return ngettext("已超期 %(n)s 天", "已超期 %(n)s 天", n) % {"n": n}
    n = max(math.ceil(late.total_seconds() / 3600), 1)
    return ngettext("已超期 %(n)s 小时", "已超期 %(n)s 小时", n) % {"n": n}


def remaining_text(calendar, deadline, now):
    """剩余 N 个工作日 M 工作时 (or hours and minutes on the last day)."""
    minutes = working_minutes(calendar, now, deadline)
    day = sum((f.hour * 60 + f.minute) - (b.hour * 60 + b.minute) for b, f in calendar.periods) or 480
    days, rest = divmod(minutes, day)
    if days:
        hours = rest // 60
        span = working_days(days)
        if hours:
            span += " " + ngettext("%(h)s 工作时", "%(h)s 工作时", hours) % {"h": hours}
        return _("剩余 %(span)s") % {"span": span}
    if minutes >= 60:
        hours = minutes // 60
        span = ngettext("%(h)s 工作时", "%(h)s 工作时", hours) % {"h": hours}
        if minutes % 60:
            m = minutes % 60
            span += " " + ngettext("%(m)s 分", "%(m)s 分", m) % {"m": m}
        return _("剩余 %(span)s") % {"span": span}
    if minutes == 0:
        # No working time left before it (a Sunday, a deadline at 08:30 tomorrow): when it falls,
        # not "剩余 0 分钟", which reads as due this minute.
        return _("%(when)s 到期") % {"when": when_short(deadline)}
    return ngettext("剩余 %(m)s 分钟", "剩余 %(m)s 分钟", minutes) % {"m": minutes}


@dataclass
class IssueRow:
    """An issue with what a row, a card or the issue page shows (all for one ``now``)."""

    issue: Issue
    now: object
    calendar: object = None
    region_name: str = ""
    thumb: Photo | None = None

    def __post_init__(self):
        self.light = self.issue.traffic_light(self.now)
        self.overdue = self.issue.is_overdue(self.now)

    @property
    def state_color(self):
        return STATE_COLORS[self.issue.state]

    @property
    def severity_color(self):
        return SEVERITY_COLORS.get(self.issue.severity, "secondary")

    @property
    def light_color(self):
        return LIGHT_COLORS[self.light]

    @property
    def is_rework(self):
        return self.issue.state == IssueState.RECTIFYING and self.issue.rework_count > 0

    @property
    def deadline(self):
        """The moment that matters now: the sign-by time before 签收, else the deadline."""
        issue = self.issue
        if issue.state == IssueState.ASSIGNED and issue.rectification_deadline is None:
            return issue.sign_deadline
        return issue.rectification_deadline if issue.state in CLOCK_STATES else None

    @property
    def deadline_label(self):
        issue = self.issue
        if issue.state == IssueState.ASSIGNED and issue.rectification_deadline is None:
            return _("签收时限")
        return _("整改时限")

    @property
    def deadline_text(self):
        issue, deadline = self.issue, self.deadline
        if issue.state == IssueState.LONG_TERM and issue.long_term_target_date:
            return _("目标 %(d)s") % {"d": f"{issue.long_term_target_date:%Y-%m-%d}"}
        if deadline is None:
            return ""
        if deadline < self.now:
            return overdue_text(deadline, self.now)
        if self.calendar is None:
            self.calendar = WorkingCalendar()
        return remaining_text(self.calendar, deadline, self.now)

    @property
    def deadline_late(self):
        return self.deadline is not None and self.deadline < self.now


def issue_rows(issues, *, thumbs=None, region_names=None):
    now, calendar = timezone.now(), WorkingCalendar()
    thumbs, region_names = thumbs or {}, region_names or {}
    return [
        IssueRow(
            issue=i,
            now=now,
            calendar=calendar,
            region_name=region_names.get(i.region_id, ""),
            thumb=thumbs.get(i.pk),
        )
        for i in issues
    ]


def first_before_photos(issue_ids):
    """{issue id: its first before-photo} for a page of issues, in one query."""
    out = {}
    for photo in Photo.objects.filter(issue_id__in=issue_ids, kind=PhotoKind.BEFORE).order_by("issue_id", "id"):
        out.setdefault(photo.issue_id, photo)
    return out


def message_page(request, *, status, alert):
    """A refusal as a page of its own, with the ways back."""
    links = [
        pages.link(reverse("inspections:issue_list"), _("问题清单")),
        pages.link(reverse("tasks:my_work"), _("我的待办")),
    ]
    return pages.message_page(request, status=status, alert=alert, links=links)


def _moment(value):
    """A time an event recorded (ISO text), as pages write times (2026年10月30日 09:52)."""
    if not value:
        return ""
    return when(value) or str(value)


def _limit_text(value):
    """A time limit an event recorded, as words of the language it was written in ("2 工作时"),
    in the reader's language; words it cannot read stay as they are."""
    text, same_day = str(value).strip(), Limit(same_day=True)
    written = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            written.add(str(same_day))
    if text in written:
        return str(same_day)
    try:
        return str(parse_limit(text))
    except ValueError:
        return text


def change_lines(event):
    """The values an event changed, as (label, old, new) lines a person reads."""
    changes, lines = event.changes or {}, []

    def pair(key, label, fmt=str):
        value = changes.get(key)
        if value is None:
            return
        old, new = value if isinstance(value, list) else (None, value)
        if new in (None, "") or old == new:
            return
        lines.append({"label": label, "old": fmt(old) if old not in (None, "") else "", "new": fmt(new)})

    pair("responsible_unit", _("责任单位"))
    pair("sign_deadline", _("签收时限"), _moment)
    pair("rectification_deadline", _("整改时限"), _moment)
    pair("requested_deadline", _("申请延期至"), _moment)
    pair("long_term_target_date", _("目标日期"))
    pair("limit", _("处置时限"), _limit_text)
    pair("suggested_unit", _("建议责任单位"))
    if "merged_into" in changes:
        lines.append({"label": _("合并至"), "old": "", "new": f"#{changes['merged_into']}"})
    if "merged" in changes:
        lines.append({"label": _("并入问题"), "old": "", "new": f"#{changes['merged']}"})
    if "photos" in changes or "count" in changes:
        n = changes.get("photos", changes.get("count"))
        count = ngettext("%(n)s 张", "%(n)s 张", n) % {"n": n}
        lines.append({"label": pgettext("photos added", "照片"), "old": "", "new": count})
    if "on_time" in changes:
        lines.append({"label": _("销号"), "old": "", "new": _("按期") if changes["on_time"] else _("超期")})
    for flag in changes.get("integrity", []):
        lines.append({"label": _("核查时提示"), "old": "", "new": flag.get("message", "")})
    return lines
