"""实地考察细则 imports as offices write them: a merged title row, 点位类型 merged down its group
and written the way people say it (主干道, 菜市场, 公厕), 扣分 as "扣0.5分", √/× flags; every bad
row named and nothing written; re-importing changes nothing; the shared sample imports whole."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from chuangcheng.campaigns.imports import import_indicators
from chuangcheng.tabular import ImportErrors
from evaluations.imports import import_checklist, plan_checklist
from evaluations.models import CheckItem
from tests.inspections.factories import IssueCategoryFactory


def office_xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["郑州市模拟测评实地考察细则（2026年12月）"])
    ws.merge_cells("A1:G1")
    ws.append(["点位类型", "考察内容", "指标编号", "扣分标准", "不合格须拍照", "负面清单", "问题类别"])
    start = ws.max_row + 1
    for row in rows:
        ws.append(row)
    # 点位类型 written once per group and merged down, as offices do.
    ws.merge_cells(f"A{start}:A{start + 2}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ROWS = [
    ["主干道", "行走300米路面无暴露垃圾", "3.1", "扣0.5分", "√", "×", ""],
    [None, "无占道经营、店外经营", "3.1", "0.5分", "√", "", ""],
    [None, "公益广告3处以上", "2.2", "0.3", "×", "否", ""],
    ["菜市场", "活禽宰杀区域隔离", "5.1", "1", "是", "是", ""],
    ["公厕", "无明显异味、地面无积水", "3.6", "0.5", "是", "否", ""],
]


@pytest.fixture
def standard(db):
    result = import_indicators(
        Path(settings.BASE_DIR) / "data" / "sample_standard_weisheng.csv", standard_name="国家卫生城市标准"
    )
    return result.standard


def test_an_office_checklist_imports_and_reimports_unchanged(standard):
    data = office_xlsx(ROWS)
    plan = import_checklist(data, standard=standard, filename="细则.xlsx")
    assert plan.counts() == {"create": 5, "update": 0, "same": 0}
    items = {i.text: i for i in CheckItem.objects.filter(standard=standard)}
    assert items["无占道经营、店外经营"].site_type == "main_road"  # from the merged cell above
    assert items["公益广告3处以上"].photo_required is False
    assert items["活禽宰杀区域隔离"].site_type == "market" and items["活禽宰杀区域隔离"].negative_list
    assert items["无明显异味、地面无积水"].site_type == "toilet"
    assert str(items["行走300米路面无暴露垃圾"].points) == "0.50"
    again = import_checklist(data, standard=standard, filename="细则.xlsx")
    assert again.counts() == {"create": 0, "update": 0, "same": 5}


def test_every_bad_row_is_named_and_nothing_is_written(standard):
    rows = [
        *ROWS,
        ["停车场", "车辆停放有序", "3.1", "0.5", "", "", ""],
        ["主干道", "绿化带完好", "9.9", "半分", "", "", ""],
    ]
    with pytest.raises(ImportErrors) as error:
        plan_checklist(office_xlsx(rows), standard=standard, filename="细则.xlsx")
    text = str(error.value)
    assert "第 8 行" in text and "停车场" in text
    assert "第 9 行" in text and "9.9" in text and "半分" in text
    with pytest.raises(ImportErrors):
        import_checklist(office_xlsx(rows), standard=standard, filename="细则.xlsx")
    assert not CheckItem.objects.exists()


def test_the_shared_sample_checklist_imports_whole(standard):
    path = Path(settings.BASE_DIR) / "data" / "sample_field_checklist.csv"
    with pytest.raises(ImportErrors) as error:  # its categories are not in this database yet
        plan_checklist(path, standard=standard)
    assert "问题类别“暴露垃圾”不存在" in str(error.value)
    for n, name in enumerate(["暴露垃圾", "店外经营", "非法张贴小广告", "露天烧烤", "病媒生物"]):
        IssueCategoryFactory(code=f"S{n}", name=name)
    plan = import_checklist(path, standard=standard)
    assert len(plan.rows) == 43 == CheckItem.objects.filter(standard=standard).count()
    assert CheckItem.objects.filter(category__name="露天烧烤", site_type="store_street").exists()
