"""import_categories: the shipped 数字城管 list plus campaign categories; all or nothing;
idempotent; limits by major class when the file gives none."""

import pytest
from django.core.management import CommandError, call_command

from chuangcheng.tabular import ImportErrors
from inspections.imports import import_categories
from inspections.models import IssueCategory

pytestmark = pytest.mark.django_db
HEADER = "code,type,major,minor,name,time_limit,source\n"


def csv_file(tmp_path, body, name="cats.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_shipped_file_imports_once(settings):
    call_command("import_categories")
    total = IssueCategory.objects.count()
    # The national classes; another city's 地方扩展 classes (43 of 朝阳's) only when asked.
    assert IssueCategory.objects.exclude(kind="campaign").count() == 268
    assert not IssueCategory.objects.filter(major__contains="地方扩展").exists()
    assert IssueCategory.objects.get(code="100131").name == "沟槽厕所盖板"  # the source's typo (烩…) fixed
    # 暴露垃圾 is already a 数字城管 event: only five campaign categories are added, and 其他.
    assert set(IssueCategory.objects.filter(kind="campaign").values_list("name", flat=True)) == {
        "公益广告",
        "病媒生物",
        "门前三包",
        "占道经营",
        "绿地养护",
        "其他",
    }
    garbage = IssueCategory.objects.get(name="暴露垃圾")
    assert (garbage.time_limit_hours, garbage.area_class_limits) == (4, {"A": {"hours": 2}, "C": {"hours": 8}})
    green = IssueCategory.objects.get(name="绿地养护")
    assert (green.time_limit_days, green.default_unit_kind, green.unit_hint) == (5, "functional", "园林")
    assert IssueCategory.objects.get(code="100405").time_limit_days == 5  # 园林绿化 component
    assert IssueCategory.objects.filter(time_limit_hours__isnull=True, time_limit_days__isnull=True).count() == 0
    again = import_categories(settings.BASE_DIR / "data" / "case_categories.csv")
    assert (again.created, again.updated, again.unchanged, again.campaign_added) == (0, 0, 268, 0)
    assert IssueCategory.objects.count() == total
    call_command("import_categories", "--local-extensions")
    assert IssueCategory.objects.exclude(kind="campaign").count() == 311


def test_reimport_keeps_an_admins_limit_but_applies_a_files(tmp_path):
    path = csv_file(tmp_path, "200102,事件,市容环境,02,暴露垃圾,,x\n100405,部件,园林绿化,05,绿地,,x\n")
    import_categories(path, campaign_categories=False)
    IssueCategory.objects.filter(code="200102").update(time_limit_hours=3, area_class_limits={})
    import_categories(path, campaign_categories=False)
    assert IssueCategory.objects.get(code="200102").time_limit_hours == 3
    path = csv_file(tmp_path, "200102,事件,市容环境,02,暴露垃圾,A:1工作时;B:2工作时,x\n")
    result = import_categories(path, campaign_categories=False)
    garbage = IssueCategory.objects.get(code="200102")
    assert result.updated == 1
    assert (garbage.time_limit_hours, garbage.area_class_limits) == (2, {"A": {"hours": 1}})


def test_bad_file_is_refused_whole_with_line_numbers(tmp_path):
    path = csv_file(
        tmp_path,
        "A1,事件,市容环境,01,好的一行,,x\n"
        "A2,设施,市容环境,02,类型错,,x\n"
        "A1,事件,市容环境,03,编码重复,,x\n"
        "A4,事件,市容环境,04,时限错,尽快,x\n"
        "A5,事件,,05,,,x\n",
    )
    with pytest.raises(ImportErrors) as exc:
        import_categories(path)
    lines = [line for line, _ in exc.value.errors]
    assert lines == [3, 4, 5, 6]
    text = str(exc.value)
    assert "类型“设施”" in text and "与第 2 行重复" in text and "尽快" in text and "缺少名称" in text
    assert not IssueCategory.objects.exists()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_categories", str(path))
    assert not IssueCategory.objects.exists()


def test_missing_column_and_dry_run(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nX,Y\n", encoding="utf-8")
    with pytest.raises(ImportErrors, match="表头缺少列"):
        import_categories(bad)
    good = csv_file(tmp_path, "A1,事件,市容环境,01,好的一行,,x\n")
    result = import_categories(good, dry_run=True)
    assert result.created == 1 and not IssueCategory.objects.exists()


def test_one_code_list_of_the_file():
    """--source: the rows of one code list only (the shipped file holds two)."""
    call_command("import_categories", "--source", "cetccity_BJ_codes", "--no-campaign-categories")
    assert set(IssueCategory.objects.values_list("source", flat=True)) == {"cetccity_BJ_codes"}
    assert IssueCategory.objects.get(code="BJ0101").major == "公用设施"
    assert not IssueCategory.objects.filter(code="100101").exists()
