"""任务分解表 import: 200 rows fast, one bad row blocks everything and is named."""

import datetime as dt
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from chuangcheng.tabular import ImportErrors
from tasks.imports import import_tasks, parse_date, parse_deadline, split_names
from tasks.models import Task, TaskEvent
from tests.factories import IndicatorFactory, StandardFactory

pytestmark = pytest.mark.django_db
HEADER = [
    "序号",
    "任务名称",
    "完成标准",
    "指标编号",
    "牵头单位",
    "责任单位",
    "配合单位",
    "责任领导",
    "开始日期",
    "完成时限",
    "区域",
]


def workbook(tmp_path, rows, name="tasks.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


@pytest.fixture
def standard(campaign):
    standard = StandardFactory(name="国家卫生城市标准")
    IndicatorFactory(standard=standard, code="4.1", name="道路清扫")
    IndicatorFactory(standard=standard, code="4.2", name="垃圾清运")
    campaign.standards.add(standard)
    return standard


def good_row(i):
    return [
        str(i),
        f"背街小巷整治第{i}项",
        "路面无垃圾、无积水",
        "4.1、4.2",
        "甲区人民政府",
        "甲一街道办事处",
        "示范市城管局，乙一街道办事处",
        "leader",
        dt.datetime(2026, 11, 1),
        "2026年12月底",
        "甲区/甲一街道",
    ]


def test_two_hundred_rows_import_and_reimport_adds_nothing(tmp_path, campaign, standard, units, people):
    """The time is printed, not asserted: CI timings are too noisy (the figure is measured on
    PostgreSQL for docs/performance.md)."""
    path = workbook(tmp_path, [good_row(i) for i in range(1, 201)])
    started = time.monotonic()
    result = import_tasks(path, campaign=campaign, actor=people.supervisor)
    print(f"200-row import: {time.monotonic() - started:.2f} s")
    assert result.created == 200
    task = Task.objects.get(number="7")
    assert task.owner_unit == units.street_a1 and task.lead_unit == units.gov_a
    assert set(task.cooperating_units.values_list("name", flat=True)) == {"示范市城管局", "乙一街道办事处"}
    assert set(task.indicators.values_list("code", flat=True)) == {"4.1", "4.2"}
    assert task.deadline == dt.date(2026, 12, 31) and task.start_date == dt.date(2026, 11, 1)
    assert task.region.name == "甲一街道"
    assert TaskEvent.objects.filter(task=task, action="import", actor=people.supervisor).exists()
    again = import_tasks(path, campaign=campaign, actor=people.supervisor)
    assert (again.created, again.skipped) == (0, 200)
    assert Task.objects.count() == 200


def test_one_bad_row_blocks_and_is_named_with_candidates(tmp_path, campaign, standard, units, people):
    rows = [good_row(i) for i in range(1, 6)]
    rows[2][5] = "甲一街到办事处"  # a typo in 责任单位
    rows[3][3] = "9.9"  # an unknown indicator
    rows[4][9] = "尽快"  # an unreadable deadline
    with pytest.raises(ImportErrors) as exc:
        import_tasks(workbook(tmp_path, rows), campaign=campaign, actor=people.supervisor)
    errors = dict(exc.value.errors)
    assert "甲一街到办事处" in errors[4] and "最接近的是：甲一街道办事处" in errors[4]  # the nearest unit first
    assert "9.9" in errors[5]
    assert "尽快" in errors[6]
    assert Task.objects.count() == 0


def test_a_unit_like_none_of_ours_says_so_instead_of_an_empty_nearest(tmp_path, campaign, standard, units, people):
    rows = [good_row(1)]
    rows[0][5] = "气象观测站"
    with pytest.raises(ImportErrors) as exc:
        import_tasks(workbook(tmp_path, rows), campaign=campaign, actor=people.supervisor)
    (message,) = dict(exc.value.errors).values()
    assert "“气象观测站”找不到，也没有名称相近的单位" in message and "最接近" not in message


@pytest.mark.parametrize(("language", "joined"), [("zh-hans", "；完成时限“尽快”"), ("en", '; Deadline "尽快"')])
def test_a_rows_problems_join_as_the_reader_reads(tmp_path, campaign, standard, units, people, language, joined):
    """QA: several problems of one row were joined with “；” in English too."""
    rows = [good_row(1)]
    rows[0][3] = "9.9"  # an unknown indicator
    rows[0][9] = "尽快"  # and an unreadable deadline
    with translation.override(language), pytest.raises(ImportErrors) as exc:
        import_tasks(workbook(tmp_path, rows), campaign=campaign, actor=people.supervisor)
    message = dict(exc.value.errors)[2]
    assert "9.9" in message and joined in message, message
    assert language == "zh-hans" or not {"；", "、"} & set(message.split("(write")[0]), message


def test_several_responsible_units_are_decomposed(tmp_path, campaign, standard, units, people):
    row = good_row(1)
    row[5] = "甲一街道办事处、乙一街道办事处"
    import_tasks(workbook(tmp_path, [row]), campaign=campaign, actor=people.supervisor)
    parent = Task.objects.get(parent__isnull=True)
    assert parent.owner_unit == units.gov_a
    assert set(parent.children.values_list("owner_unit__name", flat=True)) == {"甲一街道办事处", "乙一街道办事处"}
    assert parent.state == "in_progress"  # its work goes on in the two units' tasks
    assert parent.events.get(action="decompose").to_state == "in_progress"


def test_dry_run_and_permission(tmp_path, campaign, standard, units, people):
    path = workbook(tmp_path, [good_row(1)])
    assert len(import_tasks(path, campaign=campaign, actor=people.supervisor, dry_run=True).rows) == 1
    assert Task.objects.count() == 0
    with pytest.raises(ImportErrors):
        import_tasks(path, campaign=campaign, actor=people.staff)
    with pytest.raises(CommandError):
        call_command("import_tasks", str(tmp_path / "missing.xlsx"), "--campaign", str(campaign.pk))
    call_command("import_tasks", str(path), "--campaign", str(campaign.pk), "--user", "supervisor")
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-12-31", dt.date(2026, 12, 31)),
        ("2026/2/3", dt.date(2026, 2, 3)),
        ("2026年12月31日", dt.date(2026, 12, 31)),
        ("2026年2月底", dt.date(2026, 2, 28)),
        ("2026-02-30", None),
        ("长期坚持", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text,expected,how",
    [
        ("2027年1月底前", dt.date(2027, 1, 31), "date"),
        ("12月31日前", dt.date(2026, 12, 31), "inferred"),
        ("3月底前", dt.date(2027, 3, 31), "inferred"),
        ("1月15日前", dt.date(2027, 1, 15), "inferred"),
        ("6月中旬", dt.date(2027, 6, 20), "inferred"),
        ("年底前", dt.date(2026, 12, 31), "year_end"),
        ("2027年底前", dt.date(2027, 12, 31), "date"),
        ("立行立改", dt.date(2026, 12, 4), "immediate"),
        ("长期坚持", dt.date(2027, 6, 30), "ongoing"),
        ("常态化", dt.date(2027, 6, 30), "ongoing"),
        ("2026/12/20", dt.date(2026, 12, 20), "date"),
        ("尽快", None, ""),
        ("13月底前", None, ""),
    ],
)
def test_deadline_phrases_in_office_language(text, expected, how):
    """Years are inferred from the reference (the row's start): 12月31日前 on 3 December is this
    year's, 3月底前 next year's."""
    found = parse_deadline(
        text, reference=dt.date(2026, 12, 3), campaign_end=dt.date(2027, 6, 30), immediate=dt.date(2026, 12, 4)
    )
    assert (found.date, found.how) == (expected, how)


def test_names_split_outside_brackets():
    assert split_names("住建局、各县（市、区），市场监管局；卫健委") == [
        "住建局",
        "各县（市、区）",
        "市场监管局",
        "卫健委",
    ]
