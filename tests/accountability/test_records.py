"""The accountability record: a 约谈 with its follow-up task (created in the same transaction,
through the ledger's own service), 问责 decisions with their rules (points for 扣分, a checked
document), 表扬; who may record and who may see (the office, the district's leaders, the unit's
head — never unit staff); the suggestions' rules; and the selectors the reports layer reads
(``for_briefing``, ``deductions``), each on its own."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accountability import selectors, services
from accountability.models import AccountabilityRules, Decision, Interview
from chuangcheng.exceptions import ApplicationError
from chuangcheng.notifications.models import Notice
from inspections.models import IssueAction, IssueEvent
from tasks.models import Task
from tests.accountability.conftest import at
from tests.dossiers.conftest import html_as_pdf, pdf

pytestmark = pytest.mark.django_db


def _interview(people, campaign, unit, **kw):
    data = {
        "actor": people.supervisor,
        "campaign": campaign,
        "unit": unit,
        "held_at": timezone.now() - dt.timedelta(hours=2),
        "interviewee": "甲一街道办事处主任 张某",
        "interviewers": "市创建办主任 李某",
        "reason": "连续两周被授黑旗",
        "commitment": "两周内完成背街小巷整治",
        "follow_up_date": timezone.localdate() + dt.timedelta(days=14),
    }
    return services.interview_record(**{**data, **kw})


def test_an_interview_makes_its_follow_up_task(people, campaign, units, city, make_issue):
    from tests.factories import IndicatorFactory

    indicator = IndicatorFactory(code="3.2", name="背街小巷整洁")
    issue = make_issue(units.street_a1, city.a1v, deadline=timezone.now() - dt.timedelta(days=20), indicator=indicator)
    interview = _interview(people, campaign, units.street_a1, issues=[issue])

    task = interview.follow_up_task
    assert task is not None and Task.objects.filter(pk=task.pk).exists()
    assert (task.owner_unit, task.deadline, task.completion_standard) == (
        units.street_a1,
        interview.follow_up_date,
        "两周内完成背街小巷整治",
    )
    assert task.created_by == people.supervisor and task.events.get().action == "create"
    assert list(interview.issues.all()) == [issue]
    assert list(task.indicators.all()) == [indicator]  # filed against what the grounds are about
    # The unit's head hears of the 约谈 itself; its staff only of the new task.
    assert Notice.objects.filter(recipient=people.head, title__startswith="约谈记录").exists()
    assert not Notice.objects.filter(recipient=people.staff, title__startswith="约谈记录").exists()
    assert Notice.objects.filter(recipient=people.staff, title__startswith="新任务").exists()


def test_interview_refusals_write_nothing(people, campaign, units):
    cases = [
        ({"actor": people.district_supervisor}, "forbidden"),
        ({"actor": people.leader}, "forbidden"),
        ({"reason": " "}, "reason"),
        ({"held_at": timezone.now() + dt.timedelta(days=1)}, "held_at"),
        ({"follow_up_date": timezone.localdate() - dt.timedelta(days=30)}, "follow_up_date"),
        ({"commitment": ""}, "commitment"),
    ]
    for changes, expected in cases:
        with pytest.raises(ApplicationError) as error:
            _interview(people, campaign, units.street_a1, **changes)
        assert expected in (error.value.code, error.value.field), changes
    assert not Interview.objects.exists() and not Task.objects.exists()


def test_decisions_need_their_points_and_a_real_document(people, campaign, units):
    base = {
        "actor": people.supervisor,
        "campaign": campaign,
        "unit": units.street_a1,
        "decided_on": timezone.localdate(),
        "decided_by": "市创建工作指挥部",
        "description": "推诿扯皮，问题长期未改",
    }
    with pytest.raises(ApplicationError) as error:
        services.decision_record(kind="deduction", **base)
    assert error.value.field == "points"
    with pytest.raises(ApplicationError) as error:
        services.decision_record(kind="criticism", document=html_as_pdf(), **base)
    assert error.value.field == "document"
    assert not Decision.objects.exists()

    decision = services.decision_record(
        kind="deduction", points="2", document=pdf(name="问责决定.pdf"), document_number="创指〔2026〕5号", **base
    )
    assert (decision.points, decision.document_name, decision.document_type) == (
        Decimal("2"),
        "问责决定.pdf",
        "application/pdf",
    )
    fine = services.decision_record(kind="fine", amount="5000", points="3", **base)
    assert (fine.amount, fine.points) == (Decimal("5000"), None)  # points only mean something for 扣分


def test_grounds_must_belong_to_the_campaign(people, campaign, units, city, make_issue):
    from tests.factories import CampaignFactory

    other = CampaignFactory(region=city.city, office_unit=units.office)
    foreign = make_issue(units.street_a1, city.a1v, deadline=timezone.now(), campaign=other)
    with pytest.raises(ApplicationError) as error:
        _interview(people, campaign, units.street_a1, issues=[foreign])
    assert error.value.field == "issues"


def test_commendation_of_a_unit_or_a_person(people, campaign, units):
    with pytest.raises(ApplicationError) as error:
        services.commendation_record(
            actor=people.supervisor, campaign=campaign, reason="好", commended_on=timezone.localdate()
        )
    assert error.value.field == "unit"
    praised = services.commendation_record(
        actor=people.supervisor,
        campaign=campaign,
        unit=units.street_a1,
        person_name="王某某",
        reason="背街小巷整治成效突出",
        commended_on=timezone.localdate(),
    )
    assert Notice.objects.filter(recipient=people.staff, title__contains="王某某").exists()
    assert str(praised) == "王某某"


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", True),
        ("supervisor", True),  # the campaign office
        ("leader", True),  # 包保 甲区
        ("head", True),  # the unit's head
        ("staff", False),  # the unit's staff: no
        ("district_supervisor", False),  # not the campaign office
        ("staff_b", False),
        ("nobody", False),
    ],
)
def test_who_sees_an_interview_and_a_decision(people, campaign, units, who, sees):
    interview = _interview(people, campaign, units.street_a1, follow_up_date=None, commitment="")
    decision = services.decision_record(
        actor=people.supervisor,
        campaign=campaign,
        kind="criticism",
        unit=units.street_a1,
        decided_on=timezone.localdate(),
        decided_by="市创建办",
        description="通报批评",
    )
    user = getattr(people, who)
    assert Interview.objects.visible_to(user).filter(pk=interview.pk).exists() == sees
    assert Decision.objects.visible_to(user).filter(pk=decision.pk).exists() == sees


# --- suggestions --------------------------------------------------------------------------------


def test_suggestions_by_rule(people, campaign, units, city, make_issue, make_briefing):
    today = timezone.localdate()
    a1, b1, cgj = units.street_a1, units.street_b1, units.cgj
    # 甲一: black twice in a month (weekly, city-wide); 乙一: once only.
    make_briefing(today - dt.timedelta(days=20), black=[a1, b1])
    make_briefing(today - dt.timedelta(days=13), black=[a1], red=[b1])
    make_briefing(today - dt.timedelta(days=13), black=[b1], region=city.b)  # a district briefing: not counted
    # 城管局: an issue overdue by ~30 days; 乙一: one overdue by a day only.
    old = make_issue(cgj, city.b1, deadline=timezone.now() - dt.timedelta(days=30))
    make_issue(b1, city.b1v, deadline=timezone.now() - dt.timedelta(days=1))
    # 乙一: three 反弹 within a month.
    closed = make_issue(b1, city.b1v, deadline=timezone.now() + dt.timedelta(days=3), state="rectifying")
    for days in (3, 10, 20):
        IssueEvent.objects.create(
            issue=closed, action=IssueAction.REOPEN, created_at=timezone.now() - dt.timedelta(days=days)
        )

    found = {(s.rule, s.unit_id): s for s in selectors.suggestions(campaign)}
    assert set(found) == {("black_flags", a1.pk), ("overdue_issue", cgj.pk), ("recurrences", b1.pk)}
    assert len(found[("black_flags", a1.pk)].briefing_ids) == 2
    assert found[("overdue_issue", cgj.pk)].issue_ids == [old.pk]
    assert found[("recurrences", b1.pk)].issue_ids == [closed.pk]

    # Interviewed since: still listed (a person decides), marked, and sorted last.
    _interview(people, campaign, a1, follow_up_date=None, commitment="")
    again = selectors.suggestions(campaign)
    assert again[-1].unit_id == a1.pk and again[-1].last_interview is not None


# --- for the reports layer ----------------------------------------------------------------------


def test_for_briefing_lists_the_period_for_the_region(people, campaign, units, city):
    today = timezone.localdate()
    _interview(
        people, campaign, units.street_a1, held_at=at(today - dt.timedelta(days=3)), follow_up_date=None, commitment=""
    )
    _interview(
        people, campaign, units.street_b1, held_at=at(today - dt.timedelta(days=40)), follow_up_date=None, commitment=""
    )
    services.decision_record(
        actor=people.supervisor,
        campaign=campaign,
        kind="deduction",
        points="1.5",
        unit=units.street_b1,
        decided_on=today - dt.timedelta(days=2),
        decided_by="市创建办",
        description="反弹三次",
        document_number="创建办〔2026〕9号",
    )
    services.commendation_record(
        actor=people.supervisor, campaign=campaign, person_name="赵某某", reason="带头整治", commended_on=today
    )
    start, end = today - dt.timedelta(days=7), today

    whole = selectors.for_briefing(campaign, None, start, end)
    assert [i["unit"] for i in whole["interviews"]] == ["甲一街道办事处"]
    assert whole["interviews"][0]["held_on"] == (today - dt.timedelta(days=3)).isoformat()
    assert [(d["kind_label"], d["unit"], d["points"], d["document_number"]) for d in whole["decisions"]] == [
        ("扣分", "乙一街道办事处", "1.50", "创建办〔2026〕9号")
    ]
    assert [c["person"] for c in whole["commendations"]] == ["赵某某"]

    jia = selectors.for_briefing(campaign, city.a, start, end)
    assert [i["unit"] for i in jia["interviews"]] == ["甲一街道办事处"]
    assert jia["decisions"] == [] and jia["commendations"] == []  # a person without a unit: city-wide only


def test_deductions_follow_the_campaign_rules(people, campaign, units):
    today = timezone.localdate()
    _interview(people, campaign, units.street_a1, follow_up_date=None, commitment="")
    for kind, points in (("deduction", "2"), ("criticism", None), ("admonition", None)):
        services.decision_record(
            actor=people.supervisor,
            campaign=campaign,
            kind=kind,
            points=points,
            unit=units.street_a1,
            decided_on=today,
            decided_by="市创建办",
            description=kind,
        )
    start, end = today - dt.timedelta(days=6), today
    assert selectors.deductions(campaign, start, end) == {}  # no rules: the ranking is the figures alone

    rules = AccountabilityRules.objects.create(
        campaign=campaign, deduct_per_interview=Decimal("0.5"), deduct_per_criticism=Decimal("1")
    )
    assert selectors.deductions(campaign, start, end) == {units.street_a1.pk: Decimal("3.5")}
    labels = sorted(item["label"] for item in selectors.deduction_details(campaign, start, end)[units.street_a1.pk])
    assert labels == ["扣分", "约谈", "通报批评"]

    rules.count_decision_points = False
    rules.save()
    assert selectors.deductions(campaign, start, end) == {units.street_a1.pk: Decimal("1.5")}
    assert rules.history.count() == 2  # the rule's changes are kept
    assert selectors.deductions(campaign, today + dt.timedelta(days=1), today + dt.timedelta(days=7)) == {}


def test_records_for_scopes_what_a_unit_view_shows(people, campaign, units):
    _interview(people, campaign, units.street_a1, follow_up_date=None, commitment="")
    services.commendation_record(
        actor=people.supervisor, campaign=campaign, unit=units.street_a1, reason="好", commended_on=timezone.localdate()
    )
    head = selectors.records_for(people.head, unit=units.street_a1)
    staff = selectors.records_for(people.staff, unit=units.street_a1)
    assert (len(head["interviews"]), len(head["commendations"])) == (1, 1)
    assert (len(staff["interviews"]), len(staff["commendations"])) == (0, 1)


def test_decision_document_is_a_download(people, campaign, units, client):
    decision = services.decision_record(
        actor=people.supervisor,
        campaign=campaign,
        kind="criticism",
        unit=units.street_a1,
        decided_on=timezone.localdate(),
        decided_by="市创建办",
        description="通报批评",
        document=SimpleUploadedFile("决定.pdf", pdf().read()),
    )
    client.force_login(people.head)
    response = client.get(f"/accountability/decisions/{decision.pk}/document/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    client.force_login(people.staff)
    assert client.get(f"/accountability/decisions/{decision.pk}/document/").status_code == 404
