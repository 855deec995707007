import pytest
from redis.exceptions import ConnectionError as RedisConnectionError


@pytest.mark.django_db
def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


class DownCache:
    def set(self, *args, **kwargs):
        raise RedisConnectionError("Connection refused")

    get = set


@pytest.mark.django_db
def test_healthz_says_503_when_the_cache_is_down(client, monkeypatch):
    monkeypatch.setattr("chuangcheng.health.cache", DownCache())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error: ConnectionError"


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert "favicon" in response["Location"] and response["Location"].endswith(".svg")


def test_an_oversized_body_is_a_chinese_413_before_anything_reads_it(client, settings, db):
    from django.test import Client

    from chuangcheng.middleware import RequestSizeLimitMiddleware

    big = str(101 * 1024 * 1024)
    page = Client().post("/report/", data=b"x", content_type="application/octet-stream", CONTENT_LENGTH=big)
    assert page.status_code == 413 and "一次提交的内容不能超过 100 MB" in page.content.decode()
    api = Client().post("/api/v1/public/reports/", data=b"x", content_type="application/json", CONTENT_LENGTH=big)
    assert api.status_code == 413 and api.json()["code"] == "too_large"
    assert RequestSizeLimitMiddleware(lambda r: None).limit_mb == settings.MAX_REQUEST_MB
