"""Building briefings: one per (campaign, kind, period, region), refused for a period that has
not ended or that precedes the campaign; built as a draft (no 文号), published with the next
文号 of its series (issuer and kind), immutable once published, mailed to its subscribers; an
empty period gets a one-line note; the jobs (which catch up) and the command."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import LeaderAssignment
from chuangcheng.reports import jobs, periods
from chuangcheng.reports.briefings import briefing_build, briefing_publish, briefing_save_draft, briefing_subscribers
from chuangcheng.reports.models import Briefing, CampaignScoring
from tests.factories import CampaignFactory, MembershipFactory, UserFactory


def build(campaign, kind="weekly", **kw):
    return briefing_build(campaign=campaign, kind=kind, **kw)


def test_weekly_briefing_snapshot(campaign, world):
    briefing, created = build(campaign, day=world.monday, publish=True)
    assert created
    assert (briefing.period_start, briefing.period_end) == (world.monday, world.sunday)
    assert briefing.region == campaign.region
    year = timezone.localdate().year
    assert briefing.document_number == f"创建办周〔{year}〕1号"
    assert briefing.title == "示范市创建工作周通报"
    content = briefing.content
    assert content["issuer"] == "示范市创建国家卫生城市工作指挥部办公室"
    assert content["totals"]["issues_assigned"] == 6
    assert content["totals"]["on_time_rate"] == 50.0
    street = next(g for g in content["ranking"] if g["group"] == "territorial:street")
    assert [r["name"] for r in street["rows"]] == ["乙一街道办事处", "甲一街道办事处"]
    assert content["flags"] == {"red": ["乙一街道办事处"], "black": ["甲一街道办事处"]}
    overdue = {u["unit"]: u for u in content["overdue_by_unit"]}
    assert overdue["甲一街道办事处"]["count"] == 1
    assert overdue["甲一街道办事处"]["issues"][0]["id"] == world.open_overdue.pk
    assert [i["id"] for i in content["negative_list"]] == [world.negative.pk]
    assert set(content["definitions"]) >= {"on_time_rate", "score", "rank"}


def test_summary_paragraph(campaign, world):
    briefing, _ = build(campaign, day=world.monday)
    assert briefing.summary.startswith("本周新交办问题 6 个，销号 4 个，按期销号率 50.0%")
    assert "超期未改问题 2 个" in briefing.summary
    assert "返工率 20.0%" in briefing.summary  # 1 rejection in 5 verifications
    assert "延期率 0.0%" in briefing.summary
    assert "红旗单位：乙一街道办事处。" in briefing.summary
    assert "黑旗单位：甲一街道办事处。" in briefing.summary


def test_summary_compares_with_the_previous_week(campaign, world, make_issue, units, city):
    from tests.reports.conftest import at

    before = world.monday - dt.timedelta(days=7)
    make_issue(
        units.street_a1, city.a1v, state="closed", assigned=at(before), deadline=at(before, 18), closed=at(before, 12)
    )
    make_issue(
        units.street_a1, city.a1v, state="closed", assigned=at(before), deadline=at(before, 18), closed=at(before, 20)
    )
    briefing, _ = build(campaign, day=world.monday)
    assert "按期销号率 50.0%，与上周持平" in briefing.summary


def test_building_the_same_period_twice_yields_the_same_briefing(campaign, world):
    first, created = build(campaign, day=world.monday)
    again, created_again = build(campaign, day=world.sunday)  # any day of the week names it
    assert created and not created_again
    assert again.pk == first.pk
    assert Briefing.objects.count() == 1


def test_future_or_unfinished_period_is_refused(campaign, world):
    today = timezone.localdate()
    with pytest.raises(ApplicationError, match="尚未结束"):
        build(campaign, day=today)  # this week is still running
    with pytest.raises(ApplicationError, match="尚未结束"):
        build(campaign, kind="daily", day=today + dt.timedelta(days=3))
    assert not Briefing.objects.exists()


def test_period_before_the_campaign_is_refused(campaign, world):
    with pytest.raises(ApplicationError, match="在创建活动开始"):
        build(campaign, kind="monthly", day=campaign.start_date - dt.timedelta(days=40))
    assert not Briefing.objects.exists()


def test_region_outside_the_campaign_is_refused(campaign, world):
    other = CampaignFactory()
    with pytest.raises(ApplicationError, match="不在该创建活动的范围内"):
        build(campaign, day=world.monday, region=other.region)


def test_a_draft_has_no_number_until_it_is_published(campaign, world, people):
    draft, _ = build(campaign, day=world.monday)
    assert (draft.status, draft.number, draft.document_number) == ("draft", None, "")
    with pytest.raises(ApplicationError, match="下步工作要求"):
        briefing_publish(actor=people.supervisor, briefing_id=draft.pk)
    briefing_save_draft(
        actor=people.supervisor,
        briefing_id=draft.pk,
        requirements="各单位本周内完成整改。",
        commendation="乙一街道办事处整改及时。",
    )
    done = briefing_publish(actor=people.supervisor, briefing_id=draft.pk)
    year = timezone.localdate().year
    assert (done.status, done.number, done.document_number) == ("published", 1, f"创建办周〔{year}〕1号")
    stored = Briefing.objects.get(pk=draft.pk)
    assert (stored.requirements, stored.commendation, stored.published_by) == (
        "各单位本周内完成整改。", "乙一街道办事处整改及时。", people.supervisor,
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="已发布") as again:
        briefing_publish(actor=people.supervisor, briefing_id=draft.pk, requirements="改")
    assert again.value.code == "conflict"
    with pytest.raises(ApplicationError):
        briefing_save_draft(actor=people.supervisor, briefing_id=draft.pk, requirements="改")
    assert Briefing.objects.get(pk=draft.pk).requirements == "各单位本周内完成整改。"


def test_only_who_may_build_may_publish(campaign, world, people, city):
    draft, _ = build(campaign, day=world.monday)
    for who in (people.staff, people.leader, people.district_supervisor):
        with pytest.raises(ApplicationError) as refused:
            briefing_publish(actor=who, briefing_id=draft.pk, requirements="要求")
        assert refused.value.code == "not_found"
    assert Briefing.objects.get(pk=draft.pk).status == "draft"


def test_document_numbers_run_per_issuer_and_kind(campaign, world, city):
    year = timezone.localdate().year
    a, _ = build(campaign, day=world.monday, publish=True)
    b, _ = build(campaign, kind="daily", day=world.monday, publish=True)
    c, _ = build(campaign, day=world.monday, region=city.a, publish=True)
    earlier, _ = build(campaign, day=world.monday - dt.timedelta(days=7), publish=True)
    assert [x.document_number for x in (a, b, c, earlier)] == [
        f"创建办周〔{year}〕1号", f"创建办日〔{year}〕1号", f"甲区创建办周〔{year}〕1号", f"创建办周〔{year}〕2号",
    ]  # fmt: skip


def test_numbers_are_taken_at_publish_in_order_of_publishing(campaign, world, people):
    first, _ = build(campaign, day=world.monday)
    second, _ = build(campaign, day=world.monday - dt.timedelta(days=7))
    briefing_publish(actor=people.supervisor, briefing_id=second.pk, requirements="要求")
    briefing_publish(actor=people.supervisor, briefing_id=first.pk, requirements="要求")
    numbers = dict(Briefing.objects.values_list("pk", "number"))
    assert (numbers[second.pk], numbers[first.pk]) == (1, 2)


def test_an_empty_period_gets_a_one_line_note(campaign, world, city):
    from tests.factories import RegionFactory

    quiet = RegionFactory(name="丙区", level="county", parent=city.city)
    note, created = build(campaign, day=world.monday, region=quiet, publish=True)
    assert created and note.status == "empty" and note.number is None
    assert "无新交办、到期或在办的问题和任务" in note.summary
    again, created_again = build(campaign, day=world.monday, region=quiet)
    assert again.pk == note.pk and not created_again


def test_a_published_briefing_is_immutable(campaign, world):
    briefing, _ = build(campaign, day=world.monday, publish=True)
    briefing.title = "改过的标题"
    with pytest.raises(ValueError):
        briefing.save()
    assert Briefing.objects.get(pk=briefing.pk).title == "示范市创建工作周通报"


def test_the_snapshot_does_not_change_when_issues_do(campaign, world):
    briefing, _ = build(campaign, day=world.monday)
    world.open_overdue.state = "closed"
    world.open_overdue.closed_at = timezone.now()
    world.open_overdue.save()
    again, _ = build(campaign, day=world.monday)
    assert again.content["totals"]["issues_overdue_open"] == 2


def test_district_briefing(campaign, world, city):
    briefing, _ = build(campaign, day=world.monday, region=city.a)
    assert briefing.title == "甲区创建工作周通报"
    assert briefing.content["totals"]["issues_assigned"] == 4
    assert not briefing.content["scope"]["city_wide"]


def test_permission_to_build_on_demand(campaign, world, people, city):
    with pytest.raises(ApplicationError) as refused:
        build(campaign, day=world.monday, actor=people.staff)
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        build(campaign, day=world.monday, actor=people.district_supervisor)  # city-wide: not theirs
    assert not Briefing.objects.exists()
    own, created = build(campaign, day=world.monday, region=city.a, actor=people.district_supervisor)
    assert created and own.built_by == people.district_supervisor
    city_wide, _ = build(campaign, day=world.monday, actor=people.supervisor)
    assert city_wide.region == city.city


def test_subscribers(campaign, world, people, city, units):
    city_wide, _ = build(campaign, day=world.monday)
    district, _ = build(campaign, day=world.monday, region=city.a)
    # 甲区: the head of 甲一街道办事处, the leader assigned to 甲区, the supervisor of 甲区.
    assert set(briefing_subscribers(district)) == {people.head, people.leader, people.district_supervisor}
    # City-wide: every unit head, every assigned leader, and the office's city-wide supervisor.
    head_b = UserFactory(username="head_b1")
    MembershipFactory(user=head_b, unit=units.street_b1, role="unit_head")
    leader_b = UserFactory(username="leader_b")
    LeaderAssignment.objects.create(campaign=campaign, leader=leader_b, region=city.b1, kind="baobao")
    assert set(briefing_subscribers(city_wide)) == {people.head, head_b, people.leader, leader_b, people.supervisor}
    assert people.staff not in briefing_subscribers(city_wide)


def test_publishing_queues_the_briefing_with_its_pdf(campaign, world, people):
    from chuangcheng.notifications.models import Delivery

    draft, _ = build(campaign, day=world.monday)
    assert not Delivery.objects.filter(subject_key=f"briefing:{draft.pk}").exists()  # a draft is not sent
    briefing = briefing_publish(actor=people.supervisor, briefing_id=draft.pk, requirements="要求")
    rows = Delivery.objects.filter(subject_key=f"briefing:{briefing.pk}", kind="briefing")
    assert {d.recipient for d in rows} == set(briefing_subscribers(briefing))
    email = rows.filter(channel="email").first()
    assert email is not None
    assert email.attachments == [
        {
            "loader": "briefing_pdf",
            "args": [briefing.pk],
            "filename": f"{briefing.document_number}.pdf",
            "mimetype": "application/pdf",
        }
    ]
    count = rows.count()
    build(campaign, day=world.monday, publish=True)  # found, not rebuilt: nothing queued again
    assert rows.count() == count


# --- jobs and command ----------------------------------------------------------------------------


def test_beat_schedule_has_the_three_briefings():
    schedule = settings.CELERY_BEAT_SCHEDULE
    daily = schedule["reports-daily-briefings"]["schedule"]
    weekly = schedule["reports-weekly-briefings"]["schedule"]
    monthly = schedule["reports-monthly-briefings"]["schedule"]
    assert (daily.hour, daily.minute) == ({8}, {0})
    assert (weekly.hour, weekly.minute, weekly.day_of_week) == ({9}, {0}, {1})
    assert (monthly.hour, monthly.day_of_month) == ({9}, {1})
    from chuangcheng.celery import app

    app.loader.import_default_modules()
    for name in ("reports-daily-briefings", "reports-weekly-briefings", "reports-monthly-briefings"):
        assert schedule[name]["task"] in app.tasks


def test_weekly_job_twice_one_result(campaign, world, city):
    first = jobs.build_weekly_briefings.apply().get()
    second = jobs.build_weekly_briefings.apply().get()
    assert len(first) == 3  # last week: city-wide, 甲区, 乙区
    assert all(created for _pk, created in first)
    assert [pk for pk, _ in second] == [pk for pk, _ in first]
    assert not any(created for _pk, created in second)
    last_week = Briefing.objects.filter(kind="weekly", period_start=world.monday)
    assert last_week.count() == 3
    assert set(last_week.values_list("status", flat=True)) == {"draft"}  # weekly: reviewed before publishing
    # The job looks back four weeks (the campaign started 60 days before): one per week and region.
    assert Briefing.objects.filter(kind="weekly").count() == 12
    assert len(set(Briefing.objects.values_list("period_start", flat=True))) == 4


def test_the_job_builds_what_a_lost_run_left_out(campaign, world, city):
    """A run that died after the city-wide briefing: the next one builds the districts'."""
    jobs.build_weekly_briefings.apply().get()
    Briefing.objects.filter(kind="weekly", period_start=world.monday - dt.timedelta(days=7)).exclude(
        region=campaign.region
    ).delete()
    jobs.build_weekly_briefings.apply().get()
    assert Briefing.objects.filter(kind="weekly", period_start=world.monday - dt.timedelta(days=7)).count() == 3


