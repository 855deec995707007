"""The issue tallies kept by the writes (:mod:`inspections.tally`): the cells an issue counts in,
the services moving it in their transaction, random walks through the services ending equal to
a recount (PostgreSQL), the recount repairing what a raw write broke (and saying so), the event
log check, a region move, and two connections adding to one cell at once."""

import datetime as dt
import logging
import random
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.services import region_move
from inspections import services, tally
from inspections.jobs import recompute_tally
from inspections.models import Issue, IssueDueTally, IssueState, IssueTally
from tests.inspections.conftest import LAT, LNG, local, upload

pytestmark = pytest.mark.django_db


def kept():
    """The tallies as stored, zero cells left out."""
    return {cell: n for cell, n in tally.stored().items() if n}


def assert_tally_equals_recount():
    assert kept() == tally.expected()


# --- cells ------------------------------------------------------------------------------------------


def test_region_is_cut_to_street_level():
    assert tally.tally_region_id("/1/") == 1
    assert tally.tally_region_id("/1/7/") == 7
    assert tally.tally_region_id("/1/7/30/") == 30
    assert tally.tally_region_id("/1/7/30/400/") == 30
    assert tally.tally_region_id("/1/7/30/400/9000/") == 30


def test_due_day_is_the_local_day_of_the_deadline_in_the_clock_states():
    assigned = local(2026, 11, 1, 9)
    late_evening_utc = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 21st in Shanghai
    assert tally.due_day("rectifying", assigned, late_evening_utc) == dt.date(2026, 11, 21)
    assert tally.due_day("assigned", assigned, local(2026, 11, 20, 17, 30)) == dt.date(2026, 11, 20)
    assert tally.due_day("assigned", assigned, None) == tally.NO_DUE_DAY  # to be computed at 签收
    assert tally.due_day("rectifying", None, local(2026, 11, 20)) == tally.NO_DUE_DAY
    for state in ("reported", "submitted", "closed", "long_term", "dismissed"):
        assert tally.due_day(state, assigned, local(2026, 11, 20)) is None


def test_moved_adds_and_takes_away_only_what_changed(campaign, city):
    a = (tally.STATE, (campaign.pk, city.a1.pk, "general", "reported", False))
    b = (tally.STATE, (campaign.pk, city.a1.pk, "general", "assigned", True))
    day = (tally.DUE, (campaign.pk, city.a1.pk, "general", "assigned", True, dt.date(2026, 11, 20)))
    tally.moved((), (a,))
    tally.moved((), (a,))
    tally.moved((a,), (b, day))
    tally.moved((b, day), (b, day))  # unchanged: nothing written
    assert kept() == {a: 1, b: 1, day: 1}


# --- kept by the services ---------------------------------------------------------------------------


def test_every_service_keeps_the_tallies_equal_to_a_recount(make_issue, people, units, city, clock):
    clock.set(local(2026, 11, 16, 9))
    issue = make_issue("reported")
    assert kept() == {(tally.STATE, (issue.campaign_id, city.a1.pk, "general", "reported", False)): 1}
    services.issue_accept(actor=people.supervisor, issue_id=issue.pk)
    assert_tally_equals_recount()
    services.issue_sign(actor=people.staff, issue_id=issue.pk)
    assert_tally_equals_recount()
    services.issue_request_extension(
        actor=people.staff, issue_id=issue.pk, reason="材料未到", deadline=local(2026, 11, 20, 17, 30)
    )
    services.issue_approve_extension(actor=people.supervisor, issue_id=issue.pk)
    assert_tally_equals_recount()
    (day_cell,) = [cell for cell in kept() if cell[0] == tally.DUE]
    assert day_cell[1][-1] == dt.date(2026, 11, 20)
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理", photos=[upload(7)])
    services.issue_reject(actor=people.supervisor, issue_id=issue.pk, reason="未清理干净")
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理", photos=[upload(8)])
    services.issue_verify(actor=people.supervisor, issue_id=issue.pk)
    assert_tally_equals_recount()
    services.issue_reopen(actor=people.supervisor, issue_id=issue.pk, reason="又有了", responsible_unit=units.cgj)
    assert_tally_equals_recount()
    other = make_issue("reported", region=city.b1v)
    services.issue_dismiss(actor=people.supervisor, issue_id=other.pk, reason="不属实")
    third = make_issue("reported")
    services.issue_merge(actor=people.supervisor, issue_id=third.pk, target_id=issue.pk)
    assert_tally_equals_recount()
    assert sum(n for (table, _key), n in kept().items() if table == tally.STATE) == Issue.objects.count() == 3


def test_a_citizen_report_counts_at_once(campaign, city, categories, people):
    issue = services.citizen_report_create(
        campaign=campaign,
        category=categories.garbage,
        description="小区门口垃圾满溢",
        photos=[upload(3)],
        latitude=LAT,
        longitude=LNG,
        region=city.a1v,
    )
    assert kept() == {(tally.STATE, (campaign.pk, city.a1.pk, issue.severity, "reported", False)): 1}


