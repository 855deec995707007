"""The ledger's pages: 我的待办, 任务台账 and its export, the task page and its actions, the import.

What a person sees and what the data becomes: the right roles get the page, out of scope is a
404, visible but not allowed is a 403 message, bad input is shown next to its field with nothing
saved; query budgets hold with hundreds of rows.
"""

import datetime as dt
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from chuangcheng.imports.models import ImportBatch
from chuangcheng.notifications.models import Notice
from chuangcheng.notifications.reminders import reminders_dispatch
from tasks import services
from tasks.imports import COLUMNS
from tasks.models import Task, TaskAttachment, TaskEvent, TaskState, TaskUpdate
from tests.factories import IndicatorFactory, StandardFactory, TaskFactory
from tests.tasks.conftest import fake_jpg, png

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate


def days(n):
    return TODAY() + dt.timedelta(days=n)


def html(response):
    return response.content.decode()


def shown(response, name):
    """The texts of the elements with ``data-testid=name`` (flat elements only)."""
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(rf'data-testid="{name}"[^>]*>([^<]*)<', html(response))]


def nothing_written(task, progress=0, state=TaskState.PENDING):
    task.refresh_from_db()
    assert (task.state, task.progress) == (state, progress)
    assert not TaskUpdate.objects.filter(task=task).exists()
    assert not TaskAttachment.objects.filter(task=task).exists()
    assert not TaskEvent.objects.filter(task=task).exclude(action="create").exists()


# --- who gets which page -------------------------------------------------------------------------

PAGES = {
    "my_work": lambda task: reverse("tasks:my_work"),
    "ledger": lambda task: reverse("tasks:ledger"),
    "export": lambda task: reverse("tasks:export"),
    "import": lambda task: reverse("tasks:import"),
    "detail": lambda task: reverse("tasks:detail", args=[task.pk]),
}
ANSWERS = {
    # person: my_work, ledger, export, import, detail (the task is 甲一街道's, in 甲区)
    "staff": (200, 403, 403, 403, 200),
    "head": (200, 200, 200, 403, 200),
    "district_supervisor": (200, 200, 200, 200, 200),
    "supervisor": (200, 200, 200, 200, 200),
    "leader": (200, 200, 200, 403, 200),
    "admin": (200, 200, 200, 200, 200),
    "staff_b": (200, 403, 403, 403, 404),
    "cgj_staff": (200, 403, 403, 403, 404),
    "nobody": (200, 403, 403, 403, 404),
}


@pytest.mark.parametrize("person", ANSWERS)
def test_each_page_answers_by_role_and_scope(client, people, task, person):
    client.force_login(getattr(people, person))
    got = tuple(client.get(url(task)).status_code for url in PAGES.values())
    assert got == ANSWERS[person]


def test_anonymous_is_sent_to_sign_in(client, task):
    for url in PAGES.values():
        response = client.get(url(task))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_refused_ledger_says_where_to_go(client, people):
    client.force_login(people.staff)
    response = client.get(reverse("tasks:ledger"))
    assert response.status_code == 403
    assert "无权查看任务台账" in html(response)
    assert "我的待办" in html(response)


def test_navigation_shows_entries_by_role_and_unread_count(client, people, task):
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    services.task_return(actor=people.supervisor, task_id=task.pk, reason="照片不清楚")
    client.force_login(people.staff)
    page = html(client.get(reverse("tasks:my_work")))
    assert (
        'href="/tasks/mine/" class="app-nav-link active" aria-current="page" data-testid="nav-my-work">我的待办<'
        in page
    )
    assert 'href="/tasks/"' not in page  # the ledger is not for unit staff
    unread = Notice.objects.filter(recipient=people.staff, read_at__isnull=True).count()
    assert unread >= 1
    assert shown(client.get(reverse("tasks:my_work")), "bell-count") == [str(unread)]
    client.force_login(people.supervisor)
    page = html(client.get(reverse("tasks:my_work")))
    assert 'href="/tasks/"' in page and 'href="/imports/"' in page  # 数据导入: the task import and the others


# --- 我的待办 -------------------------------------------------------------------------------------


def test_my_work_lists_my_units_open_tasks_overdue_first(client, people, campaign, units, city):
    mine = dict(campaign=campaign, owner_unit=units.street_a1, region=city.a1)
    later = TaskFactory(title="月底完成的任务", deadline=days(20), progress=40, **mine)
    overdue = TaskFactory(title="已经超期的任务", start_date=days(-30), deadline=days(-2), progress=40, **mine)
    soon = TaskFactory(title="明天到期的任务", deadline=days(1), **mine)
    TaskFactory(title="已完成的任务", state=TaskState.DONE, **mine)
    TaskFactory(title="别的街道的任务", campaign=campaign, owner_unit=units.street_b1)
    client.force_login(people.staff)
    response = client.get(reverse("tasks:my_work"))
    assert shown(response, "task-title") == [overdue.title, soon.title, later.title]
    assert shown(response, "days-left") == ["超期 2 天", "剩余 1 天", "剩余 20 天"]
    assert "滞后 60 个百分点" in shown(response, "lag")  # expected 100 by the deadline, reported 40
    assert "本单位任务：未完成 3 项 · 超期 1 项 · 已提交待验收 0 项" in html(response)
    assert re.findall(r'data-testid="light" title="([^"]+)"', html(response)) == ["超期", "预警", "正常"]


def test_my_work_for_a_person_without_a_unit(client, people):
    client.force_login(people.nobody)
    assert "您还没有所属单位" in html(client.get(reverse("tasks:my_work")))


