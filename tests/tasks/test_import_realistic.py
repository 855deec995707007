"""A 任务分解表 as an office writes it (issue 13): title rows, 各区人民政府, short names, deadline
phrases, one 长期坚持 row, one unknown leader. The dry run shows every resolution and exactly one
error; fixed, it imports the expanded tasks with the right dates, a recurring task, one notice
per unit, and remembers the inferred short names as aliases."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chuangcheng.notifications.models import Notice
from chuangcheng.org.models import UnitAlias
from chuangcheng.tabular import ImportErrors
from tasks.imports import import_tasks
from tasks.models import Recurrence, Task
from tests.fixtures import builders, world

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 3)  # a Thursday in the campaign


@pytest.fixture
def zz():
    return world.build()


def fixed_rows():
    rows = [list(r) for r in builders.TASK_ROWS]
    rows[builders.UNKNOWN_LEADER_ROW - 1][6] = "王建国"
    return rows


def test_the_dry_run_names_exactly_one_error_the_unknown_leader(tmp_path, zz, capsys):
    path = builders.task_table_xlsx(tmp_path / "任务分解表.xlsx")
    with pytest.raises(ImportErrors) as exc:
        import_tasks(path, campaign=zz.campaign, actor=zz.supervisor, dry_run=True, today=TODAY)
    assert len(exc.value.errors) == 1
    line, message = exc.value.errors[0]
    assert line == 3 + builders.UNKNOWN_LEADER_ROW  # title, subtitle, header above row 1
    assert "王建华" in message and "王建国" in message  # the unknown name, and the near one
    with pytest.raises(CommandError) as command:
        call_command("import_tasks", str(path), "--campaign", str(zz.campaign.pk), "--dry-run")
    assert str(command.value).count("第 ") == 1 and "王建华" in str(command.value)
    # …and every other row's resolution is printed above the error.
    out = capsys.readouterr().out
    assert out.count("第 ") == 19 and "住建局 → 郑州市住房和城乡建设局" in out
    assert Task.objects.count() == 0


def test_the_dry_run_shows_every_resolution(tmp_path, zz, capsys):
    path = builders.task_table_xlsx(tmp_path / "任务分解表.xlsx", rows=fixed_rows())
    plan = import_tasks(path, campaign=zz.campaign, actor=zz.supervisor, dry_run=True, today=TODAY)
    assert len(plan.rows) == 20 and Task.objects.count() == 0
    rows = {p.number: p for p in plan.rows}
    # 各区人民政府 → the three district governments; short names → the city bureaus.
    assert [u.name for u in rows["1"].owner_units] == ["中原区人民政府", "二七区人民政府", "金水区人民政府"]
    assert rows["1"].owners[0].how == "group"
    city_cgj = zz.departments["郑州市城市管理局"]
    assert (rows["1"].lead_unit, rows["1"].lead.how) == (city_cgj, "inferred")  # not 金水区城市管理局
    assert rows["2"].lead.how == "alias"  # 市城管局 is its 简称
    expected = {
        "住建局": "郑州市住房和城乡建设局",
        "市场监管局": "郑州市市场监督管理局",
        "卫健委": "郑州市卫生健康委员会",
        "城管局": "郑州市城市管理局",
    }
    assert {text: unit.name for text, unit in plan.inferred if text in expected} == expected
    # Deadlines in office language, each shown as the date it became.
    dates = {p.number: (p.deadline.text, p.deadline.date) for p in plan.rows}
    assert dates["1"] == ("2027年1月底前", dt.date(2027, 1, 31))
    assert dates["2"] == ("12月31日前", dt.date(2026, 12, 31))
    assert dates["3"] == ("年底前", dt.date(2026, 12, 31))
    assert dates["5"] == ("立行立改", TODAY)
    assert dates["6"] == ("长期坚持", zz.campaign.target_date)
    assert dates["10"] == ("3月底前", dt.date(2027, 3, 31))
    assert rows["6"].recurrence == Recurrence.MONTHLY
    # Leaders linked by name, a title or a bracketed note ignored; blank 区域 from the unit.
    assert rows["4"].leader == zz.wang and rows["6"].leader == zz.li
    assert rows["2"].region == zz.districts["金水区"] and not rows["2"].region_from_unit
    assert rows["3"].region == zz.city and rows["3"].region_from_unit
    # The command's dry run prints one line per row with each cell's resolution.
    call_command("import_tasks", str(path), "--campaign", str(zz.campaign.pk), "--dry-run")
    out = capsys.readouterr().out
    assert out.count("第 ") == 20
    assert (
        "住建局 → 郑州市住房和城乡建设局" in out
        and "各区人民政府 → 中原区人民政府、二七区人民政府、金水区人民政府" in out
    )
    assert "2027年1月底前 → 2027-01-31" in out and "每月重复" in out


def test_fixed_it_imports_the_expanded_tasks_with_one_notice_per_unit(
    tmp_path, zz, monkeypatch, django_capture_on_commit_callbacks
):
    from chuangcheng.notifications import jobs

    published = []
    monkeypatch.setattr(jobs.deliver, "apply_async", lambda args, **kw: published.append(args))
    path = builders.task_table_xlsx(tmp_path / "任务分解表.xlsx", rows=fixed_rows())
    with django_capture_on_commit_callbacks(execute=True):
        plan = import_tasks(path, campaign=zz.campaign, actor=zz.supervisor, today=TODAY, window="test")
    assert plan.created == 28 and Task.objects.count() == 28  # 20 rows, 3 of them decomposed (3 + 3 + 2)
    parent = Task.objects.get(number="1", parent__isnull=True)
    assert parent.owner_unit == zz.departments["郑州市城市管理局"]
    children = parent.children.order_by("owner_unit__name")
    assert [c.owner_unit.name for c in children] == ["中原区人民政府", "二七区人民政府", "金水区人民政府"]
    assert {c.deadline for c in children} == {dt.date(2027, 1, 31)}
    assert {c.region for c in children} == set(zz.districts.values())  # each district's own region
    assert Task.objects.get(number="2").deadline == dt.date(2026, 12, 31)
    assert Task.objects.get(number="5").deadline == TODAY
    recurring = Task.objects.get(number="6")
    assert (recurring.recurrence, recurring.deadline) == (Recurrence.MONTHLY, zz.campaign.target_date)
    assert (recurring.contact_name, recurring.contact_phone) == ("刘芳", "13800000006")
    # One digest notice per unit person, not one per task: the market bureau owns 4 tasks.
    market_staff = zz.staff["郑州市市场监督管理局"]
    notices = Notice.objects.filter(recipient=market_staff)
    assert notices.count() == 1 and "新任务 4 项" in notices.get().title
    gov_staff = zz.gov_staff["金水区"]
    assert Notice.objects.filter(recipient=gov_staff).count() == 1
    assert len(published) == 1  # one broker message for the whole import's e-mails (≤ 100 rows)
    # The inferred short names are remembered: a second file matches them as aliases.
    assert set(UnitAlias.objects.values_list("name", flat=True)) >= {"住建局", "市场监管局", "卫健委", "城管局"}
    again = import_tasks(path, campaign=zz.campaign, actor=zz.supervisor, today=TODAY, dry_run=True)
    assert {m.how for p in again.rows for m in p.owners if m.text == "住建局"} == {"alias"}
    assert all(p.duplicate for p in again.rows)  # and nothing would be imported twice


def test_unlinked_leaders_when_allowed_are_marked_on_the_task_and_in_the_ledger(tmp_path, zz, client):
    path = builders.task_table_xlsx(tmp_path / "任务分解表.xlsx")
    plan = import_tasks(path, campaign=zz.campaign, actor=zz.supervisor, today=TODAY, allow_unlinked_leaders=True)
    assert len(plan.warnings) == 1 and "王建华" in plan.warnings[0][1]
    task = Task.objects.get(number="13")
    assert task.responsible_leader is None and task.responsible_leader_name == "王建华"
    client.force_login(zz.supervisor)
    page = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert 'data-testid="leader-unlinked"' in page and "未关联" in page
    ledger = client.get(reverse("tasks:ledger"), {"leader_unlinked": "true"}).content.decode()
    assert ledger.count('data-testid="ledger-row"') == 1 and "老旧小区环境整治" in ledger
    assert 'data-testid="chip-leader-unlinked"' in client.get(reverse("tasks:ledger")).content.decode()


def test_a_task_written_over_several_rows_is_one_decomposed_task(tmp_path, zz):
    """序号 and 任务名称 merged over three rows, one 责任单位 each (the merge is filled down)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["郑州市重点任务分解表"])
    ws.append(builders.TASK_HEADER)
    rows = [
        [
            "1",
            "道路扬尘治理",
            "道路机扫率100%",
            "城管局",
            "中原区人民政府",
            "",
            "王建国",
            "2027年3月底前",
            "",
            "",
            "",
            "",
        ],
        [None, None, "道路机扫率100%", "城管局", "二七区人民政府", "", "王建国", "2027年3月底前", "", "", "", ""],
        [None, None, "道路机扫率100%", "城管局", "金水区人民政府", "住建局", "王建国", "2027年3月底前", "", "", "", ""],
        ["2", "渣土车管理", "", "城管局", "城管局", "", "王建国", "2027年2月底前", "", "", "", ""],
        [None, None, "", "城管局", "住建局", "", "李明", "2027年2月底前", "", "", "", ""],
    ]
    for row in rows:
        ws.append(row)
    for column in (1, 2):
        ws.merge_cells(start_row=3, start_column=column, end_row=5, end_column=column)
        ws.merge_cells(start_row=6, start_column=column, end_row=7, end_column=column)
    path = tmp_path / "分行填写.xlsx"
    wb.save(path)
    with pytest.raises(ImportErrors) as exc:
        import_tasks(path, campaign=zz.campaign, actor=zz.supervisor, today=TODAY)
    assert [line for line, _m in exc.value.errors] == [7]  # 渣土车管理: another leader on its second row
    rows[4][6] = "王建国"
    ws["G7"] = "王建国"
    wb.save(path)
    plan = import_tasks(path, campaign=zz.campaign, actor=zz.supervisor, today=TODAY)
    first = plan.rows[0]
    assert (first.line, first.lines) == (3, [4, 5])
    assert [u.name for u in first.owner_units] == ["中原区人民政府", "二七区人民政府", "金水区人民政府"]
    parent = Task.objects.get(number="1", parent__isnull=True)
    assert parent.children.count() == 3 and parent.region == zz.city
    assert set(parent.cooperating_units.values_list("name", flat=True)) == {"郑州市住房和城乡建设局"}
    assert Task.objects.get(number="2", parent__isnull=True).children.count() == 2


def test_a_body_inside_a_bureau_is_found_by_its_short_name(zz):
    from chuangcheng.org.matching import UnitMatcher
    from chuangcheng.org.models import Unit

    city_bureau = zz.departments["郑州市城市管理局"]
    police = Unit.objects.create(
        name="郑州市公安局交通警察支队", kind=city_bureau.kind, level=city_bureau.level, region=city_bureau.region
    )
    match = UnitMatcher(zz.campaign.region).resolve("交警支队")
    assert (match.how, match.units) == ("inferred", [police])
