"""The 问题清单's counts from the tallies are exactly the GROUP BY's: for every role's scope
(city, district, 包保 leader with a site, unit people, a 社区-wide supervisor, a supervisor who
also sees a unit's issues elsewhere) and many filters — including 已超期 either way, with
deadlines yesterday, earlier today, later today, tomorrow and none."""

import datetime as dt
import itertools
import random
import re

import pytest
from django.test import RequestFactory

from chuangcheng.org.models import LeaderAssignment
from inspections import counting, services, tally
from inspections.models import Issue, IssueState
from inspections.selectors import attention, review_queue
from inspections.views.issues import _list_filter
from tests.factories import CampaignFactory, MembershipFactory, SiteFactory, UserFactory
from tests.inspections.conftest import LAT, LNG, local, upload

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 20, 14, 0)
DEADLINES = [
    local(2026, 11, 19, 17, 30),  # yesterday: overdue
    local(2026, 11, 20, 9, 0),  # earlier today: overdue
    local(2026, 11, 20, 17, 30),  # later today: not yet
    local(2026, 11, 21, 17, 30),  # tomorrow
    local(2026, 10, 1, 12, 0),  # long ago
]


@pytest.fixture
def world(campaign, city, units, people, categories, clock):
    """≈60 issues through the services over two campaigns, five regions at three levels, five
    units, every state and severity; then the clock-state deadlines spread around NOW."""
    rng = random.Random(18)
    clock.set(local(2026, 11, 16, 9))
    other = CampaignFactory(name="秋季攻坚", region=city.city, office_unit=units.office)
    site = SiteFactory(name="乙一农贸市场", region=city.b1v)
    staff_of = {units.street_a1: people.staff, units.street_b1: people.staff_b, units.cgj: people.cgj_staff}
    regions = [city.a1v, city.a1v, city.b1v, city.a1, city.a, city.city, city.a2]
    made = []
    for n in range(60):
        unit = rng.choice([units.street_a1, units.street_b1, units.cgj, units.gov_a, units.gov_b])
        state = rng.choice(["reported", "assigned", "assigned", "rectifying", "rectifying", "submitted", "closed"])
        if unit not in staff_of and state != "reported":
            state = "assigned"  # nobody there to sign
        region = rng.choice(regions)
        issue = services.issue_create(
            actor=people.supervisor,
            campaign=rng.choice([campaign, campaign, other]),
            category=rng.choice([categories.garbage, categories.ads]),
            region=region,
            site=site if region == city.b1v and n % 3 == 0 else None,
            severity=rng.choice(["general", "general", "serious", "severe", "negative_list"]),
            description=rng.choice(["路口暴露垃圾", "门前乱堆", "井盖缺失"]),
            latitude=LAT,
            longitude=LNG,
        )
        if state != "reported":
            services.issue_accept(actor=people.supervisor, issue_id=issue.pk, responsible_unit=unit)
        if state in ("rectifying", "submitted", "closed"):
            services.issue_sign(actor=staff_of[unit], issue_id=issue.pk)
        if state in ("submitted", "closed"):
            services.issue_submit(actor=staff_of[unit], issue_id=issue.pk, measures="已整改", photos=[upload(n)])
        if state == "closed":
            services.issue_verify(actor=people.supervisor, issue_id=issue.pk)
        made.append(issue.pk)
    for pk in made[:12]:
        services.issue_dismiss(actor=people.supervisor, issue_id=pk, reason="不属实") if Issue.objects.get(
            pk=pk
        ).state == "reported" else None
    # Deadlines around NOW (a raw write: the tallies are recounted after it).
    for pk in Issue.objects.filter(state__in=["assigned", "rectifying"]).values_list("pk", flat=True):
        if rng.random() < 0.85:
            Issue.objects.filter(pk=pk).update(rectification_deadline=rng.choice(DEADLINES))
    tally.rebuild()
    clock.set(NOW)
    return {"other": other, "site": site}