def test_report_form_loads_into_the_card(client, people, task):
    client.force_login(people.staff)
    response = client.get(reverse("tasks:report_form", args=[task.pk]), **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert f'hx-post="/tasks/{task.pk}/report/"' in page
    assert 'accept="image/*,.pdf,.doc,.docx,.xls,.xlsx"' in page and "multiple" in page
    assert 'capture="environment"' in page
    # Without htmx the same link opens the task page with the form open.
    response = client.get(reverse("tasks:report_form", args=[task.pk]))
    assert response["Location"] == f"/tasks/{task.pk}/?action=report#action-report"


def test_report_form_refused_for_a_reviewer(client, people, task):
    client.force_login(people.district_supervisor)
    response = client.get(reverse("tasks:report_form", args=[task.pk]), **HTMX)
    assert response.status_code == 403
    assert "您没有权限对该任务执行“报送进度”" in html(response)


def test_report_with_a_photo_through_htmx_answers_with_the_updated_card(client, people, task):
    client.force_login(people.staff)
    response = client.post(
        reverse("tasks:report", args=[task.pk]),
        {"progress": "60", "note": "已清理3条小巷", "files": [png()], "photos": [png("camera.png")]},
        **HTMX,
    )
    assert response.status_code == 200
    assert shown(response, "progress-value") == ["60%"]
    assert shown(response, "card-notice") == ["已报送进度：60%。"]
    assert shown(response, "state") == ["推进中"]
    assert 'id="my-work-summary" data-testid="my-work-summary" hx-swap-oob="true"' in html(response)
    task.refresh_from_db()
    assert (task.state, task.progress) == ("in_progress", 60)
    assert TaskAttachment.objects.filter(task=task, update__isnull=False).count() == 2


def test_report_without_htmx_redirects_to_the_task_page_with_a_message(client, people, task):
    client.force_login(people.staff)
    response = client.post(reverse("tasks:report", args=[task.pk]), {"progress": "30", "note": "开始整治"}, follow=True)
    assert response.redirect_chain == [(f"/tasks/{task.pk}/", 302)]
    assert "已报送进度：30%。" in html(response)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_lower_percent_is_asked_about_before_it_is_written(client, people, task, headers):
    """60 % reported, then 6 % (a thumb's slip): nothing is written until the person ticks 确认下调进度."""
    client.force_login(people.staff)
    services.task_report(actor=people.staff, task_id=task.pk, progress=60, note="已清理3条小巷")
    url = reverse("tasks:report", args=[task.pk])
    response = client.post(url, {"progress": "6", "note": "更正"}, **headers)
    assert response.status_code == 400
    assert shown(response, "error-progress") == [
        "比上次报送的 60% 低。如确需下调（例如更正误报），请勾选下方“确认下调进度”后再报送。"
    ]
    assert 'name="confirm_decrease"' in html(response) and "更正</textarea>" in html(response)
    assert 'data-current="60"' in html(response)  # the browser asks first (app.js), with the files
    # Without script, the photos chosen could not be kept: the form says so.
    response = client.post(url, {"progress": "6", "note": "更正", "files": [png()]}, **headers)
    assert shown(response, "error-files") == ["所选的照片和文件尚未上传：确认下调后请重新选择。"]
    task.refresh_from_db()
    assert task.progress == 60 and task.updates.count() == 1
    response = client.post(url, {"progress": "6", "note": "更正", "confirm_decrease": "on"}, **headers)
    assert response.status_code in (200, 302)
    task.refresh_from_db()
    assert task.progress == 6 and task.updates.count() == 2
    # The same or a higher percent needs no confirmation.
    assert client.post(url, {"progress": "6", "note": "同上"}, **headers).status_code in (200, 302)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("progress", ["150", "12.5"])  # 12.5: the same words, not Django's 输入整数
def test_percent_150_is_shown_next_to_the_field_and_nothing_saved(client, people, task, headers, progress):
    client.force_login(people.staff)
    response = client.post(
        reverse("tasks:report", args=[task.pk]), {"progress": progress, "note": "超额完成", "files": [png()]}, **headers
    )
    assert response.status_code == 400
    assert shown(response, "error-progress") == ["完成进度应为 0 到 100 之间的整数。"]
    assert "超额完成</textarea>" in html(response)  # what was typed is kept
    nothing_written(task)


def test_a_fake_jpg_is_refused_with_the_message(client, people, task, settings):
    client.force_login(people.staff)
    response = client.post(reverse("tasks:submit", args=[task.pk]), {"note": "全部完成", "files": [fake_jpg()]}, **HTMX)
    assert response.status_code == 400
    assert shown(response, "error-files") == ["文件“evil.jpg”不是允许的类型（只接受图片、PDF 和 Office 文档）。"]
    nothing_written(task)
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_submit_without_evidence_is_refused_next_to_the_files(client, people, task):
    client.force_login(people.staff)
    response = client.post(reverse("tasks:submit", args=[task.pk]), {"note": "完成了"})
    assert response.status_code == 400
    assert shown(response, "error-files") == ["该任务要求上传佐证材料（照片或文件）后才能提交验收。"]
    nothing_written(task)


def test_action_views_are_post_only(client, people, task):
    client.force_login(people.staff)
    assert client.get(reverse("tasks:report", args=[task.pk])).status_code == 405


# --- refusals: 404 out of scope, 403 not allowed, 409 changed ----------------------------------------


@pytest.mark.parametrize("person", ["staff_b", "cgj_staff", "nobody"])
@pytest.mark.parametrize(
    "action,data",
    [
        ("report", {"progress": "10", "note": "x"}),
        ("accept", {}),
        ("return", {"reason": "x"}),
        ("instruct", {"text": "x"}),
    ],
)
def test_out_of_scope_is_404_and_nothing_changes(client, people, task, person, action, data):
    client.force_login(getattr(people, person))
    assert client.post(reverse(f"tasks:{action}", args=[task.pk]), data).status_code == 404
    assert client.get(reverse("tasks:attachment", args=[task.pk, 1])).status_code == 404
    nothing_written(task)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_visible_but_not_allowed_gets_a_403_message(client, people, task, headers):
    client.force_login(people.district_supervisor)  # sees 甲区's tasks, is not in the owner unit
    response = client.post(reverse("tasks:report", args=[task.pk]), {"progress": "10", "note": "代报"}, **headers)
    assert response.status_code == 403
    assert "您没有权限对该任务执行“报送进度”。" in html(response)
    nothing_written(task)


def test_the_owner_unit_cannot_accept_its_own_submission(client, people, task):
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    client.force_login(people.head)
    response = client.post(reverse("tasks:accept", args=[task.pk]), {})
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).state == "submitted"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_task_that_changed_state_answers_409(client, people, task, headers):
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    client.force_login(people.staff)
    response = client.post(reverse("tasks:report", args=[task.pk]), {"progress": "70", "note": "再报"}, **headers)
    assert response.status_code == 409
    assert "任务状态已变化，请刷新" in html(response)
    assert "任务当前状态为“待验收”，不能报送进度。" in html(response)
    assert TaskUpdate.objects.filter(task=task).count() == 1


def test_return_needs_a_reason_shown_next_to_it(client, people, task):
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    client.force_login(people.supervisor)
    response = client.post(reverse("tasks:return", args=[task.pk]), {"reason": "   "})
    assert response.status_code == 400
    assert shown(response, "error-reason")
    assert Task.objects.get(pk=task.pk).state == "submitted"


