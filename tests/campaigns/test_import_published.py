"""A 2015-style 全国文明城市测评体系 as published (issue 13): combined methods with instructions,
Roman-numeral codes, empty scores, uneven depth; from CSV and from an .xlsx with a merged title
row; re-import changes nothing; the admin shows methods as tags, the 考察要求 and its 点位 types."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from chuangcheng.campaigns.imports import import_indicators
from chuangcheng.campaigns.methods import parse_methods
from chuangcheng.campaigns.models import Indicator, Standard
from chuangcheng.campaigns.scoring import effective_scores
from chuangcheng.org.sitetypes import recognise_site_types
from chuangcheng.tabular import ImportErrors
from tests.fixtures import builders

pytestmark = pytest.mark.django_db
NAME, VERSION = "全国文明城市测评体系", "2015年版"
ROWS = len(builders.standard_rows()) - 1


def by_code():
    return {i.code: i for i in Indicator.objects.select_related("parent")}


def test_the_csv_imports_with_methods_requirements_site_types_and_uneven_depth():
    result = import_indicators(builders.STANDARD_CSV, standard_name=NAME, version=VERSION)
    assert result.created == ROWS == 51
    items = by_code()
    online = items["Ⅰ-1-1"]
    assert online.method_list == ["online", "document"] and online.method == "online"
    assert online.requirements == "规范文件、说明报告、工作台账"
    ads = items["Ⅳ-1-1"]
    assert ads.method_list == ["field"]
    assert ads.requirements == "主次干道、商业街区、公交站点、建筑工地围挡，行走300米可看到5处公益广告"  # verbatim
    assert ads.site_type_list == ["main_road", "store_street", "bus_stop", "construction"]
    assert items["Ⅳ-1-2"].method_list == ["field", "online", "document"]  # two segments
    assert items["Ⅳ-1-2"].requirements == "主次干道、公园广场；公益广告刊播台账"
    assert items["Ⅱ-1-2"].method_list == ["survey", "household"]
    # Uneven depth: an item directly under a level-1 group, given and implied by its code.
    assert items["Ⅱ-2"].parent.code == "Ⅱ" and not items["Ⅱ-2"].children.exists()
    assert items["Ⅴ-2-1"].parent.code == "Ⅴ"  # blank 上级编号, no Ⅴ-2 in the file
    assert items["Ⅵ-1-3"].parent.code == "Ⅵ-1"
    # Roman numerals in numeric order.
    tops = list(Indicator.objects.filter(parent__isnull=True).order_by("sort_key").values_list("code", flat=True))
    assert tops == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ", "Ⅶ", "Ⅷ"]
    # Empty scores: never 0 — the printed rule gives every indicator a score.
    assert not Indicator.objects.filter(effective_score__isnull=True).exists()
    assert not Indicator.objects.filter(effective_score=0).exists()
    assert (items["Ⅰ-1-1"].effective_score, items["Ⅰ-1-1"].score_is_derived) == (Decimal("1.5"), False)
    assert (items["Ⅰ-1"].effective_score, items["Ⅰ-1"].score_is_derived) == (Decimal("3"), True)  # the sum
    assert items["Ⅰ-2"].effective_score == Decimal("3")  # unscored, worth its scored sibling Ⅰ-1
    assert items["Ⅰ-2-1"].effective_score == Decimal("1.5")  # Ⅰ-2 shared by its two unscored items
    assert items["Ⅰ"].effective_score == Decimal("6")
    assert items["Ⅵ-1-3"].effective_score == Decimal("3")  # the mean of its scored siblings (3, 3)
    assert items["Ⅱ-2"].negative_list and items["Ⅶ-2"].negative_list
    again = import_indicators(builders.STANDARD_CSV, standard_name=NAME, version=VERSION)
    assert (again.created, again.updated, again.unchanged) == (0, 0, ROWS)


def test_the_xlsx_with_a_merged_title_row_imports_the_same_and_reimport_changes_nothing(tmp_path):
    path = builders.standard_xlsx(tmp_path / "测评体系.xlsx")
    result = import_indicators(path, standard_name=NAME, version=VERSION)
    assert result.created == ROWS
    items = by_code()
    assert items["Ⅳ-1-1"].site_type_list == ["main_road", "store_street", "bus_stop", "construction"]
    assert items["Ⅰ-1-2"].negative_list is False and items["Ⅰ-1-1"].negative_list is False  # the merged 否
    assert items["Ⅰ-1-1"].description == "依法公开政府信息，主动公开目录完整"  # 测评标准 → 说明
    assert not Indicator.objects.filter(code__startswith="填表说明").exists()
    assert (import_indicators(path, standard_name=NAME, version=VERSION).unchanged) == ROWS
    # The CSV and the .xlsx are the same standard: importing one after the other changes nothing.
    assert import_indicators(builders.STANDARD_CSV, standard_name=NAME, version=VERSION).unchanged == ROWS


def test_a_parent_found_nowhere_names_the_closest_codes_and_unknown_methods_are_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "编号,上级编号,名称,分值,测评方法\n"
        "Ⅰ,,政务环境,,\nⅠ-1,Ⅰ,政务公开,,\nⅠ-1-1,Ⅰ-l,信息公开,1,材料审核\nⅠ-1-2,Ⅰ-1,窗口,1,飞行检查：窗口单位\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportErrors) as exc:
        import_indicators(path, standard_name="坏文件")
    errors = dict(exc.value.errors)
    assert "上级编号 Ⅰ-l" in errors[4] and "最接近的编号：Ⅰ-1" in errors[4]
    assert "飞行检查" in errors[5] and "实地考察" in errors[5]  # the unknown word, and what is known
    assert not Standard.objects.filter(name="坏文件").exists()


@pytest.mark.parametrize(
    "text,methods,requirements",
    [
        ("实地考察：主次干道、商业街区…", ["field"], "主次干道、商业街区…"),
        ("网上申报/材料审核（规范文件、说明报告…）", ["online", "document"], "规范文件、说明报告…"),
        ("问卷调查；实地考察：公交站点", ["survey", "field"], "公交站点"),
        ("实地考察：主次干道；商业大街", ["field"], "主次干道；商业大街"),
        ("材料审核、数据分析", ["document", "data"], ""),
        ("网上测评、材料审核", ["online", "document"], ""),  # 2015 体系's word for 网上申报
        ("", [], ""),
    ],
)
def test_combined_method_cells(text, methods, requirements):
    parsed = parse_methods(text)
    assert (parsed.methods, parsed.requirements, parsed.unknown) == (methods, requirements, [])


def test_site_types_are_recognised_longest_word_first():
    assert recognise_site_types("社区卫生服务中心、城市社区、背街小巷、公交站台") == [
        "hospital",
        "community",
        "back_street",
        "bus_stop",
    ]
    assert recognise_site_types("行走300米可看到5处公益广告") == []


def test_the_scoring_rule_gives_equal_weight_within_the_parent():
    # A scored root (10) with a scored child (4) and two unscored: they share the 6 left.
    scores = effective_scores([(1, None, Decimal(10)), (2, 1, Decimal(4)), (3, 1, None), (4, 1, None)])
    assert scores[3] == (Decimal("3.000"), True) and scores[4] == (Decimal("3.000"), True)
    assert scores[1] == (Decimal(10), False)
    # An unscored parent: its unscored child is worth the mean of the scored ones; it is the sum.
    scores = effective_scores([(1, None, None), (2, 1, Decimal(2)), (3, 1, Decimal(4)), (4, 1, None)])
    assert scores[4] == (Decimal("3.000"), True) and scores[1] == (Decimal(9), True)
    # Nothing scored at all: the top level shares 100, each level shares its parent.
    scores = effective_scores([(1, None, None), (2, None, None), (3, 1, None), (4, 1, None)])
    assert [scores[k][0] for k in (1, 2, 3, 4)] == [Decimal(50), Decimal(50), Decimal(25), Decimal(25)]


def test_the_admin_shows_methods_as_tags_the_requirements_and_the_site_types(admin_client):
    import_indicators(builders.STANDARD_CSV, standard_name=NAME, version=VERSION)
    ads = Indicator.objects.get(code="Ⅳ-1-1")
    listing = admin_client.get(reverse("admin:campaigns_indicator_changelist"), {"q": "公益广告"}).content.decode()
    assert '<span class="app-tag"' in listing and "实地考察" in listing and "公交站点" in listing
    page = admin_client.get(reverse("admin:campaigns_indicator_change", args=[ads.pk])).content.decode()
    assert "行走300米可看到5处公益广告" in page
    for label in ("主次干道", "商业大街", "公交站点", "建筑工地"):
        assert label in page
    ticked = re.findall(r'<input type="checkbox" name="methods" value="(\w+)"[^>]* checked>', page)
    assert ticked == ["field"]
    derived = Indicator.objects.get(code="Ⅰ-2-1")
    page = admin_client.get(reverse("admin:campaigns_indicator_change", args=[derived.pk])).content.decode()
    assert "1.5" in page and "推算" in page and "一级指标都未标分值时按总分 100 分平分" in page


def test_the_import_page_previews_the_tree_then_imports(client, people, tmp_path):
    client.force_login(people.admin)
    path = builders.standard_xlsx(tmp_path / "测评体系.xlsx")
    upload = io.BytesIO(path.read_bytes())
    upload.name = "测评体系（2015）.xlsx"
    response = client.post(
        reverse("imports:upload", args=["indicators"]), {"name": NAME, "version": VERSION, "file": upload}, follow=True
    )
    page = response.content.decode()
    assert page.count('data-testid="preview-row"') == ROWS
    assert "由编号推断" in page and "推算" in page and "行走300米可看到5处公益广告" in page
    assert not Indicator.objects.exists()
    batch_url = response.redirect_chain[-1][0]
    done = client.post(batch_url + "confirm/", follow=True).content.decode()
    assert "新增 51 项" in done and Indicator.objects.count() == ROWS
    client.force_login(people.supervisor)  # standards are for administrators
    assert client.get(reverse("imports:upload", args=["indicators"])).status_code == 403


OUTLINE_2015 = """全国文明城市测评体系（2015年版）
编号,测评项目,测评方法,分值,负面清单
一、,廉洁高效的政务环境,,,
（一）,政务公开,材料审核,,
1.,政府信息公开,网上测评、材料审核,2,
2.,政务服务中心建设,实地考察：窗口单位,2,
（二）,依法行政,材料审核,,
3.,法治政府建设,材料审核,3,
二、,公正公平的法治环境,,,
（一）,社会治安,问卷调查,,
4.,群众安全感,问卷调查,4,
5.,交通秩序,实地考察：主次干道,3,
"""


def test_an_outline_numbered_standard_keeps_its_tree_and_order(db):
    """一、/（一）/1. with no 上级编号, （一） restarting in every chapter: each row hangs under the
    nearest row above of a higher level, repeated markers get their parent's code in front, and
    the order is the document's."""
    from chuangcheng.campaigns.imports import import_indicators
    from chuangcheng.campaigns.models import Indicator

    result = import_indicators(OUTLINE_2015.encode("gbk"), standard_name="全国文明城市测评体系", filename="2015.csv")
    tree = {i.code: (i.parent.code if i.parent_id else "") for i in Indicator.objects.filter(standard=result.standard)}
    assert tree == {
        "一": "",
        "一（一）": "一",
        "1": "一（一）",
        "2": "一（一）",
        "一（二）": "一",
        "3": "一（二）",
        "二": "",
        "二（一）": "二",
        "4": "二（一）",
        "5": "二（一）",
    }
    ordered = list(Indicator.objects.filter(standard=result.standard).values_list("code", flat=True))
    assert ordered == ["一", "一（一）", "1", "2", "一（二）", "3", "二", "二（一）", "4", "5"]
    again = import_indicators(OUTLINE_2015.encode("gbk"), standard_name="全国文明城市测评体系", filename="2015.csv")
    assert "新增 0 项，更新 0 项，未变 10 项" in again.summary()
