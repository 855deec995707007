"""单位名录 and 测评点位清单 (issue 13): imported from files shaped like the office's (a title row,
short names, everyday type words), exported in the same columns, and an export imports back
unchanged; bad rows are named and nothing is written."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from chuangcheng.org.directory import import_sites, import_units
from chuangcheng.org.matching import UnitMatcher
from chuangcheng.org.models import AliasSource, Site, SiteType, Unit, UnitAlias
from chuangcheng.tabular import ImportErrors
from tests.fixtures import world

pytestmark = pytest.mark.django_db


def xlsx(tmp_path, title, header, rows, name="list.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


SITE_HEADER = ["点位名称", "点位类型", "所属区域", "地址", "经度", "纬度", "责任单位", "启用"]
SITE_ROWS = [
    ["经三路农贸市场", "菜市场", "郑州市/金水区", "经三路与黄河路交叉口", "113.6712", "34.7801", "市场监管局", "是"],
    ["花园路公交站", "公交站台", "金水区", "花园路农业路口", "113.6801", "34.7902", "交通运输局", ""],
    ["中原路", "主次干道", "410102", "", "", "", "中原区人民政府", "是"],
]


def test_sites_import_with_everyday_words_and_an_export_imports_back_unchanged(tmp_path, client):
    zz = world.build()
    path = xlsx(tmp_path, "2027年测评点位清单（第一批）", SITE_HEADER, SITE_ROWS)
    plan = import_sites(path, actor=zz.supervisor, dry_run=True)
    assert [r.site_type for r in plan.rows] == [SiteType.MARKET, SiteType.BUS_STOP, SiteType.MAIN_ROAD]
    assert Site.objects.count() == 0
    with pytest.raises(ImportErrors):  # supervisors do not keep the site list: administrators do
        import_sites(path, actor=zz.supervisor)
    admin = zz.admin
    result = import_sites(path, actor=admin)
    assert result.created == 3
    market = Site.objects.get(name="经三路农贸市场")
    assert market.responsible_unit == zz.departments["郑州市市场监督管理局"] and str(market.latitude) == "34.780100"
    assert Site.objects.get(name="中原路").region == zz.districts["中原区"]
    assert UnitAlias.objects.filter(name="市场监管局", source=AliasSource.CONFIRMED).exists()
    assert import_sites(path, actor=admin).created == 0
    client.force_login(admin)
    response = client.get(reverse("sites_export"))
    exported = tmp_path / "exported.xlsx"
    exported.write_bytes(response.content)
    sheet = load_workbook(exported).worksheets[0]
    assert [c.value for c in sheet[1]] == SITE_HEADER
    again = import_sites(exported, actor=admin, dry_run=True)
    assert [r.action for r in again.rows] == ["same"] * 3  # the export reads back as it is


def test_bad_site_rows_are_named_and_nothing_is_written(tmp_path):
    zz = world.build()
    rows = [
        ["甲点", "游乐场", "金水区", "", "", "", "园林局", ""],
        ["乙点", "农贸市场", "金水区", "", "34.78", "113.67", "园林局", ""],  # longitude and latitude swapped
        ["丙点", "农贸市场", "火星区", "", "", "", "不存在局", ""],
    ]
    with pytest.raises(ImportErrors) as exc:
        import_sites(xlsx(tmp_path, "清单", SITE_HEADER, rows), actor=zz.admin)
    errors = dict(exc.value.errors)
    assert "游乐场" in errors[3] and "农贸市场" in errors[3]
    assert "写反" in errors[4]
    assert "火星区" in errors[5] and "不存在局" in errors[5]
    assert not Site.objects.exists()


UNIT_HEADER = ["单位名称", "简称", "别名", "类型", "层级", "辖区", "上级单位", "启用"]


def test_the_unit_directory_brings_short_names_that_every_import_then_matches(tmp_path, client):
    zz = world.build()
    rows = [
        ["郑州市住房和城乡建设局", "市住建局", "住建委、建委", "职能部门", "市直", "郑州市", "", "是"],
        ["郑州市城乡规划局", "市规划局", "", "条", "市直", "郑州市", "", "是"],
        ["花园路街道社区卫生服务中心", "", "", "其他", "街道", "金水区/金水路街道", "金水区人民政府", "是"],
    ]
    path = xlsx(tmp_path, "郑州市创建工作成员单位名录", UNIT_HEADER, rows)
    result = import_units(path, actor=zz.admin)
    assert (result.created, result.updated) == (2, 1)  # 住建局 exists: its 简称 and 别名 are added
    housing = zz.departments["郑州市住房和城乡建设局"]
    housing.refresh_from_db()
    assert housing.short_name == "市住建局"
    assert set(housing.aliases.values_list("name", flat=True)) == {"住建委", "建委"}
    assert Unit.objects.get(name="花园路街道社区卫生服务中心").parent == zz.governments["金水区"]
    match = UnitMatcher(zz.city).resolve("住建委")
    assert (match.how, match.unit) == ("alias", housing)
    assert import_units(path, actor=zz.admin).created == 0
    client.force_login(zz.admin)
    exported = tmp_path / "units.xlsx"
    exported.write_bytes(client.get(reverse("units_export")).content)
    again = import_units(exported, actor=zz.admin, dry_run=True)
    assert {r.action for r in again.rows} == {"same"}


def test_the_import_pages_preview_sites(tmp_path, client):
    zz = world.build()
    client.force_login(zz.admin)
    path = xlsx(tmp_path, "清单", SITE_HEADER, SITE_ROWS)
    upload = io.BytesIO(path.read_bytes())
    upload.name = "测评点位清单.xlsx"
    response = client.post(reverse("imports:upload", args=["sites"]), {"file": upload}, follow=True)
    page = response.content.decode()
    assert page.count('data-testid="preview-row"') == 3 and "公交站点" in page and "农贸市场" in page
    client.post(response.redirect_chain[-1][0] + "confirm/")
    assert Site.objects.count() == 3
