"""随手拍: the public report page and API, the tracking page, the throttle and the refusals."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from chuangcheng.campaigns.models import CampaignStatus
from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.models import Notice
from inspections import services
from inspections.models import Issue, IssueEvent, IssueSource, IssueState, Photo, PhotoKind
from inspections.services.citizen import TRACKING_ALPHABET, check_phone, citizen_report_status
from tests.factories import SiteFactory
from tests.inspections.conftest import LAT, LNG, raw_upload, upload

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
CODE = re.compile(rf"^[{TRACKING_ALPHABET}]{{10}}$")


@pytest.fixture(autouse=True)
def fresh_throttle():
    """The throttle counts in the cache: every test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(city, units, campaign, people, categories):
    """A 测评点位 in 甲一社区 at (LAT, LNG): locations near it are inferred to be in 甲一社区,
    and the campaign's city spans its surroundings. Staff have Chinese names to look for."""
    site = SiteFactory(
        name="甲一农贸市场", region=city.a1v, responsible_unit=units.street_a1, latitude=LAT, longitude=LNG
    )
    for user, name in [(people.supervisor, "王督查"), (people.district_supervisor, "赵督查"), (people.staff, "刘经办")]:
        user.display_name = name
        user.save(update_fields=["display_name"])
    return site


def page_data(categories, campaign, **overrides):
    data = {
        "campaign": campaign.pk,
        "category": categories.garbage.pk,
        "description": "小区门口垃圾堆了三天没人清运",
        "latitude": f"{LAT + 0.0003:.6f}",
        "longitude": f"{LNG:.6f}",
        "address": "甲一路 8 号门口",
        "phone": PHONE,
        "photos": [upload(1)],
    }
    data.update(overrides)
    if data.get("photos") == "text":  # made per request: an upload is read once
        data["photos"] = [raw_upload(b"hello, I am not a picture\n" * 20, "scene.jpg")]
    return {k: v for k, v in data.items() if v is not None}


def nothing_written():
    return not (
        Issue.objects.exists() or Photo.objects.exists() or IssueEvent.objects.exists() or Notice.objects.exists()
    )


# --- the page -------------------------------------------------------------------------------------


