"""Import the problem categories (数字城管 部件/事件 classes) and add the campaign categories.

Columns ``code,type,major,minor,name,time_limit,source`` (or 编码,类型,大类,小类,名称,处置时限,
来源). ``time_limit`` is ``4工作时``/``4h``, ``5工作日``/``5d``, or one per area class
(``A:2工作时;B:4工作时;C:8工作时``). All or nothing: every row is checked before anything is
written, and problems are reported by line.

Idempotent: rows are matched by code; a re-import of the same file changes nothing. A row
with a ``time_limit`` sets the limit; a row without one gets :data:`DEFAULT_LIMITS` for its
major class **when it is created** (or still has no limit) — an admin's later edit of a limit
is not undone by re-importing a file that gives none.

Campaign categories (:data:`CAMPAIGN_CATEGORIES`) are added unless a category of the same name
already exists (暴露垃圾 is a 数字城管 event already, so it is not added twice).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.org.models import AreaClass, UnitKind
from chuangcheng.tabular import ImportErrors, read_table
from chuangcheng.wording import join_clauses

from .deadlines import Limit, parse_time_limit_column
from .models import CategoryKind, IssueCategory

COLUMNS = {
    "code": ["code", "编码"],
    "type": ["type", "类型"],
    "major": ["major", "大类"],
    "minor": ["minor", "小类"],
    "name": ["name", "名称"],
    "time_limit": ["time_limit", "处置时限"],
    "source": ["source", "来源"],
}
REQUIRED = ["code", "type", "major", "name"]
KINDS = {
    "部件": CategoryKind.COMPONENT,
    "component": CategoryKind.COMPONENT,
    "事件": CategoryKind.EVENT,
    "event": CategoryKind.EVENT,
    "创建专项": CategoryKind.CAMPAIGN,
    "专项": CategoryKind.CAMPAIGN,
    "campaign": CategoryKind.CAMPAIGN,
}

H, D = (lambda n: Limit(hours=n)), (lambda n: Limit(days=n))

# Default limits by (kind, major class), after the published 数字城管 立案结案规范 of several
# cities: cleaning and street-order events in hours (tighter in class A core areas, looser in
# class C), publicity and construction events in days, facility repairs in working days.
# Each entry: (base limit, {area class: limit}, default unit kind, unit name hint).
DEFAULT_LIMITS = {
    (CategoryKind.EVENT, "市容环境"): (H(4), {"A": H(2), "C": H(8)}, UnitKind.TERRITORIAL, ""),
    (CategoryKind.EVENT, "宣传广告"): (D(1), {"A": H(4)}, UnitKind.TERRITORIAL, ""),
    (CategoryKind.EVENT, "施工管理"): (D(2), {}, UnitKind.FUNCTIONAL, "住建"),
    (CategoryKind.EVENT, "突发事件"): (H(2), {}, UnitKind.TERRITORIAL, ""),
    (CategoryKind.EVENT, "街面秩序"): (H(2), {"C": H(4)}, UnitKind.TERRITORIAL, ""),
    (CategoryKind.COMPONENT, "公共设施"): (D(5), {}, UnitKind.FUNCTIONAL, "城管"),
    (CategoryKind.COMPONENT, "公用设施"): (D(5), {}, UnitKind.FUNCTIONAL, "城管"),
    (CategoryKind.COMPONENT, "道路交通"): (D(5), {}, UnitKind.FUNCTIONAL, "交通"),
    (CategoryKind.COMPONENT, "市容环境"): (D(3), {}, UnitKind.FUNCTIONAL, "城管"),
    (CategoryKind.COMPONENT, "园林绿化"): (D(5), {}, UnitKind.FUNCTIONAL, "园林"),
    (CategoryKind.COMPONENT, "房屋土地"): (D(5), {}, UnitKind.FUNCTIONAL, "住建"),
}
# Anything else (a local extension class such as 朝阳特殊事件, 其他设施): by kind.
DEFAULT_BY_KIND = {
    CategoryKind.EVENT: (D(1), {}, UnitKind.TERRITORIAL, ""),
    CategoryKind.COMPONENT: (D(5), {}, UnitKind.TERRITORIAL, ""),
    CategoryKind.CAMPAIGN: (D(3), {}, UnitKind.TERRITORIAL, ""),
}

CAMPAIGN_MAJOR = "创建专项"
# (code, name, base limit, {area class: limit}, unit kind, unit hint)
CAMPAIGN_CATEGORIES = [
    ("CC01", "公益广告", D(3), {}, UnitKind.TERRITORIAL, ""),
    ("CC02", "病媒生物", D(2), {}, UnitKind.FUNCTIONAL, "卫健"),
    ("CC03", "门前三包", D(1), {"A": H(4)}, UnitKind.TERRITORIAL, ""),
    ("CC04", "占道经营", H(2), {"C": H(4)}, UnitKind.TERRITORIAL, ""),
    ("CC05", "暴露垃圾", H(4), {"A": H(2), "C": H(8)}, UnitKind.TERRITORIAL, ""),
    ("CC06", "绿地养护", D(5), {}, UnitKind.FUNCTIONAL, "园林"),
    ("CC99", "其他", D(3), {}, UnitKind.TERRITORIAL, ""),  # nothing more specific fits
]
OTHER_CATEGORY_CODE = "CC99"

DATA_FIELDS = ["kind", "major", "minor", "name", "source"]
LIMIT_FIELDS = ["time_limit_hours", "time_limit_days", "area_class_limits"]
DEFAULT_FIELDS = ["default_unit_kind", "unit_hint"]


def limit_fields(base, per_class):
    return {
        "time_limit_hours": base.hours,
        "time_limit_days": base.days,
        "area_class_limits": {k: v.as_dict() for k, v in sorted(per_class.items()) if k in AreaClass.values},
    }


def defaults_for(kind, major):
    base, per_class, unit_kind, hint = DEFAULT_LIMITS.get((kind, major)) or DEFAULT_BY_KIND[kind]
    return {**limit_fields(base, per_class), "default_unit_kind": unit_kind, "unit_hint": hint}


@dataclass
class CategoryImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    campaign_added: int = 0

    def summary(self):
        return _("问题类别：新增 %(c)s 类，更新 %(u)s 类，未变 %(n)s 类；新增创建专项类别 %(a)s 类。") % {
            "c": self.created,
            "u": self.updated,
            "n": self.unchanged,
            "a": self.campaign_added,
        }


def _parse(table):
    errors, rows, seen = [], [], {}
    for t in table:
        problems = []
        code, name, major = t.get("code"), t.get("name"), t.get("major")
        if not code:
            problems.append(_("缺少编码"))
        elif len(code) > 20:
            problems.append(_("编码“%(c)s”过长（最多 20 个字符）") % {"c": code})
        elif code in seen:
            problems.append(_("编码 %(c)s 与第 %(line)s 行重复") % {"c": code, "line": seen[code]})
        else:
            seen[code] = t.line
        kind = KINDS.get(t.get("type"), KINDS.get(t.get("type").lower()))
        if kind is None:
            problems.append(_("类型“%(t)s”应为 部件、事件 或 创建专项") % {"t": t.get("type")})
        if not name:
            problems.append(_("缺少名称"))
        elif len(name) > 100:
            problems.append(_("名称过长（最多 100 个字符）"))
        if not major:
            problems.append(_("缺少大类"))
        limit = None
        if t.get("time_limit"):
            try:
                limit = parse_time_limit_column(t.get("time_limit"))
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            errors.append((t.line, join_clauses(problems)))
            continue
        rows.append(
            {
                "code": code,
                "kind": kind,
                "major": major[:50],
                "minor": t.get("minor")[:10],
                "name": name,
                "source": t.get("source")[:50],
                "limit": limit,
            }
        )
    return rows, errors


def _has_limit(category):
    return bool(category.time_limit_hours or category.time_limit_days)


LOCAL_EXTENSION_MARK = "地方扩展"  # a major class another city added (朝阳特殊事件（地方扩展）…)


def import_categories(
    source, *, filename=None, dry_run=False, campaign_categories=True, local_extensions=False, code_lists=None
):
    """Check, then (unless ``dry_run``) write the categories; add the campaign categories.
    Another city's local extension classes (major class marked 地方扩展) are left out unless
    ``local_extensions``: the phone's category list should be the national classes and ours.
    ``code_lists``: only the rows whose ``source`` column is one of these — a city works from one
    code list, and the shipped file holds two that name most classes twice (公共设施 / 公用设施)."""
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    rows, errors = _parse(table)
    if errors:
        raise ImportErrors(errors)
    if not local_extensions:
        rows = [r for r in rows if LOCAL_EXTENSION_MARK not in r["major"]]
    if code_lists:
        rows = [r for r in rows if r["source"] in code_lists]
    result = CategoryImportResult()
    with transaction.atomic():
        existing = {c.code: c for c in IssueCategory.objects.select_for_update()}
        new, changed = [], []
        for r in rows:
            values = {f: r[f] for f in DATA_FIELDS}
            limits = limit_fields(*r["limit"]) if r["limit"] else None
            current = existing.get(r["code"])
            if current is None:
                defaults = defaults_for(r["kind"], r["major"])
                new.append(IssueCategory(code=r["code"], **values, **defaults, **(limits or {})))
                continue
            if limits is None and not _has_limit(current):
                limits = {f: v for f, v in defaults_for(r["kind"], r["major"]).items() if f in LIMIT_FIELDS}
            wanted = {**values, **(limits or {})}
            if any(getattr(current, f) != v for f, v in wanted.items()):
                for f, v in wanted.items():
                    setattr(current, f, v)
                changed.append(current)
        IssueCategory.objects.bulk_create(new)
        IssueCategory.objects.bulk_update(changed, DATA_FIELDS + LIMIT_FIELDS)
        result.created, result.updated = len(new), len(changed)
        result.unchanged = len(rows) - result.created - result.updated
        if campaign_categories:
            result.campaign_added = ensure_campaign_categories()
        if dry_run:
            transaction.set_rollback(True)
    return result


def ensure_campaign_categories():
    """Add the campaign categories not yet present (by code or by name). Returns how many."""
    names = set(IssueCategory.objects.values_list("name", flat=True))
    codes = set(IssueCategory.objects.values_list("code", flat=True))
    added = []
    for code, name, base, per_class, unit_kind, hint in CAMPAIGN_CATEGORIES:
        if code in codes or name in names:
            continue
        added.append(_campaign_category(code, name, base, per_class, unit_kind, hint))
    IssueCategory.objects.bulk_create(added)
    return len(added)


def _campaign_category(code, name, base, per_class, unit_kind, hint):
    """An unsaved category of :data:`CAMPAIGN_CATEGORIES` (one row of it)."""
    return IssueCategory(
        code=code,
        kind=CategoryKind.CAMPAIGN,
        major=CAMPAIGN_MAJOR,
        name=name,
        source="campaign",
        default_unit_kind=unit_kind,
        unit_hint=hint,
        **limit_fields(base, per_class),
    )


def other_category():
    """The neutral 其他 category, for an issue no more specific category fits (a 模拟测评 failure
    whose check item names none): found by its code, else by its name, else created — never an
    arbitrary first row (that was 上水井盖)."""
    found = (
        IssueCategory.objects.filter(code=OTHER_CATEGORY_CODE).first()
        or IssueCategory.objects.filter(is_active=True, name="其他").order_by("code").first()
    )
    if found is not None:
        return found
    other = _campaign_category(*next(c for c in CAMPAIGN_CATEGORIES if c[0] == OTHER_CATEGORY_CODE))
    other.save()
    return other
