"""The issue lifecycle through its services: every transition's happy path and its refusals
(wrong role → forbidden, out of scope → not_found, wrong state → conflict, bad input → invalid),
with nothing written when refused."""

import datetime as dt

import pytest
from django.utils import timezone

from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.models import Notice
from chuangcheng.org.models import Membership
from inspections import services
from inspections.models import Issue, IssueEvent, Photo
from inspections.workflow import allowed_actions
from tests.factories import CampaignFactory, UserFactory
from tests.inspections.conftest import LAT, LNG, upload

pytestmark = pytest.mark.django_db


def refuse(code, fn, **kwargs):
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    assert exc.value.code == code, exc.value.message
    return exc.value


def reload(issue):
    return Issue.objects.get(pk=issue.pk)


def forget_roles(user):
    user._scope_cache = None
    user._unit_roles_cache = None


# --- the e2e story at service level ---------------------------------------------------------------


def test_full_cycle_with_rework(campaign, city, categories, people, units):
    issue = services.issue_create(
        actor=people.supervisor,
        campaign=campaign,
        category=categories.garbage,
        region=city.a1v,
        description="文化路口暴露垃圾",
        latitude=LAT,
        longitude=LNG,
        photos=[upload(1)],
    )
    assert issue.state == "reported"
    assert Photo.objects.get(issue=issue).kind == "before"
    services.issue_accept(actor=people.supervisor, issue_id=issue.pk)  # 属地兜底 → 甲一街道办
    assert reload(issue).responsible_unit == units.street_a1
    assert Notice.objects.filter(recipient=people.staff, title__startswith="新交办问题").exists()
    services.issue_sign(actor=people.staff, issue_id=issue.pk)
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清运", photos=[upload(2)])
    assert Notice.objects.filter(recipient=people.supervisor, title__startswith="问题待核查").exists()
    services.issue_reject(actor=people.district_supervisor, issue_id=issue.pk, reason="角落仍有垃圾")
    issue = reload(issue)
    assert (issue.state, issue.rework_count) == ("rectifying", 1)
    assert Notice.objects.filter(recipient=people.head, body="角落仍有垃圾").exists()
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="彻底清理", photos=[upload(3)])
    services.issue_verify(actor=people.supervisor, issue_id=issue.pk)
    issue = reload(issue)
    assert issue.state == "closed" and issue.closed_by == people.supervisor and issue.closed_at
    events = list(IssueEvent.objects.filter(issue=issue).values_list("action", "actor__username"))
    assert events == [
        ("create", "supervisor"),
        ("accept", "supervisor"),
        ("sign", "staff_a1"),
        ("submit", "staff_a1"),
        ("reject", "dsupervisor"),
        ("submit", "staff_a1"),
        ("verify", "supervisor"),
    ]
    assert Photo.objects.filter(issue=issue, kind="after").count() == 2


def test_create_and_assign_at_once(campaign, city, categories, people, units):
    issue = services.issue_create(
        actor=people.district_supervisor,
        campaign=campaign,
        category=categories.garbage,
        region=city.a1,
        description="x",
        responsible_unit=units.cgj,
    )
    assert issue.state == "assigned" and issue.responsible_unit == units.cgj
    assert issue.sign_deadline is not None and issue.rectification_deadline is None
    assert list(issue.events.values_list("action", flat=True)) == ["create", "accept"]


def test_a_record_sent_twice_with_its_client_key_is_one_issue(campaign, city, categories, people):
    def send(actor, key):
        return services.issue_create(
            actor=actor,
            campaign=campaign,
            category=categories.garbage,
            region=city.a1,
            description="桥下垃圾",
            client_key=key,
        )

    first = send(people.district_supervisor, "7f1c2a")
    again = send(people.district_supervisor, "7f1c2a")
    assert again.pk == first.pk and Issue.objects.filter(description="桥下垃圾").count() == 1
    assert first.events.count() == 1  # the resend wrote nothing
    other = send(people.supervisor, "7f1c2a")  # another person's key space
    assert other.pk != first.pk
    assert send(people.district_supervisor, "").pk != send(people.district_supervisor, "").pk  # no key: no dedupe


# --- creation refusals ---------------------------------------------------------------------------------