def test_reassign_offers_only_visible_units_and_refuses_others(client, people, task, units):
    client.force_login(people.district_supervisor)
    page = html(client.get(reverse("tasks:detail", args=[task.pk])))
    select = page[page.index('id="id_reassign_owner_unit"') :].split("</select>")[0]
    assert "甲区人民政府" in select and "乙一街道办事处" not in select and "甲一街道办事处" not in select
    response = client.post(reverse("tasks:reassign", args=[task.pk]), {"owner_unit": units.street_b1.pk, "reason": "x"})
    assert response.status_code == 400
    assert Task.objects.get(pk=task.pk).owner_unit_id == units.street_a1.pk


def test_supervisor_changes_deadline_decomposes_and_a_leader_instructs(client, people, task, units):
    client.force_login(people.supervisor)
    new_deadline = task.deadline + dt.timedelta(days=5)
    response = client.post(
        reverse("tasks:change_deadline", args=[task.pk]), {"deadline": new_deadline.isoformat(), "reason": "雨季顺延"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("tasks:decompose", args=[task.pk]), {"units": [units.street_a1.pk, units.cgj.pk]}, follow=True
    )
    assert "已分解为 2 个子任务。" in html(response)
    assert Task.objects.filter(parent=task).count() == 2
    client.force_login(people.leader)
    client.post(reverse("tasks:instruct", args=[task.pk]), {"text": "本周内必须见效"})
    page = html(client.get(reverse("tasks:detail", args=[task.pk])))
    assert "领导批示：本周内必须见效" in page
    # Dates as the page writes them (2026年11月30日), not as the event keeps them.
    assert f"{zh_date(task.deadline)}</span> → <span" in page and zh_date(new_deadline) in page
    assert "0/2 完成" in page


def test_splitting_an_overdue_task_says_its_shares_are_born_overdue(client, people, task):
    """The sub-tasks take the task's deadline: a task already past it is split into shares that
    are overdue from their first moment, counted so against their units. The form says so before
    the click, and what to do instead (调整时限 first, for whoever may)."""
    client.force_login(people.supervisor)
    page = html(client.get(reverse("tasks:detail", args=[task.pk])))
    assert 'data-testid="form-decompose"' in page and 'data-testid="hint-units"' not in page
    Task.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    page = html(client.get(reverse("tasks:detail", args=[task.pk])))
    hint = page[page.index('data-testid="hint-units"') :].split("</div>")[0]
    assert "一经生成即为超期" in hint and "请先“调整时限”" in hint


def test_switching_language_on_a_refused_action_goes_back_to_the_task_page(client, people, task):
    """A refused 任务分解 is shown again at its POST-only address; the language switch there went
    back to it and the browser showed 405. It goes back to the page the form was on."""
    client.force_login(people.supervisor)
    detail = reverse("tasks:detail", args=[task.pk])
    response = client.post(reverse("tasks:decompose", args=[task.pk]), {}, HTTP_REFERER=f"http://testserver{detail}")
    assert response.status_code == 400
    page = html(response)
    switch = page[page.index('class="app-language-switch') :].split("</form>")[0]
    assert f'name="next" type="hidden" value="http://testserver{detail}"' in switch
    response = client.post(
        reverse("set_language"), {"language": "en", "next": f"http://testserver{detail}"}, HTTP_HOST="testserver"
    )
    assert response.status_code == 302 and response["Location"].endswith(detail)
    assert client.get(detail).status_code == 200
    # A second refusal, sent from the first: the Referer is the POST-only address itself — the
    # switch goes to the task the action belongs to.
    action = reverse("tasks:decompose", args=[task.pk])
    response = client.post(action, {}, HTTP_REFERER=f"http://testserver{action}")
    page = html(response)
    switch = page[page.index('class="app-language-switch') :].split("</form>")[0]
    assert f'name="next" type="hidden" value="{detail}"' in switch
    # No Referer at all (a browser that sends none): the same.
    page = html(client.post(action, {}))
    assert f'name="next" type="hidden" value="{detail}"' in page


def test_the_overdue_split_warning_writes_its_date_as_the_page_does_in_english(client, people, task):
    Task.objects.filter(pk=task.pk).update(deadline=dt.date(2026, 11, 30))
    client.force_login(people.supervisor)
    client.cookies["django_language"] = "en"
    page = html(client.get(reverse("tasks:detail", args=[task.pk]), HTTP_ACCEPT_LANGUAGE="en"))
    hint = page[page.index('data-testid="hint-units"') :].split("</div>")[0]
    assert "past its deadline (30 Nov 2026)" in hint


def zh_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


# --- the task page -------------------------------------------------------------------------------


def test_task_page_shows_details_figures_files_and_the_merged_timeline(client, people, task, campaign):
    standard = StandardFactory()
    campaign.standards.add(standard)
    task.indicators.add(IndicatorFactory(standard=standard, code="3.2", name="背街小巷整洁"))
    task.completion_standard = "路面无垃圾"
    task.contact_name, task.contact_phone = "刘经办", "13800000000"
    task.save()
    services.task_report(actor=people.staff, task_id=task.pk, progress=60, note="已清理3条小巷", files=[png("a.png")])
    services.task_submit(actor=people.staff, task_id=task.pk, note="全部完成", files=[png("b.png")])
    services.task_return(actor=people.district_supervisor, task_id=task.pk, reason="照片看不清")
    client.force_login(people.staff)
    response = client.get(reverse("tasks:detail", args=[task.pk]))
    page = html(response)
    for text in ("3.2", "背街小巷整洁", "路面无垃圾", "甲区人民政府", "示范市甲区甲一街道", "tel:13800000000"):
        assert text in page
    assert shown(response, "timeline-action") == ["报送进度", "提交验收", "退回"]
    assert shown(response, "timeline-actor") == ["staff_a1", "staff_a1", "dsupervisor"]
    event = TaskEvent.objects.get(task=task, action="return")
    shanghai = timezone.localtime(event.created_at, dt.timezone(dt.timedelta(hours=8)))
    assert (
        shown(response, "timeline-time")[-1] == f"{shanghai.year}年{shanghai.month}月{shanghai.day}日 {shanghai:%H:%M}"
    )
    assert shown(response, "timeline-return") == ["退回原因：照片看不清"]
    assert "dsupervisor 于" in page and "退回，原因：" in page  # the standing return on top
    assert page.count('data-testid="thumb"') == 2
    assert re.search(r"完成进度：<span[^>]*>0%</span> → <span[^>]*>60%</span>", page)
    assert shown(response, "action-report") == ["报送进度"]


def test_attachments_are_served_only_within_scope(client, people, task):
    services.task_report(actor=people.staff, task_id=task.pk, progress=10, note="照片", files=[png()])
    attachment = TaskAttachment.objects.get(task=task)
    url = reverse("tasks:attachment", args=[task.pk, attachment.pk])
    client.force_login(people.staff)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    client.force_login(people.staff_b)
    assert client.get(url).status_code == 404


# --- 任务台账 and its export --------------------------------------------------------------------------


@pytest.fixture
def ledger_tasks(campaign, units, city, people):
    a1 = dict(campaign=campaign, owner_unit=units.street_a1, region=city.a1, lead_unit=units.gov_a)
    tasks = {
        "overdue": TaskFactory(title="超期的小巷整治", start_date=days(-30), deadline=days(-3), **a1),
        "lagging": TaskFactory(title="滞后的市场整治", start_date=days(-20), deadline=days(2), progress=10, **a1),
        "done": TaskFactory(title="已完成的公厕改造", state=TaskState.DONE, progress=100, **a1),
        "b1": TaskFactory(
            title="乙区的任务", campaign=campaign, owner_unit=units.street_b1, region=city.b1, deadline=days(-1)
        ),
    }
    parent = TaskFactory(title="全市背街小巷整治", campaign=campaign, owner_unit=units.cgj, lead_unit=units.cgj)
    TaskFactory(title="子任务甲", parent=parent, campaign=campaign, owner_unit=units.street_a1, region=city.a1)
    TaskFactory(
        title="子任务乙",
        parent=parent,
        campaign=campaign,
        owner_unit=units.street_b1,
        deadline=days(-1),
        start_date=days(-10),
        state=TaskState.DONE,
    )
    tasks["parent"] = parent
    return tasks


def test_ledger_counts_chips_filters_and_rollup(client, people, ledger_tasks):
    client.force_login(people.supervisor)
    response = client.get(reverse("tasks:ledger"))
    page = html(response)
    assert len(shown(response, "task-title")) == 7
    assert re.search(r'data-testid="chip-all"[^>]*>\s*全部 <span[^>]*>7<', page)
    assert re.search(r'data-testid="chip-done"[^>]*>\s*已完成 <span[^>]*>2<', page)
    assert re.search(r'data-testid="chip-overdue"[^>]*>\s*超期未完成 <span[^>]*>2<', page)  # 超期的小巷整治, 乙区的任务
    assert "子任务 1/2 完成" in page
    response = client.get(reverse("tasks:ledger"), {"state": "done"})
    assert sorted(shown(response, "task-title")) == ["子任务乙", "已完成的公厕改造"]
    assert re.search(r'data-testid="chip-all"[^>]*>\s*全部 <span[^>]*>7<', html(response))  # chips ignore state
    assert 'data-testid="chip-done" aria-current="true"' in html(response)
    # 超期未完成 and 已完成 cannot hold together: each chip replaces the other.
    assert re.search(r'href="/tasks/\?overdue=true" class="[^"]*" data-testid="chip-overdue"', html(response))
    page = html(client.get(reverse("tasks:ledger"), {"overdue": "true"}))
    assert re.search(r'href="/tasks/\?state=done" class="[^"]*" data-testid="chip-done"', page)
    # The panel's checkbox beside a lit 已完成: empty by definition, and the list says so.
    response = client.get(reverse("tasks:ledger"), {"overdue": "true", "state": "done"})
    assert shown(response, "task-title") == []
    assert shown(response, "overdue-contradiction")[0].startswith("“超期未完成”只出现在未办结的状态中")
    assert 'href="/tasks/?overdue=true">查看全部“超期未完成”' in html(response)
    page = html(client.get(reverse("tasks:ledger") + "?state=done&state=in_progress"))
    lit = re.findall(r'data-testid="chip-(\w+)" aria-current="true"', page)
    assert lit == ["in_progress", "done"]  # several states asked for: each lit, 全部 not
    response = client.get(reverse("tasks:ledger"), {"overdue": "true"})
    assert shown(response, "task-title") == ["超期的小巷整治", "乙区的任务"]
    # The panel's 否 leaves them out: the chip shows no count (it would be 0 by definition while
    # its link lists both), leads to 是, and the page says what the state counts leave out.
    response = client.get(reverse("tasks:ledger"), {"overdue": "false"})
    assert "超期的小巷整治" not in shown(response, "task-title")
    chip = re.search(r'<a href="([^"]*)"[^>]*data-testid="chip-overdue"[^>]*>(.*?)</a>', html(response), re.S)
    assert chip.group(1) == "/tasks/?overdue=true" and "count-overdue" not in chip.group(2)
    assert shown(response, "chips-overdue-note") == ["各状态数量不含“超期未完成”的"]
    # The panel shows the 否 (a tick cannot: a choice of three), so a search from it keeps it.
    assert re.search(r'<option value="false" selected>否</option>', html(response))
    # Read as the filter reads it: False and True too; a value it reads as nothing filters
    # nothing, and the folded panel's button does not count it.
    response = client.get(reverse("tasks:ledger"), {"overdue": "False"})
    assert shown(response, "chips-overdue-note") == ["各状态数量不含“超期未完成”的"]
    response = client.get(reverse("tasks:ledger"), {"overdue": "True"})
    assert 'btn-danger app-chip" data-testid="chip-overdue"' in html(response)
    for value in ("abc", "0"):
        page = html(client.get(reverse("tasks:ledger"), {"overdue": value}))
        toggle = re.search(r'data-testid="ledger-filter-toggle">(.*?)</button>', page, re.S).group(1)
        assert "badge" not in toggle and len(re.findall(r'data-testid="task-title"', page)) == 7, value
    # With a state asked for, the chip counts what its link lists: the overdue ones of that state.
    for state in ("not_started", "in_progress"):
        page = html(client.get(reverse("tasks:ledger"), {"state": state}))
        chip = re.search(r'<a href="([^"]*)"[^>]*data-testid="chip-overdue"[^>]*>(.*?)</a>', page, re.S)
        badge = re.search(r'data-testid="count-overdue"[^>]*>(\d+)<', chip.group(2))
        listed = shown(client.get(chip.group(1).replace("&amp;", "&")), "task-title")
        assert int(badge.group(1)) == len(listed), state
    response = client.get(reverse("tasks:ledger"), {"lagging": "true"})
    assert "滞后的市场整治" in shown(response, "task-title")
    response = client.get(reverse("tasks:ledger"), {"q": "小巷", "top_level": "true"}, **HTMX)
    assert shown(response, "task-title") == ["超期的小巷整治", "全市背街小巷整治"]
    assert "<html" not in html(response)  # the results part only


def test_a_decomposed_task_shows_its_childrens_light(client, people, campaign, units, city):
    """A parent is measured through its sub-tasks (as 超期未完成 counts it): its light is theirs —
    not 正常 while one of them is overdue — and says it is theirs."""
    parent = TaskFactory(title="全市背街小巷整治", campaign=campaign, owner_unit=units.cgj, deadline=days(60))
    TaskFactory(
        title="子任务甲",
        parent=parent,
        campaign=campaign,
        owner_unit=units.street_a1,
        start_date=days(-9),
        deadline=days(-2),
    )
    TaskFactory(title="子任务乙", parent=parent, campaign=campaign, owner_unit=units.street_b1, deadline=days(30))
    client.force_login(people.supervisor)

    def parent_light():
        page = html(client.get(reverse("tasks:ledger"), {"top_level": "true"}))
        row = page[page.index(f'data-task="{parent.pk}"') :]
        return re.search(r'data-testid="light" title="([^"]*)"', row).group(1), row[: row.index("</tr>")]

    title, row = parent_light()
    assert title == "子任务超期" and "app-light-red" in row and "剩余 60 天" in row
    # Its progress is its sub-tasks' on average, its lag their worst — not its own unreported 0 %.
    assert 'title="子任务平均进度">0%<' in row and "子任务最大滞后 100 个百分点" in row
    assert 'data-testid="state">已分解执行<' in row  # not its own never-reported 未开始
    # The export says the same.
    sheet = load_workbook(io.BytesIO(client.get(reverse("tasks:export"), {"top_level": "true"}).content)).active
    rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in sheet[1]]
    exported = dict(zip(header, rows["全市背街小巷整治"], strict=True))
    assert (exported["状态"], exported["完成进度（%）"], exported["滞后（百分点）"]) == ("已分解执行", 0, 100)
    # And the API, in the list and for the one task: its light and lag are its sub-tasks', its
    # rollup how they stand; its own reported progress stays its own.
    listed = client.get("/api/v1/tasks/", {"top_level": "true"}).json()["results"]
    one = next(t for t in listed if t["id"] == parent.pk)
    assert one == client.get(f"/api/v1/tasks/{parent.pk}/").json()
    assert (one["traffic_light"], one["lag"], one["progress"]) == ("red", 100, 0)
    assert one["rollup"] == {"total": 2, "done": 0, "overdue": 1, "worst_lag": 100, "light": "red", "progress": 0}
    assert all(t["rollup"] is None for t in listed if t["id"] != parent.pk and not t["children_count"])
    assert Task.objects.filter(parent=parent).update(state=TaskState.DONE, progress=100) == 2
    title, row = parent_light()
    # Its own state still says 未开始: the grey light's words are not hidden beside it.
    assert title == "子任务均已完成" and 'app-light-label">子任务均已完成<' in row
    detail = html(client.get(reverse("tasks:detail", args=[parent.pk])))
    assert 'title="子任务均已完成"' in detail


