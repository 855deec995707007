"""The figures: each count and rate on a week of hand-made activity, the score and the ranks,
regions adding up to the total, and a query count that does not grow with the data."""

import datetime as dt

import pytest

from chuangcheng.reports import figures, periods
from chuangcheng.reports.models import CampaignScoring
from inspections.models import IssueAction, IssueState
from tests.factories import TaskFactory, UnitFactory
from tests.reports.conftest import at, event


def rows_by_name(rows):
    return {r.name: r for r in rows}


@pytest.fixture
def week_set(campaign, world):
    return figures.figure_set(campaign, world.monday, world.sunday, now=world.now)


def test_issue_figures_of_a_unit(week_set):
    a1 = rows_by_name(week_set.units)["甲一街道办事处"].figures
    assert a1.issues_assigned == 4
    assert a1.issues_closed == 3
    assert a1.issues_due == 4
    assert a1.issues_due_closed == 3
    assert a1.issues_closed_on_time == 2  # Tuesday for Wednesday; 17:00 for 18:00 (负面清单)
    assert a1.on_time_rate == 50.0
    assert a1.closure_rate == 75.0
    assert a1.issues_overdue_open == 1
    assert a1.issues_in_hand == 1
    assert a1.not_overdue_rate == 0.0
    assert a1.issues_negative_list == 1
    assert (a1.verifications, a1.rejections, a1.rework_rate) == (4, 1, 25.0)  # 3 closed, 1 returned first
    assert a1.first_pass_rate == 75.0
    assert a1.recurrences == 0
    assert a1.mean_hours_to_close == pytest.approx((24 + 72 + 8) / 3, abs=0.05)


def test_task_figures_of_a_unit(week_set):
    rows = rows_by_name(week_set.units)
    a1, b1 = rows["甲一街道办事处"].figures, rows["乙一街道办事处"].figures
    assert (a1.tasks_due, a1.tasks_done, a1.tasks_done_on_time, a1.task_on_time_rate) == (1, 1, 1, 100.0)
    assert (a1.tasks_overdue, a1.tasks_lagging) == (0, 0)
    assert (b1.tasks_due, b1.tasks_done_on_time, b1.task_on_time_rate) == (1, 0, 0.0)
    assert (b1.tasks_overdue, b1.tasks_in_progress, b1.tasks_lagging) == (1, 1, 1)


def test_the_total_is_the_sum_and_its_rates_are_recomputed(week_set):
    totals = week_set.totals
    assert (totals.issues_assigned, totals.issues_closed, totals.issues_due) == (6, 4, 6)
    assert totals.issues_closed_on_time == 3
    assert totals.on_time_rate == 50.0
    assert totals.issues_overdue_open == 2
    assert sum((r.figures for r in week_set.regions), figures.Figures()) == totals


def test_regions_group_by_path_prefix(week_set):
    regions = rows_by_name(week_set.regions)
    assert set(regions) == {"甲区", "乙区"}
    assert regions["甲区"].figures.issues_assigned == 4
    assert regions["乙区"].figures.issues_assigned == 2  # 乙一's and the 城管局's, located in 乙区
    assert regions["乙区"].figures.tasks_overdue == 1


def test_score_rank_and_flags_within_comparable_units(week_set):
    rows = rows_by_name(week_set.units)
    a1, b1, cgj = rows["甲一街道办事处"], rows["乙一街道办事处"], rows["示范市城管局"]
    # Base: 35·50 + 20·0 + 20·100 + 10·75 over 85 (no task in progress: that weight drops out);
    # less 0.5 for the overdue issue and 0.2 for the returned verification.
    assert (a1.base, a1.deduction, a1.score) == (52.94, 0.7, 52.24)
    # 35·100 + 20·0 + 10·100 + 15·0 over 80 (no issue in hand); less 0.5 for the overdue task.
    assert (b1.base, b1.deduction, b1.score) == (56.25, 0.5, 55.75)
    assert (b1.rank, a1.rank) == (1, 2)
    assert (b1.flag, a1.flag) == ("red", "black")
    # One issue due and no task: too little to score — no score, no rank, no flag.
    assert (cgj.ranked, cgj.score, cgj.rank, cgj.flag) == (False, None, None, "")
    assert cgj.figures.issues_due == 1
    assert rows["示范市创建办"].rank is None  # no activity: not ranked
    assert rows["示范市创建办"].score is None


