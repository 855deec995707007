"""Import the administrative division list (CSV or .xlsx: ``code,name,level,parent_code``).

All or nothing: every row is checked first; any bad row raises :class:`ImportErrors` naming
its line and nothing is written. Re-importing the same file changes nothing. Importing a newer
edition over an older one renames existing codes, adds new ones, and *reports* — never
deletes — the codes the new edition no longer lists.

Parents: a row's parent must be in the file or already in the database. A row whose parent
code is in neither is an error naming the closest existing codes — a mistyped parent must not
quietly start a new tree — unless new roots are allowed (``allow_new_roots``; the command's
``--allow-new-roots``, e.g. the first import of a city whose province is not in the file): then
the file's top-level rows with an unknown parent become roots. A row whose code already exists
keeps its place when its parent is in neither. A row with no parent code is a root.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.tabular import ImportErrors, read_table
from chuangcheng.wording import join_clauses, join_list

from .models import LEVEL_DEPTH, Region, RegionLevel
from .services import region_move

COLUMNS = {
    "code": ["code", "代码", "区划代码"],
    "name": ["name", "名称"],
    "level": ["level", "层级", "级别"],
    "parent_code": ["parent_code", "上级代码", "上级区划代码"],
}
LEVEL_ALIASES = {
    **{v: v for v in RegionLevel.values},
    "市": "city",
    "地级市": "city",
    "区县": "county",
    "区": "county",
    "县": "county",
    "街道乡镇": "town",
    "街道": "town",
    "乡镇": "town",
    "社区村": "village",
    "社区": "village",
    "村": "village",
    "网格": "grid",
}
CODE_RE = re.compile(r"^\d{1,15}$")


@dataclass
class RegionImportResult:
    created: int = 0
    renamed: int = 0
    moved: int = 0
    unchanged: int = 0
    no_longer_listed: list = field(default_factory=list)  # [(code, name)] kept, not deleted

    def summary(self):
        return _("新增 %(c)s 个，更名 %(r)s 个，调整上级 %(m)s 个，未变 %(u)s 个；文件未列出（已保留）%(n)s 个。") % {
            "c": self.created,
            "r": self.renamed,
            "m": self.moved,
            "u": self.unchanged,
            "n": len(self.no_longer_listed),
        }


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


def import_regions(source, *, filename=None, dry_run=False, allow_new_roots=True):
    """Check, then (unless ``dry_run``) write a division list. Returns a :class:`RegionImportResult`.

    ``allow_new_roots`` defaults to the old, lenient behaviour for the demo and benchmark
    seeders (they load a whole city into an empty database); files from people go through
    ``manage.py import_regions``, which refuses unknown parents unless told otherwise."""
    rows, errors = _parse(read_table(source, columns=COLUMNS, required=list(COLUMNS), filename=filename))
    if not rows:
        raise ImportErrors(errors)
    by_code = {r.code: r for r in rows}
    existing = {
        r.code: r for r in Region.objects.filter(code__in=set(by_code) | {r.parent_code for r in rows if r.parent_code})
    }
    parents, parent_errors = _resolve_parents(rows, by_code, existing, allow_new_roots=allow_new_roots)
    errors += parent_errors
    if errors:
        raise ImportErrors(sorted(errors, key=lambda e: e[0]))
    result = RegionImportResult()
    with transaction.atomic():
        _write(rows, parents, existing, result)
        result.no_longer_listed = _not_listed(rows, by_code, parents)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _parse(table):
    errors, rows, seen = [], [], {}
    for t in table:
        code, name, level_raw, parent_code = t.get("code"), t.get("name"), t.get("level"), t.get("parent_code")
        level = LEVEL_ALIASES.get(level_raw.lower()) or LEVEL_ALIASES.get(level_raw)
        problems = []
        if not CODE_RE.match(code):
            problems.append(_("区划代码“%(code)s”应为 1–15 位数字") % {"code": code} if code else _("缺少区划代码"))
        if not name:
            problems.append(_("缺少名称"))
        elif len(name) > 100:
            problems.append(_("名称超过 100 个字"))
        if not level:
            problems.append(
                _("未知的层级“%(level)s”（应为 city、county、town、village、grid 之一）") % {"level": level_raw}
            )
        if parent_code and not CODE_RE.match(parent_code):
            problems.append(_("上级代码“%(code)s”应为数字") % {"code": parent_code})
        if code and code == parent_code:
            problems.append(_("上级代码不能是自身"))
        if code in seen:
            problems.append(_("区划代码 %(code)s 与第 %(line)s 行重复") % {"code": code, "line": seen[code]})
        elif code:
            seen[code] = t.line
        if problems:
            errors.append((t.line, join_clauses(problems)))
        else:
            rows.append(_Row(t.line, code, name, level, parent_code))
    return rows, errors


def _closest_codes(code, by_code):
    """Up to three codes of the parent's length, from the file and the database, nearest first."""
    if not code:
        return ""
    pool = {c: r.name for c, r in by_code.items() if len(c) == len(code)}
    pool.update(
        Region.objects.filter(code__startswith=code[:2], code__regex=rf"^\d{{{len(code)}}}$").values_list(
            "code", "name"
        )
    )
    close = difflib.get_close_matches(code, list(pool), n=3, cutoff=0.5)
    return join_list(f"{c} {pool[c]}" for c in close) or _("（无相近代码）")