def test_create_refusals_write_nothing(campaign, city, categories, people):
    base = dict(campaign=campaign, category=categories.garbage, region=city.a1v, description="垃圾")
    refuse("forbidden", services.issue_create, actor=people.staff, **base)
    refuse("forbidden", services.issue_create, actor=people.district_supervisor, **{**base, "region": city.b1})
    err = refuse("invalid", services.issue_create, actor=people.supervisor, **{**base, "description": " "})
    assert err.field == "description"
    err = refuse("invalid", services.issue_create, actor=people.supervisor, latitude=LAT, **base)
    assert err.field == "longitude"
    err = refuse("invalid", services.issue_create, actor=people.supervisor, latitude=LNG, longitude=LAT, **base)
    assert err.field == "latitude" and "填反" in err.message
    err = refuse("invalid", services.issue_create, actor=people.supervisor, latitude=-33.9, longitude=18.4, **base)
    assert err.field == "latitude"
    categories.garbage.is_active = False
    categories.garbage.save()
    err = refuse("invalid", services.issue_create, actor=people.supervisor, **base)
    assert err.field == "category"
    other_city = CampaignFactory()
    err = refuse("invalid", services.issue_create, actor=people.supervisor, **{**base, "campaign": other_city})
    assert err.field == "region"
    assert not Issue.objects.exists() and not IssueEvent.objects.exists()


def test_bad_photo_leaves_no_half_written_issue(campaign, city, categories, people):
    from tests.inspections.conftest import raw_upload

    refuse(
        "invalid",
        services.issue_create,
        actor=people.supervisor,
        campaign=campaign,
        category=categories.garbage,
        region=city.a1v,
        description="垃圾",
        photos=[upload(1), raw_upload(b"MZ\x90\x00" + b"\x00" * 200, "evil.jpg")],
    )
    assert not Issue.objects.exists() and not Photo.objects.exists()


def test_leader_may_record_but_staff_may_not(campaign, city, categories, people):
    issue = services.issue_create(
        actor=people.leader, campaign=campaign, category=categories.garbage, region=city.a1, description="领导交办"
    )
    assert issue.state == "reported"
    # A leader is not a supervisor: recording yes, dispatching no.
    refuse(
        "forbidden",
        services.issue_create,
        actor=people.leader,
        campaign=campaign,
        category=categories.garbage,
        region=city.a1,
        description="x",
        assign=True,
    )


# --- scope, role and state refusals --------------------------------------------------------------------------


def test_out_of_scope_is_not_found(make_issue, people):
    issue = make_issue("assigned")
    for user in (people.staff_b, people.cgj_staff, people.nobody):
        refuse("not_found", services.issue_sign, actor=user, issue_id=issue.pk)
    assert reload(issue).state == "assigned"
    assert issue.events.count() == 2


def test_visible_but_wrong_role_is_forbidden(make_issue, people):
    issue = make_issue("assigned")
    refuse("forbidden", services.issue_sign, actor=people.district_supervisor, issue_id=issue.pk)
    refuse("forbidden", services.issue_assign, actor=people.staff, issue_id=issue.pk, reason="x")
    refuse(
        "forbidden",
        services.issue_request_reassignment,
        actor=people.supervisor,
        issue_id=issue.pk,
        reason="territory",
        comment="x",
    )
    refuse("forbidden", services.issue_assign, actor=people.leader, issue_id=issue.pk, reason="x")


def test_wrong_state_is_conflict_with_current_state(make_issue, people):
    issue = make_issue("assigned")
    err = refuse("conflict", services.issue_verify, actor=people.supervisor, issue_id=issue.pk)
    assert err.extra["state"] == "assigned" and "已交办" in err.message
    refuse("conflict", services.issue_accept, actor=people.supervisor, issue_id=issue.pk)
    refuse("conflict", services.issue_submit, actor=people.staff, issue_id=issue.pk, measures="x", photos=[upload()])
    refuse("conflict", services.issue_reopen, actor=people.supervisor, issue_id=issue.pk, reason="x")


def test_the_unit_never_verifies_its_own_work(make_issue, people, units):
    issue = make_issue("submitted")
    refuse("forbidden", services.issue_verify, actor=people.staff, issue_id=issue.pk)
    refuse("forbidden", services.issue_reject, actor=people.head, issue_id=issue.pk, reason="x")
    # Even a supervisor who also belongs to the unit.
    Membership.objects.create(user=people.district_supervisor, unit=units.street_a1, role="staff")
    forget_roles(people.district_supervisor)
    refuse("forbidden", services.issue_verify, actor=people.district_supervisor, issue_id=issue.pk)
    assert "verify" not in allowed_actions(people.district_supervisor, reload(issue))
    assert "verify" in allowed_actions(people.supervisor, reload(issue))
    assert reload(issue).state == "submitted"
    assert not issue.events.filter(action="verify").exists()


