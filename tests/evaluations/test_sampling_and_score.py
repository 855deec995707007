"""Sampling is reproducible and holds its quotas; the score equals a hand computation at every
level (site, indicator, district, city)."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import SiteType
from evaluations import sampling, scoring, services
from evaluations.models import CheckItem, Result, RoundSite
from inspections.models import IssueCategory
from tests.evaluations.conftest import jpeg
from tests.factories import SiteFactory
from tests.inspections.factories import IssueCategoryFactory


def test_the_same_seed_draws_the_same_sites_and_quotas_hold():
    rng = random.Random(7)
    candidates = [
        sampling.Candidate(pk, district, site_type)
        for pk, (district, site_type) in enumerate(
            ((rng.choice([1, 2, 3]), rng.choice(["main_road", "market", "back_street"])) for _ in range(300)), 1
        )
    ]
    quotas = {"main_road": 2, "market": 1, "back_street": 3}
    first, short1 = sampling.draw(candidates, quotas, seed=42)
    again, short2 = sampling.draw(list(reversed(candidates)), quotas, seed=42)
    other, _short = sampling.draw(candidates, quotas, seed=43)
    assert [c.site_id for c in first] == [c.site_id for c in again] and short1 == short2 == []
    assert {c.site_id for c in first} != {c.site_id for c in other}
    for district in (1, 2, 3):
        for site_type, n in quotas.items():
            assert sum(1 for c in first if c.district_id == district and c.site_type == site_type) == n
    assert len({c.site_id for c in first}) == len(first)


def test_a_short_group_takes_every_site_and_is_reported():
    candidates = [sampling.Candidate(1, 1, "market"), sampling.Candidate(2, 1, "market")]
    picked, short = sampling.draw(candidates, {"market": 3}, seed=1)
    assert {c.site_id for c in picked} == {1, 2}
    assert short == [sampling.Shortfall(1, "market", 3, 2)]


def _round(people, campaign, city, quotas, **kw):
    today = timezone.localdate()
    return services.round_create(
        actor=people.supervisor,
        campaign=campaign,
        name="第1轮",
        region=city.city,
        starts_on=today,
        ends_on=today + dt.timedelta(days=2),
        quotas=quotas,
        seed=kw.pop("seed", 99),
        inspectors=kw.pop("inspectors", [people.supervisor]),
        **kw,
    )


def test_round_create_draws_per_district_and_records_the_seed(people, campaign, city, checklist):
    r = _round(people, campaign, city, {"market": 1, "back_street": 1})
    drawn = list(r.sites.values_list("site__name", "district__name"))
    assert r.seed == 99 and len(drawn) == 4
    assert sorted(d for _n, d in drawn) == ["乙区", "乙区", "甲区", "甲区"]
    again = _round(people, campaign, city, {"market": 1, "back_street": 1})
    assert again.number == 2
    assert list(again.sites.values_list("site__name", flat=True)) == [n for n, _d in drawn]


def test_inspectors_are_given_only_sites_they_may_inspect(people, campaign, city, checklist):
    r = _round(people, campaign, city, {"market": 1}, inspectors=[people.district_supervisor, people.supervisor])
    by_district = dict(r.sites.values_list("district__name", "inspector__username"))
    assert by_district == {"甲区": "dsupervisor", "乙区": "supervisor"}
    with pytest.raises(ApplicationError) as error:
        _round(people, campaign, city, {"market": 1}, inspectors=[people.district_supervisor])
    assert error.value.field == "inspectors"
    with pytest.raises(ApplicationError) as error:
        _round(people, campaign, city, {"market": 1}, inspectors=[people.staff])
    with pytest.raises(ApplicationError):
        services.round_create(
            actor=people.staff,
            campaign=campaign,
            name="x",
            region=city.city,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            quotas={"market": 1},
            seed=1,
        )


def answer(people, rs, results, photo=True):
    items = services.checklist(rs)
    entries = []
    for item, result in zip(items, results, strict=True):
        entries.append(
            {"item": item.pk, "result": result, "photo": jpeg(item.pk) if result == "fail" and photo else None}
        )
    return services.site_answer(actor=people.supervisor, round_site_id=rs.pk, answers=entries)


def test_the_score_equals_a_hand_computation_at_every_level(people, campaign, city, checklist):
    s = checklist.sites
    r = _round(people, campaign, city, {"market": 2, "back_street": 1})
    rs = {x.site_id: x for x in r.sites.select_related("site", "round")}
    assert set(rs) == {s.ma1.pk, s.ma2.pk, s.mb1.pk, s.ba1.pk, s.bb1.pk}
    # 甲一市场: 暴露垃圾 fails (3.1, 0.5), 占道 fails (5.1, 2), 活禽 passes.
    answer(people, rs[s.ma1.pk], ["fail", "fail", "pass"])
    # 甲二市场: 占道 and 活禽 fail: 5.1 loses 2 + 5 = 7, capped at the indicator's 6.
    answer(people, rs[s.ma2.pk], ["pass", "fail", "fail"])
    # 乙一市场: all pass; 甲一小巷: 积存垃圾 fails (3.1, 1), 乱贴 na; 乙一小巷 not answered yet.
    answer(people, rs[s.mb1.pk], ["pass", "pass", "pass"])
    answer(people, rs[s.ba1.pk], ["fail", "na"])
    score = scoring.round_score(r)
    sites = {x.site_id: x for x in score.sites}
    assert sites[s.ma1.pk].lost == Decimal("2.50")
    assert sites[s.ma2.pk].lost == Decimal("6.00")
    assert sites[s.ba1.pk].lost == Decimal("1.00")
    assert not sites[s.bb1.pk].answered
    a = score.district(city.a.pk)
    # 甲区 3.1: sites 甲一市场 (0.5), 甲二市场 (0), 甲一小巷 (1) → mean 0.5 → 4.5 of 5.
    assert a.indicators[checklist.env.pk].score == Decimal("4.50")
    # 甲区 5.1: 甲一市场 2, 甲二市场 6 → mean 4 → 2 of 6.
    assert a.indicators[checklist.market.pk].score == Decimal("2.00")
    assert a.score == Decimal("59.09")  # (4.5 + 2) / 11 × 100
    assert a.lost == Decimal("4.50")
    assert a.pass_rate == Decimal("28.57")  # 2 passed of 7 answered (na not counted)
    b = score.district(city.b.pk)
    assert b.score == Decimal("100.00") and b.sites_answered == 1 and b.sites_total == 2
    # The city: 3.1 over 4 sites (0.5+0+0+1)/4 = 0.375, printed 失分 0.38 → 得分 4.62 (the printed
    # columns add up); 5.1 over 3 sites (2+6+0)/3 = 2.67 → 3.33.
    assert score.city.indicators[checklist.env.pk].lost == Decimal("0.38")
    assert score.city.indicators[checklist.env.pk].score == Decimal("4.62")
    assert score.city.indicators[checklist.market.pk].score == Decimal("3.33")
    assert score.city.score == Decimal("72.27")  # (4.62 + 3.33) / 11 × 100
    assert [d.name for d in score.districts] == ["乙区", "甲区"]


def test_an_answer_is_idempotent_and_a_failure_needs_its_photo(people, campaign, city, checklist):
    r = _round(people, campaign, city, {"market": 1})
    rs = r.sites.select_related("site", "round").get(site__region__path__startswith=city.b.path)
    with pytest.raises(ApplicationError) as error:
        answer(people, rs, ["fail", "pass", "pass"], photo=False)
    assert "须拍照" in error.value.message and rs.answers.count() == 0
    answer(people, rs, ["fail", "pass", "pass"])
    answer(people, rs, ["fail", "pass", "pass"], photo=False)  # the resubmission keeps the photo
    assert rs.answers.count() == 3 and rs.answers.get(result=Result.FAIL).photo
    before = scoring.round_score(r).city.lost
    answer(people, rs, ["pass", "pass", "pass"])
    assert scoring.round_score(r).city.lost == before - Decimal("0.50")


def test_the_phone_position_is_kept_and_flagged_beyond_300_metres(people, campaign, city, checklist):
    r = _round(people, campaign, city, {"market": 2})
    rs = r.sites.select_related("site", "round").get(site=checklist.sites.ma1)
    items = services.checklist(rs)
    services.site_answer(
        actor=people.supervisor,
        round_site_id=rs.pk,
        answers=[{"item": items[0].pk, "result": "pass"}],
        latitude="34.755",
        longitude="113.650",
    )
    rs.refresh_from_db()
    assert 540 < rs.distance_m < 570 and rs.far_from_site


def test_generating_issues_sends_each_failure_once_and_the_score_moves_by_its_points(people, campaign, city, checklist):
    r = _round(people, campaign, city, {"market": 1})
    rs = r.sites.select_related("site", "round").get(site__region__path__startswith=city.b.path)
    answer(people, rs, ["pass", "pass", "pass"])
    site_before = {x.round_site_id: x for x in scoring.round_score(r).sites}[rs.pk].lost
    answer(people, rs, ["fail", "fail", "pass"])
    site_after = {x.round_site_id: x for x in scoring.round_score(r).sites}[rs.pk].lost
    assert site_after - site_before == Decimal("2.50")  # 0.5 + 2: exactly the items' points
    issues = services.site_generate_issues(actor=people.supervisor, round_site_id=rs.pk)
    assert len(issues) == 2
    assert {i.state for i in issues} == {"assigned"}
    assert {i.responsible_unit_id for i in issues} == {rs.site.responsible_unit_id}
    assert {i.source for i in issues} == {"mock"} and all(i.photos.count() == 1 for i in issues)
    assert services.site_generate_issues(actor=people.supervisor, round_site_id=rs.pk) == []
    with pytest.raises(ApplicationError):  # an answer that became an issue cannot be turned to 合格
        answer(people, rs, ["pass", "fail", "pass"])


def test_a_failure_without_a_category_gets_the_one_its_text_names_else_other_never_the_first_row(
    people, campaign, city, checklist
):
    IssueCategoryFactory(code="000001", kind="component", major="公共设施", name="上水井盖")  # the first row
    IssueCategoryFactory(code="000002", name="市")  # one character: would match any text
    CheckItem.objects.filter(pk__in=[checklist.items.m1.pk, checklist.items.m2.pk]).update(category=None)
    r = _round(people, campaign, city, {"market": 1})
    rs = r.sites.select_related("site", "round").get(site__region__path__startswith=city.b.path)
    answer(people, rs, ["fail", "fail", "pass"])  # 市场内无暴露垃圾; 划行归市、无占道经营
    issues = services.site_generate_issues(actor=people.supervisor, round_site_id=rs.pk)
    by_text = {i.description.split("（")[0]: i.category for i in issues}
    assert by_text["市场内无暴露垃圾"] == checklist.garbage
    other = by_text["划行归市、无占道经营"]
    assert (other.code, other.name, other.kind) == ("CC99", "其他", "campaign") and other.time_limit_days == 3
    assert IssueCategory.objects.filter(name="其他").count() == 1


def test_a_chosen_category_is_used_for_the_items_without_one(people, campaign, city, checklist):
    chosen = IssueCategoryFactory(code="CC04", name="占道经营")
    CheckItem.objects.filter(pk=checklist.items.m2.pk).update(category=None)
    r = _round(people, campaign, city, {"market": 1})
    rs = r.sites.select_related("site", "round").get(site__region__path__startswith=city.b.path)
    answer(people, rs, ["fail", "fail", "pass"])
    issues = services.site_generate_issues(actor=people.supervisor, round_site_id=rs.pk, category=chosen)
    assert sorted(i.category.name for i in issues) == ["占道经营", "暴露垃圾"]  # the item's own category stays


def test_a_closed_round_refuses_answers(people, campaign, city, checklist):
    r = _round(people, campaign, city, {"market": 1})
    services.round_transition(actor=people.supervisor, round_id=r.pk, action="close")
    rs = r.sites.select_related("site", "round").first()
    with pytest.raises(ApplicationError) as error:
        answer(people, rs, ["pass", "pass", "pass"])
    assert "已结束" in error.value.message


def test_a_sweep_over_20_sites_ends_with_each_site_passed_with_a_photo_or_an_issue(
    people, campaign, city, units, checklist
):
    for n in range(18):
        SiteFactory(
            name=f"甲区小巷{n}",
            site_type=SiteType.BACK_STREET,
            region=city.a1 if n % 2 else city.b1,
            responsible_unit=units.street_a1 if n % 2 else units.street_b1,
        )
    sweep = services.sweep_create(
        actor=people.supervisor,
        campaign=campaign,
        region=city.city,
        site_type=SiteType.BACK_STREET,
        item=checklist.items.b1,
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    sites = list(sweep.sites.select_related("unit"))
    assert len(sites) == 20
    for n, ss in enumerate(sites):
        actor = people.staff if ss.unit_id == units.street_a1.pk else people.staff_b
        result = "issue" if n % 5 == 0 else "pass"
        services.sweep_answer(
            actor=actor,
            sweep_site_id=ss.pk,
            result=result,
            photo=jpeg(n),
            note="墙角有积存垃圾" if result == "issue" else "",
        )
    done = list(sweep.sites.all())
    assert all(s.photo for s in done)
    assert sum(1 for s in done if s.result == "pass") == 16
    issued = [s for s in done if s.result == "issue"]
    assert len(issued) == 4 and all(s.issue_id for s in issued)
    assert {s.issue.responsible_unit_id for s in issued} == {s.unit_id for s in issued}
    with pytest.raises(ApplicationError):  # answered once
        services.sweep_answer(actor=people.staff, sweep_site_id=done[1].pk, result="pass", photo=jpeg(1))
    with pytest.raises(ApplicationError):  # not their site
        other = next(s for s in sites if s.unit_id == units.street_b1.pk)
        RoundSite  # noqa: B018
        services.sweep_answer(actor=people.staff, sweep_site_id=other.pk, result="pass", photo=jpeg(2))
