"""What waits for a supervisor among the issues: 待核查 (never their own unit's), 延期申请,
申请退回, 待受理 and 超期未改 — counts, the first few, and a link to the whole list in 问题清单,
whose filters give the same count."""

import datetime as dt

import pytest
from django.urls import reverse

from inspections import services

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_review_queue_sections(client, people, make_issue):
    submitted = make_issue("submitted", address="黄河路1号")
    make_issue("reported", address="花园路2号")
    asking = make_issue("rectifying")
    services.issue_request_extension(
        actor=people.staff,
        issue_id=asking.pk,
        reason="雨天无法施工",
        deadline=asking.rectification_deadline + dt.timedelta(days=3),
    )
    client.force_login(people.supervisor)
    page = client.get(reverse("inspections:review_queue"), **HTMX).content.decode()
    assert 'data-testid="review-verify-count">1<' in page
    assert f'data-issue="{submitted.pk}"' in page
    assert 'data-testid="review-triage-count">1<' in page
    assert "> · 花园路2号" not in page and ">花园路2号<" in page  # 待受理: no unit yet, no separator
    assert submitted.responsible_unit.name + " · 黄河路1号" in page
    assert 'data-testid="review-extension-count">1<' in page and f'data-issue="{asking.pk}"' in page
    listed = client.get(reverse("inspections:issue_list") + "?state=submitted").content.decode()
    assert f"/inspections/issues/{submitted.pk}/" in listed


def test_staff_get_no_sections(client, people, make_issue):
    make_issue("submitted")
    client.force_login(people.staff)
    page = client.get(reverse("inspections:review_queue"), **HTMX).content.decode()
    assert "review-verify" not in page


def test_issue_page_shows_a_late_signature(client, people, make_issue):
    issue = make_issue("rectifying")
    type(issue).objects.filter(pk=issue.pk).update(sign_deadline=issue.signed_at - dt.timedelta(hours=5))
    client.force_login(people.supervisor)
    page = client.get(reverse("inspections:issue_detail", args=[issue.pk])).content.decode()
    assert 'data-testid="signed-late"' in page and "签收超时 5" in page
    waiting = make_issue("assigned")
    type(waiting).objects.filter(pk=waiting.pk).update(sign_deadline=waiting.assigned_at - dt.timedelta(minutes=1))
    page = client.get(reverse("inspections:issue_detail", args=[waiting.pk])).content.decode()
    assert "已超过签收时限，尚未签收" in page


def test_an_inspections_issue_count_counts_what_the_caller_may_see(client, people, make_issue, city, units, campaign):
    from inspections.models import Inspection, Issue

    outing = Inspection.objects.create(campaign=campaign, kind="covert", date=campaign.start_date, region=city.city)
    mine = make_issue("rectifying")
    other = make_issue("reported", region=city.b1)
    Issue.objects.filter(pk=mine.pk).update(inspection=outing)
    Issue.objects.filter(pk=other.pk).update(inspection=outing, responsible_unit=units.street_b1)
    client.force_login(people.staff)  # 甲一街道办: sees its own issue only
    counts = {i["id"]: i["issue_count"] for i in client.get("/api/v1/inspections/").json()["results"]}
    assert counts[outing.pk] == 1
    client.force_login(people.supervisor)  # the city: both
    counts = {i["id"]: i["issue_count"] for i in client.get("/api/v1/inspections/").json()["results"]}
    assert counts[outing.pk] == 2


def test_only_people_who_may_inspect_the_region_are_inspectors(people, campaign, city):
    from chuangcheng.exceptions import ApplicationError
    from inspections.services import inspection_create

    with pytest.raises(ApplicationError) as refused:
        inspection_create(
            actor=people.supervisor,
            campaign=campaign,
            kind="covert",
            date=campaign.start_date,
            region=city.a,
            inspectors=[people.supervisor, people.staff_b],
        )
    assert refused.value.field == "inspectors" and "staff_b1" in refused.value.message
    made = inspection_create(
        actor=people.supervisor,
        campaign=campaign,
        kind="covert",
        date=campaign.start_date,
        region=city.a,
        inspectors=[people.supervisor, people.district_supervisor],
    )
    assert set(made.inspectors.all()) == {people.supervisor, people.district_supervisor}


def test_the_section_opened_by_itself_is_my_work(client, people):
    """The section's address opened on its own (copied from the browser's requests, or a stale
    bookmark) was a bare fragment without the page around it: it is 我的待办."""
    client.force_login(people.supervisor)
    response = client.get(reverse("inspections:review_queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:my_work")