# --- reported: accept, merge, dismiss ------------------------------------------------------------------------


def test_dismiss_needs_a_reason(make_issue, people):
    issue = make_issue()
    err = refuse("invalid", services.issue_dismiss, actor=people.supervisor, issue_id=issue.pk, reason="")
    assert err.field == "reason"
    services.issue_dismiss(actor=people.supervisor, issue_id=issue.pk, reason="已由物业处理，非公共区域")
    issue = reload(issue)
    assert issue.state == "dismissed" and issue.dismiss_reason.startswith("已由物业")


def test_merge_into_open_issue(make_issue, people):
    target = make_issue("assigned")
    dup = make_issue()
    err = refuse("invalid", services.issue_merge, actor=people.supervisor, issue_id=dup.pk, target_id=dup.pk)
    assert err.field == "target"
    services.issue_merge(actor=people.supervisor, issue_id=dup.pk, target_id=target.pk, comment="同一处")
    dup = reload(dup)
    assert dup.state == "dismissed" and dup.merged_into_id == target.pk
    assert target.events.filter(action="merged_in", changes__merged=dup.pk).exists()


def test_merge_into_closed_issue_is_refused(make_issue, people):
    closed = make_issue("closed")
    dup = make_issue()
    err = refuse("invalid", services.issue_merge, actor=people.supervisor, issue_id=dup.pk, target_id=closed.pk)
    assert err.field == "target"
    assert reload(dup).state == "reported"


def test_accept_without_territorial_unit_asks_for_one(campaign, city, categories, people, units):
    from inspections.selectors import suggest_responsible_unit

    units.street_a1.is_active = units.gov_a.is_active = False
    units.street_a1.save()
    units.gov_a.save()
    assert suggest_responsible_unit(city.a1v, categories.garbage) is None
    issue = services.issue_create(
        actor=people.supervisor, campaign=campaign, category=categories.garbage, region=city.a1v, description="x"
    )
    err = refuse("invalid", services.issue_accept, actor=people.supervisor, issue_id=issue.pk)
    assert err.field == "responsible_unit"
    services.issue_accept(actor=people.supervisor, issue_id=issue.pk, responsible_unit=units.cgj)


# --- assigned: sign, 改派, 申请退回 -----------------------------------------------------------------------------


def test_assign_changes_unit_before_signing(make_issue, people, units):
    issue = make_issue("assigned")
    err = refuse("invalid", services.issue_assign, actor=people.supervisor, issue_id=issue.pk, reason="")
    assert err.field == "reason"
    services.issue_assign(actor=people.supervisor, issue_id=issue.pk, reason="属城管职责", responsible_unit=units.cgj)
    issue = reload(issue)
    assert issue.responsible_unit == units.cgj and issue.state == "assigned"
    assert Notice.objects.filter(recipient=people.staff, title__startswith="问题已改派他单位").exists()
    assert Notice.objects.filter(recipient=people.cgj_staff, title__startswith="新交办问题").exists()


def test_request_reassignment_then_reassign(make_issue, people, units):
    issue = make_issue("assigned")
    err = refuse(
        "invalid",
        services.issue_request_reassignment,
        actor=people.staff,
        issue_id=issue.pk,
        reason="不想干",
        comment="x",
    )
    assert err.field == "reason"
    err = refuse(
        "invalid",
        services.issue_request_reassignment,
        actor=people.staff,
        issue_id=issue.pk,
        reason="ownership",
        comment="",
    )
    assert err.field == "comment"
    refuse("conflict", services.issue_reassign, actor=people.supervisor, issue_id=issue.pk, responsible_unit=units.cgj)
    services.issue_request_reassignment(
        actor=people.staff, issue_id=issue.pk, reason="ownership", comment="该井盖属燃气公司"
    )
    issue = reload(issue)
    assert issue.pending_request == "reassignment" and issue.request_reason == "权属不清：该井盖属燃气公司"
    refuse(
        "conflict",
        services.issue_request_reassignment,
        actor=people.staff,
        issue_id=issue.pk,
        reason="territory",
        comment="x",
    )
    refuse("forbidden", services.issue_reassign, actor=people.staff, issue_id=issue.pk, responsible_unit=units.cgj)
    err = refuse(
        "invalid", services.issue_reassign, actor=people.supervisor, issue_id=issue.pk, responsible_unit=units.street_a1
    )
    assert err.field == "responsible_unit"
    services.issue_reassign(actor=people.supervisor, issue_id=issue.pk, responsible_unit=units.cgj)
    issue = reload(issue)
    assert (issue.state, issue.responsible_unit, issue.pending_request) == ("assigned", units.cgj, "")
    # The old unit no longer sees it; the new one signs.
    refuse("not_found", services.issue_sign, actor=people.staff, issue_id=issue.pk)
    services.issue_sign(actor=people.cgj_staff, issue_id=issue.pk)


