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