def test_a_refused_action_changes_nothing(make_issue, people):
    issue = make_issue("rectifying")
    before = kept()
    with pytest.raises(ApplicationError):
        services.issue_verify(actor=people.supervisor, issue_id=issue.pk)  # not submitted
    assert kept() == before


def test_a_region_move_below_street_level_moves_its_issues(make_issue, city):
    issue = make_issue("rectifying")  # in 甲一社区, under 甲一街道
    region_move(region=city.a1v, new_parent=city.b1)
    assert_tally_equals_recount()
    assert {key[1] for _table, key in kept()} == {city.b1.pk}
    assert Issue.objects.get(pk=issue.pk).region.path.startswith(city.b1.path)


# --- recount, repair, event log ---------------------------------------------------------------------


def test_recompute_repairs_each_difference_and_says_so(make_issue, caplog):
    make_issue("rectifying")
    make_issue("reported")
    assert tally.recompute() == 0
    IssueTally.objects.filter(state="reported").update(n=5)  # corrupted
    IssueDueTally.objects.all().delete()  # lost
    with caplog.at_level(logging.WARNING, logger="inspections.tally"):
        assert tally.recompute() == 2
    assert_tally_equals_recount()
    messages = [r.getMessage() for r in caplog.records]
    assert any("stored 5, counted 1" in m and "reported" in m for m in messages)
    assert any("stored 0, counted 1" in m and "rectifying" in m for m in messages)
    assert tally.recompute() == 0


def test_recompute_after_a_bulk_write_drops_empty_cells(make_issue):
    issue = make_issue("reported")
    Issue.objects.filter(pk=issue.pk).update(severity="severe")  # passes by the services
    assert tally.rebuild() == 2
    assert_tally_equals_recount()
    assert not IssueTally.objects.filter(n=0).exists()


def test_state_against_the_event_log(make_issue, caplog):
    fine = make_issue("submitted")
    edited = make_issue("rectifying")
    assert tally.check_events() == (0, [])
    Issue.objects.filter(pk=edited.pk).update(state=IssueState.CLOSED, closed_at=timezone.now())
    with caplog.at_level(logging.WARNING, logger="inspections.tally"):
        assert tally.check_events() == (1, [edited.pk])
    assert "differs from its event log for 1 issues" in caplog.text
    # The last event written counts, whatever time it claims (the bench's clamped times do).
    last = fine.events.order_by("-id").first()
    type(last).objects.filter(pk=last.pk).update(created_at=fine.created_at - dt.timedelta(days=1))
    assert tally.check_events() == (1, [edited.pk])


# --- PostgreSQL: random walks, the nightly job, concurrency ----------------------------------------------


def _random_walk(rng, issues, people, units, clock, moment):
    """One random action on a random issue through the services (refusals are part of the walk)."""
    staff_of = {units.street_a1.pk: people.staff, units.street_b1.pk: people.staff_b, units.cgj.pk: people.cgj_staff}
    issue = Issue.objects.get(pk=rng.choice(issues))
    unit_staff = staff_of.get(issue.responsible_unit_id, people.staff)
    checker = rng.choice([people.supervisor, people.district_supervisor, people.admin])
    later = moment + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
    other_unit = rng.choice([units.street_a1, units.street_b1, units.cgj])
    actions = {
        IssueState.REPORTED: [
            lambda: services.issue_accept(
                actor=checker, issue_id=issue.pk, responsible_unit=rng.choice([None, other_unit])
            ),
            lambda: services.issue_dismiss(actor=checker, issue_id=issue.pk, reason="不属实"),
            lambda: services.issue_merge(actor=checker, issue_id=issue.pk, target_id=rng.choice(issues)),
        ],
        IssueState.ASSIGNED: [
            lambda: services.issue_sign(actor=unit_staff, issue_id=issue.pk),
            lambda: services.issue_assign(
                actor=checker, issue_id=issue.pk, reason="调整", responsible_unit=other_unit, deadline=later
            ),
            lambda: services.issue_assign(actor=checker, issue_id=issue.pk, reason="限期", deadline=later),
            lambda: services.issue_request_reassignment(
                actor=unit_staff, issue_id=issue.pk, reason="territory", comment="不在辖区"
            ),
            lambda: services.issue_reassign(actor=checker, issue_id=issue.pk, responsible_unit=other_unit),
            lambda: services.issue_insist(actor=checker, issue_id=issue.pk, reason="属实"),
        ],
        IssueState.RECTIFYING: [
            lambda: services.issue_submit(
                actor=unit_staff, issue_id=issue.pk, measures="已整改", photos=[upload(rng.randrange(10**6))]
            ),
            lambda: services.issue_request_extension(
                actor=unit_staff,
                issue_id=issue.pk,
                reason="需要时间",
                deadline=issue.rectification_deadline and issue.rectification_deadline + dt.timedelta(days=1),
            ),
            lambda: services.issue_approve_extension(actor=checker, issue_id=issue.pk),
            lambda: services.issue_refuse_extension(actor=checker, issue_id=issue.pk, reason="不同意"),
            lambda: services.issue_move_long_term(
                actor=checker, issue_id=issue.pk, plan="分期改造", target_date=later.date() + dt.timedelta(days=30)
            ),
        ],
        IssueState.SUBMITTED: [
            lambda: services.issue_verify(actor=checker, issue_id=issue.pk),
            lambda: services.issue_reject(
                actor=checker, issue_id=issue.pk, reason="未到位", deadline=rng.choice([None, later])
            ),
        ],
        IssueState.CLOSED: [
            lambda: services.issue_reopen(
                actor=checker, issue_id=issue.pk, reason="反弹", responsible_unit=rng.choice([None, other_unit])
            ),
        ],
        IssueState.LONG_TERM: [
            lambda: services.issue_submit(
                actor=unit_staff, issue_id=issue.pk, measures="完成", photos=[upload(rng.randrange(10**6))]
            ),
        ],
        IssueState.DISMISSED: [],
    }
    choices = actions[issue.state]
    if not choices:
        return None
    try:
        rng.choice(choices)()
        return issue.state
    except ApplicationError:
        return None


