import pytest


@pytest.mark.django_db
def test_chinese_unless_switched(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Sign in" in response.content.decode() or "Log in" in response.content.decode()
