"""The reminder pass's watermarks (one per source × window): the ranges a pass reads, the
watermark it leaves, a second pass that reads nothing new, a pass that dies after its first
batch, and a backlog (a first pass, a worker that was down) that becomes one digest per person.

The clock here is the real one (``now = timezone.now()``): the pass also reads rows changed since
the watermark (``updated_at``, stamped with the real time), so a made-up past ``now`` would see
every row as changed — as the older tests of test_reminders.py do, on purpose."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chuangcheng.notifications import reminders
from chuangcheng.notifications.models import Delivery, DeliveryStatus, Notice, ReminderWatermark
from chuangcheng.notifications.reminders import catch_up_bound, reminders_dispatch, watermarks, window_ranges
from inspections.models import Issue
from tasks.models import Task
from tests.factories import TaskFactory

H = dt.timedelta(hours=1)
NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 9, 0))


def ahead(smaller, hours):  # a before-window, as inspections/reminders.py makes it
    return lambda t: (t + smaller * H, t + hours * H)


# --- the ranges (no database) ---------------------------------------------------------------------


def test_a_first_pass_reads_the_whole_window_and_only_what_opened_within_the_bound_is_sent_alone():
    ranges = window_ranges(ahead(0, 24), NOW, None, NOW - 48 * H)
    assert (ranges.low, ranges.high, ranges.seen) == (NOW, NOW + 24 * H, None)
    assert ranges.fresh == NOW - 24 * H  # opened after the bound: high at the bound
    assert not ranges.is_backlog(NOW + H, NOW - 72 * H)


def test_a_pass_after_five_minutes_reads_five_minutes_of_deadlines():
    mark = NOW - 5 * dt.timedelta(minutes=1)
    ranges = window_ranges(ahead(1, 4), NOW, mark, NOW - 48 * H)
    assert (ranges.low, ranges.high) == (NOW + H, NOW + 4 * H)
    assert ranges.seen == ranges.fresh == mark + 4 * H  # [mark + 4h, now + 4h): 5 minutes of them
    q = ranges.condition("rectification_deadline", mark)
    opened, changed = q.children
    assert dict(opened.children) == {
        "rectification_deadline__gte": mark + 4 * H,
        "rectification_deadline__lt": NOW + 4 * H,
    }
    # …and the rows of the window changed since the watermark (signed, extended, reopened).
    assert dict(changed.children) == {
        "rectification_deadline__gte": NOW + H,
        "rectification_deadline__lt": mark + 4 * H,
        "updated_at__gt": mark,
    }


def test_a_watermark_older_than_the_bound_makes_what_opened_before_the_bound_a_backlog():
    mark, bound = NOW - 72 * H, NOW - 48 * H
    ranges = window_ranges(ahead(0, 96), NOW, mark, bound)
    assert ranges.seen == mark + 96 * H and ranges.fresh == bound + 96 * H and ranges.since == bound
    assert ranges.is_backlog(NOW + 30 * H, mark)  # opened 66 h ago, unchanged since
    assert not ranges.is_backlog(NOW + 30 * H, NOW - H)  # changed since the bound: on its own
    assert not ranges.is_backlog(NOW + 50 * H, mark)  # opened 46 h ago


def test_date_and_overdue_windows():
    from inspections.reminders import _overdue
    from tasks.reminders import _days

    t = timezone.make_aware(dt.datetime(2026, 11, 20, 15, 0))
    assert _days(2, 3)(t) == (dt.date(2026, 11, 22), dt.date(2026, 11, 24))  # T-3d: 2–3 days left
    assert _days(-5, -3)(t) == (dt.date(2026, 11, 15), dt.date(2026, 11, 18))  # D3: 3–5 days overdue
    # D1 of issues: deadline on 11-17 … 11-19 (overdue 1 to 3 days), opened at midnight.
    low, high = _overdue(1, 3)(t)
    assert (timezone.localtime(low), timezone.localtime(high)) == (
        timezone.make_aware(dt.datetime(2026, 11, 18)),
        timezone.make_aware(dt.datetime(2026, 11, 20)),
    )
    assert _overdue(0, 1)(t)[1] == t  # D0: passed, up to now


def test_catch_up_bound_follows_the_rules():
    assert catch_up_bound(NOW, {"catch_up_days": 2}) == NOW - 48 * H


# --- the watermark --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pass_leaves_a_watermark_per_window_never_backwards_never_ahead_of_the_clock():
    now = timezone.now()
    reminders_dispatch(now=now - H)
    marks = watermarks()
    assert {window for _source, window in marks} >= {"T-3d", "T-1d", "D1", "D3", "T-4h:negative_list", "T-24h:*", "S0"}
    assert {source for source, _window in marks} == {"tasks", "issues", "issues-sign"}
    assert set(marks.values()) == {now - H}
    reminders_dispatch(now=now - 2 * H)  # an operator's pass at an earlier moment
    assert set(watermarks().values()) == {now - H}
    reminders_dispatch(now=now + 24 * H)  # …or at a later one: the watermark stops at the real time
    assert all(now <= mark <= timezone.now() for mark in watermarks().values())


# --- on PostgreSQL: the passes ------------------------------------------------------------------


def _clones(template, deadlines, *, updated_at):
    """Copies of ``template`` due at ``deadlines``, last changed at ``updated_at``."""
    made = []
    for _deadline in deadlines:
        clone = Issue.objects.get(pk=template.pk)
        clone.pk = None
        clone.tracking_code = ""
        clone.save()
        made.append(clone.pk)
    for pk, deadline in zip(made, deadlines, strict=True):
        Issue.objects.filter(pk=pk).update(rectification_deadline=deadline, updated_at=updated_at)
    return made


def _keys():
    return Counter(Delivery.objects.values_list("recipient_id", "subject_key", "kind", "window", "channel"))


@pytest.fixture
def quiet(settings):
    settings.DIGEST_THRESHOLD = None  # one row per item; the digest has its own test below
    Delivery.objects.all().delete()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_second_pass_reads_only_what_opened_since_the_first(make_issue, quiet, monkeypatch):
    now = timezone.now() - dt.timedelta(minutes=30)  # the passes' moments stay behind the clock
    template = make_issue("rectifying")  # 一般: T-24h
    due = _clones(template, [now + k * H for k in range(1, 21)], updated_at=now - 24 * H)
    Issue.objects.filter(pk=template.pk).update(rectification_deadline=now + 200 * H, updated_at=now - 24 * H)
    Delivery.objects.all().delete()

    first = reminders_dispatch(now=now)
    assert len(first["issue T-24h"]) == 20 * 2 * 2  # staff and head, in-app and email

    # Five minutes later: one more issue's T-24h window has opened (deadline now + 24h + 2 min).
    later = now + dt.timedelta(minutes=5)
    [new] = _clones(template, [now + 24 * H + dt.timedelta(minutes=2)], updated_at=now - 24 * H)
    read = []
    original = reminders.dues_at
    monkeypatch.setattr(reminders, "dues_at", lambda *a: read.append(original(*a)) or read[-1])
    with CaptureQueriesContext(connection) as queries:
        second = reminders_dispatch(now=later)
    dues, _keys_covered = read[0]
    assert [d.subject_key for d in dues] == [f"issue:{new}"]  # the 20 already reminded are not read again
    assert len(second["issue T-24h"]) == 2 * 2
    assert len(queries) <= 35, [q["sql"][:120] for q in queries]
    counts = _keys()
    assert set(counts.values()) == {1}  # no key twice (the constraint would refuse it anyway)
    assert {f"issue:{pk}" for pk in due} | {f"issue:{new}"} == {key[1] for key in counts}

    # A third pass at the same moment reads nothing at all.
    read.clear()
    assert not any(reminders_dispatch(now=later).values())
    assert read[0][0] == []


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_issue_changed_inside_an_open_window_is_still_reminded(make_issue, quiet):
    """Its window opened before the watermark, but the row changed since (here: a deadline moved
    into the window): it is read through ``updated_at`` and reminded."""
    now = timezone.now()
    issue = make_issue("rectifying")
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=now + 100 * H, updated_at=now - 24 * H)
    Delivery.objects.all().delete()
    reminders_dispatch(now=now - dt.timedelta(minutes=5))
    assert not Delivery.objects.exists()
    Issue.objects.filter(pk=issue.pk).update(
        rectification_deadline=now + 3 * H, updated_at=now - dt.timedelta(minutes=1)
    )
    reminders_dispatch(now=now)
    assert {d.window.split("/")[1] for d in Delivery.objects.filter(subject_key=f"issue:{issue.pk}")} == {"T-24h"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pass_that_dies_after_its_first_batch_is_finished_by_the_next_without_sending_twice(
    make_issue, quiet, monkeypatch
):
    now = timezone.now()
    template = make_issue("rectifying")
    due = _clones(template, [now + k * H for k in range(1, 7)], updated_at=now - 24 * H)
    Issue.objects.filter(pk=template.pk).update(rectification_deadline=now + 200 * H)
    Delivery.objects.all().delete()
    Notice.objects.all().delete()
    monkeypatch.setattr(reminders, "BATCH_MESSAGES", 6)  # staff's 6 messages, then head's 6

    written = []
    original = reminders._write_batch

    def dies_after_the_first(*args):
        if written:
            raise RuntimeError("worker killed")
        written.append(original(*args))
        return written[-1]

    monkeypatch.setattr(reminders, "_write_batch", dies_after_the_first)
    with pytest.raises(RuntimeError):
        reminders_dispatch(now=now)
    assert len(written[0]) == 6 * 2  # one person's six items, in-app and email, committed
    assert not ReminderWatermark.objects.exists()  # the watermarks did not move

    monkeypatch.setattr(reminders, "_write_batch", original)
    again = reminders_dispatch(now=now + dt.timedelta(minutes=5))
    assert len(again["issue T-24h"]) == 6 * 2  # the other person's, only
    counts = _keys()
    assert len(counts) == 6 * 2 * 2 and set(counts.values()) == {1}
    assert Counter(Notice.objects.values_list("recipient_id", flat=True)).most_common()[0][1] == 6
    assert {key[1] for key in counts} == {f"issue:{pk}" for pk in due}
    assert ReminderWatermark.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_backlog_becomes_one_digest_per_person_and_what_opened_lately_goes_alone(campaign, units, people, settings):
    """The first pass (no watermark): two tasks escalated long ago (their D3 window opened more
    than catch_up_days ago) go into one digest each for the leader and the supervisor, below the
    digest threshold; one escalated yesterday still goes alone. Then a system down for 3 days."""
    settings.DIGEST_THRESHOLD = 5
    now = timezone.now()
    today = timezone.localdate(now)

    def tasks(days_overdue, n):
        made = TaskFactory.create_batch(
            n,
            campaign=campaign,
            owner_unit=units.street_a1,
            start_date=today - dt.timedelta(days=60),
            deadline=today - dt.timedelta(days=days_overdue),
            created_by=people.supervisor,
        )
        Task.objects.filter(pk__in=[t.pk for t in made]).update(updated_at=now - 30 * 24 * H)
        return made

    old = tasks(5, 2)  # D3 opened at 00:00 two days ago: before the bound (now - 48 h)
    recent = tasks(4, 1)  # D3 opened yesterday
    Delivery.objects.all().delete()
    Notice.objects.all().delete()

    result = reminders_dispatch(now=now)
    digests = Delivery.objects.filter(kind="digest", channel="inapp")
    assert sorted(digests.values_list("recipient__username", flat=True)) == ["leader", "supervisor"]
    digest = digests.get(recipient=people.supervisor)
    assert digest.title == "待办提醒汇总：2 项到期或超期"
    assert digest.body.startswith("其中 2 项的提醒时间已过去较久")
    assert len(result["digest"]) == 2 * 2  # in-app and email
    for task in old:  # kept as rows (their keys hold), not sent one by one
        rows = Delivery.objects.filter(subject_key=f"task:{task.pk}", recipient=people.supervisor)
        assert set(rows.values_list("status", flat=True)) == {DeliveryStatus.SKIPPED}
    alone = Notice.objects.filter(recipient=people.supervisor, kind="escalation")
    assert [n.url for n in alone] == [f"/tasks/{recent[0].pk}/"]

    # Down for three days: the watermark is older than the bound. One more task went 5 days
    # overdue meanwhile — a backlog again (a new digest); nothing of the first pass comes back.
    ReminderWatermark.objects.update(passed_at=now - 72 * H)
    Task.objects.filter(pk=recent[0].pk).update(updated_at=now - 30 * 24 * H)
    later = tasks(5, 1)
    rows = Delivery.objects.count()
    result = reminders_dispatch(now=now + dt.timedelta(minutes=1))
    assert Delivery.objects.count() - rows == len(result["digest"]) + 2 * 2 * 1
    assert {d.subject_key for d in Delivery.objects.exclude(kind="digest")} == {
        f"task:{t.pk}" for t in (*old, *recent, *later)
    }
    assert set(_keys().values()) == {1}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_pass_started_while_another_runs_returns_at_once(make_issue, quiet):
    from django.db import connections

    now = timezone.now()
    issue = make_issue("rectifying")
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=now + H)
    Delivery.objects.all().delete()
    other = connections.create_connection("default")  # another worker's pass, holding the lock
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [reminders.PASS_LOCK_KEY])
        assert reminders_dispatch(now=now) == {}
        assert not Delivery.objects.exists() and not ReminderWatermark.objects.exists()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [reminders.PASS_LOCK_KEY])
    finally:
        other.close()
    assert len(reminders_dispatch(now=now)["issue T-24h"]) == 2 * 2