def random_walks(seed, make_issue, people, units, city, clock, *, steps, check, every):
    """Eight issues in random states, then ``steps`` random actions through the services,
    ``check()`` every ``every`` steps and at the end. Returns how many actions went through."""
    rng = random.Random(seed)
    moment = clock.set(local(2026, 11, 16, 9))
    issues = []
    for n in range(8):
        state = rng.choice(["reported", "assigned", "rectifying", "submitted"])
        region = rng.choice([city.a1v, city.b1v]) if state == "reported" else city.a1v
        severity = rng.choice(["general", "serious", "severe", "negative_list"])
        issues.append(make_issue(state, region=region, severity=severity, seed=seed * 1000 + n).pk)
    moved = 0
    for step in range(steps):
        moment = clock.set(moment + dt.timedelta(hours=rng.randint(1, 30)))
        moved += _random_walk(rng, issues, people, units, clock, moment) is not None
        if step % every == 0:
            check()
    check()
    return moved


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [1, 2])
def test_random_walks_end_equal_to_a_recount(seed, make_issue, people, units, city, clock):
    moved = random_walks(
        seed, make_issue, people, units, city, clock, steps=45, check=assert_tally_equals_recount, every=15
    )
    assert moved >= 15, moved  # the walk went somewhere
    assert tally.recompute() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the job's first, lock-free pass runs in its own snapshot
def test_the_nightly_job_repairs_a_corrupted_row(make_issue, caplog):
    make_issue("rectifying")
    make_issue("closed")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inspections_issuetally SET n = n + 3 WHERE state = 'closed'")
        cursor.execute("UPDATE inspections_issueduetally SET n = 0")
    with caplog.at_level(logging.WARNING, logger="inspections.tally"):
        result = recompute_tally()
    assert result == {"repaired": 2, "day_repaired": 0, "state_differs_from_events": 0}
    assert "stored 4, counted 1" in caplog.text and "stored 0, counted 1" in caplog.text
    assert_tally_equals_recount()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_connections_adding_to_the_same_cells_lose_nothing(campaign, city):
    """Each thread moves one issue at a time back and forth between two cells, in its own
    transactions, the two threads naming the cells in opposite orders: no increment is lost
    and no deadlock (the rows are locked in key order)."""
    a = (tally.STATE, (campaign.pk, city.a1.pk, "general", "assigned", False))
    b = (tally.STATE, (campaign.pk, city.b1.pk, "general", "assigned", False))
    rounds = 60
    barrier = threading.Barrier(2)
    errors = []

    def work(first, second):
        try:
            barrier.wait()
            for _ in range(rounds):
                with transaction.atomic():
                    tally.moved((), (first, second))  # one more in each
                with transaction.atomic():
                    tally.moved((first,), (second,))  # one moves across
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(a, b)), threading.Thread(target=work, args=(b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    stored = tally.stored()
    assert stored[a] + stored[b] == 4 * rounds
    assert stored[a] == stored[b] == 2 * rounds


def test_the_command_recounts_and_checks_the_event_log(make_issue):
    from io import StringIO

    from django.core.management import call_command

    make_issue("rectifying")
    IssueTally.objects.filter(state="rectifying").update(n=9)
    out = StringIO()
    call_command("recompute_issue_tally", "--quiet", "--events", stdout=out)
    assert "修正 1 格" in out.getvalue() and "不一致的问题：0 个" in out.getvalue()
    assert_tally_equals_recount()
