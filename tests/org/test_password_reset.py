"""找回密码: a person with an email gets a one-time link (Chinese mail), sets a new password with
it and signs in; the link does not work twice; an unknown address is told the same as a known one."""

import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_reset_by_email_then_sign_in(client):
    user = UserFactory(username="zhangsan", email="zhangsan@example.cn", display_name="张三")
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login
    response = client.post("/accounts/password_reset/", {"email": "zhangsan@example.cn"}, follow=True)
    assert 'data-testid="reset-sent"' in response.content.decode()
    assert len(mail.outbox) == 1 and "重设登录密码" in mail.outbox[0].subject
    body = mail.outbox[0].body
    assert "张三，您好" in body and "zhangsan" in body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", body).group(1)
    form = client.get(link, follow=True)
    url = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(url, {"new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"}, follow=True)
    assert 'data-testid="reset-complete"' in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("Xin-mima-2026!")
    again = client.get(link, follow=True).content.decode()
    assert 'data-testid="reset-invalid"' in again

    mail.outbox.clear()
    unknown = client.post("/accounts/password_reset/", {"email": "nobody@example.cn"}, follow=True)
    assert 'data-testid="reset-sent"' in unknown.content.decode() and mail.outbox == []