def test_daily_briefings_publish_themselves_by_default(campaign, world):
    daily = jobs.build_daily_briefings.apply().get()
    assert len(daily) == 3
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    built = Briefing.objects.filter(kind="daily", period_start=yesterday)
    assert built.count() == 3
    assert set(built.values_list("status", flat=True)) == {"published"}
    # The job looked back a week: each issuer's daily series is 1…7, the oldest day first.
    for region_id in built.values_list("region_id", flat=True):
        series = Briefing.objects.filter(kind="daily", region_id=region_id).order_by("period_start")
        assert list(series.values_list("number", flat=True)) == list(range(1, 8))
    CampaignScoring.objects.filter(campaign=campaign).update(auto_publish_monthly=True)
    jobs.build_monthly_briefings.apply().get()
    start, _end = periods.last_finished_period("monthly")
    monthly = Briefing.objects.filter(kind="monthly", period_start=start)  # the campaign started 60 days before
    assert monthly.count() == 3
    assert set(monthly.values_list("status", flat=True)) <= {"published", "empty"}


def test_command(campaign, world, city, capsys):
    call_command("build_briefing", "weekly", "--date", world.monday.isoformat(), "--region", city.a.code)
    out = capsys.readouterr().out
    assert "已生成 草稿 甲区创建工作周通报" in out
    call_command("build_briefing", "weekly", "--date", world.monday.isoformat(), "--campaign", str(campaign.pk))
    out = capsys.readouterr().out
    assert out.count("已生成") == 2 and out.count("已存在") == 1  # city-wide and 乙区 new; 甲区 found
    with pytest.raises(CommandError, match="没有生成任何通报"):
        call_command("build_briefing", "daily", "--date", (timezone.localdate() + dt.timedelta(days=2)).isoformat())
    assert "尚未结束" in capsys.readouterr().err
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("build_briefing", "daily", "--date", "23/11/2026")
    with pytest.raises(CommandError, match="区划"):
        call_command("build_briefing", "daily", "--region", "000000")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_builds_make_one_briefing_on_postgres(campaign, world):
    """Two builders at once (two threads, two connections): one briefing, one number."""
    import threading

    from django.db import connection

    results, errors = [], []

    def worker():
        try:
            results.append(build(campaign, day=world.monday))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({b.pk for b, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    assert Briefing.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishing_gives_contiguous_numbers_on_postgres(campaign, world, people):
    """Four drafts published at once by four threads: numbers 1–4, no gap, no duplicate."""
    import threading

    from django.db import connection

    drafts = [build(campaign, day=world.monday - dt.timedelta(days=7 * n))[0] for n in range(4)]
    errors = []

    def worker(pk):
        try:
            briefing_publish(actor=people.supervisor, briefing_id=pk, requirements="要求")
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(d.pk,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(Briefing.objects.values_list("number", flat=True)) == [1, 2, 3, 4]


def test_summary_shortens_long_flag_lists():
    from chuangcheng.reports.briefings import summary_text
    from chuangcheng.reports.figures import Figures

    names = [f"单位{n}" for n in range(9)]
    text = summary_text("weekly", Figures(), Figures(), names, ["黑一"])
    assert "红旗单位：单位0、单位1、单位2、单位3、单位4、单位5等 9 个单位。" in text
    assert "黑旗单位：黑一。" in text


def test_the_summary_prints_rates_and_their_change_with_one_decimal():
    from chuangcheng.reports.briefings.words import _change_words, pct_text

    assert [pct_text(v) for v in (87.5, 87.54, 40, None)] == ["87.5%", "87.5%", "40.0%", "—"]
    # the change is the difference of the printed rates: 23.0 − 20.3, not 23.03 − 20.25 = 2.78
    assert _change_words(23.03, 20.25, "上周") == "，较上周上升 2.7 个百分点"
    assert _change_words(20.25, 23.03, "上周") == "，较上周下降 2.7 个百分点"
    assert _change_words(50.04, 49.96, "上周") == "，与上周持平"
