"""Digests: a backlog found on one pass becomes one digest per person (in-app and email) listing
it, the items themselves kept as 已并入摘要 rows so nothing is sent twice; a re-run of the pass
adds nothing; an urgent item (负面清单 before its deadline) still arrives on its own; a few items
are sent as they are."""

import datetime as dt
from collections import Counter

from django.utils import timezone

from chuangcheng.notifications.models import Delivery, DeliveryStatus, Notice
from chuangcheng.notifications.reminders import reminders_dispatch
from inspections.models import Issue
from tests.factories import TaskFactory


def at(*args):
    return timezone.make_aware(dt.datetime(*args))


def _backlog(campaign, units, people, n):
    TaskFactory.create_batch(
        n,
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=dt.date(2026, 11, 1),
        deadline=dt.date(2026, 11, 17),
        created_by=people.supervisor,
    )


def test_a_backlog_becomes_one_digest_per_person_and_an_urgent_item_still_goes_alone(
    make_issue, campaign, units, people, settings
):
    settings.DIGEST_THRESHOLD = 5
    urgent = make_issue("rectifying", severity="negative_list")
    Issue.objects.filter(pk=urgent.pk).update(rectification_deadline=at(2026, 11, 20, 9, 30))
    _backlog(campaign, units, people, 12)  # 3 days overdue on 11-20: escalated to leader and supervisor
    Delivery.objects.all().delete()
    Notice.objects.all().delete()
    now = at(2026, 11, 20, 9)
    reminders_dispatch(now=now)

    sent = Delivery.objects.exclude(status=DeliveryStatus.SKIPPED)
    digests = sent.filter(kind="digest")
    per_person = Counter(digests.filter(channel="inapp").values_list("recipient_id", flat=True))
    assert per_person and max(per_person.values()) == 1  # at most one digest per person per pass
    assert {people.leader.pk, people.supervisor.pk} <= set(per_person)
    digest = digests.filter(recipient=people.supervisor, channel="inapp").get()
    assert digest.title == "待办提醒汇总：12 项到期或超期" and digest.body.count("· ") == 12
    # The twelve task escalations are written (their keys hold) but not sent one by one.
    folded = Delivery.objects.filter(recipient=people.supervisor, subject_key__startswith="task:")
    assert folded.count() == 12 * 2 and set(folded.values_list("status", flat=True)) == {DeliveryStatus.SKIPPED}
    assert Notice.objects.filter(recipient=people.supervisor).count() == 1  # the digest, nothing else
    # The 负面清单 issue due within the hour reaches its unit on its own.
    alone = sent.filter(subject_key=f"issue:{urgent.pk}", channel="inapp")
    assert alone.exists() and set(alone.values_list("recipient_id", flat=True)) >= {people.staff.pk}

    rows = Delivery.objects.count()
    again = reminders_dispatch(now=now)  # the same pass again: nothing new at all
    assert all(not created for created in again.values()) and Delivery.objects.count() == rows


def test_a_few_items_are_sent_as_they_are(campaign, units, people, settings):
    settings.DIGEST_THRESHOLD = 5
    _backlog(campaign, units, people, 3)
    Delivery.objects.all().delete()
    reminders_dispatch(now=at(2026, 11, 20, 9))
    assert not Delivery.objects.filter(kind="digest").exists()
    assert not Delivery.objects.filter(status=DeliveryStatus.SKIPPED, note__contains="摘要").exists()
    assert Notice.objects.filter(recipient=people.supervisor).count() == 3
