"""通知设置 (issue 17): channels per kind, 每日汇总 at a chosen hour, 免打扰 — urgent items go
through all three; and the 企业微信 / 钉钉 group robots against a real HTTP server on localhost."""

import datetime as dt
import json
import urllib.parse

import pytest
from django.utils import timezone

from chuangcheng.notifications import digests, services
from chuangcheng.notifications.models import Delivery, Notice, NotificationPreference
from chuangcheng.notifications.robots import sign_dingtalk
from chuangcheng.notifications.services import Message

pytestmark = pytest.mark.django_db


def at(hour, minute=0, day=4):
    return timezone.make_aware(dt.datetime(2026, 12, day, hour, minute))


def message(user, n=1, *, kind="reminder", urgent=False):
    return Message(
        recipient=user,
        kind=kind,
        subject_key=f"issue:{n}",
        window=f"2026-12-04T10:00/T-24h#{n}",
        title=f"问题整改即将到期：#{n} 占道经营",
        url=f"/inspections/issues/{n}/",
        urgent=urgent,
    )


def rows(user, channel="email"):
    return Delivery.objects.filter(recipient=user, channel=channel).order_by("id")


def prefs(user, **kw):
    return NotificationPreference.objects.create(user=user, **kw)


def test_a_channel_turned_off_for_a_kind_is_not_sent_but_the_bell_still_has_it(people):
    prefs(people.staff, off=["email:reminder"])
    services.deliveries_create([message(people.staff), message(people.staff, 2, kind="task")], now=at(10))
    by_kind = {d.kind: d.status for d in rows(people.staff)}
    assert by_kind == {"reminder": "skipped", "task": "pending"}
    assert "通知设置" in rows(people.staff).get(kind="reminder").note
    assert Notice.objects.filter(recipient=people.staff).count() == 2


def test_quiet_hours_hold_a_message_until_they_end_and_urgent_goes_at_once(people):
    prefs(people.staff, quiet_start=dt.time(22), quiet_end=dt.time(7))
    now = at(23, 30)
    services.deliveries_create([message(people.staff), message(people.staff, 2, urgent=True)], now=now)
    normal, urgent = rows(people.staff)
    assert (normal.status, normal.next_attempt_at) == ("pending", at(7, day=5))
    assert "免打扰" in normal.note
    assert (urgent.status, urgent.next_attempt_at) == ("pending", now)
    assert services.deliveries_due(now=now) == [urgent.pk]
    assert set(services.deliveries_due(now=at(7, 1, day=5))) == {normal.pk, urgent.pk}


def test_quiet_hours_within_a_day_and_outside_them():
    pref = NotificationPreference(quiet_start=dt.time(12), quiet_end=dt.time(14))
    from chuangcheng.notifications.preferences import quiet_until

    assert quiet_until(pref, at(13)) == at(14)
    assert quiet_until(pref, at(14)) is None
    assert quiet_until(pref, at(11, 59)) is None
    overnight = NotificationPreference(quiet_start=dt.time(22), quiet_end=dt.time(7))
    assert quiet_until(overnight, at(6, 59)) == at(7)
    assert quiet_until(overnight, at(7)) is None


def test_the_daily_digest_collects_held_messages_once_at_the_chosen_hour(people, smtp_server, email_to):
    email_to(smtp_server.url)
    prefs(people.staff, daily_digest=True, digest_hour=8)
    services.deliveries_create([message(people.staff, n) for n in (1, 2, 3)], now=at(18, day=3))
    services.deliveries_create([message(people.staff, 9, urgent=True)], now=at(18, day=3))
    held = rows(people.staff).filter(status="held")
    assert held.count() == 3  # the urgent one is pending, not held
    Delivery.objects.filter(recipient=people.staff).update(created_at=at(18, day=3))

    assert digests.daily_digests_send(now=at(7, 59)) == 0  # not yet the hour
    assert digests.daily_digests_send(now=at(8, 5)) == 1
    assert digests.daily_digests_send(now=at(8, 20)) == 0  # once a day
    [digest] = rows(people.staff).filter(kind="daily_digest")
    assert digest.window == "daily/2026-12-04"
    assert all(f"#{n} 占道经营" in digest.body for n in (1, 2, 3)) and "#9" not in digest.body
    assert rows(people.staff).filter(status="held").count() == 0
    assert all("每日汇总" in d.note for d in rows(people.staff).filter(kind="reminder", status="skipped"))
    assert services.delivery_send(delivery_id=digest.pk) == "sent"
    [mail] = smtp_server.mailbox.to("staff_a1@example.cn")
    assert "每日汇总" in mail["Subject"] and "3" in mail["Subject"]


def test_turning_the_digest_off_releases_what_was_held(people):
    from chuangcheng.notifications.preferences import preference_update

    prefs(people.staff, daily_digest=True)
    services.deliveries_create([message(people.staff)], now=at(10))
    assert rows(people.staff).get().status == "held"
    preference_update(
        actor=people.staff,
        user=people.staff,
        off=[],
        daily_digest=False,
        digest_hour=8,
        quiet_start=None,
        quiet_end=None,
        channels={"email"},
    )
    assert rows(people.staff).get().status == "pending"