def test_weights_are_configurable_per_campaign(campaign, world):
    CampaignScoring.objects.filter(campaign=campaign).update(
        weight_issue_on_time=0,
        weight_issue_not_overdue=0,
        weight_task_on_time=100,
        weight_no_rework=0,
        weight_task_on_track=0,
        deduct_overdue_issue=0,
        deduct_overdue_task=0,
        deduct_rework=0,
        flag_count=0,
    )
    rows = rows_by_name(figures.unit_figures(campaign, world.monday, world.sunday, now=world.now))
    assert rows["甲一街道办事处"].score == 100.0
    assert rows["乙一街道办事处"].score == 0.0
    assert rows["甲一街道办事处"].rank == 1
    assert rows["甲一街道办事处"].flag == ""  # flag_count 0: no flags


def test_recurrences_and_deductions(campaign, world):
    event(world.on_time, IssueAction.REOPEN, at(world.monday + dt.timedelta(days=5)))
    CampaignScoring.objects.filter(campaign=campaign).update(deduct_recurrence=10)
    a1 = rows_by_name(figures.unit_figures(campaign, world.monday, world.sunday, now=world.now))["甲一街道办事处"]
    assert a1.figures.recurrences == 1
    assert (a1.base, a1.deduction, a1.score) == (52.94, 10.7, 42.24)


def test_every_deduction_and_the_key_source_factor(campaign, world, make_issue, units, city):
    """Overdue issues from 领导交办 count ``key_source_factor`` times; extensions, refused
    reassignments (推诿) and returns over flagged evidence (弄虚作假) each cost their points."""
    from inspections.models import Photo

    tue = world.monday + dt.timedelta(days=1)
    leader = make_issue(
        units.street_a1, city.a1v, assigned=at(world.monday), deadline=at(tue), source="leader", address="甲一路8号"
    )
    event(leader, IssueAction.APPROVE_EXTENSION, at(tue, 9))
    event(leader, IssueAction.INSIST, at(tue, 10))
    Photo.objects.create(
        issue=world.on_time, kind="after", file="x.jpg", thumbnail="x.jpg", size=1, sha256="a", original_sha256="a",
        dhash="0" * 16, width=1, height=1, taken_before_issue=True, created_at=at(world.monday, 14),
    )  # fmt: skip
    a1 = rows_by_name(figures.unit_figures(campaign, world.monday, world.sunday, now=world.now))["甲一街道办事处"]
    f = a1.figures
    assert (f.issues_overdue_open, f.issues_overdue_key) == (2, 1)
    assert (f.extensions, f.refused_reassignments, f.integrity_flags) == (1, 1, 1)
    assert f.extension_rate == 20.0  # 1 extension, 5 assigned
    # 0.5 (ordinary overdue) + 0.5 × 2 (the leader's) + 0.2 (return) + 0.2 (extension) + 1 (推诿) + 1 (弄虚作假)
    assert a1.deduction == 3.9


def test_a_district_scope_sees_only_its_subtree(campaign, city, world):
    fs = figures.figure_set(campaign, world.monday, world.sunday, city.a, now=world.now)
    assert fs.totals.issues_assigned == 4
    assert {r.name for r in fs.regions} == {"甲一街道", "甲二街道"}
    names = {r.name for r in fs.units if r.figures.has_activity}
    assert names == {"甲一街道办事处"}


def test_overdue_is_judged_at_the_end_of_the_period(campaign, world):
    """A period still running is judged now; an issue due after the period is not overdue."""
    tuesday_noon = at(world.monday + dt.timedelta(days=1), 12)
    fs = figures.figure_set(campaign, world.monday, world.sunday, now=tuesday_noon)
    assert fs.totals.issues_overdue_open == 0  # Wednesday's deadlines have not passed yet


def test_previous_period_total(campaign, world):
    start, end = periods.previous_period("weekly", world.monday)
    before = figures.total_figures(campaign, start, end, now=world.now)
    assert before.issues_assigned == 0
    assert before.on_time_rate is None


