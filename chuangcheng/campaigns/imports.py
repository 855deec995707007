"""Import an evaluation standard (测评体系) as published: CSV, .xlsx or the converted exports.

Columns (Chinese or English headers, aliases accepted): 编号, 上级编号, 名称, 分值, 测评方法
(或 考察方法), 负面清单, 说明 (或 测评标准), 考察要求. What real files do and the import takes:

- a title row (often merged) and notes above the header (:mod:`chuangcheng.tabular`);
- codes in Roman or Chinese numerals (``Ⅰ``, ``Ⅰ-2-3``, ``三``), ordered numerically;
- a tree of uneven depth: an item may sit directly under a level-1 group; a blank 上级编号 is
  taken from the code itself (``Ⅰ-2-3`` under ``Ⅰ-2``, or under ``Ⅰ`` when ``Ⅰ-2`` is not there);
- a 测评方法 cell combining several methods with the field-check instructions
  (:func:`chuangcheng.campaigns.methods.parse_methods`), the 点位 types named in them recognised
  (:func:`chuangcheng.org.sitetypes.recognise_site_types`);
- empty scores (the scoring rule in :mod:`chuangcheng.campaigns.scoring` applies, never 0).

All or nothing, every bad row named with its line; a parent code found neither in the file nor
in the standard is an error naming the closest codes. Re-importing the same file changes nothing.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.org.sitetypes import recognise_site_types, site_type_labels
from chuangcheng.tabular import ImportErrors, read_table
from chuangcheng.wording import join_clauses, join_list

from .methods import parse_methods, unknown_method_message
from .models import EvaluationMethod, Indicator, Standard
from .scoring import effective_scores, standard_recompute_scores

COLUMNS = {
    "code": ["编号", "指标编号", "code"],
    "parent_code": ["上级编号", "上级指标编号", "父级编号", "parent_code"],
    "name": ["名称", "指标名称", "测评项目", "项目名称", "name"],
    "max_score": ["分值", "分数", "标准分", "max_score"],
    "method": ["测评方法", "考察方法", "测评方式", "method"],
    "negative_list": ["负面清单", "是否负面清单", "negative_list"],
    "description": ["说明", "测评标准", "测评内容", "标准要求", "description"],
    "requirements": ["考察要求", "测评要求", "实地考察要求", "requirements"],
}
REQUIRED = ["code", "name"]
YES = {"是", "y", "yes", "true", "1", "√", "★", "负面清单"}
NO = {"否", "n", "no", "false", "0", ""}
FIELDS = [
    "name",
    "max_score",
    "method",
    "methods",
    "requirements",
    "site_types",
    "negative_list",
    "description",
    "sort_key",
]
_CODE_PARTS = re.compile(r"[.\-－—_/]")


@dataclass
class PlannedIndicator:
    """One row as it will be written, with how each cell was read (for the preview)."""

    line: int
    code: str
    name: str
    parent_code: str
    parent_how: str  # "file" | "standard" | "inferred" | "" (a root)
    max_score: Decimal | None
    methods: list
    requirements: str
    site_types: list
    negative_list: bool
    description: str
    action: str = ""  # "create" | "update" | "same"
    effective_score: Decimal | None = None
    score_is_derived: bool = False
    depth: int = 1
    sort_key: str = ""  # from the outline (一、/（一）/1.), else from the code

    @property
    def method_labels(self):
        labels = dict(EvaluationMethod.choices)
        return [str(labels[m]) for m in self.methods]

    @property
    def site_type_labels(self):
        return site_type_labels(self.site_types)

    def values(self):
        return {
            "name": self.name,
            "max_score": self.max_score,
            "method": self.methods[0] if self.methods else "",
            "methods": ",".join(self.methods),
            "requirements": self.requirements,
            "site_types": ",".join(self.site_types),
            "negative_list": self.negative_list,
            "description": self.description,
            "sort_key": self.sort_key or Indicator.sort_key_for(self.code),
        }


@dataclass
class IndicatorImportResult:
    standard_name: str
    rows: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    standard: Standard | None = None

    def summary(self):
        return _("测评体系“%(s)s”：新增 %(c)s 项，更新 %(u)s 项，未变 %(n)s 项。") % {
            "s": self.standard or self.standard_name,
            "c": self.created,
            "u": self.updated,
            "n": self.unchanged,
        }


def _score(text, problems):
    text = text.replace("分", "").strip()
    if not text:
        return None
    try:
        score = Decimal(text)
        if score < 0 or score >= 100000:
            raise InvalidOperation
    except InvalidOperation:
        problems.append(_("分值“%(v)s”不是有效的非负数") % {"v": text})
        return None
    return score


# Outline numbering as published standards write it (2015 文明城市测评体系): 一、 a chapter, （一）
# a section (restarting in every chapter), 1. an item (often running through the document),
# (1) a sub-item. Level → the pattern of its marker.
_OUTLINE = (
    re.compile(r"^([一二三四五六七八九十]+)[、.．]?$"),
    re.compile(r"^[（(]([一二三四五六七八九十]+)[）)][、.．]?$"),
    re.compile(r"^(\d+)[.、．]?$"),
    re.compile(r"^[（(](\d+)[）)][、.．]?$"),
)
_OUTLINE_MARK = ("{n}", "（{n}）", "{n}", "（{n}）")


def _outline(table):
    """``{line: (code, parent_code, sort_key)}`` when the file is numbered as an outline and gives
    no 上级编号: each row's parent is the nearest row above it of a higher level, the markers of a
    level whose numbering restarts (（一） in every chapter) get their parent's code in front
    (一（一）), and the order is the outline's. ``{}`` otherwise (codes like 1.2.3 carry their own tree)."""
    rows = list(table)
    if not rows or any(t.get("parent_code") for t in rows):
        return {}
    levels = []
    for t in rows:
        code = (t.get("code") or "").strip()
        level = next((i for i, pattern in enumerate(_OUTLINE) if pattern.match(code)), None)
        if level is None:
            return {}
        levels.append((level, _OUTLINE[level].match(code).group(1)))
    if len({level for level, _n in levels}) < 2:
        return {}
    marks = [_OUTLINE_MARK[level].format(n=n) for level, n in levels]
    # A level whose numbering restarts (（一） in every chapter) is coded under its parent throughout.
    restarting = {level for (level, _n), m in zip(levels, marks, strict=True) if marks.count(m) > 1}
    out, stack = {}, []  # stack: (level, code, sort_key) of the open ancestors
    for t, (level, _n), mark in zip(rows, levels, marks, strict=True):
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1] if stack else None
        code = f"{parent[1]}{mark}" if parent and level in restarting else mark
        part = Indicator.sort_key_for(mark)
        sort_key = f"{parent[2]}.{part}" if parent else part
        out[t.line] = (code, parent[1] if parent else "", sort_key)
        stack.append((level, code, sort_key))
    return out


