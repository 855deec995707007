"""Channels against real servers on localhost: SMTP (aiosmtpd) and a webhook (http.server).
Transport errors leave the delivery pending with a backoff; nothing is lost."""

import datetime as dt

import pytest
from django.utils import timezone

from chuangcheng.notifications import jobs, services
from chuangcheng.notifications.channels import get_channel, register_attachment
from chuangcheng.notifications.models import Delivery, Notice
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db


def briefing_pdf(number):
    return b"%PDF-1.4 " + str(number).encode() * 1000


register_attachment("test-channels-pdf", briefing_pdf)


def deliver(people, *, channels=("email",), **kw):
    rows = services.delivery_create(
        recipients=[people.staff],
        kind=kw.pop("kind", "briefing"),
        subject_key="briefing:45",
        window=kw.pop("window", "2026-11-23T08"),
        title="日通报（11月23日）",
        body="甲一街道按期销号率 93.7%。",
        url="/reports/briefings/45/",
        channels=None if channels is None else list(channels),
        **kw,
    )
    return [services.delivery_send(delivery_id=row.pk) for row in rows if row.status == "pending"], rows


def test_email_reaches_a_real_smtp_server_with_its_attachment(people, smtp_server, email_to, settings):
    settings.SITE_URL = "https://cc.example.gov.cn"
    email_to(smtp_server.url)
    attachment = {
        "loader": "test-channels-pdf",
        "args": [45],
        "filename": "日通报.pdf",
        "mimetype": "application/pdf",
    }
    statuses, rows = deliver(people, attachments=[attachment])
    assert statuses == ["sent"]
    [message] = smtp_server.mailbox.to("staff_a1@example.cn")
    assert message["Subject"] == "日通报（11月23日）"
    assert message["X-Chuangcheng-Delivery"] == str(rows[0].pk)
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "按期销号率 93.7%" in body and "https://cc.example.gov.cn/reports/briefings/45/" in body
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "日通报.pdf"
    assert part.get_content() == briefing_pdf(45)


def test_smtp_down_leaves_the_delivery_pending_with_backoff(people, email_to, settings):
    email_to(f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    before = timezone.now()
    statuses, rows = deliver(people)
    assert statuses == ["pending"]
    row = Delivery.objects.get(pk=rows[0].pk)
    assert row.attempts == 1
    assert "邮件服务器不可用" in row.last_error
    first_delay = settings.NOTIFICATION_RETRY_DELAYS[0]
    assert before + dt.timedelta(seconds=first_delay) <= row.next_attempt_at
    assert row.next_attempt_at <= timezone.now() + dt.timedelta(seconds=first_delay)
    assert row.lease_until is None
    # Not due again before the backoff; the sweep leaves it alone.
    assert services.deliveries_due() == []
    assert jobs.deliver_due.apply().get() == 0
    # The second failure waits longer.
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    assert services.delivery_send(delivery_id=row.pk, now=later) == "pending"
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at - later >= dt.timedelta(seconds=settings.NOTIFICATION_RETRY_DELAYS[1] - 5)


def test_smtp_back_up_the_pending_delivery_is_sent_once(people, smtp_server, email_to):
    email_to(f"smtp://127.0.0.1:{free_port()}")
    _statuses, rows = deliver(people)
    email_to(smtp_server.url)
    Delivery.objects.filter(pk=rows[0].pk).update(next_attempt_at=timezone.now())  # backoff elapsed
    assert jobs.deliver_due.apply().get() == 1
    assert jobs.deliver_due.apply().get() == 0
    assert len(smtp_server.mailbox.to("staff_a1@example.cn")) == 1
    row = Delivery.objects.get(pk=rows[0].pk)
    assert (row.status, row.attempts) == ("sent", 2)


def test_out_of_attempts_the_delivery_fails(people, email_to, settings):
    settings.NOTIFICATION_RETRY_DELAYS = [1]
    email_to(f"smtp://127.0.0.1:{free_port()}")
    _statuses, rows = deliver(people)
    later = timezone.now() + dt.timedelta(seconds=5)
    assert services.delivery_send(delivery_id=rows[0].pk, now=later) == "failed"
    row = Delivery.objects.get(pk=rows[0].pk)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 2, None)


def test_a_refused_recipient_fails_at_once(people, smtp_server, email_to):
    email_to(smtp_server.url)

    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user"

    smtp_server.handler.handle_RCPT = refuse
    statuses, rows = deliver(people)
    assert statuses == ["failed"]
    assert "拒收" in Delivery.objects.get(pk=rows[0].pk).last_error


def test_webhook_posts_json_to_the_configured_url(people, webhook_server, with_webhook, settings):
    settings.SITE_URL = "https://cc.example.gov.cn"
    with_webhook(webhook_server.url, headers={"X-Token": "s3cret"})
    statuses, rows = deliver(people, channels=None)  # every configured channel, webhook included
    assert sorted(r.channel for r in rows) == ["email", "inapp", "webhook"]
    assert "sent" in statuses
    [post] = webhook_server.received
    assert post["headers"]["X-Token"] == "s3cret"
    assert post["headers"]["Content-Type"].startswith("application/json")
    assert post["json"] == {
        "delivery_id": next(r.pk for r in rows if r.channel == "webhook"),
        "kind": "briefing",
        "subject": "briefing:45",
        "window": "2026-11-23T08",
        "title": "日通报（11月23日）",
        "body": "甲一街道按期销号率 93.7%。",
        "url": "https://cc.example.gov.cn/reports/briefings/45/",
        "recipient": {"username": "staff_a1", "name": "staff_a1", "email": "staff_a1@example.cn", "phone": ""},
    }


@pytest.mark.parametrize(("status", "outcome"), [(503, "pending"), (429, "pending"), (400, "failed")])
def test_webhook_errors_retry_on_5xx_and_fail_on_4xx(people, webhook_server, with_webhook, status, outcome):
    webhook_server.status = status
    with_webhook(webhook_server.url)
    statuses, rows = deliver(people, channels=["webhook"])
    assert statuses == [outcome]
    assert str(status) in Delivery.objects.get(pk=rows[0].pk).last_error


def test_webhook_unreachable_is_a_transport_error(people, with_webhook):
    with_webhook(f"http://127.0.0.1:{free_port()}/hook")
    statuses, _rows = deliver(people, channels=["webhook"])
    assert statuses == ["pending"]


def test_a_channel_limited_to_kinds_skips_the_others(people, webhook_server, with_webhook):
    with_webhook(webhook_server.url, kinds=["escalation"])
    _statuses, rows = deliver(people, channels=None, kind="briefing")
    assert "webhook" not in {r.channel for r in rows}
    assert get_channel("webhook").accepts("escalation")
    assert Notice.objects.filter(recipient=people.staff).count() == 1