def test_request_reassignment_then_insist(make_issue, people):
    issue = make_issue("assigned")
    services.issue_request_reassignment(actor=people.staff, issue_id=issue.pk, reason="territory", comment="属乙区")
    err = refuse("invalid", services.issue_insist, actor=people.supervisor, issue_id=issue.pk, reason="")
    assert err.field == "reason"
    services.issue_insist(actor=people.supervisor, issue_id=issue.pk, reason="经核实属甲一街道")
    issue = reload(issue)
    assert issue.pending_request == "" and issue.state == "assigned"
    assert Notice.objects.filter(recipient=people.staff, body="经核实属甲一街道").exists()


# --- rectifying: extensions -----------------------------------------------------------------------------------


def test_extension_requested_and_approved(make_issue, people, clock):
    from tests.inspections.conftest import local

    clock.set(local(2026, 11, 23, 10, 0))  # a Monday
    issue = make_issue("rectifying")
    assert issue.rectification_deadline == local(2026, 11, 23, 15, 30)  # 4 working hours
    wanted = dt.date(2026, 11, 25)
    err = refuse(
        "invalid", services.issue_request_extension, actor=people.staff, issue_id=issue.pk, reason="", deadline=wanted
    )
    assert err.field == "reason"
    services.issue_request_extension(actor=people.staff, issue_id=issue.pk, reason="需协调环卫车辆", deadline=wanted)
    issue = reload(issue)
    assert issue.pending_request == "extension" and issue.requested_deadline == local(2026, 11, 25, 18, 0)
    refuse("forbidden", services.issue_approve_extension, actor=people.head, issue_id=issue.pk)
    services.issue_approve_extension(actor=people.district_supervisor, issue_id=issue.pk)
    issue = reload(issue)
    assert issue.rectification_deadline == local(2026, 11, 25, 18, 0)
    assert (issue.extension_count, issue.pending_request) == (1, "")
    refuse("conflict", services.issue_refuse_extension, actor=people.supervisor, issue_id=issue.pk, reason="x")


def test_extension_limits(make_issue, people, clock, campaign):
    from tests.inspections.conftest import local

    clock.set(local(2026, 11, 23, 10, 0))
    issue = make_issue("rectifying")
    for deadline, words in [
        (dt.date(2026, 11, 20), "早于当前时间"),  # in the past
        (local(2026, 11, 23, 12, 0), "晚于当前整改时限"),  # before the current deadline
        (dt.date(2026, 12, 10), "最多 10 个工作日"),  # beyond MAX_EXTENSION_WORKING_DAYS
    ]:
        err = refuse(
            "invalid",
            services.issue_request_extension,
            actor=people.staff,
            issue_id=issue.pk,
            reason="r",
            deadline=deadline,
        )
        assert err.field == "deadline" and words in err.message, err.message
    campaign.start_date = dt.date(
        2026, 11, 1
    )  # the factory's (ten days before the real today) may lie after the target
    campaign.target_date = dt.date(2026, 11, 26)
    campaign.save()
    err = refuse(
        "invalid",
        services.issue_request_extension,
        actor=people.staff,
        issue_id=issue.pk,
        reason="r",
        deadline=dt.date(2026, 11, 30),
    )
    assert "迎检日期" in err.message
    assert reload(issue).pending_request == ""


def test_extension_refused_keeps_deadline(make_issue, people, clock):
    from tests.inspections.conftest import local

    clock.set(local(2026, 11, 23, 10, 0))
    issue = make_issue("rectifying")
    before = issue.rectification_deadline
    services.issue_request_extension(actor=people.staff, issue_id=issue.pk, reason="r", deadline=dt.date(2026, 11, 26))
    services.issue_refuse_extension(actor=people.supervisor, issue_id=issue.pk, reason="立即整改")
    issue = reload(issue)
    assert issue.rectification_deadline == before and issue.extension_count == 0 and issue.pending_request == ""


