"""Import an evaluation standard's indicator tree from CSV or .xlsx.

Columns ``code,parent_code,name,max_score,method,negative_list,description`` (or the Chinese
headers 编号,上级编号,名称,分值,测评方法,负面清单,说明). All or nothing; re-import updates
indicators by code and changes nothing when the file is the same.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.tabular import ImportErrors, read_table

from .models import EvaluationMethod, Indicator, Standard

COLUMNS = {
    "code": ["code", "编号"],
    "parent_code": ["parent_code", "上级编号"],
    "name": ["name", "名称"],
    "max_score": ["max_score", "分值"],
    "method": ["method", "测评方法"],
    "negative_list": ["negative_list", "负面清单"],
    "description": ["description", "说明"],
}
REQUIRED = ["code", "parent_code", "name"]
METHODS = {
    **{v: v for v in EvaluationMethod.values},
    **{str(label): value for value, label in EvaluationMethod.choices},
}
METHODS.update({"实地考察": "field", "材料审核": "document", "问卷调查": "survey", "网上申报": "online"})
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}
FIELDS = ["name", "max_score", "method", "negative_list", "description", "sort_key"]


@dataclass
class IndicatorImportResult:
    standard: Standard
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self):
        return _("测评体系“%(s)s”：新增 %(c)s 项，更新 %(u)s 项，未变 %(n)s 项。") % {
            "s": self.standard,
            "c": self.created,
            "u": self.updated,
            "n": self.unchanged,
        }


def _parse(table):
    errors, parsed, seen = [], [], {}
    for t in table:
        problems = []
        code, parent_code, name = t.get("code"), t.get("parent_code"), t.get("name")
        if not code:
            problems.append(_("缺少编号"))
        elif code in seen:
            problems.append(_("编号 %(code)s 与第 %(line)s 行重复") % {"code": code, "line": seen[code]})
        else:
            seen[code] = t.line
        if code and code == parent_code:
            problems.append(_("上级编号不能是自身"))
        if not name:
            problems.append(_("缺少名称"))
        score = None
        if t.get("max_score"):
            try:
                score = Decimal(t.get("max_score"))
                if score < 0 or score >= 100000:
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(_("分值“%(v)s”不是有效的非负数") % {"v": t.get("max_score")})
        method_raw = t.get("method")
        method = METHODS.get(method_raw, METHODS.get(method_raw.lower())) if method_raw else ""
        if method is None:
            problems.append(
                _("未知的测评方法“%(v)s”（应为 实地考察、材料审核、问卷调查、网上申报）") % {"v": method_raw}
            )
        negative_raw = t.get("negative_list").lower()
        if negative_raw not in YES | NO:
            problems.append(_("负面清单应填“是”或“否”，而不是“%(v)s”") % {"v": t.get("negative_list")})
        if problems:
            errors.append((t.line, "；".join(problems)))
            continue
        parsed.append(
            {
                "line": t.line,
                "code": code,
                "parent_code": parent_code,
                "name": name,
                "max_score": score,
                "method": method or "",
                "negative_list": negative_raw in YES,
                "description": t.get("description"),
                "sort_key": Indicator.sort_key_for(code),
            }
        )
    return parsed, errors


def _check_parents(rows, existing_codes):
    errors = []
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        p = r["parent_code"]
        if p and p not in by_code and p not in existing_codes:
            errors.append((r["line"], _("上级编号 %(p)s 在文件和该测评体系中都不存在") % {"p": p}))
    # Cycles within the file.
    for r in rows:
        seen, code = [], r["code"]
        while code in by_code:
            if code in seen:
                errors.append((r["line"], _("上级关系形成循环：%(loop)s") % {"loop": " → ".join([*seen, code])}))
                break
            seen.append(code)
            code = by_code[code]["parent_code"]
    return errors


def import_indicators(source, *, standard_name, version="", filename=None, dry_run=False):
    """Check, then (unless ``dry_run``) write the indicators of ``standard_name``."""
    if not standard_name:
        raise ImportErrors([(None, _("请用 --standard 指定测评体系名称。"))])
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    rows, errors = _parse(table)
    standard = Standard.objects.filter(name=standard_name, version=version).first()
    existing = {i.code: i for i in Indicator.objects.filter(standard=standard)} if standard else {}
    errors += _check_parents(rows, existing)
    if errors:
        raise ImportErrors(sorted(errors, key=lambda e: e[0]))

    with transaction.atomic():
        if standard is None:
            standard = Standard.objects.create(name=standard_name, version=version)
        result = IndicatorImportResult(standard=standard)
        new, changed = [], []
        for r in rows:
            current = existing.get(r["code"])
            values = {f: r[f] for f in FIELDS}
            if current is None:
                new.append(Indicator(standard=standard, code=r["code"], **values))
            elif any(getattr(current, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(current, f, v)
                changed.append(current)
        Indicator.objects.bulk_create(new)
        Indicator.objects.bulk_update(changed, FIELDS)
        # Parents, once every code has a row.
        by_code = {i.code: i for i in Indicator.objects.filter(standard=standard)}
        reparented = []
        for r in rows:
            indicator = by_code[r["code"]]
            parent_id = by_code[r["parent_code"]].pk if r["parent_code"] else None
            if indicator.parent_id != parent_id:
                indicator.parent_id = parent_id
                reparented.append(indicator)
        Indicator.objects.bulk_update(reparented, ["parent"])
        new_codes = {i.code for i in new}
        result.created = len(new)
        result.updated = len({i.code for i in changed} | ({i.code for i in reparented} - new_codes))
        result.unchanged = len(rows) - result.created - result.updated
        if dry_run:
            transaction.set_rollback(True)
    return result