def test_decomposed_parents_and_recurring_templates_are_not_counted(campaign, units, city, world):
    parent = TaskFactory(
        campaign=campaign, owner_unit=units.street_a1, start_date=world.monday, deadline=world.monday, title="总任务"
    )
    TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        parent=parent,
        start_date=world.monday,
        deadline=world.sunday + dt.timedelta(days=9),
    )
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, recurrence="weekly", start_date=world.monday, deadline=world.monday)  # fmt: skip
    a1 = rows_by_name(figures.unit_figures(campaign, world.monday, world.sunday, now=world.now))["甲一街道办事处"]
    assert a1.figures.tasks_due == 1  # only task_a; the parent and the template are not measured


def test_every_figure_has_a_definition(week_set):
    defs = figures.definitions(week_set.scoring)
    for key in ("issues_assigned", "on_time_rate", "issues_overdue_open", "rework_rate", "recurrences",
                "mean_hours_to_close", "tasks_done", "task_on_time_rate", "tasks_overdue", "tasks_lagging",
                "score", "rank"):  # fmt: skip
        d = defs[key]
        assert d.label and d.formula and d.counts and d.period
    assert "不晚于整改时限" in defs["on_time_rate"].counts
    assert "35" in defs["score"].formula


def test_definitions_are_written_once_per_rule_and_language_and_follow_both(week_set):
    """The words are kept per scoring rule and language: another language or another weight reads
    its own, and a caller changing its copy changes nothing kept."""
    from django.utils import translation

    from chuangcheng.reports.figures import Scoring

    chinese = figures.definitions(Scoring())
    assert figures.definitions(Scoring()) == chinese
    with translation.override("en"):
        english = figures.definitions(Scoring())
    assert english["on_time_rate"].label == "On-time closure rate" and chinese["on_time_rate"].label == "按期销号率"
    assert "40" in figures.definitions(Scoring(weight_issue_on_time=40))["score"].formula
    assert "35" in figures.definitions(Scoring())["score"].formula
    chinese.pop("score")
    assert "score" in figures.definitions(Scoring())
    assert chinese["rank"].as_dict() == {
        "key": "rank",
        "label": "排名",
        "formula": chinese["rank"].formula,
        "counts": chinese["rank"].counts,
        "period": chinese["rank"].period,
    }


def test_query_count_does_not_grow_with_units(campaign, city, world, make_issue, django_assert_max_num_queries):
    for n in range(30):
        unit = UnitFactory(name=f"甲一社区居委会{n}", kind="territorial", level="community", region=city.a1v)
        make_issue(
            unit, city.a1v, assigned=at(world.monday), deadline=at(world.monday, 18), state=IssueState.RECTIFYING
        )
    with django_assert_max_num_queries(14):
        fs = figures.figure_set(campaign, world.monday, world.sunday, now=world.now)
    assert fs.totals.issues_assigned == 36
    community = [r for r in fs.units if r.group == "territorial:community"]
    assert len(community) == 30 and not any(r.ranked for r in community)  # one issue due each: too few


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        ("daily", dt.date(2026, 11, 23), (dt.date(2026, 11, 22), dt.date(2026, 11, 22))),
        ("weekly", dt.date(2026, 11, 23), (dt.date(2026, 11, 16), dt.date(2026, 11, 22))),  # a Monday
        ("weekly", dt.date(2026, 11, 26), (dt.date(2026, 11, 16), dt.date(2026, 11, 22))),
        ("monthly", dt.date(2026, 12, 1), (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("monthly", dt.date(2026, 11, 23), (dt.date(2026, 10, 1), dt.date(2026, 10, 31))),
        ("monthly", dt.date(2026, 3, 1), (dt.date(2026, 2, 1), dt.date(2026, 2, 28))),
    ],
)
def test_last_finished_period(kind, today, expected):
    assert periods.last_finished_period(kind, today) == expected


def _row(name, score, overdue=0):
    return figures.Row(
        key=None, name=name, group="g", figures=figures.Figures(issues_overdue_open=overdue), score=score, ranked=True
    )


