"""The admin in Chinese where third parties ship English: django-axes' names, Django admin's
two-list widget text, permission names, one 姓名 on the user form."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from chuangcheng.org.admin import permission_label
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_axes_and_the_js_catalogue_speak_chinese(client, root):
    index = client.get(reverse("admin:index")).content.decode()
    assert "登录保护" in index and "登录尝试" in index and "Access attempts" not in index
    js = client.get(reverse("admin:jsi18n")).content.decode()
    assert "\\u9009\\u4e2d\\u8981\\u6dfb\\u52a0\\u7684" in js or "选中要添加的" in js


def test_permissions_and_the_user_form(client, root):
    permission = Permission.objects.get(codename="add_logentry")
    assert "Can add" not in permission_label(permission) and "可新增" in permission_label(permission)
    page = client.get(reverse("admin:org_user_change", args=[root.pk])).content.decode()
    assert 'name="display_name"' in page
    assert 'name="first_name"' not in page and 'name="last_name"' not in page
    assert "可新增" in page and "Can add log entry" not in page


def test_the_history_list_speaks_chinese(client, root):
    from tests.factories import UnitFactory

    unit = UnitFactory(name="市商务局")
    page = client.get(reverse("admin:org_unit_history", args=[unit.pk])).content.decode()
    assert "变更内容" in page and "修改原因" in page
    assert ">Changes<" not in page and ">None<" not in page.replace(" ", "").replace("\n", "")


def test_the_add_user_page_speaks_chinese(client, root):
    page = client.get(reverse("admin:org_user_add")).content.decode()
    assert "edit more user options" not in page and "创建用户后" in page
