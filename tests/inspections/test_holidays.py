"""The holiday calendar is never silently wrong (issue 13): chinesecalendar has no 2027, so a
campaign reaching 2027 makes ``manage.py check`` warn and the admin show a banner, deadlines
there are marked 按常规工作日估算; after ``import_calendar`` of a notice with 春节 2027 an issue
assigned on the Friday before the holiday gets a deadline after it.

The notice below is a test fixture with the shape of the State Council's notice; its 2027 dates
are made up for the test (the bundled data/holidays_cn.csv holds only published years)."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.urls import reverse

from chuangcheng.org.holidays import covered_years, library_years
from chuangcheng.org.models import CalendarOverride, HolidayYear
from chuangcheng.org.workcalendar import WorkingCalendar
from inspections import deadlines
from tests.inspections.conftest import local

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "data"
NOTICE_2027 = (
    "年份,节日,类型,开始日期,结束日期,依据\n"
    "2027,元旦,放假,2027-01-01,2027-01-03,测试用通知\n"
    "2027,春节,放假,2027-02-06,2027-02-14,测试用通知\n"
    "2027,春节,调休上班,2027-02-20,2027-02-20,测试用通知\n"
)
FRIDAY = local(2027, 2, 5, 10, 0)  # the Friday before 春节 2027


def notice(tmp_path, text=NOTICE_2027, name="holidays_2027.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def calendar_warnings():
    return [m for m in run_checks() if m.id == "campaigns.W001"]


def test_check_warns_then_the_imported_notice_moves_the_deadline_past_the_holiday(
    tmp_path,
    campaign,
    people,
    categories,
    clock,
    make_issue,
    client,
):
    assert 2027 not in library_years()  # the library's data ends before 2027
    campaign.target_date = dt.date(2027, 3, 31)
    campaign.save(update_fields=["target_date"])
    warnings = calendar_warnings()
    assert len(warnings) == 1 and "2027" in warnings[0].msg and campaign.name in warnings[0].msg
    err = io.StringIO()
    call_command("check", stderr=err, stdout=io.StringIO())
    assert "campaigns.W001" in err.getvalue()

    # Signed on the Friday before 春节, 5 working days: Monday–Friday arithmetic lands inside it.
    clock.set(FRIDAY)
    issue = make_issue("rectifying", category=categories.green)
    assert issue.rectification_deadline == local(2027, 2, 12, 10, 0)
    client.force_login(people.supervisor)
    page = client.get(reverse("inspections:issue_detail", args=[issue.pk])).content.decode()
    assert 'data-testid="deadline-estimated"' in page and "2027 年" in page

    out = io.StringIO()
    call_command("import_calendar", str(notice(tmp_path)), stdout=out)
    assert "新增 13 天" in out.getvalue()
    assert CalendarOverride.objects.get(date=dt.date(2027, 2, 20)).is_workday is True
    assert 2027 in covered_years() and HolidayYear.objects.get(year=2027).source == "测试用通知"
    assert calendar_warnings() == []
    fresh = WorkingCalendar()
    assert not fresh.is_workday(dt.date(2027, 2, 8))  # a Monday of the holiday
    assert deadlines.rectification_deadline(issue, FRIDAY, calendar=fresh) == local(2027, 2, 19, 10, 0)
    # An issue signed on that Friday now gets its deadline after the holiday.
    later = make_issue("rectifying", category=categories.green, description="节前最后一天交办")
    assert later.rectification_deadline == local(2027, 2, 19, 10, 0)
    page = client.get(reverse("inspections:issue_detail", args=[later.pk])).content.decode()
    assert 'data-testid="deadline-estimated"' not in page
    again = io.StringIO()
    call_command("import_calendar", str(notice(tmp_path)), stdout=again)
    assert "新增 0 天" in again.getvalue() and "未变 13 天" in again.getvalue()


def test_the_bundled_file_agrees_with_the_library_for_the_years_it_has():
    """data/holidays_cn.csv holds the published notices (2025, 2026); importing it changes no
    working day the library already knew."""
    call_command("import_calendar", str(DATA / "holidays_cn.csv"), stdout=io.StringIO())
    import chinese_calendar

    for override in CalendarOverride.objects.all():
        assert chinese_calendar.is_workday(override.date) == override.is_workday, override.date
    assert set(HolidayYear.objects.values_list("year", flat=True)) == {2025, 2026}


def test_bad_notice_rows_are_named_and_nothing_is_written(tmp_path):
    bad = notice(
        tmp_path,
        "年份,节日,类型,开始日期,结束日期\n"
        "2027,春节,放假,2027-02-06,2027-02-14\n"
        "2027,春节,调休上班,2027-02-17,2027-02-17\n"  # a Wednesday, and inside the holiday
        "2027,国庆,休假吧,2027-10-01,2027-10-07\n"
        "27,清明,放假,2027-04-03,2027-04-05\n",
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_calendar", str(bad))
    message = str(exc.value)
    assert "第 3 行" in message and "周六或周日" in message
    assert "第 4 行" in message and "放假" in message
    assert "第 5 行" in message and "四位数字" in message
    assert not CalendarOverride.objects.exists() and not HolidayYear.objects.exists()


def test_the_admin_banner_shows_until_the_year_is_covered(tmp_path, campaign, admin_client, people, client):
    campaign.target_date = dt.date(2027, 3, 31)
    campaign.save(update_fields=["target_date"])
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'data-testid="calendar-banner"' in page and "2027" in page
    client.force_login(people.admin)
    assert 'data-testid="calendar-banner"' in client.get(reverse("home")).content.decode()
    client.force_login(people.staff)  # only administrators see it
    assert 'data-testid="calendar-banner"' not in client.get(reverse("home")).content.decode()
    call_command("import_calendar", str(notice(tmp_path)), stdout=io.StringIO())
    assert 'data-testid="calendar-banner"' not in admin_client.get(reverse("admin:index")).content.decode()


def test_the_import_page_previews_the_notice(tmp_path, people, client):
    client.force_login(people.admin)
    upload = io.BytesIO(NOTICE_2027.encode())
    upload.name = "2027年放假安排.csv"
    response = client.post(reverse("imports:upload", args=["calendar"]), {"file": upload}, follow=True)
    page = response.content.decode()
    assert page.count('data-testid="preview-row"') == 3 and "调休上班" in page and "2027" in page
    assert not CalendarOverride.objects.exists()
    client.post(response.redirect_chain[-1][0] + "confirm/")
    assert CalendarOverride.objects.count() == 13