@pytest.fixture
def users(people, units, city, campaign, world):
    def supervisor(name, unit, scope_region=None):
        user = UserFactory(username=name)
        MembershipFactory(user=user, unit=unit, role="supervisor", scope_region=scope_region)
        return user

    community = supervisor("community_sup", units.street_a1, city.a1v)  # deeper than 街道: GROUP BY
    mixed = supervisor("mixed_sup", units.gov_b, city.a1)  # 甲一街道 + 乙区人民政府's issues anywhere
    site_leader = UserFactory(username="site_leader")
    MembershipFactory(user=site_leader, unit=units.office, role="leader")
    LeaderAssignment.objects.create(campaign=campaign, leader=site_leader, region=city.a2, kind="baobao")
    LeaderAssignment.objects.create(campaign=campaign, leader=site_leader, site=world["site"], kind="baobao")
    return {
        "admin": people.admin,
        "city supervisor": people.supervisor,
        "district supervisor": people.district_supervisor,
        "leader": people.leader,
        "unit head": people.head,
        "staff": people.staff,
        "staff of 乙一": people.staff_b,
        "城管局 staff": people.cgj_staff,
        "nobody": people.nobody,
        "社区 supervisor": community,
        "mixed supervisor": mixed,
        "leader with a site": site_leader,
    }


def filters(campaign, city, categories, units, world):
    regions = [None, city.city, city.a, city.a1, city.b1, city.a2, city.a1v]
    severities = [None, ["general"], ["severe", "negative_list"]]
    overdue = [None, "true", "false"]
    campaigns = [None, campaign, world["other"]]
    rng = random.Random(7)
    combos = list(itertools.product(regions, severities, overdue, campaigns))
    out = []
    for region, severity, late, camp in rng.sample(combos, 50) + [(None, None, None, None)]:
        data = {}
        if region is not None:
            data["region"] = str(region.pk)
        if severity:
            data["severity"] = severity
        if late:
            data["overdue"] = late
        if camp is not None:
            data["campaign"] = str(camp.pk)
        out.append(data)
    # What the tallies do not keep: the GROUP BY answers (still compared).
    out += [
        {"q": "垃圾"},
        {"category": str(categories.garbage.pk)},
        {"responsible_unit": str(units.cgj.pk)},
        {"urgent": "false"},
        {"created_from": "2026-11-01", "region": str(city.a.pk)},
    ]
    return out


def _list(user, data):
    request = RequestFactory().get("/inspections/issues/", data)
    request.user = user
    request.htmx = False
    filterset, _issues, _states = _list_filter(request)
    return filterset


def test_tallied_counts_equal_the_group_by_for_every_role_and_filter(users, campaign, city, categories, units, world):
    assert Issue.objects.filter(state__in=["assigned", "rectifying"]).count() > 10
    tallied = 0
    lists = filters(campaign, city, categories, units, world)
    for (role, user), data in itertools.product(users.items(), lists):
        filterset = _list(user, data)
        want = counting.state_counts(filterset.qs, now=NOW)
        got = counting.list_counts(filterset, user=user, within=data.get("region"), now=NOW)
        assert got == want, (role, data)
        tallied += counting._tally_plan(filterset, user, data.get("region")) is not None
    assert tallied > len(users) * len(lists) / 3  # (unit people and deep regions group the rows)


def test_which_lists_the_tallies_answer(users, city, units):
    def plan(role, **data):
        return counting._tally_plan(_list(users[role], data), users[role], data.get("region"))

    assert plan("admin") is not None and plan("admin")[2] is None  # no visibility filter
    assert plan("city supervisor") is not None  # the city (+ the 创建办's own issues)
    assert plan("district supervisor")[2] is not None  # + 甲区人民政府's issues outside 甲区
    assert plan("leader") is not None
    assert plan("leader with a site")[2] is not None  # + the 包保 site's issues
    assert plan("staff") is None and plan("unit head") is None  # a unit's issues: its index
    assert plan("社区 supervisor") is None  # below 街道
    assert plan("社区 supervisor", region=str(city.a1.pk)) is None
    assert plan("admin", q="垃圾") is None
    assert plan("admin", region=str(city.a1.pk), severity=["general"], overdue="true") is not None