def test_flags_never_exceed_the_share_and_a_tie_across_the_boundary_gets_none():
    rows = [_row("甲", 90), _row("乙", 90), _row("丙", 80), _row("丁", 70), _row("戊", 60), _row("己", 60)]
    figures.rank_rows(rows, scoring=figures.Scoring(flag_share=20, flag_count=3))  # 6 × 20 % → 1 flag each
    assert [(r.name, r.rank, r.flag) for r in rows] == [
        ("甲", 1, ""), ("乙", 1, ""), ("丙", 3, ""), ("丁", 4, ""), ("戊", 5, ""), ("己", 5, ""),
    ]  # fmt: skip
    rows = [_row("甲", 90), _row("乙", 90), _row("丙", 80), _row("丁", 70), _row("戊", 60), _row("己", 50)]
    figures.rank_rows(rows, scoring=figures.Scoring(flag_share=50, flag_count=2))  # capped at 2
    assert [r.flag for r in rows] == ["red", "red", "", "", "black", "black"]


def test_ties_on_the_score_are_broken_by_overdue_issues():
    rows = [_row("甲", 90, overdue=2), _row("乙", 90, overdue=0), _row("丙", 80), _row("丁", 70), _row("戊", 60)]
    figures.rank_rows(rows, scoring=figures.Scoring(flag_share=20))
    assert [(r.name, r.rank, r.flag) for r in sorted(rows, key=lambda r: r.rank)] == [
        ("乙", 1, "red"), ("甲", 2, ""), ("丙", 3, ""), ("丁", 4, ""), ("戊", 5, "black"),
    ]  # fmt: skip


def test_region_bucket_is_the_child_whose_subtree_holds_the_region(campaign, city, world, make_issue, units):
    """The child key read from the path segment (one expression, any number of children) gives
    what one ``LIKE`` per child gave: the child for a region in its subtree at any depth, none
    for the parent itself or a region outside it."""
    from django.db.models import Case, When

    from chuangcheng.org.models import Region
    from chuangcheng.reports.figures.sets import region_bucket
    from inspections.models import Issue

    for region in (city.a, city.a1, city.a1v, city.a2, city.b1v, city.city):
        make_issue(units.street_a1, region, history=False)
    children = list(Region.objects.filter(parent=city.a))
    by_like = Case(*[When(region__path__startswith=c.path, then=c.pk) for c in children], default=None)
    rows = Issue.objects.annotate(new=region_bucket("region__path", children), old=by_like)
    pairs = list(rows.values_list("region_id", "new", "old"))
    assert pairs and all(new == old for _, new, old in pairs)
    seen = {region: new for region, new, _ in pairs}
    assert seen[city.a1v.pk] == city.a1.pk and seen[city.a2.pk] == city.a2.pk
    assert seen[city.a.pk] is None and seen[city.city.pk] is None and seen[city.b1v.pk] is None


def test_a_scopes_tasks_are_those_of_its_regions_or_of_its_units_when_they_name_none(campaign, city, units):
    """``tasks_of`` (``= ANY(ARRAY(…))`` on PostgreSQL, ``IN`` elsewhere) picks what the joins
    to the task's region and its owner unit's region pick: a task naming a region is where
    it names, whoever owns it; one naming none is where its owner unit is."""
    from django.db.models import Q

    from chuangcheng.reports.figures import predicates
    from tasks.models import Task

    made = {
        "a1 by a1": TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.a1),
        "a1v by the city": TaskFactory(campaign=campaign, owner_unit=units.cgj, region=city.a1v),
        "b1 by a1": TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.b1),
        "a1's own": TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=None),
        "b's own": TaskFactory(campaign=campaign, owner_unit=units.gov_b, region=None),
        "the city's own": TaskFactory(campaign=campaign, owner_unit=units.office, region=None),
    }
    names = {t.pk: name for name, t in made.items()}
    for scope in (city.a, city.a1, city.a1v, city.b, city.b1, city.a2):
        joined = Task.objects.filter(campaign=campaign).filter(
            Q(region__path__startswith=scope.path)
            | Q(region__isnull=True, owner_unit__region__path__startswith=scope.path)
        )
        expected = {names[pk] for pk in joined.values_list("pk", flat=True)}
        assert {names[t.pk] for t in predicates.tasks_of(campaign, scope.path)} == expected, scope.name
    assert {names[t.pk] for t in predicates.tasks_of(campaign, city.a.path)} == {
        "a1 by a1",
        "a1v by the city",
        "a1's own",
    }
    assert {names[t.pk] for t in predicates.tasks_of(campaign, city.b.path)} == {"b1 by a1", "b's own"}
