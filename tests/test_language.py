import pytest


@pytest.mark.django_db
def test_chinese_unless_switched(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Sign in" in response.content.decode() or "Log in" in response.content.decode()


@pytest.mark.django_db
def test_an_api_client_with_a_token_gets_the_language_it_asks_for(people):
    """A program with a token sends Accept-Language on purpose; a page's own call (the session)
    stays Chinese first whatever the PC's browser sends."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=people.admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    english = api.get("/api/v1/tasks/", {"page_size": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "whole number" in str(english.data["detail"])
    chinese = api.get("/api/v1/tasks/", {"page_size": "abc"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "每页条数" in str(chinese.data["detail"])
    session = APIClient()
    session.force_login(people.admin)
    page_call = session.get("/api/v1/tasks/", {"page_size": "abc"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "每页条数" in str(page_call.data["detail"])
