"""约谈问责 pages: the office sees 建议约谈 and records a 约谈 from one (its follow-up task is made);
a unit's head sees its unit's record, its staff only the published praise; the forms refuse
people outside the office; the list stays within a query budget."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accountability import services
from accountability.models import Interview

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_office_starts_an_interview_from_a_suggestion(people, campaign, units, city, make_issue):
    issue = make_issue(units.cgj, city.b1, deadline=timezone.now() - dt.timedelta(days=30))
    office = _client(people.supervisor)
    page = office.get("/accountability/").content.decode()
    assert 'data-rule="overdue_issue"' in page and "示范市城管局" in page

    form = office.get(
        f"/accountability/new/interview/?campaign={campaign.pk}&unit={units.cgj.pk}&rule=overdue_issue&issues={issue.pk}"
    )
    assert form.status_code == 200 and str(issue.pk) in form.content.decode()
    response = office.post(
        f"/accountability/new/interview/?campaign={campaign.pk}",
        {
            "campaign": campaign.pk,
            "unit": units.cgj.pk,
            "held_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "interviewee": "城管局局长 周某",
            "interviewers": "市创建办主任 李某",
            "reason": "问题超期一个月未改",
            "commitment": "三日内清理完毕",
            "follow_up_date": str(timezone.localdate() + dt.timedelta(days=3)),
            "issues": str(issue.pk),
            "suggested_by": "overdue_issue",
        },
    )
    interview = Interview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/accountability/interviews/{interview.pk}/"
    assert interview.suggested_by == "overdue_issue" and list(interview.issues.all()) == [issue]
    detail = office.get(response["Location"]).content.decode()
    assert "三日内清理完毕" in detail and "约谈整改：示范市城管局" in detail


def test_unknown_grounds_are_named_and_nothing_is_written(people, campaign, units):
    response = _client(people.supervisor).post(
        f"/accountability/new/interview/?campaign={campaign.pk}",
        {
            "campaign": campaign.pk,
            "unit": units.street_a1.pk,
            "held_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "interviewee": "主任",
            "interviewers": "市创建办",
            "reason": "黑旗",
            "issues": "99999",
        },
    )
    assert response.status_code == 400 and "99999" in response.content.decode()
    assert not Interview.objects.exists()


def test_who_sees_what_on_the_list(people, campaign, units):
    services.interview_record(
        actor=people.supervisor,
        campaign=campaign,
        unit=units.street_a1,
        held_at=timezone.now() - dt.timedelta(days=1),
        interviewee="主任",
        interviewers="市创建办",
        reason="连续被授黑旗",
    )
    services.commendation_record(
        actor=people.supervisor,
        campaign=campaign,
        unit=units.street_a1,
        reason="整治突出",
        commended_on=timezone.localdate(),
    )
    head = _client(people.head).get("/accountability/?tab=interviews").content.decode()
    assert "连续被授黑旗" in head and "建议约谈" not in head
    staff = _client(people.staff).get("/accountability/?tab=interviews").content.decode()
    assert "连续被授黑旗" not in staff and "整治突出" in staff
    assert _client(people.staff).get("/accountability/new/interview/").status_code == 403
    assert _client(people.leader).get("/accountability/new/decision/").status_code == 403


def test_list_query_budget(people, campaign, units, django_assert_max_num_queries):
    for n in range(10):
        services.interview_record(
            actor=people.supervisor,
            campaign=campaign,
            unit=units.street_a1,
            held_at=timezone.now() - dt.timedelta(days=n + 1),
            interviewee="主任",
            interviewers="市创建办",
            reason=f"第{n}次",
        )
    client = _client(people.supervisor)
    for tab in ("suggestions", "interviews", "decisions", "commendations"):
        with django_assert_max_num_queries(30):
            assert client.get(f"/accountability/?tab={tab}").status_code == 200


def test_suggestions_past_the_first_ones_are_a_tap_away(people, campaign, units, city, make_issue, monkeypatch):
    """Past the first SUGGESTIONS_SHOWN, the page says how many more and 全部显示 lists them (it
    used to point people to the API)."""
    from accountability import views

    make_issue(units.cgj, city.b1, deadline=timezone.now() - dt.timedelta(days=30))
    monkeypatch.setattr(views, "SUGGESTIONS_SHOWN", 0)
    office = _client(people.supervisor)
    page = office.get("/accountability/").content.decode()
    assert 'data-rule="overdue_issue"' not in page
    assert "另有 1 条提示（情节较轻）。" in page and 'data-testid="all-suggestions"' in page and "API" not in page
    everything = office.get(f"/accountability/?campaign={campaign.pk}&tab=suggestions&all=1").content.decode()
    assert 'data-rule="overdue_issue"' in everything and 'data-testid="more-suggestions"' not in everything
    office.cookies["django_language"] = "en"
    assert "1 more (less serious) suggestion. " in office.get("/accountability/").content.decode()