def test_a_decomposed_task_counts_under_the_chip_of_what_it_reads(client, people, task, units):
    """Decomposed through the service, a 未开始 task is 推进中: the 未开始 chip no longer counts a
    row that reads 已分解执行, the 推进中 chip's list holds it; submitted, it reads 待验收."""
    client.force_login(people.supervisor)

    def chip(page, state):
        return int(re.search(rf'data-testid="chip-{state}"[^>]*>\s*\S+ <span[^>]*>(\d+)<', page).group(1))

    before = html(client.get(reverse("tasks:ledger")))
    services.task_decompose(actor=people.supervisor, task_id=task.pk, parts=[{"owner_unit": units.street_a1}])
    after = html(client.get(reverse("tasks:ledger")))
    assert chip(after, "pending") == chip(before, "pending")  # the parent out, its new sub-task in
    assert chip(after, "in_progress") == chip(before, "in_progress") + 1
    working = html(client.get(reverse("tasks:ledger"), {"state": "in_progress"}))
    row = working[working.index(f'data-task="{task.pk}"') :]
    assert 'data-testid="state">已分解执行<' in row[: row.index("</tr>")]
    assert f'data-task="{task.pk}"' not in html(client.get(reverse("tasks:ledger"), {"state": "pending"}))
    Task.objects.filter(pk=task.pk).update(state=TaskState.SUBMITTED)
    row = html(client.get(reverse("tasks:ledger"), {"state": "submitted"}))
    row = row[row.index(f'data-task="{task.pk}"') :]
    assert 'data-testid="state">待验收<' in row[: row.index("</tr>")]


