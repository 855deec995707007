"""The record in the reports: a weekly briefing snapshots the period's 约谈, 问责 and 表扬 as its
own numbered section (page, PDF and Word alike), and where the campaign's rules say so the
deductions come off the unit's 综合得分 with each item printed under the ranking."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from docx import Document

from accountability import services
from accountability.models import AccountabilityRules
from chuangcheng.reports import outputs, periods
from chuangcheng.reports.briefings import briefing_build
from tests.accountability.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def week():
    return periods.last_finished_period("weekly")


@pytest.fixture
def record(people, campaign, units, city, make_issue, week):
    monday, sunday = week
    for unit, region in ((units.street_a1, city.a1), (units.street_b1, city.b1)):
        for hour in (9, 10, 11):  # three issues due in the week: enough to be ranked
            make_issue(unit, region, deadline=at(monday + dt.timedelta(days=2), hour))
    services.interview_record(
        actor=people.supervisor,
        campaign=campaign,
        unit=units.street_a1,
        held_at=at(monday + dt.timedelta(days=1)),
        interviewee="甲一街道办事处主任 张某",
        interviewers="市创建办主任 李某",
        reason="连续两周被授黑旗",
        commitment="两周内完成背街小巷整治",
        follow_up_date=None,
    )
    services.decision_record(
        actor=people.supervisor,
        campaign=campaign,
        kind="deduction",
        points="2",
        unit=units.street_a1,
        decided_on=monday + dt.timedelta(days=3),
        decided_by="市创建办",
        description="反弹三次",
        document_number="创建办〔2026〕9号",
    )
    services.commendation_record(
        actor=people.supervisor, campaign=campaign, unit=units.street_b1, reason="带头整治", commended_on=sunday
    )
    return week


def _row(briefing, unit):
    return next(r for g in briefing.content["ranking"] for r in g["rows"] if r["key"] == unit.pk)


def test_weekly_briefing_prints_the_record_as_a_section(record, campaign, units):
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=record[0])
    section = next(s for s in briefing.content["contributed"] if s["key"] == "accountability")
    interviews, decisions, commendations = (t["rows"] for t in section["tables"])
    assert [r[0] for r in interviews] == ["甲一街道办事处"]
    assert [(r[0], r[1], r[5], r[6]) for r in decisions] == [("扣分", "甲一街道办事处", "创建办〔2026〕9号", "2.00")]
    assert [r[0] for r in commendations] == ["乙一街道办事处"]

    ctx = outputs.briefing_context(briefing)
    assert ctx["sections"]["contributed:accountability"] == "七、约谈问责与表扬"
    assert ctx["sections"]["requirements"] == "八、下步工作要求"
    doc = Document(io.BytesIO(outputs.briefing_docx(briefing)))
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("七、约谈问责与表扬") < texts.index("八、下步工作要求")
    assert any(t.rows[0].cells[0].text == "被约谈单位" for t in doc.tables)


def test_the_briefing_page_shows_the_section(record, campaign, people, client):
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=record[0])
    client.force_login(people.supervisor)
    page = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert "七、约谈问责与表扬" in page and "连续两周被授黑旗" in page and "带头整治" in page


def test_deductions_come_off_the_score_where_the_rules_say_so(record, campaign, units):
    monday = record[0]
    plain, _created = briefing_build(campaign=campaign, kind="weekly", day=monday)
    before = _row(plain, units.street_a1)
    assert "other_deductions" not in before  # no rules row: the figures alone
    plain.delete()

    AccountabilityRules.objects.create(campaign=campaign, deduct_per_interview=Decimal("0.5"))
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=monday)
    row = _row(briefing, units.street_a1)
    assert [(i["label"], i["points"]) for i in row["other_deductions"]] == [("约谈", 0.5), ("扣分", 2.0)]
    assert row["deduction"] == round(before["deduction"] + 2.5, 2)
    assert row["score"] == round(max(0.0, before["base"] - row["deduction"]), 2)
    assert _row(briefing, units.street_b1).get("other_deductions") is None
    note = outputs.briefing_context(briefing)["scoring_note"]
    assert any("甲一街道办事处：约谈" in line and "扣 2.0 分" in line for line in note)


def test_a_briefing_without_a_record_has_no_extra_section(campaign, units, city, make_issue, week):
    make_issue(units.street_a1, city.a1, deadline=at(week[0] + dt.timedelta(days=1)))
    briefing, _created = briefing_build(campaign=campaign, kind="weekly", day=week[0])
    assert briefing.content["contributed"] == []
    assert outputs.briefing_context(briefing)["sections"]["requirements"] == "七、下步工作要求"
