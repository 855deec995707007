"""Deadlines from category + severity + area class, on the working calendar, at fixed dates.

Working periods are 08:30–12:00 and 13:30–18:00 (8 working hours a day). 2026-11-23 is a
Monday; 2026-10-01..07 is the National Day holiday, and Saturday 10-10 a make-up working day
(调休)."""

import pytest

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import AreaClass
from inspections import services
from inspections.deadlines import (
    DEFAULT_LIMIT,
    Limit,
    category_limit,
    parse_limit,
    parse_time_limit_column,
    rectification_deadline,
    sign_deadline,
    tightened,
)
from inspections.models import Issue
from tests.inspections.conftest import local

pytestmark = pytest.mark.django_db

MONDAY_10 = (2026, 11, 23, 10, 0)


def issue_for(category, region, severity="general", urgent=False):
    return Issue(category=category, region=region, severity=severity, urgent=urgent)


@pytest.mark.parametrize(
    "category, area_class, severity, urgent, expected",
    [
        ("garbage", "B", "general", False, (2026, 11, 23, 15, 30)),  # 4 working hours over lunch
        ("garbage", "A", "general", False, (2026, 11, 23, 12, 0)),  # class A: 2 hours
        ("garbage", "C", "general", False, (2026, 11, 24, 10, 0)),  # class C: 8 hours, into Tuesday
        ("garbage", "B", "serious", False, (2026, 11, 23, 15, 30)),  # 较重: the category's limit
        ("garbage", "B", "severe", False, (2026, 11, 23, 12, 0)),  # 严重: half → 2 hours
        ("garbage", "B", "general", True, (2026, 11, 23, 12, 0)),  # urgent counts as 严重
        ("garbage", "B", "negative_list", False, (2026, 11, 23, 18, 0)),  # 立行立改: end of day
        ("green", "B", "general", False, (2026, 11, 30, 10, 0)),  # 5 working days
        ("green", "B", "severe", False, (2026, 11, 26, 10, 0)),  # 严重: ceil(5/2) = 3 days
        ("ads", "B", "severe", False, (2026, 11, 23, 15, 30)),  # 严重 of 1 day: half a day = 4 hours
        ("ads", "B", "general", False, (2026, 11, 24, 10, 0)),
    ],
)
def test_rectification_deadline(categories, city, category, area_class, severity, urgent, expected):
    city.a1v.area_class = area_class
    issue = issue_for(getattr(categories, category), city.a1v, severity, urgent)
    assert rectification_deadline(issue, local(*MONDAY_10)) == local(*expected)


def test_holidays_and_make_up_days(categories, city):
    issue = issue_for(categories.green, city.a1v)
    # Signed the evening before National Day: counting starts 10-08 08:30; then 10-09, the
    # make-up Saturday 10-10, 10-12, 10-13, 10-14.
    assert rectification_deadline(issue, local(2026, 9, 30, 19, 0)) == local(2026, 10, 14, 8, 30)
    garbage = issue_for(categories.garbage, city.a1v)
    assert rectification_deadline(garbage, local(2026, 9, 30, 17, 0)) == local(2026, 10, 8, 11, 30)


def test_sign_deadline(categories, city):
    assert sign_deadline(issue_for(categories.garbage, city.a1v), local(*MONDAY_10)) == local(2026, 11, 23, 12, 0)
    urgent = issue_for(categories.garbage, city.a1v, urgent=True)
    assert sign_deadline(urgent, local(2026, 11, 23, 11, 30)) == local(2026, 11, 23, 14, 0)


def test_limits_parse_and_tighten():
    assert parse_limit("4工作时") == parse_limit("4h") == Limit(hours=4)
    assert parse_limit("5 工作日") == parse_limit("5d") == Limit(days=5)
    with pytest.raises(ValueError):
        parse_limit("尽快")
    base, per_class = parse_time_limit_column("A:2工作时;B:4工作时;C:8工作时")
    assert base == Limit(hours=4) and per_class == {"A": Limit(hours=2), "C": Limit(hours=8)}
    assert tightened(Limit(hours=3), "severe") == Limit(hours=2)
    assert tightened(Limit(hours=1), "severe") == Limit(hours=1)
    assert tightened(Limit(days=4), "negative_list") == Limit(same_day=True)


