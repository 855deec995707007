"""The day tables (:mod:`inspections.daytally`): each day's flows and counted events, kept by the
services in the writer's transaction, equal to a recount from the issues and the event log after
any sequence of actions, and repaired (and reported) by the nightly job when they are not."""

import datetime as dt
import logging
from collections import Counter

import pytest
from django.db import connection

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.services import region_move
from inspections import daytally, services
from inspections.jobs import recompute_tally
from inspections.models import IssueDayTally, IssueEventDayTally
from tests.inspections.conftest import local, upload
from tests.inspections.test_tally import random_walks

pytestmark = pytest.mark.django_db


def assert_equal_to_a_recount():
    assert daytally.stored() == daytally.expected()


def day_sum(table, name):
    return sum(counts.get(name, 0) for (t, _key), counts in daytally.stored().items() if t == table)


# --- what one issue counts --------------------------------------------------------------------------


def test_an_issue_counts_on_the_local_day_of_each_of_its_dates():
    created = dt.datetime(2026, 11, 15, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 16th in Shanghai
    assigned = local(2026, 11, 16, 9)
    deadline = local(2026, 11, 20, 17, 30)
    closed = local(2026, 11, 19, 10)
    counts = daytally.flow_counts("closed", "negative_list", created, assigned, closed, deadline)
    assert counts == {
        dt.date(2026, 11, 16): Counter(reported=1, assigned=1, negative_list=1),
        dt.date(2026, 11, 19): Counter(closed=1, close_us=(closed - assigned) // dt.timedelta(microseconds=1)),
        dt.date(2026, 11, 20): Counter(due=1, due_closed=1, closed_on_time=1),
    }


def test_long_term_and_dismissed_issues_are_not_due_and_an_open_one_is_not_closed():
    at = local(2026, 11, 16, 9)
    for state in ("long_term", "dismissed"):
        counts = daytally.flow_counts(state, "general", at, at, None, at + dt.timedelta(days=2))
        assert "due" not in counts[(at + dt.timedelta(days=2)).date()]
    late = daytally.flow_counts("closed", "general", at, at, at + dt.timedelta(days=3), at + dt.timedelta(days=2))
    assert late[(at + dt.timedelta(days=2)).date()] == Counter(due=1, due_closed=1)  # closed, not on time
    rectifying = daytally.flow_counts("rectifying", "general", at, at, None, at + dt.timedelta(days=2))
    assert sum(c["closed"] for c in rectifying.values()) == 0


# --- kept by the services ---------------------------------------------------------------------------


def test_every_service_keeps_the_day_tables_equal_to_a_recount(make_issue, people, units, city, clock):
    clock.set(local(2026, 11, 16, 9))
    issue = make_issue("reported")
    assert day_sum(daytally.FLOWS, "reported") == 1
    services.issue_accept(actor=people.supervisor, issue_id=issue.pk)
    services.issue_sign(actor=people.staff, issue_id=issue.pk)
    assert_equal_to_a_recount()
    clock.set(local(2026, 11, 17, 10))
    services.issue_request_extension(
        actor=people.staff, issue_id=issue.pk, reason="材料未到", deadline=local(2026, 11, 20, 17, 30)
    )
    services.issue_approve_extension(actor=people.supervisor, issue_id=issue.pk)
    assert_equal_to_a_recount()
    assert day_sum(daytally.EVENTS, "extensions") == 1
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理", photos=[upload(7)])
    services.issue_reject(actor=people.supervisor, issue_id=issue.pk, reason="未清理干净")
    clock.set(local(2026, 11, 18, 11))
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理", photos=[upload(8)])
    services.issue_verify(actor=people.supervisor, issue_id=issue.pk)
    assert_equal_to_a_recount()
    assert (day_sum(daytally.EVENTS, "verifications"), day_sum(daytally.EVENTS, "rejections")) == (2, 1)
    assert day_sum(daytally.FLOWS, "closed_on_time") == 1
    services.issue_reopen(actor=people.supervisor, issue_id=issue.pk, reason="又有了", responsible_unit=units.cgj)
    assert_equal_to_a_recount()
    assert day_sum(daytally.FLOWS, "closed") == 0  # reopened: no longer closed
    # The counted events moved with the issue to its new unit.
    assert {key[3] for (t, key) in daytally.stored() if t == daytally.EVENTS} == {units.cgj.pk}
    other = make_issue("reported", region=city.b1v)
    services.issue_dismiss(actor=people.supervisor, issue_id=other.pk, reason="不属实")
    third = make_issue("reported")
    services.issue_merge(actor=people.supervisor, issue_id=third.pk, target_id=issue.pk)
    assert_equal_to_a_recount()


def test_a_refused_action_changes_nothing(make_issue, people):
    issue = make_issue("rectifying")
    before = daytally.stored()
    with pytest.raises(ApplicationError):
        services.issue_verify(actor=people.supervisor, issue_id=issue.pk)  # not submitted
    assert daytally.stored() == before


def test_a_region_move_keeps_a_communitys_flows_in_its_cell(make_issue, city):
    make_issue("rectifying")  # in 甲一社区, under 甲一街道
    region_move(region=city.a1v, new_parent=city.b1)
    assert_equal_to_a_recount()
    assert {key[2] for (_t, key) in daytally.stored()} == {city.a1v.pk}  # counted in its community, wherever it is


@pytest.mark.parametrize("seed", [3, 4])
def test_random_walks_end_equal_to_a_recount(seed, make_issue, people, units, city, clock):
    moved = random_walks(
        seed, make_issue, people, units, city, clock, steps=40, check=assert_equal_to_a_recount, every=10
    )
    assert moved >= 12, moved
    assert daytally.recompute() == 0


# --- recount and repair -----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the job's first, lock-free pass runs in its own snapshot
def test_the_nightly_job_repairs_a_corrupted_row_and_says_so(make_issue, people, caplog):
    make_issue("rectifying")
    closed = make_issue("submitted")
    services.issue_verify(actor=people.supervisor, issue_id=closed.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inspections_issuedaytally SET reported = reported + 3")
        cursor.execute("UPDATE inspections_issueeventdaytally SET verifications = 0")
    IssueDayTally.objects.create(campaign_id=closed.campaign_id, day=dt.date(2020, 1, 1), region_id=closed.region_id)
    with caplog.at_level(logging.WARNING, logger="inspections.daytally"):
        result = recompute_tally()
    assert result["day_repaired"] >= 2
    assert "issue day tally flows" in caplog.text and "issue day tally events" in caplog.text
    assert_equal_to_a_recount()
    assert not IssueDayTally.objects.filter(day=dt.date(2020, 1, 1)).exists()  # the empty cell went
    assert IssueEventDayTally.objects.get().verifications == 1
    assert recompute_tally()["day_repaired"] == 0
