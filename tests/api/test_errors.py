"""Error answers a person or an integration reads (issue 19, item 9): Chinese pages for 404, 500
and 503 (the database unreachable), and JSON under /api/ — never Django's bare English HTML.
Run with DEBUG off, as in production."""

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from inspections.services import citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False


@pytest.fixture
def client_500(client):
    client.raise_request_exception = False
    return client


@pytest.fixture
def api_500(people):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user=people.supervisor)
    return api


def broken(exc):
    def raise_(*args, **kwargs):
        raise exc

    return raise_


def test_an_unexpected_error_on_a_page_is_a_chinese_500_page(production, client_500, monkeypatch):
    monkeypatch.setattr(citizen, "citizen_report_status", broken(RuntimeError("boom")))
    response = client_500.get("/report/track/", {"code": "ABCDEFGHJK"})
    assert response.status_code == 500
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="zh-hans">' in page
    assert "服务器出错" in page
    assert "Server Error" not in page and "boom" not in page


def test_an_unexpected_error_under_api_is_json(production, api_500, monkeypatch, make_issue):
    issue = make_issue("reported")
    from inspections.api import views

    monkeypatch.setattr(views.selectors, "integrity_flags", broken(RuntimeError("boom")))
    response = api_500.get(f"/api/v1/issues/{issue.pk}/integrity/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "server_error"
    assert "服务器出错" in body["detail"]


def test_the_database_unreachable_is_503_with_retry_after(production, client_500, api_500, monkeypatch, make_issue):
    issue = make_issue("reported")
    from inspections.api import views

    monkeypatch.setattr(citizen, "citizen_report_status", broken(OperationalError("connection refused")))
    page = client_500.get("/report/track/", {"code": "ABCDEFGHJK"})
    assert page.status_code == 503
    assert "系统暂时无法访问" in page.content.decode()
    assert page["Retry-After"]

    monkeypatch.setattr(views.selectors, "integrity_flags", broken(OperationalError("server closed the connection")))
    api = api_500.get(f"/api/v1/issues/{issue.pk}/integrity/")
    assert api.status_code == 503
    assert api.json()["code"] == "service_unavailable"
    assert api["Retry-After"]


def test_an_unknown_api_url_is_a_json_404_and_an_unknown_page_a_chinese_one(production, client):
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404
    assert api["Content-Type"] == "application/json"
    assert api.json()["code"] == "not_found"
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert "页面不存在" in page.content.decode()
