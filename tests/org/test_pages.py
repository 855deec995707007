"""Browser pages of the org app: sign in, home (我的工作台), language switch."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chuangcheng.notifications.models import JobHeartbeat
from chuangcheng.org.models import Region
from chuangcheng.org.selectors import region_full_names
from tests.factories import CampaignFactory, MembershipFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_staff_home_shows_unit_role_scope_and_countdown(client, people, campaign):
    client.force_login(people.staff)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "您好，staff_a1" in html
    assert "甲一街道办事处" in html
    assert "经办人" in html
    assert "管辖范围：示范市甲区甲一街道" in html
    assert campaign.name in html
    assert 'data-testid="days-left">100<' in html  # the factory's target date is 100 days away
    assert "国家卫生城市" in html
    assert "后台作业心跳" not in html  # only for system administrators


def test_the_navigation_marks_home_as_the_current_page_there_only(client, people):
    """首页 is the navigation's current item on the home page, as each page marks its own."""
    client.force_login(people.staff)
    home = client.get(reverse("home")).content.decode()
    nav = home[home.index('data-testid="main-nav"') :]
    assert 'href="/" class="app-nav-link active" aria-current="page" data-testid="nav-home">首页<' in nav
    assert nav.count(" active") == 1 and nav.count('aria-current="page"') == 1
    work = client.get(reverse("tasks:my_work")).content.decode()
    assert 'href="/" class="app-nav-link" data-testid="nav-home">首页<' in work
    assert 'class="app-nav-link active" aria-current="page" data-testid="nav-my-work"' in work


def test_supervisor_scope_region_is_shown_instead_of_unit_region(client, people, units, city):
    MembershipFactory(user=people.staff, unit=units.gov_a, role="supervisor", scope_region=city.a1v)
    client.force_login(people.staff)
    html = client.get(reverse("home")).content.decode()
    assert "督查员" in html
    assert "管辖范围：示范市甲区甲一街道甲一社区" in html


def test_countdown_after_the_target_date(client, people, campaign):
    campaign.start_date = timezone.localdate() - dt.timedelta(days=30)
    campaign.target_date = timezone.localdate() - dt.timedelta(days=3)
    campaign.save()
    client.force_login(people.staff)
    html = client.get(reverse("home")).content.decode()
    assert "已过迎检日期" in html
    assert 'data-testid="days-left">3<' in html


def test_campaign_out_of_scope_is_not_counted_down(client, people, city, units):
    other = CampaignFactory(name="乙区创卫", region=city.b, office_unit=units.gov_b)
    client.force_login(people.staff)
    html = client.get(reverse("home")).content.decode()
    assert other.name not in html


def test_user_without_membership_sees_friendly_message(client, people):
    client.force_login(people.nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "您还没有分配单位和角色，请联系系统管理员" in html
    assert 'data-testid="countdown"' not in html


def test_admin_sees_heartbeat_with_link_to_admin(client, people):
    JobHeartbeat.objects.create(name="heartbeat", last_run_at=timezone.now(), first_run_at=timezone.now(), run_count=42)
    client.force_login(people.admin)
    html = client.get(reverse("home")).content.decode()
    assert "后台作业" in html
    assert "notifications.heartbeat" in html
    assert ">42<" in html
    assert 'href="/notices/schedule/"' in html
    assert "刚刚" in html
    assert "而未运行" not in html


def test_admin_sees_a_stale_heartbeat_flagged(client, people):
    JobHeartbeat.objects.create(name="heartbeat", last_run_at=timezone.now() - dt.timedelta(hours=1), run_count=7)
    client.force_login(people.admin)
    html = client.get(reverse("home")).content.decode()
    assert "而未运行，请检查 worker 和 beat" in html
    assert "1\xa0小时前" in html  # timesince joins with a no-break space


def test_admin_right_after_start_sees_jobs_waiting_not_an_alarm(client, people, monkeypatch):
    from chuangcheng.notifications import jobboard

    monkeypatch.setattr(jobboard, "PROCESS_STARTED", timezone.now())  # the web process just started
    client.force_login(people.admin)
    html = client.get(reverse("home")).content.decode()
    assert "等待首次运行" in html and "而未运行" not in html


def test_switching_to_english_shows_the_english_page(client, people):
    client.force_login(people.staff)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "My units and roles" in html
    assert "Unit staff" in html  # Role.STAFF
    assert "Inspection in" in html
    assert "Hello, staff_a1" in html
    assert "经办人" not in html
    assert "我的单位与角色" not in html

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "我的单位与角色" in html


def test_login_page_renders_form_and_language_switch(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert f'action="{reverse("set_language")}"' in html


def test_wrong_password_shows_chinese_error(client, people):
    response = client.post(reverse("login"), {"username": "staff_a1", "password": "not-the-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确，请重新输入（区分大小写）。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_signs_in_and_goes_home(client, people):
    response = client.post(reverse("login"), {"username": "staff_a1", "password": "pass-Word-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(people.staff.pk)


def test_repeated_wrong_passwords_lock_the_account_out(client, people, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "staff_a1", "password": "wrong"})
    assert response.status_code == 429
    assert "登录失败次数过多，请15分钟后再试或联系管理员" in response.content.decode()


def test_logout_is_a_post(client, people):
    client.force_login(people.staff)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("login"), 302)]
    assert "_auth_user_id" not in client.session
    assert "您已退出登录。" in response.content.decode()


def test_pages_carry_no_inline_script(client, people):
    """The CSP allows only our own script files: no inline <script> body, no on* handlers."""
    JobHeartbeat.objects.create(name="heartbeat", last_run_at=timezone.now(), run_count=1)
    pages = [client.get(reverse("login")).content.decode()]
    client.force_login(people.admin)
    pages.append(client.get(reverse("home")).content.decode())
    assert "script-src 'self'" in client.get(reverse("home"))["Content-Security-Policy"]
    for html in pages:
        assert "<script>" not in html
        assert " onclick=" not in html and " onchange=" not in html and " onsubmit=" not in html
        assert html.count("<script ") == html.count("<script src=")


def test_region_full_names_match_region_full_name(city):
    regions = [city.city, city.a, city.a1v, city.b1]
    names = region_full_names(regions)
    assert names == {r.id: Region.objects.get(pk=r.pk).full_name() for r in regions}
    assert names[city.a1v.id] == "示范市甲区甲一街道甲一社区"


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_home_query_budget_does_not_grow_with_memberships(
    client, people, city, units, role, django_assert_max_num_queries
):
    user = people.staff if role == "staff" else people.admin
    JobHeartbeat.objects.create(name="heartbeat", last_run_at=timezone.now(), run_count=1)
    regions = [city.a1, city.a2, city.b1, city.a1v, city.b1v]
    for i in range(12):
        unit = UnitFactory(name=f"测试单位{i}", region=regions[i % len(regions)])
        MembershipFactory(user=user, unit=unit, role="supervisor", scope_region=regions[(i + 1) % len(regions)])
        CampaignFactory(name=f"活动{i}", region=city.city, office_unit=units.office)
    client.force_login(user)
    # session, user, scope, memberships, region ancestors, campaigns (+ heartbeat for admins,
    # + the holiday-calendar banner's open campaigns and imported notice years)
    with django_assert_max_num_queries(8 if role == "staff" else 10):  # +1: the bell's unread-notice count
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="countdown"') == 13
