"""Reminders through real Celery workers over Redis, into a real SMTP server (aiosmtpd).

What these prove: the reminder pass run five times, and the worker sending the email killed with
SIGKILL inside the SMTP transaction, never give a second copy. Killed *before* it handed the
message over (held at RCPT): the lease expires, a second worker claims the row and sends it —
exactly one accepted message per person. Killed *after* the hand-over (held in DATA, before the
server's answer): the server may have the message, so the row becomes "unconfirmed" and is not
sent again on its own (a person decides; see chuangcheng.notifications.services).
"""

import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest
from django.utils import timezone

from chuangcheng.notifications import jobs
from chuangcheng.notifications.models import Delivery, JobHeartbeat
from inspections.models import Issue
from tests.celery_worker import real_worker
from tests.factories import TaskFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 4


@pytest.fixture
def worker_env(monkeypatch, smtp_server):
    """Workers send email to the local SMTP server and hold a claim for a few seconds only."""
    monkeypatch.setenv("NOTIFICATION_EMAIL_URL", smtp_server.url)
    monkeypatch.setenv("NOTIFICATION_LEASE_SECONDS", str(LEASE_SECONDS))
    return smtp_server.mailbox


def worker_pid(queue):
    """The worker process we started for ``queue`` (our child, found by its command line)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and queue.encode() in cmdline:
            return int(entry.name)
    raise AssertionError(f"no worker process for {queue}")


def queue_empty(queue):
    from chuangcheng.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue) == 0


@pytest.mark.parametrize("killed_in", ["RCPT", "DATA"])
def test_issue_due_in_an_hour_never_two_emails_per_person_despite_reruns_and_a_killed_worker(
    make_issue, people, settings, worker_env, killed_in
):
    mailbox = worker_env
    # Setting up through the services writes event notices; keep those in-app for this test.
    settings.NOTIFICATION_CHANNELS = {"inapp": settings.NOTIFICATION_CHANNELS["inapp"]}
    issue = make_issue("rectifying", severity="negative_list")
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=timezone.now() + dt.timedelta(minutes=59))
    Delivery.objects.all().delete()

    mailbox.hold_first = True
    mailbox.hold_in = killed_in
    with real_worker() as (queue, wait):
        for _ in range(5):
            jobs.send_reminders.apply_async(queue=queue)
        assert wait(mailbox.holding.is_set), "no send reached the SMTP server"
        os.kill(worker_pid(queue), signal.SIGKILL)
    mailbox.release.set()  # the held transaction ends with 451 to a dead client: not accepted

    emails = Delivery.objects.filter(subject_key=f"issue:{issue.pk}", channel="email")
    assert emails.count() == 2  # staff and head, once each, after five passes
    assert sorted(emails.values_list("status", flat=True)) == ["pending", "sending"]
    held = emails.get(status="sending")
    assert held.attempts == 1
    assert (held.handed_over_at is not None) == (killed_in == "DATA")
    assert mailbox.accepted == []

    time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease runs out
    with real_worker() as (queue, wait):
        for _ in range(5):
            jobs.send_reminders.apply_async(queue=queue)
        jobs.deliver_due.apply_async(queue=queue)  # what beat does every minute
        assert wait(lambda: not emails.filter(status__in=["pending", "sending"]).exists())
        jobs.deliver_due.apply_async(queue=queue)
        assert wait(lambda: queue_empty(queue), timeout=30)

    assert emails.count() == 2
    held.refresh_from_db()
    other = emails.exclude(pk=held.pk).get()
    assert other.status == "sent"
    if killed_in == "RCPT":  # never handed over: sent again after the lease, once
        assert (held.status, held.attempts) == ("sent", 2)
        recipients = (people.staff, people.head)
    else:  # handed over, no answer: may have arrived, so it is left for a person to decide
        assert (held.status, held.attempts) == ("unconfirmed", 1)
        assert "可能已送达" in held.last_error
        recipients = (other.recipient,)
    assert len(mailbox.accepted) == len(recipients)
    for person in recipients:
        [message] = mailbox.to(person.email)
        subject = message["Subject"].strip()  # a long header arrives folded
        assert subject.startswith("问题整改即将到期")
        assert subject.endswith(f"#{issue.pk} {issue.category.name}")


def test_an_overdue_task_escalates_to_the_leader_on_day_3_and_not_before(campaign, units, people, worker_env):
    mailbox = worker_env
    deadline = dt.date(2026, 11, 20)
    task = TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        title="农贸市场整治",
        start_date=dt.date(2026, 11, 1),
        deadline=deadline,
        created_by=people.supervisor,
    )
    shanghai = timezone.get_default_timezone()

    def day(n):
        return dt.datetime.combine(deadline + dt.timedelta(days=n), dt.time(9), shanghai).isoformat()

    def passes():
        beat = JobHeartbeat.objects.filter(name="notifications.send_reminders").first()
        return beat.run_count if beat else 0

    leader_emails = Delivery.objects.filter(subject_key=f"task:{task.pk}", recipient=people.leader, channel="email")
    with real_worker() as (queue, wait):
        jobs.send_reminders.apply_async(kwargs={"now": day(2)}, queue=queue)
        assert wait(lambda: passes() == 1)
        assert wait(lambda: len(mailbox.accepted) == 2)  # day 1–2: staff and head
        assert not leader_emails.exists()

        for _ in range(2):
            jobs.send_reminders.apply_async(kwargs={"now": day(3)}, queue=queue)
        assert wait(lambda: passes() == 3)
        assert wait(lambda: leader_emails.filter(status="sent").exists())
        assert wait(lambda: queue_empty(queue), timeout=30)

    [message] = mailbox.to(people.leader.email)
    assert message["Subject"].strip() == "超期升级：任务已超期 3 天：农贸市场整治"
    assert len(mailbox.to(people.supervisor.email)) == 1
    assert len(mailbox.to(people.staff.email)) == 1
    assert len(mailbox.accepted) == 4