def _parse(table):
    errors, rows, seen = [], [], {}
    outline = _outline(table)
    for t in table:
        problems = []
        code, parent_code, name = t.get("code"), t.get("parent_code"), t.get("name")
        sort_key = ""
        if t.line in outline:
            code, parent_code, sort_key = outline[t.line]
        if not code:
            problems.append(_("缺少编号"))
        elif len(code) > 30:
            problems.append(_("编号“%(c)s”超过 30 个字符") % {"c": code})
        elif code in seen:
            problems.append(_("编号 %(code)s 与第 %(line)s 行重复") % {"code": code, "line": seen[code]})
        else:
            seen[code] = t.line
        if code and code == parent_code:
            problems.append(_("上级编号不能是自身"))
        if not name:
            problems.append(_("缺少名称"))
        elif len(name) > 200:
            problems.append(_("名称超过 200 字"))
        score = _score(t.get("max_score"), problems)
        parsed = parse_methods(t.get("method"))
        if parsed.unknown:
            problems.append(unknown_method_message(t.get("method"), parsed.unknown))
        requirements = "；".join(p for p in (parsed.requirements, t.get("requirements")) if p)
        negative_raw = t.get("negative_list").lower()
        if negative_raw not in YES | NO:
            problems.append(_("负面清单应填“是”或“否”，而不是“%(v)s”") % {"v": t.get("negative_list")})
        if problems:
            errors.append((t.line, join_clauses(problems)))
            continue
        rows.append(
            PlannedIndicator(
                line=t.line,
                code=code,
                name=name,
                parent_code=parent_code,
                parent_how="file" if parent_code else "",
                max_score=score,
                methods=parsed.methods,
                requirements=requirements,
                site_types=recognise_site_types(requirements),
                negative_list=negative_raw in YES,
                description=t.get("description"),
                sort_key=sort_key,
            )
        )
        if t.line in outline:
            rows[-1].parent_how = "inferred" if parent_code else ""
    return rows, errors


def _implied_parent(code, known):
    """``Ⅰ-2-3`` → ``Ⅰ-2`` if known, else ``Ⅰ`` if known (an item directly under a group)."""
    separators = list(_CODE_PARTS.finditer(code))
    for match in reversed(separators):
        candidate = code[: match.start()]
        if candidate in known:
            return candidate
    return ""


