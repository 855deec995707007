"""Ops: the Delivery admin (list, filters, 重新发送) and the beat schedule page."""

import pytest
from django.urls import reverse

from chuangcheng.notifications import heartbeats, jobs, services
from chuangcheng.notifications.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.cn", "pass-Word-123")


def failed_rows(people, n=3):
    rows = []
    for i in range(n):
        rows += services.delivery_create(
            recipients=[people.staff], kind="briefing", subject_key=f"briefing:{i}", window="W", title=f"通报{i}"
        )
    email = Delivery.objects.filter(channel="email")
    email.update(status="failed", attempts=9, last_error="SMTPServerDisconnected('Connection unexpectedly closed')")
    return list(email)


def test_delivery_list_shows_status_channel_attempts_and_error(
    client, superuser, people, django_assert_max_num_queries
):
    failed_rows(people, n=12)
    client.force_login(superuser)
    url = reverse("admin:notifications_delivery_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"status__exact": "failed", "channel": "email"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("SMTPServerDisconnected") == 12
    assert "发送失败" in page and "重新发送（发送失败或未确认的）" in page


def test_resend_action_requeues_failed_rows_only(
    client, superuser, people, monkeypatch, django_capture_on_commit_callbacks
):
    rows = failed_rows(people, n=2)
    inapp = Delivery.objects.filter(channel="inapp").first()
    kicked = []
    monkeypatch.setattr(jobs.deliver, "apply_async", lambda args, **kw: kicked.append(sorted(args[0])))
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "resend", "_selected_action": [r.pk for r in rows] + [inapp.pk]},
            follow=True,
        )
    messages = [str(m) for m in response.context["messages"]]
    assert "已重新排队 2 条投递。" in messages
    assert any("其余已跳过" in m for m in messages)
    assert {(d.status, d.attempts) for d in Delivery.objects.filter(channel="email")} == {("pending", 0)}
    inapp.refresh_from_db()
    assert inapp.status == "sent"
    assert kicked == [sorted(r.pk for r in rows)]


def test_resent_rows_are_sent_by_the_sweep(people):
    rows = failed_rows(people, n=1)
    services.delivery_resend(delivery_ids=[rows[0].pk])
    assert jobs.deliver_due.apply().get() == 1
    assert Delivery.objects.get(pk=rows[0].pk).status == "sent"


def unconfirmed_row(person, number=9):
    [row] = services.delivery_create(
        recipients=[person],
        kind="briefing",
        subject_key=f"briefing:{number}",
        window="W",
        title=f"通报{number}",
        channels=["email"],
    )
    Delivery.objects.filter(pk=row.pk).update(
        status="unconfirmed",
        attempts=1,
        next_attempt_at=None,
        last_error="邮件已交给服务器，但未收到确认（timed out）：可能已送达，不再自动重发。",
    )
    return Delivery.objects.get(pk=row.pk)


def test_unconfirmed_rows_are_listed_with_their_message_id_for_a_person_to_decide(client, superuser, people):
    row = unconfirmed_row(people.staff)
    client.force_login(superuser)
    page = client.get(reverse("admin:notifications_delivery_changelist"), {"status__exact": "unconfirmed"})
    assert "未确认" in page.content.decode() and "可能已送达" in page.content.decode()
    detail = client.get(reverse("admin:notifications_delivery_change", args=[row.pk])).content.decode()
    assert f"delivery-{row.pk}@chuangcheng.local" in detail
    assert "标记为已送达（仅未确认的）" in page.content.decode()


def test_an_unconfirmed_row_is_never_swept_but_a_person_may_mark_it_delivered_or_resend_it(client, superuser, people):
    row = unconfirmed_row(people.staff)
    assert jobs.deliver_due.apply().get() == 0  # the sweep leaves it alone
    client.force_login(superuser)
    url = reverse("admin:notifications_delivery_changelist")
    response = client.post(url, {"action": "confirm", "_selected_action": [row.pk]}, follow=True)
    assert "已将 1 条投递标记为已送达。" in [str(m) for m in response.context["messages"]]
    row.refresh_from_db()
    assert row.status == "sent" and "root" in row.note

    other = unconfirmed_row(people.head, 10)
    assert services.delivery_resend(delivery_ids=[other.pk]) == 1
    other.refresh_from_db()
    assert (other.status, other.attempts, other.handed_over_at) == ("pending", 0, None)


def test_beat_schedule_page_for_admins_only(client, people, settings):
    client.force_login(people.admin)
    heartbeats.heartbeat_record(name="notifications.send_reminders")
    response = client.get(reverse("notifications:schedule"))
    assert response.status_code == 200
    page = response.content.decode()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert name in page and entry["task"] in page
    assert "每 5 分钟" in page and "每天 08:00" in page and "每周一 09:00" in page
    client.force_login(people.staff)
    assert client.get(reverse("notifications:schedule")).status_code == 403


def test_reminder_jobs_are_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"notifications.send_reminders", "notifications.deliver_due"} <= tasks


def test_reminder_watermarks_are_shown_read_only(client, superuser):
    from chuangcheng.notifications.reminders import reminders_dispatch

    reminders_dispatch()
    client.force_login(superuser)
    page = client.get(reverse("admin:notifications_reminderwatermark_changelist")).content.decode()
    assert "T-24h:*" in page and "issues-sign" in page
    assert client.get(reverse("admin:notifications_reminderwatermark_add")).status_code == 403