def test_report_page_is_public_and_offers_the_form(client, world, categories):
    response = client.get(reverse("report:new"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'capture="environment"' in body  # the camera opens directly
    assert "inspections/public.js" in body  # location comes from a static file, no inline script
    assert "<script>" not in body
    assert categories.garbage.name in body and "甲一街道" in body
    assert "联系电话仅供工作人员回访，不会公开" in body


def test_a_report_through_the_page_lands_reported_with_photo_code_and_notices(
    client, world, categories, campaign, people, city
):
    response = client.post(reverse("report:new"), {})
    assert response.status_code == 400  # an empty post: refused, nothing written
    assert nothing_written()

    response = client.post(reverse("report:new"), page_data(categories, campaign))
    assert response.status_code == 302, response.content.decode()
    issue = Issue.objects.get()
    assert response["Location"] == reverse("report:done", args=[issue.tracking_code])
    assert (issue.state, issue.source, issue.created_by) == (IssueState.REPORTED, IssueSource.CITIZEN, None)
    assert CODE.match(issue.tracking_code)
    assert issue.region == city.a1v  # inferred from the nearby 测评点位
    assert issue.reporter_phone == PHONE
    assert issue.latitude == Decimal(f"{LAT + 0.0003:.6f}")
    photo = issue.photos.get()
    assert (photo.kind, photo.uploaded_by) == (PhotoKind.BEFORE, None)
    event = issue.events.get()
    assert (event.action, event.actor, event.to_state) == ("create", None, IssueState.REPORTED)
    assert photo.event == event
    # The supervisors whose scope covers 甲一社区 hear of it; nobody else.
    notified = set(Notice.objects.values_list("recipient__username", flat=True))
    assert notified == {people.supervisor.username, people.district_supervisor.username}
    assert "随手拍" in Notice.objects.first().title

    done = client.get(response["Location"])
    shown = f"{issue.tracking_code[:5]}-{issue.tracking_code[5:]}"
    assert shown in done.content.decode()


def test_a_region_picked_on_the_form_is_used_without_location(client, world, categories, campaign, city):
    data = page_data(categories, campaign, latitude="", longitude="", region=city.b1.pk)
    response = client.post(reverse("report:new"), data)
    assert response.status_code == 302
    issue = Issue.objects.get()
    assert (issue.region, issue.latitude) == (city.b1, None)


def test_several_active_campaigns_are_a_select(client, world, city, units):
    from tests.factories import CampaignFactory

    CampaignFactory(name="园林城市复审", region=city.city, office_unit=units.office, status=CampaignStatus.ACTIVE)
    body = client.get(reverse("report:new")).content.decode()
    assert 'name="campaign"' in body and "园林城市复审" in body and 'type="hidden" name="campaign"' not in body


def test_no_active_campaign_no_form(client, world, campaign):
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    response = client.get(reverse("report:new"))
    assert response.status_code == 200
    assert "暂未开放随手拍" in response.content.decode()


def test_the_form_keeps_csrf(world, categories, campaign):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("report:new"), page_data(categories, campaign))
    assert response.status_code == 403
    assert nothing_written()
    page = client.get(reverse("report:new"))
    token = page.cookies["csrftoken"].value
    response = client.post(reverse("report:new"), {**page_data(categories, campaign), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


# --- the API ----------------------------------------------------------------------------------------


def test_a_report_through_the_api(world, categories, campaign, city, people):
    api = APIClient()
    data = page_data(categories, campaign, latitude=None, longitude=None, region=city.a1.pk)
    response = api.post("/api/v1/public/reports/", data, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    issue = Issue.objects.get()
    assert body["code"] == issue.tracking_code
    assert body["display_code"] == f"{issue.tracking_code[:5]}-{issue.tracking_code[5:]}"
    assert body["status_url"].endswith(f"/api/v1/public/reports/{issue.tracking_code}/")
    assert (issue.state, issue.created_by, issue.region) == (IssueState.REPORTED, None, city.a1)
    assert issue.photos.count() == 1
    assert Notice.objects.filter(recipient=people.district_supervisor).exists()

    status = api.get(f"/api/v1/public/reports/{body['display_code'].lower()}/")
    assert status.status_code == 200
    shown = status.json()
    assert (shown["state"], shown["state_label"]) == ("received", "已受理")
    assert shown["category"] == categories.garbage.name
    assert PHONE not in status.content.decode()


def test_api_campaign_may_be_left_out_when_only_one_is_active(world, categories, campaign):
    data = page_data(categories, campaign)
    del data["campaign"]
    response = APIClient().post("/api/v1/public/reports/", data, format="multipart")
    assert response.status_code == 201, response.json()


def test_api_unknown_code_is_404(world):
    response = APIClient().get("/api/v1/public/reports/ABCDE-FGHJK/")
    assert response.status_code == 404
    assert "没有找到" in response.json()["detail"]


# --- refusals: a clear word on the field, nothing written ---------------------------------------------

BAD_INPUTS = {
    "no photo": ({"photos": []}, "photos", "至少"),
    "text posing as a photo": ({"photos": "text"}, "photos", "不是照片"),
    "outside the city": ({"latitude": "39.904200", "longitude": "116.407400"}, "latitude", "不在示范市范围内"),
    "outside China": ({"latitude": "1.300000", "longitude": "103.800000"}, "latitude", "不在我国境内"),
    "swapped coordinates": ({"latitude": f"{LNG:.6f}", "longitude": f"{LAT:.6f}"}, "latitude", "填反"),
    "bad phone": ({"phone": "12345"}, "phone", "格式不正确"),
    "no description": ({"description": "  "}, "description", "描述"),
    "neither location nor street": ({"latitude": "", "longitude": ""}, "region", "选择问题所在街道"),
}


@pytest.mark.parametrize(("overrides", "field", "words"), list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_bad_input_on_the_page(client, world, categories, campaign, overrides, field, words):
    response = client.post(reverse("report:new"), page_data(categories, campaign, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize(("overrides", "field", "words"), list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_bad_input_through_the_api(world, categories, campaign, overrides, field, words):
    data = page_data(categories, campaign, **overrides)
    response = APIClient().post("/api/v1/public/reports/", data, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field and words in body["detail"], body
    assert nothing_written()


def test_only_public_categories_and_the_campaigns_territory(world, categories, campaign, city):
    from tests.factories import RegionFactory

    hidden = categories.green
    hidden.is_active = False
    hidden.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError) as refused:
        services.citizen_report_create(
            campaign=campaign, category=hidden, description="x", photos=[upload(1)], region=city.a1
        )
    assert refused.value.field == "category"
    elsewhere = RegionFactory(name="外市", level="city", code="9902")
    with pytest.raises(ApplicationError) as refused:
        services.citizen_report_create(
            campaign=campaign,
            category=categories.garbage,
            description="x",
            photos=[upload(1)],
            region=elsewhere,
            address="某路",
        )
    assert refused.value.field == "region"
    assert nothing_written()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("138 1234 5678", PHONE), ("+8613812345678", PHONE), ("0371-67891234", "0371-67891234"), ("", "")],
)
def test_phone_forms_that_pass(typed, stored):
    assert check_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12812345678", "1381234567", "abc", "0371-12"])
def test_phone_forms_that_do_not(typed):
    with pytest.raises(ApplicationError) as refused:
        check_phone(typed)
    assert refused.value.field == "phone"


# --- the throttle ----------------------------------------------------------------------------------------


def test_the_sixth_report_from_one_address_is_429_on_the_page(client, world, categories, campaign):
    for i in range(5):
        response = client.post(reverse("report:new"), page_data(categories, campaign, photos=[upload(10 + i)]))
        assert response.status_code == 302
    response = client.post(reverse("report:new"), page_data(categories, campaign, photos=[upload(20)]))
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert Issue.objects.count() == 5
    # Another address is not held back.
    other = client.post(
        reverse("report:new"), page_data(categories, campaign, photos=[upload(21)]), REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 302


def test_the_sixth_report_is_429_in_the_api_and_the_page_shares_the_count(client, world, categories, campaign):
    api = APIClient()
    for i in range(3):
        assert (
            client.post(reverse("report:new"), page_data(categories, campaign, photos=[upload(30 + i)])).status_code
            == 302
        )
    for i in range(2):
        response = api.post("/api/v1/public/reports/", page_data(categories, campaign, photos=[upload(40 + i)]))
        assert response.status_code == 201
    response = api.post("/api/v1/public/reports/", page_data(categories, campaign, photos=[upload(50)]))
    assert response.status_code == 429
    assert "提交过于频繁" in response.json()["detail"]
    assert Issue.objects.count() == 5


def test_a_forged_forwarded_for_does_not_reset_the_count(client, world, categories, campaign):
    for i in range(5):
        client.post(reverse("report:new"), page_data(categories, campaign, photos=[upload(60 + i)]))
    response = client.post(
        reverse("report:new"), page_data(categories, campaign, photos=[upload(70)]), HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert response.status_code == 429


# --- following a report --------------------------------------------------------------------------------


@pytest.fixture
def report(world, categories, campaign, city):
    return services.citizen_report_create(
        campaign=campaign,
        category=categories.garbage,
        description="垃圾桶满溢",
        photos=[upload(3)],
        latitude=LAT,
        longitude=LNG,
        address="甲一路 8 号",
        phone=PHONE,
    )


def test_tracking_a_closed_report_shows_stages_and_after_photos_but_no_people(client, report, people, units):
    services.issue_accept(actor=people.supervisor, issue_id=report.pk)
    services.issue_sign(actor=people.staff, issue_id=report.pk)
    services.issue_submit(actor=people.staff, issue_id=report.pk, measures="刘经办带队清理", photos=[upload(4)])
    services.issue_verify(actor=people.supervisor, issue_id=report.pk)
    code = f"{report.tracking_code[:5]}-{report.tracking_code[5:]}".lower()

    response = client.get(reverse("report:track"), {"code": code})
    assert response.status_code == 200
    body = response.content.decode()
    assert "已办结" in body
    assert body.count("待办理") == 0  # every stage reached, each with its date
    for secret in ["王督查", "刘经办", "supervisor", "staff_a1", units.street_a1.name, PHONE]:
        assert secret not in body, secret
    after = Photo.objects.get(issue=report, kind=PhotoKind.AFTER)
    before = Photo.objects.get(issue=report, kind=PhotoKind.BEFORE)
    photo_url = reverse("report:photo", args=[report.tracking_code, after.pk])
    assert photo_url in body
    image = client.get(photo_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert client.get(reverse("report:photo", args=[report.tracking_code, before.pk])).status_code == 404

    api = APIClient().get(f"/api/v1/public/reports/{report.tracking_code}/").json()
    assert api["state"] == "closed" and api["after_photos"][0].endswith(photo_url)
    assert all(stage["at"] for stage in api["stages"])
    for secret in ["王督查", "刘经办", units.street_a1.name, PHONE, "measures"]:
        assert secret not in str(api), secret


def test_tracking_in_progress_and_dismissed(client, report, people):
    services.issue_accept(actor=people.supervisor, issue_id=report.pk)
    status = citizen_report_status(report.tracking_code)
    assert (status.state, status.state_label) == ("processing", "处理中")
    assert [bool(s.at) for s in status.stages] == [True, True, False, False]
    assert not status.after_photo_ids  # not closed: nothing to show yet

    other = services.citizen_report_create(
        campaign=report.campaign,
        category=report.category,
        description="不是问题",
        photos=[upload(5)],
        latitude=LAT,
        longitude=LNG,
    )
    services.issue_dismiss(actor=people.supervisor, issue_id=other.pk, reason="经核实为正常施工围挡，非环境问题")
    response = client.get(reverse("report:track"), {"code": other.tracking_code})
    body = response.content.decode()
    assert "不予受理" in body and "经核实为正常施工围挡" in body


def test_a_merged_report_follows_the_issue_it_joined(report, people, campaign, categories, city):
    original = services.issue_create(
        actor=people.supervisor,
        campaign=campaign,
        category=categories.garbage,
        description="路口暴露垃圾",
        region=city.a1v,
        latitude=LAT,
        longitude=LNG,
        assign=True,
    )
    services.issue_merge(actor=people.supervisor, issue_id=report.pk, target_id=original.pk)
    status = citizen_report_status(report.tracking_code)
    assert status.state == "processing" and "合并办理" in status.note and not status.reason


def test_unknown_code_on_the_tracking_page(client, world):
    response = client.get(reverse("report:track"), {"code": "ZZZZZ-ZZZZZ"})
    assert response.status_code == 404
    assert "没有找到查询码" in response.content.decode()
    assert client.get(reverse("report:done", args=["ZZZZZZZZZZ"])).status_code == 404


def test_tracking_page_queries_stay_few(client, report, people, django_assert_max_num_queries):
    services.issue_accept(actor=people.supervisor, issue_id=report.pk)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("report:track"), {"code": report.tracking_code}).status_code == 200


def test_guessing_codes_on_the_done_page_is_throttled(client, world, settings):
    """/report/done/<code>/ says whether a code exists: it shares the track page's limit."""
    from django.core.cache import cache

    cache.clear()
    allowed = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["citizen_track"].split("/")[0])
    statuses = [client.get(f"/report/done/ABCD{i:04d}/").status_code for i in range(allowed + 1)]
    assert set(statuses[:allowed]) == {404} and statuses[allowed] == 429
    assert "过于频繁" in client.get("/report/done/ABCD9999/").content.decode()
