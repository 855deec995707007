"""A password someone else chose is good for one sign-in (issue 16, hardening 5): the person is
sent to 修改密码 before any page, API calls are refused with a message saying why, and once
they chose their own password they go on to the page they asked for. The admin's 新增用户 and
修改密码 set the flag; choosing a password (修改密码, a 找回密码 link) clears it."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chuangcheng.org.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INITIAL = "Chushi-mima-2026"
CHOSEN = "Ziji-de-mima-2026!"
CHANGE = "/accounts/password_change/"


@pytest.fixture
def flagged(people):
    user = people.staff
    user.set_password(INITIAL)
    user.must_change_password = True
    user.save()
    return user


@pytest.fixture
def signed_in(client, flagged):
    client.force_login(flagged)
    return client


def change(client, *, old=INITIAL, new=CHOSEN, next_url=None):
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    if next_url:
        data["next"] = next_url
    return client.post(CHANGE, data)


def test_a_flagged_person_is_sent_to_change_the_password_then_goes_on(signed_in, flagged):
    response = signed_in.get("/tasks/mine/")
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGE}?next=%2Ftasks%2Fmine%2F"
    assert signed_in.get("/").status_code == 302  # every page, not just the first

    page = signed_in.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="password-change-required"' in html and "管理员设置的初始密码" in html
    assert 'name="next" value="/tasks/mine/"' in html

    same = change(signed_in, new=INITIAL, next_url="/tasks/mine/")
    assert same.status_code == 200
    assert "新密码不能与原密码相同" in same.content.decode()
    flagged.refresh_from_db()
    assert flagged.must_change_password

    done = change(signed_in, next_url="/tasks/mine/")
    assert done.status_code == 302 and done["Location"] == "/tasks/mine/"
    flagged.refresh_from_db()
    assert not flagged.must_change_password and flagged.check_password(CHOSEN)
    page = signed_in.get("/tasks/mine/")  # still signed in (session hash updated), and through
    assert page.status_code == 200
    assert "密码已修改" in page.content.decode()


def test_the_way_out_stays_open(signed_in):
    assert signed_in.post("/i18n/setlang/", {"language": "en", "next": CHANGE}).status_code == 302
    page = signed_in.get(CHANGE)
    assert page.status_code == 200 and "Change password" in page.content.decode()
    response = signed_in.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in.get("/").status_code == 302  # signed out: to the login page
    assert signed_in.get("/")["Location"].startswith(reverse("login"))


def test_an_htmx_request_is_told_to_load_the_page(signed_in):
    response = signed_in.get(
        "/inspections/issues/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/tasks/mine/"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{CHANGE}?next=%2Ftasks%2Fmine%2F"


def test_an_unflagged_person_changes_the_password_from_the_user_menu(client, people):
    people.staff.set_password(INITIAL)
    people.staff.save()
    client.force_login(people.staff)
    home = client.get("/").content.decode()
    assert f'href="{CHANGE}"' in home
    page = client.get(CHANGE).content.decode()
    assert 'data-testid="password-change-required"' not in page
    wrong = change(client, old="not-it")
    assert wrong.status_code == 200 and 'class="form-control is-invalid"' in wrong.content.decode()
    done = change(client)
    assert done.status_code == 302 and done["Location"] == "/"


def test_the_api_answers_403_with_the_reason(flagged, signed_in):
    expected = {"code": "password_change_required"}
    by_session = signed_in.get("/api/v1/regions/")
    assert by_session.status_code == 403
    assert by_session.json()["code"] == expected["code"]
    assert "修改密码" in by_session.json()["detail"]

    token = Token.objects.create(user=flagged)
    api = APIClient()
    by_token = api.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert by_token.status_code == 403
    assert by_token.json() == {"detail": by_session.json()["detail"], **expected}

    trade = APIClient().post("/api/v1/auth/token/", {"username": flagged.username, "password": INITIAL})
    assert trade.status_code == 403 and trade.json()["code"] == expected["code"]

    change(signed_in)
    assert api.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
    trade = APIClient().post("/api/v1/auth/token/", {"username": flagged.username, "password": CHOSEN})
    assert trade.status_code == 200 and trade.json()["token"] == token.key


def test_a_reset_link_clears_the_flag(client, flagged, django_capture_on_commit_callbacks, mailoutbox, settings):
    import re

    flagged.email = "staff@example.cn"
    flagged.save()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password_reset/", {"email": "staff@example.cn"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    url = client.get(link).url
    client.post(url, {"new_password1": CHOSEN, "new_password2": CHOSEN})
    flagged.refresh_from_db()
    assert flagged.check_password(CHOSEN) and not flagged.must_change_password


# --- The admin sets the flag -----------------------------------------------------------------------


@pytest.fixture
def root(client, db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_a_user_the_admin_creates_must_change_the_password(client, root):
    response = client.post(
        reverse("admin:org_user_add"),
        {
            "username": "xinren",
            "usable_password": "true",
            "password1": INITIAL,
            "password2": INITIAL,
            "display_name": "新人",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="xinren")
    assert user.must_change_password and user.check_password(INITIAL)

    new = APIClient()
    new.force_login(user)
    assert new.get("/").status_code == 302


def test_a_password_the_admin_resets_must_be_changed_but_not_the_admins_own(client, root, people):
    url = reverse("admin:auth_user_password_change", args=[people.staff.pk])
    response = client.post(url, {"password1": INITIAL, "password2": INITIAL, "usable_password": "true"})
    assert response.status_code == 302
    people.staff.refresh_from_db()
    assert people.staff.must_change_password and people.staff.check_password(INITIAL)

    own = reverse("admin:auth_user_password_change", args=[root.pk])
    assert client.post(own, {"password1": CHOSEN, "password2": CHOSEN, "usable_password": "true"}).status_code == 302
    root.refresh_from_db()
    assert not root.must_change_password
    assert client.get("/").status_code == 200  # still signed in, nothing asked


def test_the_admin_shows_and_filters_the_flag(client, root, flagged):
    page = client.get(reverse("admin:org_user_change", args=[flagged.pk])).content.decode()
    assert 'name="must_change_password"' in page and "须修改密码" in page
    listed = client.get(reverse("admin:org_user_changelist"), {"must_change_password__exact": "1"})
    assert "staff_a1" in listed.content.decode() and "staff_b1" not in listed.content.decode()