def test_category_without_limit_uses_default(categories):
    categories.ads.time_limit_days = None
    assert category_limit(categories.ads, AreaClass.A) == DEFAULT_LIMIT


def test_sign_starts_the_clock(make_issue, people, clock):
    clock.set(local(2026, 11, 20, 16, 0))  # Friday: assigned
    issue = make_issue("assigned", severity="severe")
    assert issue.sign_deadline == local(2026, 11, 20, 17, 0)  # severe: sign within 1 working hour
    assert issue.rectification_deadline is None
    clock.set(local(*MONDAY_10))
    services.issue_sign(actor=people.staff, issue_id=issue.pk)
    issue.refresh_from_db()
    assert issue.signed_at == local(*MONDAY_10)
    assert issue.rectification_deadline == local(2026, 11, 23, 12, 0)
    assert issue.events.get(action="sign").changes["limit"] == "2 工作时"


def test_supervisor_deadline_survives_signing(make_issue, people, clock, campaign, city, categories):
    clock.set(local(*MONDAY_10))
    issue = services.issue_create(
        actor=people.supervisor,
        campaign=campaign,
        category=categories.green,
        region=city.a1v,
        description="x",
        assign=True,
        deadline=local(2026, 11, 25, 12, 0),
    )
    services.issue_sign(actor=people.staff, issue_id=issue.pk)
    issue.refresh_from_db()
    assert issue.rectification_deadline == local(2026, 11, 25, 12, 0)


def test_deadline_in_the_past_is_refused(make_issue, people, clock):
    clock.set(local(*MONDAY_10))
    issue = make_issue()
    with pytest.raises(ApplicationError) as exc:
        services.issue_accept(actor=people.supervisor, issue_id=issue.pk, deadline=local(2026, 11, 22, 12, 0))
    assert exc.value.field == "deadline"
    issue.refresh_from_db()
    assert issue.state == "reported"


def test_no_working_time_left_says_when_it_falls_not_zero_minutes():
    """On a Sunday, a deadline at Monday 08:30 has no working minute before it: the row says when
    it falls ("11-23 08:30 到期"), not "剩余 0 分钟" (due this minute); else the working time left."""
    from chuangcheng.org.workcalendar import WorkingCalendar
    from inspections.views.common import remaining_text

    calendar = WorkingCalendar()
    sunday = local(2026, 11, 22, 15, 0)
    assert remaining_text(calendar, local(2026, 11, 23, 8, 30), sunday) == "11-23 08:30 到期"
    assert remaining_text(calendar, local(2026, 11, 23, 9, 0), sunday) == "剩余 30 分钟"
    assert remaining_text(calendar, local(2026, 11, 23, 10, 0), local(*MONDAY_10[:3], 8, 0)) == "剩余 1 工作时 30 分"


def test_time_left_reads_in_both_languages_with_plurals():
    """The working time left: "剩余 2 个工作日 1 工作时" in Chinese, and in English each number with
    its own singular or plural ("1 working day 2 working hours left"), not "day(s)"."""
    from django.utils import translation

    from chuangcheng.org.workcalendar import WorkingCalendar
    from inspections.views.common import remaining_text

    calendar = WorkingCalendar()
    monday = local(2026, 11, 23, 9, 0)
    cases = {
        local(2026, 11, 25, 10, 0): ("剩余 2 个工作日 1 工作时", "2 working days 1 working hour left"),
        local(2026, 11, 24, 9, 0): ("剩余 1 个工作日", "1 working day left"),
        local(2026, 11, 23, 11, 0): ("剩余 2 工作时", "2 working hours left"),
        local(2026, 11, 23, 10, 15): ("剩余 1 工作时 15 分", "1 working hour 15 minutes left"),
        local(2026, 11, 23, 10, 1): ("剩余 1 工作时 1 分", "1 working hour 1 minute left"),
        local(2026, 11, 23, 9, 30): ("剩余 30 分钟", "30 minutes left"),
        local(2026, 11, 23, 9, 1): ("剩余 1 分钟", "1 minute left"),
    }
    for deadline, (chinese, english) in cases.items():
        assert remaining_text(calendar, deadline, monday) == chinese
        with translation.override("en"):
            assert remaining_text(calendar, deadline, monday) == english
