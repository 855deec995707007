"""The outbox: delivery rows written with the change, once per key; in-app at once; the kick after
the commit is best effort; a claim is taken by one sender only."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from chuangcheng.notifications import jobs, services
from chuangcheng.notifications.channels import register_attachment
from chuangcheng.notifications.models import Delivery, DeliveryStatus, Notice
from inspections import services as issue_services
from tasks import services as task_services

pytestmark = pytest.mark.django_db


def create(people, **kw):
    args = {
        "recipients": [people.staff, people.head],
        "kind": "briefing",
        "subject_key": "briefing:45",
        "window": "2026-11-23T08",
        "title": "日通报",
        "body": "今日通报",
        "url": "/reports/briefings/45/",
    }
    return services.delivery_create(**{**args, **kw})


def test_delivery_create_writes_inapp_now_and_email_pending(people):
    rows = create(people)
    assert sorted((d.recipient.username, d.channel, d.status) for d in rows) == [
        ("head_a1", "email", "pending"),
        ("head_a1", "inapp", "sent"),
        ("staff_a1", "email", "pending"),
        ("staff_a1", "inapp", "sent"),
    ]
    assert Notice.objects.filter(recipient=people.staff, title="日通报", kind="briefing").count() == 1
    email = Delivery.objects.get(recipient=people.staff, channel="email")
    assert email.address == "staff_a1@example.cn"
    assert email.next_attempt_at is not None and email.attempts == 0


def test_same_key_twice_creates_nothing_more(people):
    first = create(people)
    second = create(people, title="日通报（重复）")
    assert len(first) == 4
    assert second == []
    assert Delivery.objects.count() == 4
    assert Notice.objects.count() == 2
    # Another window is another delivery.
    assert len(create(people, window="2026-11-24T08")) == 4


def test_repeated_and_inactive_recipients_are_skipped(people):
    people.head.is_active = False
    people.head.save(update_fields=["is_active"])
    rows = create(people, recipients=[people.staff, people.staff, people.head])
    assert {(d.recipient_id, d.channel) for d in rows} == {(people.staff.pk, "inapp"), (people.staff.pk, "email")}


def test_recipient_without_email_gets_inapp_only_noted_in_the_delivery(people):
    people.staff.email = ""
    people.staff.save(update_fields=["email"])
    create(people, recipients=[people.staff])
    email = Delivery.objects.get(recipient=people.staff, channel="email")
    assert email.status == DeliveryStatus.SKIPPED
    assert "仅站内通知" in email.note
    assert Notice.objects.filter(recipient=people.staff).count() == 1
    assert services.deliveries_due() == []


def test_channels_argument_and_attachments_are_kept(people):
    attachment = {"loader": "test-outbox-pdf", "args": [45], "filename": "b.pdf"}
    rows = create(people, recipients=[people.staff], channels=["email"], attachments=[attachment])
    assert [d.channel for d in rows] == ["email"]
    assert rows[0].attachments == [attachment]
    assert not Notice.objects.exists()


def pdf_bytes(number):
    return f"%PDF-1.4 briefing {number}".encode()


register_attachment("test-outbox-pdf", pdf_bytes)


def test_notice_send_keeps_working_for_the_services(people, campaign, units):
    task = task_services.task_create(
        actor=people.supervisor,
        campaign=campaign,
        title="整治背街小巷",
        owner_unit=units.street_a1,
        start_date=timezone.localdate(),
        deadline=timezone.localdate() + dt.timedelta(days=20),
    )
    notice = Notice.objects.get(recipient=people.staff, kind="task")
    assert notice.title == "新任务：整治背街小巷"
    email = Delivery.objects.get(recipient=people.staff, channel="email")
    assert (email.subject_key, email.kind, email.status) == (f"task:{task.pk}", "task", "pending")
    assert email.window.startswith("event:")


def test_the_kick_runs_after_the_commit_only(people, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(jobs.deliver, "apply_async", lambda args, **kw: sent.append((args, kw)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rows = create(people)
        assert sent == []
    assert len(callbacks) == 1
    pending = sorted(d.pk for d in rows if d.channel == "email")
    assert [sorted(args[0]) for args, _kw in sent] == [pending]


def test_broker_down_the_change_commits_and_the_sweep_delivers_later(
    people, make_issue, monkeypatch, django_capture_on_commit_callbacks
):
    """Redis down when an issue is assigned: the assignment commits, the kick's error is
    swallowed, the rows stay pending; the beat sweep sends them once the worker runs."""

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(jobs.deliver, "apply_async", broker_down)
    issue = make_issue("reported")
    with django_capture_on_commit_callbacks(execute=True):
        issue_services.issue_accept(actor=people.supervisor, issue_id=issue.pk)
    issue.refresh_from_db()
    assert issue.state == "assigned"
    pending = Delivery.objects.filter(subject_key=f"issue:{issue.pk}", channel="email")
    assert {d.status for d in pending} == {"pending"}
    assert {d.recipient_id for d in pending} == {people.staff.pk, people.head.pk}

    mail.outbox.clear()
    assert jobs.deliver_due.apply().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["head_a1@example.cn", "staff_a1@example.cn"]
    assert {d.status for d in pending.all()} == {"sent"}
    # Run again: nothing more is sent.
    assert jobs.deliver_due.apply().get() == 0
    assert len(mail.outbox) == 2


def test_kick_against_a_dead_broker_is_swallowed_quickly(people, celery_broker):
    """Not a mock: the Celery app publishes to a Redis port where nothing listens."""
    celery_broker("redis://127.0.0.1:9/0")
    started = time.monotonic()
    try:
        assert services.kick([1, 2, 3]) is False
    finally:
        services._kick_down_until.clear()
    assert time.monotonic() - started < 10  # it gave up at once (0.2 s here), not after a hang


# --- claiming ----------------------------------------------------------------------------------


def email_row(people):
    return next(d for d in create(people, recipients=[people.staff]) if d.channel == "email")


def test_a_delivery_is_claimed_by_one_sender_only(people):
    row = email_row(people)
    first = services.delivery_claim(delivery_id=row.pk)
    second = services.delivery_claim(delivery_id=row.pk)
    assert first is not None and first.attempts == 1 and first.status == "sending"
    assert second is None
    assert services.deliveries_due() == []


def test_an_expired_lease_is_claimed_again_and_the_stale_sender_cannot_finish(people, settings):
    row = email_row(people)
    stale = services.delivery_claim(delivery_id=row.pk)
    later = timezone.now() + dt.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1)
    assert services.deliveries_due(now=later) == [row.pk]
    fresh = services.delivery_claim(delivery_id=row.pk, now=later)
    assert fresh.attempts == 2
    assert services._finish(stale, status="sent") == 0  # the first claim no longer holds
    assert services._finish(fresh, status="sent") == 1


def test_delivery_send_sends_once(people):
    row = email_row(people)
    mail.outbox.clear()
    assert services.delivery_send(delivery_id=row.pk) == "sent"
    assert services.delivery_send(delivery_id=row.pk) is None
    assert jobs.deliver.apply(args=[[row.pk]]).get() == [None]
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at is not None, row.next_attempt_at) == ("sent", 1, True, None)


def test_a_send_that_died_on_its_last_attempt_is_marked_failed(people, settings):
    row = email_row(people)
    Delivery.objects.filter(pk=row.pk).update(
        status="sending", attempts=len(settings.NOTIFICATION_RETRY_DELAYS) + 1, next_attempt_at=timezone.now()
    )
    assert services.deliveries_expire() == 1
    row.refresh_from_db()
    assert row.status == "failed" and row.last_error