def test_top_level_is_the_top_of_what_the_person_sees(client, people, campaign, units):
    """A district's share of a city task is the top of the district's ledger: 仅顶层任务 keeps
    it for the district's supervisor (its parent is out of their sight), not for the city's."""
    city_task = TaskFactory(title="全市占道经营整治", campaign=campaign, owner_unit=units.cgj)
    share = TaskFactory(title="甲一街道占道经营整治", campaign=campaign, owner_unit=units.street_a1, parent=city_task)
    below = TaskFactory(title="甲一街道第一网格", campaign=campaign, owner_unit=units.street_a1, parent=share)

    def top(user):
        client.force_login(user)
        page = html(client.get(reverse("tasks:ledger"), {"top_level": "true"}))
        api = client.get("/api/v1/tasks/", {"top_level": "true", "page_size": 100}).json()["results"]
        ids = {t.pk for t in (city_task, share, below) if f'data-task="{t.pk}"' in page}
        assert ids == {t["id"] for t in api} & {city_task.pk, share.pk, below.pk}  # the API agrees
        return ids

    assert top(people.district_supervisor) == {share.pk}
    assert top(people.supervisor) == {city_task.pk}


def test_a_recurring_series_says_its_rounds_done_not_a_percent(client, people, campaign, units):
    """常态化: two weekly rounds done of three so far is not the series 67 % or 98 % done."""
    series = TaskFactory(
        title="背街小巷卫生周巡查", campaign=campaign, owner_unit=units.cgj, recurrence="weekly", deadline=days(100)
    )
    for n, state in enumerate([TaskState.DONE, TaskState.DONE, TaskState.IN_PROGRESS]):
        TaskFactory(
            title=f"第 {n + 1} 周",
            parent=series,
            campaign=campaign,
            owner_unit=units.cgj,
            occurrence_date=days(-14 + 7 * n),
            start_date=days(-14 + 7 * n),
            deadline=days(-8 + 7 * n),
            state=state,
            progress=100 if state == TaskState.DONE else 40,
        )
    client.force_login(people.supervisor)
    page = html(client.get(reverse("tasks:ledger"), {"top_level": "true"}))
    row = page[page.index(f'data-task="{series.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="progress-value">已完成 2/3 期<' in row and "%" not in shown_in(row, "progress")
    assert 'data-testid="state">常态化执行中<' in row
    detail = html(client.get(reverse("tasks:detail", args=[series.pk])))
    assert re.search(r'data-testid="figure-progress">2/3<', detail)


def shown_in(fragment, testid):
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</div>', fragment, re.S)
    return match.group(1) if match else ""


def test_a_community_from_an_overviews_link_narrows_the_ledger(client, people, ledger_tasks, campaign, units, city):
    """An overview of a community links its 超期/滞后 tasks with ?region=<community>: the ledger
    filters by it and shows it chosen (the select offers city, districts and streets)."""
    here = TaskFactory(title="社区的任务", campaign=campaign, owner_unit=units.street_a1, region=city.a1v)
    for person in (people.supervisor, people.district_supervisor):
        client.force_login(person)
        response = client.get(reverse("tasks:ledger"), {"region": city.a1v.pk})
        assert shown(response, "task-title") == [here.title]
        assert "ignored-filters" not in html(response)
        assert re.search(rf'<option value="{city.a1v.pk}"[^>]*selected', html(response))


def test_a_ledger_filter_out_of_scope_is_named(client, people, ledger_tasks, units):
    """A unit the person may not choose is left out of the ledger's filter, and the ledger says so."""
    client.force_login(people.district_supervisor)  # 甲区
    response = client.get(reverse("tasks:ledger"), {"unit": units.street_b1.pk})
    assert response.status_code == 200
    assert shown(response, "ignored-filters") == ["以下筛选条件不在您的查看范围内或已失效，未使用：单位。"]
    assert "ignored-filters" not in html(client.get(reverse("tasks:ledger"), {"unit": units.street_a1.pk}))


def test_a_keyword_with_no_task_within_other_conditions_offers_it_everywhere(client, people, ledger_tasks):
    client.force_login(people.supervisor)
    response = client.get(reverse("tasks:ledger"), {"q": "小巷", "state": "done"})
    assert shown(response, "task-title") == []
    assert 'href="/tasks/?q=%E5%B0%8F%E5%B7%B7" data-testid="search-everywhere"' in html(response)
    assert "search-everywhere" not in html(client.get(reverse("tasks:ledger"), {"q": "不存在的词"}))
    assert "search-everywhere" not in html(client.get(reverse("tasks:ledger"), {"q": "不存在的词", "state": "done"}))
    client.cookies["django_language"] = "en"
    assert shown(client.get(reverse("tasks:ledger"), {"q": "小巷", "state": "done"}), "search-everywhere") == [
        "Search all tasks for “小巷”"
    ]


def test_filter_checkboxes_stay_ticked_on_a_filtered_page(client, people):
    """A page opened with 已超期 (a chip's link, a reload) shows the box ticked, so the next 查询
    keeps it — the ledger and the issue list share the filter card."""
    client.force_login(people.supervisor)
    for url, ticked, unticked in [
        (reverse("tasks:ledger"), ("overdue", "lagging"), ("top_level",)),
        (reverse("inspections:issue_list"), ("overdue", "urgent"), ("reworked",)),
    ]:
        page = html(client.get(url, {name: "true" for name in ticked}))
        for name in ticked:
            assert re.search(rf'name="{name}" value="true" checked>', page), name
        for name in unticked:
            assert re.search(rf'name="{name}" value="true">', page), name


def test_ledger_is_scoped_for_a_district_supervisor(client, people, ledger_tasks):
    client.force_login(people.district_supervisor)
    titles = shown(client.get(reverse("tasks:ledger")), "task-title")
    assert "乙区的任务" not in titles and "子任务乙" not in titles and "超期的小巷整治" in titles


@pytest.fixture
def office_led(campaign, units, city, people):
    """Tasks the 创建办 owns and leads, each overdue by 3 days (the day of 超期升级): in the city at
    large, in 乙区, in 甲区 (the leader's 包保), and in 乙区 with the leader as 责任领导."""
    led = dict(
        campaign=campaign,
        owner_unit=units.office,
        lead_unit=units.office,
        start_date=days(-30),
        deadline=days(-3),
        created_by=people.supervisor,
    )
    return {
        "city_wide": TaskFactory(title="全市创建工作推进", region=city.city, **led),
        "yi": TaskFactory(title="乙区创建督导", region=city.b, **led),
        "jia": TaskFactory(title="甲区创建督导", region=city.a, **led),
        "escalated": TaskFactory(title="乙区主干道整治", region=city.b, responsible_leader=people.leader, **led),
    }


def test_a_leaders_pages_hold_their_bao_bao_and_what_is_escalated_to_them(client, people, task, office_led):
    """The leader is listed under the 创建办 but answers for 甲区: the office's tasks elsewhere
    are not in their ledger, export or task pages, and cannot be 批示-ed; what the reminder pass
    escalates to them opens, with 批示 offered."""
    reminders_dispatch()
    escalations = Notice.objects.filter(recipient=people.leader, kind="escalation")
    mine = [office_led["jia"], office_led["escalated"]]
    assert sorted(n.url for n in escalations) == sorted(reverse("tasks:detail", args=[t.pk]) for t in mine)
    client.force_login(people.leader)
    expected = sorted([task.title, *(t.title for t in mine)])
    assert sorted(shown(client.get(reverse("tasks:ledger")), "task-title")) == expected
    assert sorted(_export_titles(client.get(reverse("tasks:export")))[0]) == expected
    for notice in escalations:
        response = client.get(notice.url)
        assert response.status_code == 200
        assert 'data-testid="action-instruct"' in html(response)
    for name in ("city_wide", "yi"):
        other = office_led[name]
        assert client.get(reverse("tasks:detail", args=[other.pk])).status_code == 404
        assert client.post(reverse("tasks:instruct", args=[other.pk]), {"text": "抓紧"}).status_code == 404
        assert not TaskEvent.objects.filter(task=other, action="instruct").exists()
    response = client.post(reverse("tasks:instruct", args=[office_led["escalated"].pk]), {"text": "本周内整改到位"})
    assert response.status_code == 302
    assert TaskEvent.objects.get(task=office_led["escalated"], action="instruct").comment == "本周内整改到位"
    # The office's own people still have the city-wide task: it is the leader, not the task, that moved.
    client.force_login(people.supervisor)
    assert client.get(reverse("tasks:detail", args=[office_led["city_wide"].pk])).status_code == 200


def _export_titles(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "任务名称", "创建活动", "责任单位")
    return [r[1] for r in rows[1:]], rows


@pytest.mark.parametrize(
    "query",
    [{}, {"overdue": "true"}, {"state": ["in_progress", "pending"]}, {"q": "小巷"}, {"unit": "UNIT"}],
    ids=["all", "overdue", "two-states", "keyword", "unit"],
)
def test_export_rows_equal_the_filtered_ledger(client, people, ledger_tasks, units, query):
    query = {k: (units.street_a1.pk if v == "UNIT" else v) for k, v in query.items()}
    for person in (people.supervisor, people.district_supervisor):
        client.force_login(person)
        on_page = shown(client.get(reverse("tasks:ledger"), query), "task-title")
        exported, _rows = _export_titles(client.get(reverse("tasks:export"), query))
        assert exported == on_page and on_page


def test_export_carries_the_figures(client, people, ledger_tasks):
    client.force_login(people.supervisor)
    _titles, rows = _export_titles(client.get(reverse("tasks:export"), {"q": "滞后的市场整治"}))
    header, row = rows
    values = dict(zip(header, row, strict=True))
    assert values["状态"] == "未开始" and values["完成进度（%）"] == 10
    assert values["滞后（百分点）"] == ledger_tasks["lagging"].lag() and values["是否超期"] == "否"
    assert values["牵头单位"] == "甲区人民政府"


# --- query budgets: they must not grow with rows ---------------------------------------------------


def _queries(client, url, **kwargs):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _bulk_tasks(n, **fields):
    Task.objects.bulk_create(
        [
            Task(
                title=f"批量任务{i}",
                start_date=days(-10 - i % 20),
                deadline=days(i % 30 - 10),
                progress=i % 90,
                **fields,
            )
            for i in range(n)
        ]
    )


def test_my_work_query_budget(client, people, campaign, units, city, django_assert_max_num_queries):
    client.force_login(people.staff)
    _bulk_tasks(3, campaign=campaign, owner_unit=units.street_a1, region=city.a1, lead_unit=units.gov_a)
    few = _queries(client, reverse("tasks:my_work"))
    _bulk_tasks(80, campaign=campaign, owner_unit=units.street_a1, region=city.a1, lead_unit=units.gov_a)
    assert _queries(client, reverse("tasks:my_work")) == few
    with django_assert_max_num_queries(10):
        client.get(reverse("tasks:my_work"))


def test_ledger_query_budget_with_500_tasks(client, people, campaign, units, city, django_assert_max_num_queries):
    client.force_login(people.supervisor)
    _bulk_tasks(5, campaign=campaign, owner_unit=units.street_a1, region=city.a1)
    few = _queries(client, reverse("tasks:ledger"))
    _bulk_tasks(520, campaign=campaign, owner_unit=units.street_a1, region=city.a1, lead_unit=units.gov_a)
    parents = list(Task.objects.order_by("id")[:60])
    for parent in parents:  # every task of the first page is decomposed
        _bulk_tasks(3, campaign=campaign, owner_unit=units.street_b1, parent=parent)
    assert Task.objects.count() > 700
    query = {"campaign": campaign.pk, "unit": units.street_a1.pk, "region": city.a.pk, "page": "2"}
    assert _queries(client, reverse("tasks:ledger")) == few
    with django_assert_max_num_queries(16):
        response = client.get(reverse("tasks:ledger"), query)
    assert len(shown(response, "task-title")) == 50
    with django_assert_max_num_queries(16):
        client.get(reverse("tasks:export"), query)


def test_task_page_query_budget(client, people, task, django_assert_max_num_queries):
    client.force_login(people.staff)
    services.task_report(actor=people.staff, task_id=task.pk, progress=5, note="开始", files=[png()])
    few = _queries(client, reverse("tasks:detail", args=[task.pk]))
    for i in range(25):
        services.task_report(actor=people.staff, task_id=task.pk, progress=10 + i, note=f"第{i}次", files=[png()])
        services.task_instruct(actor=people.leader, task_id=task.pk, text=f"批示{i}")
    assert _queries(client, reverse("tasks:detail", args=[task.pk])) == few
    with django_assert_max_num_queries(20):
        client.get(reverse("tasks:detail", args=[task.pk]))


# --- 任务分解表 import ---------------------------------------------------------------------------------

HEADER = [spellings[0] for spellings in COLUMNS.values()]


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "分解表.xlsx"
    return out


def _row(i, owner="甲一街道办事处"):
    return [str(i), f"农贸市场整治{i}", "划行归市", "", "甲区人民政府", owner, "", "", "2026-06-01", "2026-06-30", ""]


def test_import_preview_then_confirm(client, people, campaign, units, settings):
    client.force_login(people.supervisor)
    response = client.post(
        reverse("tasks:import"), {"campaign": campaign.pk, "file": _xlsx([_row(1), _row(2)])}, follow=True
    )
    batch = ImportBatch.objects.get()
    assert response.redirect_chain == [(f"/imports/batches/{batch.pk}/", 302)]
    assert html(response).count('data-testid="preview-row"') == 2
    assert "新建任务 2 个" in html(response)
    assert not Task.objects.exists()  # a preview writes nothing
    assert batch.file.name.startswith("imports/") and batch.original_name == "分解表.xlsx"  # the upload is kept
    client.force_login(people.admin)  # the batch is bound to the person who uploaded
    assert client.post(reverse("imports:confirm", args=[batch.pk])).status_code == 404
    client.force_login(people.supervisor)
    response = client.post(reverse("imports:confirm", args=[batch.pk]), follow=True)
    assert response.redirect_chain == [(f"/imports/batches/{batch.pk}/", 302)]
    assert "导入完成。" in html(response) and f'href="/tasks/?campaign={campaign.pk}"' in html(response)
    assert sorted(Task.objects.values_list("title", flat=True)) == ["农贸市场整治1", "农贸市场整治2"]
    replay = client.post(reverse("imports:confirm", args=[batch.pk]))  # a second confirm imports nothing
    assert replay.status_code == 409 and "不会重复导入" in html(replay)
    assert Task.objects.count() == 2


def test_import_with_a_bad_row_names_it_and_writes_nothing(client, people, campaign, units):
    client.force_login(people.supervisor)
    response = client.post(
        reverse("tasks:import"),
        {"campaign": campaign.pk, "file": _xlsx([_row(1), _row(2, owner="乙二街道办事处")])},
        follow=True,
    )
    assert response.status_code == 200
    errors = shown(response, "import-error")
    assert len(errors) == 1
    assert "第 3 行" in html(response) and "责任单位“乙二街道办事处”找不到" in html(response)
    assert 'data-testid="import-confirm"' not in html(response)
    # The row that did resolve is shown too: what each of its cells became.
    assert 'data-testid="import-partial"' in html(response)
    assert not Task.objects.exists()


def test_import_errors_read_in_english_without_chinese_punctuation(client, people, campaign, units):
    """QA: a row's problems were joined with “；” (and its candidates with “、”) in English too."""
    client.force_login(people.supervisor)
    client.cookies["django_language"] = "en"
    bad = _row(2, owner="乙二街道办事处")
    bad[9] = "尽快"  # a second problem on the same row
    response = client.post(reverse("tasks:import"), {"campaign": campaign.pk, "file": _xlsx([bad])}, follow=True)
    item = html(response).split('data-testid="import-error">', 1)[1].split("</li>", 1)[0]
    text = unescape(re.sub(r"<[^>]+>", "", item)).split("(write")[0]  # the examples quote Chinese phrasings
    assert text.startswith("Line 2: ") and '; Deadline "尽快"' in text, text
    assert not {"；", "、", "："} & set(text.replace("乙二街道办事处", "")), text


def test_import_refuses_other_files_and_other_roles(client, people, campaign):
    client.force_login(people.supervisor)
    text = io.BytesIO(b"hello")
    text.name = "tasks.txt"
    response = client.post(reverse("tasks:import"), {"campaign": campaign.pk, "file": text})
    assert response.status_code == 400 and "请上传 xlsx、xlsm、csv 文件" in html(response)
    client.force_login(people.head)
    assert client.post(reverse("tasks:import"), {"campaign": campaign.pk, "file": _xlsx([_row(1)])}).status_code == 403
    assert not Task.objects.exists() and not ImportBatch.objects.exists()


def test_import_template_has_the_headers_the_import_reads(client, people):
    client.force_login(people.supervisor)
    response = client.get(reverse("tasks:import_template"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[2]] == HEADER  # below a title row, as offices write it


# --- notices -------------------------------------------------------------------------------------------


def test_notices_page_lists_mine_and_opening_one_marks_it_read(client, people, task):
    services.task_submit(actor=people.staff, task_id=task.pk, note="完成", files=[png()])
    services.task_return(actor=people.supervisor, task_id=task.pk, reason="照片不清楚")
    notice = Notice.objects.get(recipient=people.staff, title__startswith="任务被退回")
    client.force_login(people.staff)
    page = html(client.get(reverse("notifications:list")))
    assert "任务被退回：背街小巷环境整治" in page and "照片不清楚" in page
    response = client.get(reverse("notifications:open", args=[notice.pk]))
    assert response["Location"] == f"/tasks/{task.pk}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notice.objects.filter(recipient=people.staff, read_at__isnull=True).exists()
    client.force_login(people.staff_b)
    assert client.get(reverse("notifications:open", args=[notice.pk])).status_code == 404


def test_pages_in_english(client, people, campaign, units, city):
    TaskFactory(campaign=campaign, owner_unit=units.street_a1, region=city.a1, start_date=days(-9), deadline=days(-2))
    client.force_login(people.staff)
    client.cookies["django_language"] = "en"
    try:
        response = client.get(reverse("tasks:my_work"))
    finally:
        translation.activate("zh-hans")  # the middleware left English active on this thread
    page = html(response)
    assert "My work" in page and shown(response, "days-left") == ["2 days overdue"]
    assert "100 points behind" in page


def test_a_done_cards_light_does_not_repeat_its_state_badge():
    """A card's badge already says 已完成: the light beside it keeps its dot and leaves the
    same word to screen readers; elsewhere (the ledger) the light says it."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    row = SimpleNamespace(light="done", light_color="secondary", light_label="已完成", light_beside_done_badge=True)
    assert 'app-light-label visually-hidden">已完成' in render_to_string(
        "tasks/partials/_light.html", {"row": row, "beside_state": True}
    )
    assert 'app-light-label">已完成' in render_to_string("tasks/partials/_light.html", {"row": row})
    row.light, row.light_label, row.light_beside_done_badge = "red", "超期", False
    assert 'app-light-label">超期' in render_to_string("tasks/partials/_light.html", {"row": row, "beside_state": True})
    # A card also says 超期 3 天 beside it: the red light's word is left to screen readers there.
    card = {"row": row, "beside_state": True, "beside_days": True}
    assert 'app-light-label visually-hidden">超期' in render_to_string("tasks/partials/_light.html", card)


def test_a_done_tasks_deadline_says_how_it_stood_to_the_deadline_not_done_again(people):
    """Beside the 已完成 badge the deadline line says 按期完成 or by how many days late it was
    accepted (acceptance decides 按期, as 任务按期完成率 counts it), in the reader's language."""
    from tasks.views.common import TaskRow

    today = timezone.localdate()
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    on_time = TaskFactory(state=TaskState.DONE, deadline=today, done_at=noon, progress=100)
    late = TaskFactory(state=TaskState.DONE, deadline=today - dt.timedelta(days=3), done_at=noon, progress=100)
    unknown = TaskFactory(state=TaskState.DONE, deadline=today, done_at=None, progress=100)
    text = [TaskRow(task=t, today=today).deadline_text for t in (on_time, late, unknown)]
    assert text == ["按期完成", "超期 3 天验收", "已完成"]
    with translation.override("en"):
        assert TaskRow(task=late, today=today).deadline_text == "Accepted 3 days late"