def test_the_settings_page_saves_and_refuses_half_a_quiet_period(client, people):
    client.force_login(people.staff)
    page = client.get("/notices/settings/")
    assert page.status_code == 200
    assert b'data-testid="on-email:reminder"' in page.content
    bad = client.post("/notices/settings/", {"on": ["email:event"], "digest_hour": "8", "quiet_start": "22:00"})
    assert bad.status_code == 400
    assert "免打扰须同时填写开始和结束时间" in bad.content.decode()
    assert not NotificationPreference.objects.exists()  # nothing saved
    ok = client.post(
        "/notices/settings/",
        {
            "on": ["email:event", "email:briefing"],
            "daily_digest": "on",
            "digest_hour": "18",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert ok.status_code == 302
    pref = NotificationPreference.objects.get(user=people.staff)
    assert sorted(pref.off) == ["email:overdue", "email:reminder"]
    assert (pref.daily_digest, pref.digest_hour, pref.quiet_start, pref.quiet_end) == (
        True,
        18,
        dt.time(22),
        dt.time(7),
    )
    assert client.get("/notices/settings/").status_code == 200


def test_nobody_edits_someone_elses_settings(people):
    from django.core.exceptions import ValidationError

    from chuangcheng.notifications.preferences import preference_update

    with pytest.raises(ValidationError):
        preference_update(
            actor=people.staff_b,
            user=people.staff,
            off=[],
            daily_digest=True,
            digest_hour=8,
            quiet_start=None,
            quiet_end=None,
            channels={"email"},
        )


# --- group robots --------------------------------------------------------------------------------


@pytest.fixture
def robot_server(webhook_server):
    """The vendors' robot API stand-in: HTTP 200 with ``{"errcode": …}`` (set ``.errcode``)."""

    class Robot:
        received = webhook_server.received
        base = webhook_server.base

        @property
        def errcode(self):
            return json.loads(webhook_server.reply)["errcode"]

        @errcode.setter
        def errcode(self, code):
            webhook_server.reply = json.dumps({"errcode": code, "errmsg": "test"}).encode()

    robot = Robot()
    robot.errcode = 0
    return robot


@pytest.fixture
def robot(settings):
    def use(name, class_name, **options):
        channels = {n: dict(c) for n, c in settings.NOTIFICATION_CHANNELS.items()}
        channels[name] = {"class": f"chuangcheng.notifications.robots.{class_name}", **options}
        settings.NOTIFICATION_CHANNELS = channels

    return use


def to_three(people, channel="wecom", kind="escalation"):
    for user, phone in ((people.staff, "13800000001"), (people.head, "13800000002"), (people.leader, "")):
        user.phone = phone
        user.save(update_fields=["phone"])
    return services.delivery_create(
        recipients=[people.staff, people.head, people.leader],
        kind=kind,
        subject_key="issue:77",
        window="2026-12-01T10:00/D3",
        title="超期升级：问题已超期 3 天：#77 占道经营",
        body="整改时限 2026-12-01 10:00；责任单位 甲一街道",
        url="/inspections/issues/77/",
        channels=["inapp", channel],
    )


def test_wecom_gets_one_group_message_per_item_mentioning_everyone(people, robot_server, robot):
    robot("wecom", "WeComRobotChannel", url=f"{robot_server.base}/cgi-bin/webhook/send?key=abc")
    created = to_three(people)
    group = [d for d in created if d.channel == "wecom"]
    assert sorted(d.status for d in group) == ["pending", "skipped", "skipped"]
    [row] = [d for d in group if d.status == "pending"]
    assert services.delivery_send(delivery_id=row.pk) == "sent"
    [post] = robot_server.received
    assert post["query"] == {"key": ["abc"]}
    assert post["json"]["msgtype"] == "text"
    assert post["json"]["text"]["mentioned_mobile_list"] == ["13800000001", "13800000002"]
    assert "#77 占道经营" in post["json"]["text"]["content"]
    assert Notice.objects.filter(title__contains="#77").count() == 3  # the bell: each person


def test_dingtalk_signs_each_request_and_mentions_in_the_text(people, robot_server, robot):
    robot("dingtalk", "DingTalkRobotChannel", url=f"{robot_server.base}/robot/send?access_token=t0k", secret="SEC123")
    created = to_three(people, "dingtalk")
    [row] = [d for d in created if d.channel == "dingtalk" and d.status == "pending"]
    assert services.delivery_send(delivery_id=row.pk) == "sent"
    [post] = robot_server.received
    q = post["query"]
    assert q["access_token"] == ["t0k"]
    # The server side of DingTalk's check: recompute the signature from the timestamp.
    assert urllib.parse.unquote_plus(sign_dingtalk("SEC123", q["timestamp"][0])) == q["sign"][0]
    assert abs(int(q["timestamp"][0]) / 1000 - timezone.now().timestamp()) < 60
    assert post["json"]["at"]["atMobiles"] == ["13800000001", "13800000002"]
    assert "@13800000001" in post["json"]["text"]["content"]


def test_dingtalk_rate_limit_is_retried_and_a_bad_signature_is_permanent(people, robot_server, robot):
    robot("dingtalk", "DingTalkRobotChannel", url=f"{robot_server.base}/robot/send?access_token=t", secret="S")
    robot_server.errcode = 130101
    [row] = [d for d in to_three(people, "dingtalk") if d.channel == "dingtalk" and d.status == "pending"]
    assert services.delivery_send(delivery_id=row.pk) == "pending"
    row.refresh_from_db()
    assert "130101" in row.last_error and row.next_attempt_at > timezone.now()
    robot_server.errcode = 310000
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert services.delivery_send(delivery_id=row.pk) == "failed"