def test_an_extension_decided_after_the_deadline_passed_counts_from_the_decision(make_issue, people, clock):
    """QA: a request made in time and left waiting until its deadline (and the requested one)
    had passed could not be approved at all — every date was either past or more than 10
    working days after the old deadline. The supervisor's delay is not the unit's."""
    from tests.inspections.conftest import local

    clock.set(local(2026, 11, 23, 10, 0))  # a Monday
    issue = make_issue("rectifying")
    services.issue_request_extension(actor=people.staff, issue_id=issue.pk, reason="r", deadline=dt.date(2026, 11, 25))
    clock.set(local(2026, 12, 21, 10, 0))  # four weeks later, a Monday
    refused = refuse("invalid", services.issue_approve_extension, actor=people.supervisor, issue_id=issue.pk)
    assert "早于当前时间" in refused.message  # the requested date has passed: the supervisor gives one
    services.issue_approve_extension(actor=people.supervisor, issue_id=issue.pk, deadline=dt.date(2026, 12, 24))
    assert reload(issue).rectification_deadline == local(2026, 12, 24, 18, 0)
    # still at most 10 working days, now counted from the decision
    services.issue_request_extension(actor=people.staff, issue_id=issue.pk, reason="r", deadline=dt.date(2026, 12, 28))
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=local(2026, 11, 25, 18, 0))
    too_far = refuse(
        "invalid",
        services.issue_approve_extension,
        actor=people.supervisor,
        issue_id=issue.pk,
        deadline=dt.date(2027, 1, 29),
    )
    assert "最多 10 个工作日" in too_far.message


# --- submit ---------------------------------------------------------------------------------------------------


def test_submit_requires_measures_and_after_photos(make_issue, people):
    issue = make_issue("rectifying")
    err = refuse("invalid", services.issue_submit, actor=people.staff, issue_id=issue.pk, measures="已清理")
    assert err.field == "photos"
    err = refuse(
        "invalid", services.issue_submit, actor=people.staff, issue_id=issue.pk, measures=" ", photos=[upload()]
    )
    assert err.field == "measures"
    assert reload(issue).state == "rectifying" and not Photo.objects.filter(kind="after").exists()
    # An after-photo uploaded ahead of submitting counts.
    services.photo_add(actor=people.staff, issue_id=issue.pk, kind="after", photos=[upload(7)])
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="已清理")
    assert reload(issue).state == "submitted"


def test_rejected_photos_do_not_count_again(make_issue, people):
    issue = make_issue("submitted")
    services.issue_reject(actor=people.supervisor, issue_id=issue.pk, reason="未清理干净")
    err = refuse("invalid", services.issue_submit, actor=people.staff, issue_id=issue.pk, measures="再次清理")
    assert err.field == "photos"


def test_photo_kinds_by_role(make_issue, people):
    issue = make_issue("rectifying")
    refuse("forbidden", services.photo_add, actor=people.staff, issue_id=issue.pk, kind="before", photos=[upload()])
    refuse("forbidden", services.photo_add, actor=people.supervisor, issue_id=issue.pk, kind="after", photos=[upload()])
    services.photo_add(actor=people.supervisor, issue_id=issue.pk, kind="before", photos=[upload(5)])
    services.photo_add(actor=people.staff, issue_id=issue.pk, kind="evidence", photos=[upload(6)])
    err = refuse("invalid", services.photo_add, actor=people.staff, issue_id=issue.pk, kind="evidence", photos=[])
    assert err.field == "photos"
    assert issue.events.filter(action="photo").count() == 2


# --- closed: reopen; long-term --------------------------------------------------------------------------------


def test_reopen_same_unit_goes_back_to_rectifying(make_issue, people):
    issue = make_issue("closed")
    err = refuse("invalid", services.issue_reopen, actor=people.supervisor, issue_id=issue.pk, reason="")
    assert err.field == "reason"
    refuse("forbidden", services.issue_reopen, actor=people.staff, issue_id=issue.pk, reason="x")
    services.issue_reopen(actor=people.supervisor, issue_id=issue.pk, reason="垃圾又堆起来了")
    issue = reload(issue)
    assert (issue.state, issue.recurrence_count, issue.closed_at) == ("rectifying", 1, None)
    assert issue.rectification_deadline > timezone.now()


