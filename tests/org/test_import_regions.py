"""import_regions: the real division lists load, re-import changes nothing, bad files write nothing."""

import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chuangcheng.org.imports import import_regions
from chuangcheng.org.models import Region
from chuangcheng.tabular import ImportErrors

DATA = Path(__file__).resolve().parents[2] / "data"
pytestmark = pytest.mark.django_db

HEADER = "code,name,level,parent_code\n"


def write(tmp_path, text, encoding="utf-8", name="regions.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors_of(path):
    with pytest.raises(ImportErrors) as exc:
        import_regions(path)
    return exc.value.errors


def test_zhengzhou_loads_fast_and_reimport_changes_nothing():
    started = time.monotonic()
    result = import_regions(DATA / "zhengzhou_divisions.csv")
    elapsed = time.monotonic() - started
    assert result.created == 3428
    assert Region.objects.count() == 3428
    assert elapsed < 10
    city = Region.objects.get(code="4101")
    assert city.parent is None and city.path == f"/{city.pk}/"
    # The subtree query: 金水区 and everything under it.
    jinshui = Region.objects.get(code="410105")
    subtree = Region.objects.subtree(jinshui)
    assert subtree.filter(level="town").count() == 24
    assert all(r.path.startswith(jinshui.path) for r in subtree)
    village = Region.objects.filter(level="village", parent__parent=jinshui).first()
    assert village.ancestor_ids() == [city.pk, jinshui.pk, village.parent_id]

    paths_before = dict(Region.objects.values_list("code", "path"))
    again = import_regions(DATA / "zhengzhou_divisions.csv")
    assert (again.created, again.renamed, again.moved, again.unchanged) == (0, 0, 0, 3428)
    assert dict(Region.objects.values_list("code", "path")) == paths_before


def test_other_cities_then_2023_towns_update_add_and_report():
    import_regions(DATA / "zhengzhou_divisions.csv")
    assert import_regions(DATA / "changchun_divisions.csv").created == 2969
    haizhou = import_regions(DATA / "fuxin_haizhou_divisions.csv")
    assert haizhou.created == 74
    root = Region.objects.get(code="210902")
    assert root.parent is None  # its parent 2109 is in neither the file nor the database
    total_before = Region.objects.count()

    result = import_regions(DATA / "towns_2023_zz_cc_hz.csv")
    assert result.created > 0 and result.renamed > 0
    assert Region.objects.count() == total_before + result.created  # nothing deleted
    listed = {line.split(",")[0] for line in (DATA / "towns_2023_zz_cc_hz.csv").read_text().splitlines()[1:]}
    for code, _name in result.no_longer_listed:
        assert code not in listed
        assert Region.objects.filter(code=code).exists()
    # A renamed code carries the 2023 name.
    for line in (DATA / "towns_2023_zz_cc_hz.csv").read_text().splitlines()[1:]:
        code, name, _level, _parent = line.split(",")
        assert Region.objects.get(code=code).name == name
    # New towns sit under their county with a correct path.
    for region in Region.objects.filter(level="town", parent__isnull=False)[:50]:
        assert region.path == f"{region.parent.path}{region.pk}/"


def test_reimport_of_moved_code_rewrites_subtree_paths(tmp_path):
    import_regions(
        write(
            tmp_path,
            HEADER + "9901,甲市,city,99\n990101,甲区,county,9901\n990102,乙区,county,9901\n"
            "990101001,街道,town,990101\n990101001001,社区,village,990101001\n",
        )
    )
    import_regions(
        write(
            tmp_path,
            HEADER + "9901,甲市,city,99\n990101,甲区,county,9901\n990102,乙区,county,9901\n"
            "990101001,街道,town,990102\n",
            name="moved.csv",
        )
    )
    town, village, b = (Region.objects.get(code=c) for c in ("990101001", "990101001001", "990102"))
    assert town.parent == b
    assert village.path == f"{b.path}{town.pk}/{village.pk}/"


@pytest.mark.parametrize(
    "body,expected_line,expected_text",
    [
        ("9901,甲市,planet,99\n", 2, "未知的层级"),
        ("9901,甲市,city,99\n9901,又一个,city,99\n", 3, "与第 2 行重复"),
        ("9901,甲市,city,99\n990101001,孤儿街道,town,990199\n", 3, "既不在文件中，也不在系统中"),
        ("9901,甲市,city,99\n990101,甲区,county,9901\n9902,乙市,city,990101\n", 4, "层级错误"),
        ("9901,甲市,city,9901\n", 2, "不能是自身"),
        ("9901,,city,99\n", 2, "缺少名称"),
        ("99AB,甲市,city,99\n", 2, "数字"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(tmp_path, body, expected_line, expected_text):
    errors = errors_of(write(tmp_path, HEADER + body))
    assert any(line == expected_line and expected_text in msg for line, msg in errors), errors
    assert Region.objects.count() == 0


def test_cycle_is_reported(tmp_path):
    body = "9901,甲市,city,99\n990101001,甲街道,town,990101002\n990101002,乙街道,town,990101001\n"
    errors = errors_of(write(tmp_path, HEADER + body))
    assert any("循环" in msg or "层级错误" in msg for _line, msg in errors)
    assert Region.objects.count() == 0


def test_gbk_file_is_read(tmp_path):
    result = import_regions(write(tmp_path, HEADER + "9901,郑州测试市,city,99\n", encoding="gbk"))
    assert result.created == 1
    assert Region.objects.get(code="9901").name == "郑州测试市"


def test_empty_file_wrong_headers_and_binary(tmp_path):
    assert "空的" in errors_of(write(tmp_path, ""))[0][1]
    assert "只有表头" in errors_of(write(tmp_path, HEADER))[0][1]
    assert "表头缺少列" in errors_of(write(tmp_path, "编号,名字\n1,2\n"))[0][1]
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(128, 256)) * 4)
    assert errors_of(garbage)
    assert Region.objects.count() == 0


def test_chinese_headers_and_xlsx(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["区划代码", "名称", "层级", "上级代码"])
    ws.append([9901, "甲市", "市", 99])
    ws.append([990101, "甲区", "区县", 9901])
    path = tmp_path / "regions.xlsx"
    wb.save(path)
    assert import_regions(path).created == 2
    assert Region.objects.get(code="990101").parent.code == "9901"


def test_command_exit_code_and_report(tmp_path, capsys):
    bad = write(tmp_path, HEADER + "9901,甲市,city,99\n990101001,孤儿,town,990199\n")
    with pytest.raises(CommandError) as exc:
        call_command("import_regions", str(bad))
    assert "第 3 行" in str(exc.value)
    assert Region.objects.count() == 0
    call_command("import_regions", str(DATA / "fuxin_haizhou_divisions.csv"), "--allow-new-roots")
    assert "新增 74 个" in capsys.readouterr().out


def test_a_mistyped_parent_is_a_row_error_naming_the_closest_codes(tmp_path):
    """Issue 19 item 7: a district file whose parent is mistyped (2190 for 2109) used to
    become a new root region, exit 0. Now the command refuses it, names the line and the
    nearest existing codes, and writes nothing; --allow-new-roots lets a real new root in."""
    call_command("import_regions", str(DATA / "fuxin_haizhou_divisions.csv"), "--allow-new-roots")
    before = Region.objects.count()
    typo = write(tmp_path, HEADER + "210999,新区,county,2190\n")  # 2109 mistyped as 2190
    with pytest.raises(CommandError) as exc:
        call_command("import_regions", str(typo))
    message = str(exc.value)
    assert "第 2 行" in message and "2190" in message and "--allow-new-roots" in message
    assert "无相近代码" in message  # no four-digit code starting 21 exists to suggest
    assert Region.objects.count() == before
    assert not Region.objects.filter(code="210999").exists()
    # A typo one level down names the existing county as the nearest code.
    orphan = write(tmp_path, HEADER + "210902999,孤儿街道,town,210903\n", name="town.csv")
    with pytest.raises(CommandError) as exc:
        call_command("import_regions", str(orphan))
    assert "210902 海州区" in str(exc.value)
    # Allowed explicitly, the unknown parent makes a new root.
    call_command("import_regions", str(typo), "--allow-new-roots")
    assert Region.objects.get(code="210999").parent is None


def test_dry_run_writes_nothing(tmp_path):
    result = import_regions(DATA / "fuxin_haizhou_divisions.csv", dry_run=True)
    assert result.created == 74
    assert Region.objects.count() == 0
