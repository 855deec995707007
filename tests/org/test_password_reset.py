"""找回密码: a person with an email gets a one-time link (Chinese mail), sets a new password with
it and signs in; the link does not work twice; an unknown address is told the same as a known one.

The mail leaves through the ``org.send_password_reset_mail`` job after the commit, so a slow
SMTP server never holds the web request; with the broker unreachable it is sent in the request
instead (logged), and nothing is lost (issue 16, hardening 5)."""

import re
import time

import pytest
from celery.exceptions import Retry
from django.core import mail
from kombu.exceptions import OperationalError

from chuangcheng.org import jobs
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """The messages handed to the broker (not sent: no worker here)."""
    messages = []
    monkeypatch.setattr(jobs.send_password_reset_mail, "apply_async", lambda args, **kw: messages.append(args[0]))
    return messages


def ask_for_reset(client, email, capture):
    with capture(execute=True):
        return client.post("/accounts/password_reset/", {"email": email}, follow=True)


def test_reset_by_email_then_sign_in(client, queued, django_capture_on_commit_callbacks):
    user = UserFactory(username="zhangsan", email="zhangsan@example.cn", display_name="张三")
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in login
    response = ask_for_reset(client, "zhangsan@example.cn", django_capture_on_commit_callbacks)
    assert 'data-testid="reset-sent"' in response.content.decode()
    assert mail.outbox == [] and len(queued) == 1  # queued, not sent in the request
    jobs.send_password_reset_mail(queued[0])  # what the worker does
    assert len(mail.outbox) == 1 and "重设登录密码" in mail.outbox[0].subject
    assert mail.outbox[0].to == ["zhangsan@example.cn"]
    body = mail.outbox[0].body
    assert "张三，您好" in body and "zhangsan" in body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", body).group(1)
    form = client.get(link, follow=True)
    url = form.redirect_chain[-1][0] if form.redirect_chain else link
    assert "设置新密码" in form.content.decode()
    done = client.post(url, {"new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"}, follow=True)
    assert 'data-testid="reset-complete"' in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("Xin-mima-2026!")
    again = client.get(link, follow=True).content.decode()
    assert 'data-testid="reset-invalid"' in again

    queued.clear()
    unknown = ask_for_reset(client, "nobody@example.cn", django_capture_on_commit_callbacks)
    assert 'data-testid="reset-sent"' in unknown.content.decode() and queued == []


def test_the_mail_is_in_the_language_of_the_request(client, queued, django_capture_on_commit_callbacks):
    UserFactory(username="lisi", email="lisi@example.cn", display_name="李四")
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/password_reset/"})
    page = client.get("/accounts/password_reset/").content.decode()
    assert "Send the reset link" in page and "发送重设链接" not in page
    ask_for_reset(client, "lisi@example.cn", django_capture_on_commit_callbacks)
    jobs.send_password_reset_mail(queued[0])  # the worker has no request: the words were chosen before
    assert mail.outbox[0].body.startswith("Hello 李四,") and "Someone (hopefully you)" in mail.outbox[0].body


def test_nothing_is_queued_before_the_commit(client, queued, django_capture_on_commit_callbacks):
    UserFactory(username="wangwu", email="wangwu@example.cn")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/accounts/password_reset/", {"email": "wangwu@example.cn"})
    assert len(callbacks) == 1  # waiting for the commit (here: a rollback, so never)
    assert queued == [] and mail.outbox == []


def test_the_job_sends_once_and_retries_a_failed_smtp(queued, client, django_capture_on_commit_callbacks, monkeypatch):
    UserFactory(username="zhaoliu", email="zhaoliu@example.cn")
    ask_for_reset(client, "zhaoliu@example.cn", django_capture_on_commit_callbacks)
    message = queued[0]

    def smtp_down(message):
        raise ConnectionRefusedError("smtp down")

    retries = []

    def retry(exc, countdown):
        retries.append((repr(exc), countdown))
        return Retry()

    with monkeypatch.context() as m:
        m.setattr(jobs.passwords, "reset_mail_send", smtp_down)
        m.setattr(jobs.send_password_reset_mail, "retry", retry)
        result = jobs.send_password_reset_mail.apply(args=[message])
    assert result.state == "RETRY" and mail.outbox == []
    assert retries == [("ConnectionRefusedError('smtp down')", jobs.RESET_MAIL_RETRY_DELAYS[0])]

    assert jobs.send_password_reset_mail.apply(args=[message]).result == "sent"
    assert jobs.send_password_reset_mail.apply(args=[message]).result == "already sent"  # redelivered
    assert len(mail.outbox) == 1


def test_an_unreachable_broker_sends_in_the_request(client, celery_broker, django_capture_on_commit_callbacks, caplog):
    UserFactory(username="sunqi", email="sunqi@example.cn", display_name="孙七")
    celery_broker("redis://127.0.0.1:9/0")  # nothing listens there
    started = time.monotonic()
    response = ask_for_reset(client, "sunqi@example.cn", django_capture_on_commit_callbacks)
    assert time.monotonic() - started < 5
    assert 'data-testid="reset-sent"' in response.content.decode()
    assert len(mail.outbox) == 1 and "孙七，您好" in mail.outbox[0].body
    assert "broker unavailable" in caplog.text


def test_a_refusing_broker_sends_in_the_request(client, monkeypatch, django_capture_on_commit_callbacks, caplog):
    UserFactory(username="zhouba", email="zhouba@example.cn")

    def refuse(*args, **kwargs):
        raise OperationalError("broker refused the message")

    monkeypatch.setattr(jobs.send_password_reset_mail, "apply_async", refuse)
    ask_for_reset(client, "zhouba@example.cn", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and "broker unavailable" in caplog.text
