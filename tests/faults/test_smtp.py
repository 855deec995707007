"""Mail servers that misbehave, and a delivery that breaks, against the sweep
(``notifications.deliver_due``) run the way the worker runs it.

- A server that stores the message and answers after the client's timeout: the outcome is
  unknown — the delivery is "unconfirmed" (未确认), never sent again on its own: exactly one copy.
- A server that refuses (451): back off, then deliver once; ``last_error`` cleared on success.
- A server that hangs (never greets): each attempt ends at ``EMAIL_TIMEOUT``, backs off.
- A delivery whose attachment cannot be built: recorded on that row with a backoff; the rows
  behind it are sent in the same pass.
"""

import datetime as dt
import time

import pytest
from django.utils import timezone

from chuangcheng.notifications import jobs, services
from chuangcheng.notifications.channels import register_attachment
from chuangcheng.notifications.models import Delivery

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.django_db]

TIMEOUT = 1  # EMAIL_TIMEOUT in these tests (seconds)


@pytest.fixture
def mail_to(settings):
    """``mail_to(url)``: the email channel sends there; short timeout and backoff."""
    settings.EMAIL_TIMEOUT = TIMEOUT
    settings.NOTIFICATION_RETRY_DELAYS = [1, 1, 1]

    def use(url):
        settings.NOTIFICATION_CHANNELS = {
            "email": {"class": "chuangcheng.notifications.channels.EmailChannel", "url": url}
        }

    return use


def write(people, n=3, **extra):
    """``n`` email deliveries to different people (one outbox call)."""
    recipients = [people.staff, people.head, people.supervisor, people.leader, people.staff_b][:n]
    return services.delivery_create(
        recipients=recipients,
        kind="briefing",
        subject_key="briefing:7",
        window=f"w{time.monotonic_ns()}",
        title="日通报（11月23日）",
        body="甲一街道按期销号率 93.7%。",
        **extra,
    )


def after_backoff():
    """Let every backoff elapse (the rows are due again), as the next minute's sweep would."""
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_server_that_answers_after_the_timeout_gets_exactly_one_copy_per_delivery(people, smtp, mail_to):
    server = smtp("slow", delay=TIMEOUT + 1.5)
    mail_to(server.url)
    rows = write(people, 3)

    jobs.deliver_due()
    after_backoff()
    jobs.deliver_due()  # the next minute's sweep
    after_backoff()
    jobs.deliver_due()

    assert len(server.mailbox.accepted) == 3  # the server has each message once
    assert sorted(server.mailbox.delivery_ids()) == sorted(r.pk for r in rows)
    message_ids = server.mailbox.message_ids()
    assert len(set(message_ids)) == 3 and all(message_ids)
    for row in Delivery.objects.filter(pk__in=[r.pk for r in rows]):
        assert row.status == "unconfirmed"
        assert row.attempts == 1
        assert row.next_attempt_at is None
        assert "未收到确认" in row.last_error and row.message_id in row.last_error
        assert row.message_id in message_ids


def test_a_refusing_server_gets_each_delivery_once_after_it_recovers_and_the_error_is_cleared(people, smtp, mail_to):
    refusing = smtp("refuse")
    mail_to(refusing.url)
    rows = write(people, 3)

    jobs.deliver_due()
    assert refusing.mailbox.refused == 3
    for row in Delivery.objects.filter(pk__in=[r.pk for r in rows]):
        assert (row.status, row.attempts) == ("pending", 1)
        assert "451" in row.last_error
        assert row.next_attempt_at > timezone.now()

    refusing.mailbox.mode = "accept"
    after_backoff()
    jobs.deliver_due()
    after_backoff()
    jobs.deliver_due()

    assert sorted(refusing.mailbox.delivery_ids()) == sorted(r.pk for r in rows)
    for row in Delivery.objects.filter(pk__in=[r.pk for r in rows]):
        assert (row.status, row.attempts) == ("sent", 2)
        assert row.last_error == ""  # the admin shows no error on a delivered row


def test_a_hung_server_costs_one_timeout_per_attempt_and_nothing_is_lost(people, smtp, hanging_smtp, mail_to):
    mail_to(hanging_smtp.url)
    rows = write(people, 2)

    started = time.monotonic()
    jobs.deliver_due()
    assert time.monotonic() - started < 2 * TIMEOUT + 3
    for row in Delivery.objects.filter(pk__in=[r.pk for r in rows]):
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error

    server = smtp("accept")
    mail_to(server.url)
    after_backoff()
    jobs.deliver_due()
    assert sorted(server.mailbox.delivery_ids()) == sorted(r.pk for r in rows)


def unbuildable_attachment(number):
    raise RuntimeError(f"PDF render failed for briefing {number}")


register_attachment("test-unbuildable", unbuildable_attachment)


def test_an_exception_in_one_delivery_is_recorded_on_it_and_the_sweep_goes_on(people, smtp, mail_to):
    server = smtp("accept")
    mail_to(server.url)
    broken = write(
        people,
        1,
        attachments=[{"loader": "test-unbuildable", "args": [7], "filename": "日通报.pdf"}],
    )
    Delivery.objects.filter(pk=broken[0].pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=5))
    normal = write(people, 4)  # due after the broken one

    jobs.deliver_due()

    assert sorted(server.mailbox.delivery_ids()) == sorted(r.pk for r in normal)
    row = Delivery.objects.get(pk=broken[0].pk)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "PDF render failed" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert row.lease_until is None

    for attempt in (2, 3, 4):  # the backoff runs out: failed, for a person to resend
        after_backoff()
        jobs.deliver_due()
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.status == "failed"
    assert len(server.mailbox.accepted) == 4
