from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chuangcheng.campaigns.imports import import_indicators
from chuangcheng.campaigns.models import Indicator, Standard
from chuangcheng.tabular import ImportErrors

DATA = Path(__file__).resolve().parents[2] / "data"
pytestmark = pytest.mark.django_db


def test_sample_standard_imports_as_a_tree_and_reimport_is_a_no_op():
    result = import_indicators(DATA / "sample_standard_weisheng.csv", standard_name="国家卫生城市标准", version="2021")
    assert result.created == 37
    standard = Standard.objects.get(name="国家卫生城市标准", version="2021")
    chapters = Indicator.objects.filter(standard=standard, parent__isnull=True)
    assert chapters.count() == 8
    item = Indicator.objects.get(standard=standard, code="1.1")
    assert item.parent.code == "1"
    assert item.method == "document"
    assert item.max_score == 4
    assert Indicator.objects.filter(standard=standard, negative_list=True).exists()
    again = import_indicators(DATA / "sample_standard_weisheng.csv", standard_name="国家卫生城市标准", version="2021")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 37)


def test_chinese_headers_and_update(tmp_path):
    path = tmp_path / "std.csv"
    path.write_text("编号,上级编号,名称,分值,测评方法,负面清单,说明\n1,,环境卫生,,,,\n1.1,1,道路清扫,5,实地考察,否,\n")
    import_indicators(path, standard_name="试点")
    path.write_text(
        "编号,上级编号,名称,分值,测评方法,负面清单,说明\n1,,环境卫生,,,,\n1.1,1,道路清扫保洁,6,实地考察,是,\n"
    )
    result = import_indicators(path, standard_name="试点")
    assert (result.created, result.updated) == (0, 1)
    item = Indicator.objects.get(code="1.1")
    assert (item.name, item.max_score, item.negative_list) == ("道路清扫保洁", 6, True)


def test_bad_rows_are_named_and_nothing_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,parent_code,name,max_score,method,negative_list,description\n"
        "1,,ok,,,,\n1.1,9,b,x,奇怪,也许,\n1,,dup,,,,\n2,3,c,,,,\n3,2,d,,,,\n"
    )
    with pytest.raises(ImportErrors) as exc:
        import_indicators(path, standard_name="坏文件")
    text = str(exc.value)
    for expected in ("第 3 行", "分值", "测评方法", "负面清单", "第 4 行", "重复", "循环"):
        assert expected in text
    assert not Standard.objects.filter(name="坏文件").exists()
    assert Indicator.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("import_indicators", str(path), "--standard", "坏文件")


def test_sort_key_orders_numerically():
    assert Indicator.sort_key_for("1.10") > Indicator.sort_key_for("1.9")
