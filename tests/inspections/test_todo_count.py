"""The badge on 我的待办 in the navigation (issue 17): how many items wait for this person —
issues to sign or rectify, tasks due within three days or overdue, what waits for a decision.
Loaded after the page (htmx) and cached briefly, so no page pays for it."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from chuangcheng.org import home
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def badge(client, user):
    cache.clear()
    client.force_login(user)
    response = client.get("/me/todo-count/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_badge_counts_what_waits_for_each_person(client, people, units, campaign, make_issue):
    make_issue("assigned")  # 甲一街道 to sign
    make_issue("rectifying")  # 甲一街道 to rectify
    make_issue("submitted")  # waits for the supervisor's 核查
    make_issue("closed")
    today = timezone.localdate()
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, deadline=today + dt.timedelta(days=2))
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, deadline=today - dt.timedelta(days=5))
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, deadline=today + dt.timedelta(days=30))  # not yet

    assert home.todo_count(people.staff) == 4
    assert 'data-testid="todo-count"' in badge(client, people.staff) and ">4<" in badge(client, people.staff)
    # read aloud as "我的待办，4 项待处理", not "我的待办4"
    assert '<span class="visually-hidden">，4 项待处理</span>' in badge(client, people.staff)
    # Its tooltip names what it adds up, each with its number (not "临期" tasks it does not count).
    assert 'title="4 项等待处理：已超期的任务 1、3 天内到期的任务 1、已交办待签收的问题 1、整改中的问题 1"' in badge(
        client, people.staff
    )
    assert home.todo_count(people.supervisor) == 1  # the issue to verify
    assert home.todo_count(people.staff_b) == 0
    assert "todo-count" not in badge(client, people.staff_b)  # nothing: no badge


def test_the_home_page_lists_what_waits_and_the_badge_adds_it_up(client, people, units, campaign, make_issue):
    """需要我处理 (after the page): each kind of item with its count, opening its list — the lines
    the badge adds up; nothing waiting says so."""
    make_issue("assigned")
    make_issue("rectifying")
    make_issue("submitted")
    today = timezone.localdate()
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, deadline=today - dt.timedelta(days=5))
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, deadline=today + dt.timedelta(days=1))
    cache.clear()
    client.force_login(people.staff)
    assert 'hx-get="/me/attention/"' in client.get("/").content.decode()
    lines = client.get("/me/attention/").content.decode()
    found = {key: url for url, key in re.findall(r'href="([^"]*)"[^>]*data-testid="attention-(\w+)"', lines)}
    assert found == {
        "tasks_overdue": "/tasks/mine/#my-tasks",
        "tasks_soon": "/tasks/mine/#my-tasks",
        "issues_sign": "/inspections/issues/?state=assigned",
        "issues_rectify": "/inspections/issues/?state=rectifying",
    }
    assert "已超期的任务" in lines and "3 天内到期的任务" in lines and "已交办待签收的问题" in lines
    counts = re.findall(r'<span class="badge[^"]*">(\d+)</span>', lines)
    assert sum(int(n) for n in counts) == home.todo_count(people.staff) == 4
    # The list a line opens holds its count.
    listing = client.get("/inspections/issues/?state=assigned").content.decode()
    assert re.search(r'data-testid="count-assigned">1<', listing)
    client.force_login(people.supervisor)
    lines = client.get("/me/attention/").content.decode()
    assert 'href="/inspections/issues/?state=submitted"' in lines and "待核查问题" in lines
    client.force_login(people.staff_b)
    assert 'data-testid="attention-none"' in client.get("/me/attention/").content.decode()
    client.cookies["django_language"] = "en"
    assert "Nothing waits for you" in client.get("/me/attention/").content.decode()


def test_the_badge_is_loaded_after_the_page_and_needs_a_login(client, people):
    assert client.get("/me/todo-count/").status_code == 302
    client.force_login(people.staff)
    page = client.get("/").content.decode()
    assert 'data-todo-count="/me/todo-count/"' in page


def test_a_leader_sees_the_red_items_of_their_districts(client, people, units, campaign, city, make_issue):
    """lingdao's 我的待办 (issue 17): the overdue issues and tasks of their 包保 district — and
    the badge counts them — instead of "您还没有所属单位"."""
    from inspections.models import Issue

    issue = make_issue("rectifying")  # in 甲区 (the fixture's leader answers for it)
    Issue.objects.filter(pk=issue.pk).update(rectification_deadline=timezone.now() - dt.timedelta(days=2))
    TaskFactory(
        campaign=campaign,
        owner_unit=units.street_a1,
        region=city.a1,
        title="甲区超期任务",
        deadline=timezone.localdate() - dt.timedelta(days=4),
    )
    cache.clear()
    client.force_login(people.leader)
    page = client.get("/tasks/mine/").content.decode()
    assert "您还没有所属单位" not in page
    assert "甲区超期任务" in page and 'data-testid="leader-tasks"' in page
    queue = client.get("/inspections/queue/review/", HTTP_HX_REQUEST="true").content.decode()
    assert f"#{issue.pk}" in queue and "包保区域超期未改的问题" in queue
    assert home.todo_count(people.leader) == 2


def test_a_persons_own_write_refreshes_their_cached_badge(client, people, units, make_issue):
    """提交核查 then back on 我的待办: the badge counts what they just did, not the minute-old copy
    (a failed write keeps the copy; other people's badges catch up within the minute)."""
    from inspections.models import Issue

    to_sign = make_issue("assigned")
    done_elsewhere = make_issue("rectifying")
    assert ">2<" in badge(client, people.staff)  # cached now
    Issue.objects.filter(pk=done_elsewhere.pk).update(state="submitted")  # as if from another device
    assert ">2<" in client.get("/me/todo-count/").content.decode()  # the cached copy
    refused = client.post(f"/api/v1/issues/{done_elsewhere.pk}/sign/", {}, content_type="application/json")
    assert refused.status_code >= 400
    assert ">2<" in client.get("/me/todo-count/").content.decode()
    signed = client.post(f"/api/v1/issues/{to_sign.pk}/sign/", {}, content_type="application/json")
    assert signed.status_code == 200, signed.content
    assert ">1<" in client.get("/me/todo-count/").content.decode()  # recounted after their write


def test_a_count_kept_by_the_release_before_is_read_again_not_an_error(client, people):
    """Until this release the key held the badge's number: the first look after the upgrade counts."""
    from chuangcheng.org.middleware import TODO_COUNT_KEY

    client.force_login(people.staff)
    cache.set(TODO_COUNT_KEY % people.staff.pk, 4, 60)
    assert client.get("/me/todo-count/").status_code == 200
    assert client.get("/me/attention/").status_code == 200