def _closest(code, codes):
    close = difflib.get_close_matches(code, codes, n=3, cutoff=0.3)
    return join_list(close) if close else _("（无相近编号）")


def _resolve_parents(rows, existing_codes):
    errors = []
    by_code = {r.code: r for r in rows}
    known = set(by_code) | set(existing_codes)
    for r in rows:
        p = r.parent_code
        if not p:
            implied = _implied_parent(r.code, known)
            if implied:
                r.parent_code, r.parent_how = implied, "inferred"
        elif p in by_code:
            r.parent_how = "file"
        elif p in existing_codes:
            r.parent_how = "standard"
        else:
            errors.append(
                (
                    r.line,
                    _("上级编号 %(p)s 在文件和该测评体系中都不存在，最接近的编号：%(close)s")
                    % {"p": p, "close": _closest(p, sorted(known))},
                )
            )
    for r in rows:  # cycles within the file
        seen, code = [], r.code
        while code in by_code:
            if code in seen:
                errors.append((r.line, _("上级关系形成循环：%(loop)s") % {"loop": " → ".join([*seen, code])}))
                break
            seen.append(code)
            code = by_code[code].parent_code
    return errors


def _depths(rows, existing):
    by_code = {r.code: r for r in rows}
    for r in rows:
        depth, code, hops = 1, r.parent_code, 0
        while code and hops < 50:
            depth, hops = depth + 1, hops + 1
            code = by_code[code].parent_code if code in by_code else existing.get(code, ("", None))[0]
        r.depth = depth


def plan_indicators(source, *, standard_name, version="", filename=None):
    """Parse and check a standard's file; raise :class:`ImportErrors` if any row is bad.
    Returns an :class:`IndicatorImportResult` whose ``rows`` say what each row will do."""
    if not standard_name:
        raise ImportErrors([(None, _("请指定测评体系名称。"))])
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    rows, errors = _parse(table)
    standard = Standard.objects.filter(name=standard_name, version=version).first()
    existing = (
        {i.code: i for i in Indicator.objects.filter(standard=standard).select_related("parent")} if standard else {}
    )
    errors += _resolve_parents(rows, existing)
    if errors:
        raise ImportErrors(sorted(errors, key=lambda e: e[0]))
    result = IndicatorImportResult(standard_name=str(standard or standard_name), rows=rows, standard=standard)
    _depths(rows, {c: (i.parent.code if i.parent_id else "", i) for c, i in existing.items()})
    for r in rows:
        current = existing.get(r.code)
        if current is None:
            r.action = "create"
        else:
            parent_code = current.parent.code if current.parent_id else ""
            same = all(getattr(current, f) == v for f, v in r.values().items()) and parent_code == r.parent_code
            r.action = "same" if same else "update"
    # The scores the import will give (the file's rows over the standard's others).
    nodes = {c: (c, i.parent.code if i.parent_id else None, i.max_score) for c, i in existing.items()}
    nodes.update({r.code: (r.code, r.parent_code or None, r.max_score) for r in rows})
    scores = effective_scores(nodes.values())
    for r in rows:
        r.effective_score, r.score_is_derived = scores.get(r.code, (None, False))
    result.created = sum(r.action == "create" for r in rows)
    result.updated = sum(r.action == "update" for r in rows)
    result.unchanged = sum(r.action == "same" for r in rows)
    return result


def import_indicators(source, *, standard_name, version="", filename=None, dry_run=False):
    """Check, then (unless ``dry_run``) write the indicators of ``standard_name``."""
    result = plan_indicators(source, standard_name=standard_name, version=version, filename=filename)
    if dry_run:
        return result
    with transaction.atomic():
        standard = result.standard or Standard.objects.create(name=standard_name, version=version)
        result.standard = standard
        existing = {i.code: i for i in Indicator.objects.filter(standard=standard)}
        new, changed = [], []
        for r in result.rows:
            current, values = existing.get(r.code), r.values()
            if current is None:
                new.append(Indicator(standard=standard, code=r.code, **values))
            elif r.action == "update":
                for f, v in values.items():
                    setattr(current, f, v)
                changed.append(current)
        Indicator.objects.bulk_create(new)
        Indicator.objects.bulk_update(changed, FIELDS)
        by_code = {i.code: i for i in Indicator.objects.filter(standard=standard)}
        reparented = []
        for r in result.rows:
            indicator = by_code[r.code]
            parent_id = by_code[r.parent_code].pk if r.parent_code else None
            if indicator.parent_id != parent_id:
                indicator.parent_id = parent_id
                reparented.append(indicator)
        Indicator.objects.bulk_update(reparented, ["parent"])
        standard_recompute_scores(standard.pk)
    return result