def test_overdue_counts_the_deadlines_passed_earlier_today(users, city):
    filterset = _list(users["admin"], {})
    counts = counting.list_counts(filterset, user=users["admin"], now=NOW)
    late = Issue.objects.overdue(NOW)
    assert counts["overdue"] == late.count() > 0
    assert late.filter(rectification_deadline__gte=local(2026, 11, 20)).exists()  # today's part is in
    later = counting.list_counts(filterset, user=users["admin"], now=local(2026, 11, 20, 18, 0))
    assert later["overdue"] == Issue.objects.overdue(local(2026, 11, 20, 18, 0)).count() > counts["overdue"]
    tomorrow = NOW + dt.timedelta(days=1, hours=4)
    assert counting.list_counts(filterset, user=users["admin"], now=tomorrow)["overdue"] == (
        Issue.objects.overdue(tomorrow).count()
    )


def test_tally_counts_for_a_scope(campaign, city, world):
    for paths, severities, camp in itertools.product(
        [None, [city.a.path], [city.a1.path, city.b.path], [city.city.path]],
        [None, ["general", "serious"]],
        [None, campaign],
    ):
        issues = Issue.objects.all()
        if paths is not None:
            issues = issues.filter(counting._paths_q(paths))
        if severities is not None:
            issues = issues.filter(severity__in=severities)
        if camp is not None:
            issues = issues.filter(campaign=camp)
        assert counting.tally_counts(campaign=camp, region_paths=paths, severities=severities, now=NOW) == (
            counting.state_counts(issues, now=NOW)
        )
    with pytest.raises(ValueError):
        counting.tally_counts(region_paths=[city.a1v.path])


def test_the_list_page_shows_the_tallied_counts(client, users, city):
    user = users["district supervisor"]
    client.force_login(user)
    response = client.get("/inspections/issues/", {"region": city.a.pk, "state": ["assigned", "rectifying"]})
    page = response.content.decode()
    want = counting.state_counts(_list(user, {"region": str(city.a.pk)}).qs)

    def shown(name):
        return [t.strip() for t in re.findall(rf'data-testid="{name}"[^>]*>([^<]*)<', page)]

    assert shown("count-all") == [str(want["total"])]
    for state in IssueState.values:
        assert shown(f"count-{state}") == [str(want[state])]
    rows = re.findall(r'data-testid="issue-row"', page)
    assert len(rows) == min(50, want["assigned"] + want["rectifying"]) > 0


def test_what_waits_is_counted_from_the_tallies_as_the_queues_list_it(users, city):
    """需要我处理's 待核查 and 待受理 (read from the state tally, less a supervisor's own
    units' issues) are the numbers of rows the review queues list, for every role."""
    submitted = Issue.objects.filter(state="submitted").order_by("pk").first()
    own_unit = UserFactory(username="sup_with_unit")  # the city's supervisor, member of that issue's unit
    MembershipFactory(user=own_unit, unit=submitted.responsible_unit, role="supervisor", scope_region=city.city)
    compared, waiting = 0, 0
    for role, user in [*users.items(), ("supervisor with a unit", own_unit)]:
        lines = {line.key: line.count for line in attention(user)}
        for section in review_queue(user=user):
            if section.key in ("verify", "triage"):
                assert lines[f"issues_{section.key}"] == section.queryset.count(), (role, section.key)
                compared += 1
                waiting += lines[f"issues_{section.key}"]
    assert compared >= 8 and waiting > 0
    assert counting._seen_plan(users["city supervisor"]) is not None  # read from the tallies
    assert counting.seen_in_states(users["staff"], ["submitted"]) == {
        "submitted": Issue.objects.visible_to(users["staff"]).filter(state="submitted").count()
    }