def test_reopen_to_another_unit_must_be_signed(make_issue, people, units):
    issue = make_issue("closed")
    services.issue_reopen(actor=people.supervisor, issue_id=issue.pk, reason="反弹", responsible_unit=units.cgj)
    issue = reload(issue)
    assert (issue.state, issue.responsible_unit, issue.recurrence_count) == ("assigned", units.cgj, 1)
    services.issue_sign(actor=people.cgj_staff, issue_id=issue.pk)
    services.issue_submit(actor=people.cgj_staff, issue_id=issue.pk, measures="m", photos=[upload(50)])
    services.issue_verify(actor=people.supervisor, issue_id=issue.pk)
    services.issue_reopen(actor=people.supervisor, issue_id=issue.pk, reason="又反弹")
    assert reload(issue).recurrence_count == 2


def test_long_term_plan_progress_and_close(make_issue, people):
    issue = make_issue("rectifying")
    today = timezone.localdate()
    err = refuse(
        "invalid", services.issue_move_long_term, actor=people.supervisor, issue_id=issue.pk, plan="", target_date=today
    )
    assert err.field == "plan"
    for bad in (today, today + dt.timedelta(days=400), None):
        err = refuse(
            "invalid",
            services.issue_move_long_term,
            actor=people.supervisor,
            issue_id=issue.pk,
            plan="p",
            target_date=bad,
        )
        assert err.field == "target_date"
    refuse(
        "forbidden",
        services.issue_move_long_term,
        actor=people.staff,
        issue_id=issue.pk,
        plan="p",
        target_date=today + dt.timedelta(days=60),
    )
    services.issue_move_long_term(
        actor=people.supervisor,
        issue_id=issue.pk,
        plan="道路改造纳入年度计划",
        target_date=today + dt.timedelta(days=60),
    )
    assert reload(issue).state == "long_term"
    services.issue_long_term_progress(actor=people.staff, issue_id=issue.pk, note="已完成设计", photos=[upload(9)])
    services.issue_submit(actor=people.staff, issue_id=issue.pk, measures="改造完成", photos=[upload(10)])
    services.issue_verify(actor=people.district_supervisor, issue_id=issue.pk)
    assert reload(issue).state == "closed"


# --- who sees what --------------------------------------------------------------------------------------------


def test_visibility_follows_scope(make_issue, campaign, city, categories, people):
    in_a = make_issue("assigned")
    in_b = services.issue_create(
        actor=people.supervisor, campaign=campaign, category=categories.garbage, region=city.b1v, description="乙区"
    )
    services.issue_accept(actor=people.supervisor, issue_id=in_b.pk)

    def seen(user):
        forget_roles(user)
        return set(Issue.objects.visible_to(user).values_list("pk", flat=True))

    assert seen(people.admin) == seen(people.supervisor) == {in_a.pk, in_b.pk}
    assert seen(people.district_supervisor) == seen(people.leader) == {in_a.pk}
    assert seen(people.staff) == seen(people.head) == {in_a.pk}
    assert seen(people.staff_b) == {in_b.pk}
    assert seen(people.cgj_staff) == seen(people.nobody) == set()
    assert set(IssueEvent.objects.visible_to(people.staff_b).values_list("issue_id", flat=True)) == {in_b.pk}


def test_a_subtree_is_read_as_its_region_ids_not_a_join(make_issue, city, people):
    """The visibility filter and ``?region=`` test each issue's region id against the subtree's
    ids (one subquery PostgreSQL hashes), not a join to every row's region (docs/performance.md,
    twenty-ninth pass) — with the same rows."""
    from inspections.filters import IssueFilter

    in_a = make_issue("assigned")
    forget_roles(people.district_supervisor)
    visible = Issue.objects.visible_to(people.district_supervisor)
    narrowed = IssueFilter({"region": city.a.pk}, queryset=Issue.objects.all()).qs
    for queryset in (visible, narrowed):
        sql = str(queryset.query)
        assert 'JOIN "org_region"' not in sql
        assert '"region_id" IN (SELECT' in sql
        assert set(queryset.values_list("pk", flat=True)) == {in_a.pk}
    elsewhere = IssueFilter({"region": city.b.pk}, queryset=Issue.objects.all()).qs
    assert not elsewhere.exists()


def test_allowed_actions_follow_the_table(make_issue, people):
    issue = make_issue("assigned")
    assert set(allowed_actions(people.staff, issue)) == {"sign", "request_reassignment", "add_photo"}
    assert set(allowed_actions(people.supervisor, issue)) == {"assign", "add_photo"}
    assert allowed_actions(UserFactory(username="stranger"), issue) == []