def _resolve_parents(rows, by_code, existing, *, allow_new_roots=True):
    """For each row: ('file', code) | ('db', Region) | ('root', None) | ('keep', None)."""
    errors = []
    top_depth = min(LEVEL_DEPTH[r.level] for r in rows)
    parents = {}
    for r in rows:
        if r.parent_code in by_code:
            parents[r.code] = ("file", r.parent_code)
            parent_level = by_code[r.parent_code].level
        elif r.parent_code in existing:
            parents[r.code] = ("db", existing[r.parent_code])
            parent_level = existing[r.parent_code].level
        elif not r.parent_code:
            parents[r.code] = ("root", None)
            continue
        elif r.code in existing:
            parents[r.code] = ("keep", None)
            continue
        elif LEVEL_DEPTH[r.level] == top_depth and allow_new_roots:
            parents[r.code] = ("root", None)
            continue
        elif LEVEL_DEPTH[r.level] == top_depth:
            errors.append(
                (
                    r.line,
                    _(
                        "上级代码 %(p)s 既不在文件中，也不在系统中（%(code)s %(name)s）；最接近的已有代码：%(close)s。"
                        "如果这是新的顶级区划（例如首次导入一个市），请加 --allow-new-roots 重新导入"
                    )
                    % {
                        "p": r.parent_code,
                        "code": r.code,
                        "name": r.name,
                        "close": _closest_codes(r.parent_code, by_code),
                    },
                )
            )
            continue
        else:
            errors.append(
                (
                    r.line,
                    _("上级代码 %(p)s 既不在文件中，也不在系统中（%(code)s %(name)s）；最接近的已有代码：%(close)s")
                    % {
                        "p": r.parent_code,
                        "code": r.code,
                        "name": r.name,
                        "close": _closest_codes(r.parent_code, by_code),
                    },
                )
            )
            continue
        if LEVEL_DEPTH[parent_level] >= LEVEL_DEPTH[r.level]:
            errors.append(
                (
                    r.line,
                    _("层级错误：%(name)s（%(level)s）的上级 %(p)s 是 %(plevel)s，上级层级必须更高")
                    % {"name": r.name, "level": r.level, "p": r.parent_code, "plevel": parent_level},
                )
            )
    errors.extend(_cycles(rows, by_code))
    return parents, errors


def _cycles(rows, by_code):
    """Rows whose parent chain within the file loops back on itself."""
    errors, state = [], {}  # code -> "visiting" | "done"
    for r in rows:
        chain, code = [], r.code
        while code in by_code and state.get(code) != "done":
            if state.get(code) == "visiting":
                loop = chain[chain.index(code) :]
                for c in loop:
                    errors.append(
                        (by_code[c].line, _("上级关系形成循环：%(loop)s") % {"loop": " → ".join([*loop, code])})
                    )
                break
            state[code] = "visiting"
            chain.append(code)
            code = by_code[code].parent_code
        for c in chain:
            state[c] = "done"
    return errors


def _write(rows, parents, existing, result):
    """Create by level (parents first), then rename/move existing codes."""
    ordered = sorted(rows, key=lambda r: LEVEL_DEPTH[r.level])
    saved = dict(existing)  # code -> Region with pk and path
    for depth in sorted({LEVEL_DEPTH[r.level] for r in ordered}):
        level_rows = [r for r in ordered if LEVEL_DEPTH[r.level] == depth]
        new = []
        for r in level_rows:
            if r.code in existing:
                continue
            parent = _parent_region(r, parents, saved)
            new.append(Region(code=r.code, name=r.name, level=r.level, parent=parent, path=""))
        Region.objects.bulk_create(new, batch_size=1000)
        for region in new:
            region.path = f"{region.parent.path if region.parent else '/'}{region.pk}/"
            saved[region.code] = region
        Region.objects.bulk_update(new, ["path"], batch_size=1000)
        result.created += len(new)

        for r in level_rows:
            region = existing.get(r.code)
            if region is None:
                continue
            changed = False
            if region.name != r.name or region.level != r.level:
                Region.objects.filter(pk=region.pk).update(name=r.name, level=r.level)
                result.renamed += region.name != r.name
                region.name, region.level, changed = r.name, r.level, True
            kind, _ref = parents[r.code]
            if kind in ("file", "db"):
                new_parent = _parent_region(r, parents, saved)
                if new_parent.pk != region.parent_id:
                    try:  # the service's own checks (no cycle, a level below the parent)
                        region_move(region=region, new_parent=new_parent)
                    except ApplicationError as error:
                        raise ImportErrors([(r.line, error.message)]) from None
                    result.moved += 1
                    changed = True
            if not changed:
                result.unchanged += 1


def _parent_region(row, parents, saved):
    kind, ref = parents[row.code]
    if kind == "file":
        return saved[ref]
    if kind == "db":
        return ref
    return None


def _not_listed(rows, by_code, parents):
    """Codes under the file's roots, at the file's levels, that the file no longer lists."""
    roots = [by_code[code] for code, (kind, _ref) in parents.items() if kind in ("root", "keep", "db")]
    levels = {r.level for r in rows}
    root_paths = list(Region.objects.filter(code__in=[r.code for r in roots]).values_list("path", flat=True))
    missing = []
    for path in root_paths:
        missing.extend(
            Region.objects.filter(path__startswith=path, level__in=levels, code__isnull=False)
            .exclude(code__in=by_code.keys())
            .values_list("code", "name")
        )
    return sorted(set(missing))
