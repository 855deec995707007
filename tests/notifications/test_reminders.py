"""The reminder pass, clock controlled (``now=``): before, at and after a deadline; who gets what;
a re-run creates nothing; an extended deadline re-arms; the pass is set-based."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from chuangcheng.notifications.models import Delivery, Notice
from chuangcheng.notifications.reminders import reminders_dispatch
from inspections.models import Issue
from tasks.models import Task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_default_timezone()


def at(*args):
    return timezone.make_aware(dt.datetime(*args), SHANGHAI)


def sent(subject_key, channel="inapp"):
    """{(window label, username)} of the deliveries about ``subject_key``."""
    rows = Delivery.objects.filter(subject_key=subject_key, channel=channel).select_related("recipient")
    return {(d.window.split("/")[-1], d.recipient.username) for d in rows}


def labels(result):
    return {rule: len(rows) for rule, rows in result.items() if rows}


# --- tasks --------------------------------------------------------------------------------------


@pytest.fixture
def task(campaign, units, people):
    Delivery.objects.all().delete()
    return TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        title="背街小巷整治",
        start_date=dt.date(2026, 11, 1),
        deadline=dt.date(2026, 11, 20),
        created_by=people.supervisor,
    )


UNIT = {"staff_a1", "head_a1"}


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(2026, 11, 16, 9), set()),  # 4 days left
        (at(2026, 11, 17, 9), {"T-3d"}),  # 3 days left
        (at(2026, 11, 18, 9), {"T-3d"}),  # 2 days left: still the T-3 window
        (at(2026, 11, 19, 9), {"T-1d"}),  # 1 day left
        (at(2026, 11, 20, 9), {"T-1d"}),  # due today: T-1 reaches the deadline day
        (at(2026, 11, 21, 9), {"D1"}),  # overdue 1 day: staff and head
        (at(2026, 11, 22, 9), {"D1"}),
        (at(2026, 11, 23, 9), {"D3"}),  # overdue 3 days: escalation
        (at(2026, 11, 25, 9), {"D3"}),  # caught up within catch_up_days
        (at(2026, 11, 26, 9), set()),  # long overdue: no longer read every pass
    ],
)
def test_task_windows(task, when, expected):
    reminders_dispatch(now=when)
    assert {label for label, _user in sent(f"task:{task.pk}")} == expected


def test_task_reminders_go_to_the_unit_and_escalate_to_leader_and_supervisor_on_day_3(task, people):
    for day in range(14, 27):
        for hour in (0, 9, 18):
            reminders_dispatch(now=at(2026, 11, day, hour))
    assert sent(f"task:{task.pk}") == {
        *{("T-3d", u) for u in UNIT},
        *{("T-1d", u) for u in UNIT},
        *{("D1", u) for u in UNIT},
        ("D3", "leader"),  # 包保领导 of 甲区, where the unit is
        ("D3", "supervisor"),  # who put the task in the ledger
    }
    escalation = Notice.objects.get(recipient=people.leader)
    assert escalation.kind == "escalation"
    assert escalation.title == "超期升级：任务已超期 3 天：背街小巷整治"
    assert escalation.url == f"/tasks/{task.pk}/"
    assert Delivery.objects.filter(recipient=people.leader, channel="email", status="pending").count() == 1


def test_task_leader_not_before_day_3(task, people):
    reminders_dispatch(now=at(2026, 11, 22, 23, 59))
    assert not Delivery.objects.filter(recipient=people.leader).exists()
    reminders_dispatch(now=at(2026, 11, 23, 0, 1))
    assert Delivery.objects.filter(recipient=people.leader, kind="escalation").count() == 2  # in-app + email


def test_the_responsible_leader_of_a_task_is_escalated_to(task, people, units):
    from tests.factories import UserFactory

    other = UserFactory(username="fenguan")
    Task.objects.filter(pk=task.pk).update(responsible_leader=other)
    reminders_dispatch(now=at(2026, 11, 23, 9))
    assert ("D3", "fenguan") in sent(f"task:{task.pk}")


def test_done_tasks_get_nothing(task):
    Task.objects.filter(pk=task.pk).update(state="done")
    for day in (17, 19, 21, 23):
        reminders_dispatch(now=at(2026, 11, day, 9))
    assert not Delivery.objects.exists()


def test_rerun_creates_nothing_and_a_moved_deadline_rearms(task):
    first = reminders_dispatch(now=at(2026, 11, 19, 9))
    assert labels(first) == {"task T-1d": 4}  # 2 people × (in-app, email)
    assert labels(reminders_dispatch(now=at(2026, 11, 19, 9, 5))) == {}
    assert labels(reminders_dispatch(now=at(2026, 11, 20, 9))) == {}
    Task.objects.filter(pk=task.pk).update(deadline=dt.date(2026, 11, 21))
    assert labels(reminders_dispatch(now=at(2026, 11, 20, 9, 5))) == {"task T-1d": 4}


# --- issues -------------------------------------------------------------------------------------


@pytest.fixture
def issue(make_issue):
    """A 负面清单 (立行立改) issue being rectified by 甲一街道, due 2026-11-20 17:30."""
    made = make_issue("rectifying", severity="negative_list")
    Issue.objects.filter(pk=made.pk).update(rectification_deadline=at(2026, 11, 20, 17, 30))
    Delivery.objects.all().delete()
    return made


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(2026, 11, 20, 13, 29), set()),  # 4 h 1 min before
        (at(2026, 11, 20, 13, 31), {"T-4h"}),
        (at(2026, 11, 20, 16, 31), {"T-1h"}),  # first seen at T-1h: T-4h is not sent late
        (at(2026, 11, 20, 17, 29), {"T-1h"}),
        (at(2026, 11, 20, 17, 31), {"D0"}),  # the moment it passes
        (at(2026, 11, 20, 23, 59), {"D0"}),
        (at(2026, 11, 21, 0, 1), {"D1"}),
        (at(2026, 11, 22, 12), {"D1"}),
        (at(2026, 11, 23, 0, 1), {"D3"}),
        (at(2026, 11, 26, 0, 1), set()),
    ],
)
def test_issue_windows_same_day_severity(issue, when, expected):
    reminders_dispatch(now=when)
    assert {label for label, _user in sent(f"issue:{issue.pk}")} == expected


def test_issue_full_course_and_its_recipients(issue, people):
    moment = at(2026, 11, 20, 12)
    while moment < at(2026, 11, 27):
        reminders_dispatch(now=moment)
        moment += dt.timedelta(minutes=5 if moment < at(2026, 11, 20, 18) else 60)
    assert sent(f"issue:{issue.pk}") == {
        *{(label, u) for label in ("T-4h", "T-1h", "D0", "D1") for u in UNIT},
        ("D3", "leader"),
        ("D3", "supervisor"),  # who assigned it
    }
    assert sent(f"issue:{issue.pk}", "email") == sent(f"issue:{issue.pk}")
    notice = Notice.objects.filter(recipient=people.staff, title__contains="即将到期").earliest("id")
    assert notice.title.startswith("问题整改即将到期（剩余 3 小时 55 分）：#")
    assert "整改时限 2026-11-20 17:30" in notice.body


def test_general_issues_are_reminded_one_day_before(make_issue):
    issue = make_issue("assigned")  # signing is pending; the supervisor's deadline runs
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=at(2026, 11, 20, 17, 30))
    Delivery.objects.all().delete()
    reminders_dispatch(now=at(2026, 11, 19, 17, 29))
    assert sent(f"issue:{issue.pk}") == set()
    reminders_dispatch(now=at(2026, 11, 19, 17, 31))
    assert sent(f"issue:{issue.pk}") == {("T-24h", u) for u in UNIT}


def test_submitted_and_closed_issues_get_nothing(make_issue):
    issues = [make_issue("submitted", seed=1), make_issue("closed", seed=2)]
    Issue.objects.filter(pk__in=[i.pk for i in issues]).update(rectification_deadline=at(2026, 11, 20, 17, 30))
    Delivery.objects.all().delete()
    for when in (at(2026, 11, 20, 17), at(2026, 11, 21, 9), at(2026, 11, 23, 9)):
        reminders_dispatch(now=when)
    assert not Delivery.objects.exists()


def test_an_extension_rearms_the_reminders(issue):
    reminders_dispatch(now=at(2026, 11, 20, 17))
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=at(2026, 11, 21, 17, 30))
    reminders_dispatch(now=at(2026, 11, 21, 17))
    windows = Delivery.objects.filter(subject_key=f"issue:{issue.pk}", channel="inapp").values_list("window", flat=True)
    assert sorted(set(windows)) == ["2026-11-20T17:30/T-1h", "2026-11-21T17:30/T-1h"]


def test_rules_are_configurable(issue, settings):
    settings.REMINDER_RULES = {
        **settings.REMINDER_RULES,
        "issue_before_hours": {"negative_list": [2], "*": [24]},
        "overdue": [{"days": 2, "kind": "escalation", "to": ["unit_head"]}],
    }
    reminders_dispatch(now=at(2026, 11, 20, 14))
    assert sent(f"issue:{issue.pk}") == set()
    reminders_dispatch(now=at(2026, 11, 20, 16))
    reminders_dispatch(now=at(2026, 11, 21, 9))
    reminders_dispatch(now=at(2026, 11, 22, 9))
    assert sent(f"issue:{issue.pk}") == {("T-2h", "staff_a1"), ("T-2h", "head_a1"), ("D2", "head_a1")}


def test_a_pass_is_set_based(make_issue, campaign, units, people, django_assert_max_num_queries, settings):
    """Many due items, a bounded number of queries (no query per item or per person)."""
    settings.DIGEST_THRESHOLD = None  # one row per item here; digests have their own tests
    first = make_issue("rectifying", severity="negative_list")
    Issue.objects.filter(pk=first.pk).update(rectification_deadline=at(2026, 11, 20, 17, 30))
    for _ in range(30):
        clone = Issue.objects.get(pk=first.pk)
        clone.pk = None
        clone.tracking_code = ""
        clone.save()
    TaskFactory.create_batch(
        20,
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=dt.date(2026, 11, 1),
        deadline=dt.date(2026, 11, 17),
        created_by=people.supervisor,
    )
    Delivery.objects.all().delete()
    with django_assert_max_num_queries(40):
        result = reminders_dispatch(now=at(2026, 11, 20, 9))  # the tasks are 3 days overdue
    assert labels(result) == {"task D3": 20 * 2 * 2}  # leader and supervisor, in-app and email
    with django_assert_max_num_queries(40):
        result = reminders_dispatch(now=at(2026, 11, 20, 17, 0))
    assert labels(result) == {"issue T-1h": 31 * 2 * 2}


def test_send_reminders_command_prints_what_it_created(issue, capsys):
    call_command("send_reminders", "--now", "2026-11-20T17:00:00+08:00", verbosity=2)
    out = capsys.readouterr().out
    assert "issue T-1h: 4 (email 2, inapp 2)" in out
    assert f"issue:{issue.pk} 2026-11-20T17:30/T-1h" in out
    assert "created 4 deliveries" in out
    call_command("send_reminders", "--now", "2026-11-20T17:00:00+08:00")
    assert "created 0 deliveries" in capsys.readouterr().out


# --- 签收超时 ------------------------------------------------------------------------------------


@pytest.fixture
def unsigned(make_issue):
    """Assigned to 甲一街道 with a sign-by time of 2026-11-20 10:00, not signed (its rectification
    deadline a month later, out of every other window)."""
    made = make_issue("assigned")
    Issue.objects.filter(pk=made.pk).update(
        sign_deadline=at(2026, 11, 20, 10), rectification_deadline=at(2026, 12, 20, 17, 30)
    )
    Delivery.objects.all().delete()
    return made


def test_an_unsigned_issue_is_reminded_once_when_its_sign_by_time_passes(unsigned):
    reminders_dispatch(now=at(2026, 11, 20, 9, 59))
    assert sent(f"issue:{unsigned.pk}") == set()
    result = reminders_dispatch(now=at(2026, 11, 20, 10, 1))
    assert sent(f"issue:{unsigned.pk}") == {("S0", u) for u in (*UNIT, "supervisor")}
    assert labels(result) == {"issue S0": 3 * 2}  # in-app and email
    notice = Notice.objects.filter(title__startswith="问题交办后未按时签收").earliest("id")
    assert "签收时限 2026-11-20 10:00" in notice.body
    for when in (at(2026, 11, 20, 10, 6), at(2026, 11, 21, 9)):
        assert not labels(reminders_dispatch(now=when))


def test_signed_or_handed_back_issues_get_no_sign_reminder(unsigned, people):
    from inspections import services

    services.issue_request_reassignment(
        actor=people.staff, issue_id=unsigned.pk, reason="territory", comment="不属本街道"
    )
    reminders_dispatch(now=at(2026, 11, 20, 10, 1))
    assert not {u for label, u in sent(f"issue:{unsigned.pk}") if label == "S0"}  # the request's own notice only
    Issue.objects.filter(pk=unsigned.pk).update(pending_request="", state="rectifying", signed_at=at(2026, 11, 20, 9))
    reminders_dispatch(now=at(2026, 11, 20, 10, 2))
    assert not {u for label, u in sent(f"issue:{unsigned.pk}") if label == "S0"}


@pytest.mark.parametrize(
    ("deadline", "kind", "expected"),
    [
        (dt.date(2026, 11, 21), "reminder", "任务即将到期（剩余 1 天）：背街小巷整治"),
        (dt.date(2026, 11, 22), "reminder", "任务即将到期（剩余 2 天）：背街小巷整治"),
        (dt.date(2026, 11, 20), "reminder", "任务今日到期：背街小巷整治"),
        (dt.date(2026, 11, 19), "overdue", "任务已超期 1 天：背街小巷整治"),
        (dt.date(2026, 11, 18), "overdue", "任务已超期 2 天：背街小巷整治"),
        (dt.date(2026, 11, 19), "escalation", "超期升级：任务已超期 1 天：背街小巷整治"),
    ],
)
def test_task_reminder_titles_count_days_the_same_in_chinese(deadline, kind, expected):
    """The day counts are plural-aware (ngettext) for English; Chinese reads as before."""
    from tasks.reminders import _task_due

    row = (1, "背街小巷整治", deadline, None, "甲区城管局", None, "", "", None, None)
    due = _task_due(row, today=dt.date(2026, 11, 20), label="D1", kind=kind, to=("staff",))
    assert due.title == expected


@pytest.mark.parametrize(
    ("deadline", "kind", "expected"),
    [
        (at(2026, 11, 19, 9), "overdue", "问题已超期 1 天：#7 占道经营"),
        (at(2026, 11, 17, 9), "overdue", "问题已超期 3 天：#7 占道经营"),
        (at(2026, 11, 19, 9), "escalation", "超期升级：问题已超期 1 天：#7 占道经营"),
        (at(2026, 11, 17, 9), "escalation", "超期升级：问题已超期 3 天：#7 占道经营"),
    ],
)
def test_issue_reminder_titles_count_days_the_same_in_chinese(deadline, kind, expected):
    from inspections.reminders import _deadline_due

    row = (7, "占道经营", "人民路 1 号", deadline, None, "甲区城管局", None, "", None, None, None)
    due = _deadline_due(row, now=at(2026, 11, 20, 10), label="D1", kind=kind, to=("staff",), urgent=False)
    assert due.title == expected


def test_reminder_titles_in_english_separate_heading_and_subject_with_an_ascii_colon():
    """The heading and what it is about are joined by the catalogue's separator: “：” in Chinese
    (above), “: ” in English — not a full-width colon in an English title."""
    from django.utils import translation

    from inspections.reminders import _deadline_due
    from tasks.reminders import _task_due

    task_row = (1, "背街小巷整治", dt.date(2026, 11, 19), None, "甲区城管局", None, "", "", None, None)
    issue_row = (7, "占道经营", "人民路 1 号", at(2026, 11, 17, 9), None, "甲区城管局", None, "", None, None, None)
    with translation.override("en"):
        task = _task_due(task_row, today=dt.date(2026, 11, 20), label="D1", kind="overdue", to=("staff",))
        issue = _deadline_due(
            issue_row, now=at(2026, 11, 20, 10), label="D1", kind="overdue", to=("staff",), urgent=False
        )
    assert task.title == "Task overdue by 1 day: 背街小巷整治"
    assert issue.title == "Issue overdue by 3 days: #7 占道经营"
