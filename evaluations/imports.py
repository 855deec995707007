"""Importing a 实地考察细则 (check items per 点位 type) through the shared reader.

Columns (any of the spellings): 点位类型, 考察内容, 指标编号, 扣分 (分值), 不合格须拍照, 负面清单,
问题类别. A 点位类型 cell merged down a group of rows is read into each row; 点位 types are
recognised in the words offices use (主干道, 公厕, 菜市场…); 扣分 may read ``0.5``, ``0.5分`` or
``扣0.5分``; 是/否 columns accept 是/否/√/×/Y/N. Every row is checked before anything is written
(all or nothing); a re-import of the same file changes nothing (items are matched by standard,
点位类型 and 考察内容).
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Indicator
from chuangcheng.org.sitetypes import site_type_from_name, site_type_labels
from chuangcheng.tabular import ImportErrors, read_table
from inspections.models import IssueCategory

from .models import CheckItem

COLUMNS = {
    "site_type": ["点位类型", "点位", "考察点位", "点位名称类型"],
    "text": ["考察内容", "测评内容", "考察要点", "检查内容", "测评要求"],
    "indicator": ["指标编号", "指标", "对应指标", "指标代码", "所属指标"],
    "points": ["扣分", "分值", "扣分标准", "每处扣分"],
    "photo_required": ["不合格须拍照", "须拍照", "拍照", "需拍照"],
    "negative_list": ["负面清单", "是否负面清单"],
    "category": ["问题类别", "类别", "问题类型"],
}
REQUIRED = ("site_type", "text", "indicator", "points")
YES = {"是", "√", "✓", "y", "yes", "1", "true", "需要", "须"}
NO = {"否", "×", "✗", "n", "no", "0", "false", "不需要", ""}


def parse_points(value):
    """扣分 as written in a 细则 (``0.5``, ``0.5分``, ``扣0.5分``) → Decimal, or None."""
    text = str(value or "").strip().replace("扣", "").replace("分", "").replace("／", "/")
    if not text:
        return None
    try:
        points = Decimal(text)
    except InvalidOperation:
        return None
    return points if points >= 0 else None


@dataclass
class PlannedItem:
    line: int
    site_type: str
    text: str
    indicator: object
    points: Decimal
    photo_required: bool
    negative_list: bool
    category: object
    order: int
    action: str = "create"

    @property
    def site_type_label(self):
        return site_type_labels([self.site_type])[0]


@dataclass
class ChecklistPlan:
    standard: object
    rows: list = field(default_factory=list)

    def counts(self):
        out = {"create": 0, "update": 0, "same": 0}
        for r in self.rows:
            out[r.action] += 1
        return out

    def summary(self):
        c = self.counts()
        return _("新增 %(create)d 项，更新 %(update)d 项，未变 %(same)d 项。") % c


def _flag(value, line, label, errors, default):
    text = str(value or "").strip().lower()
    if not text:
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    errors.append((line, _("“%(col)s”应填 是 或 否，读到“%(v)s”。") % {"col": label, "v": value}))
    return default


def _categories():
    by_name = {}
    for pk, name, code in IssueCategory.objects.filter(is_active=True).values_list("pk", "name", "code"):
        by_name.setdefault(name, pk)
        by_name.setdefault(code, pk)
    return by_name


def plan_checklist(source, *, standard, filename=None):
    """Read and check every row → :class:`ChecklistPlan`; raises :class:`ImportErrors`."""
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    indicators = {i.code: i for i in Indicator.objects.filter(standard=standard)}
    categories = _categories()
    existing = {(i.site_type, i.text): i for i in CheckItem.objects.filter(standard=standard)}
    errors, rows, seen = [], [], {}
    per_type = {}
    for row in table:
        line = row.line
        raw_type = (row.get("site_type") or "").strip()
        site_type = site_type_from_name(raw_type)
        if site_type is None:
            errors.append((line, _("无法识别点位类型“%(v)s”。") % {"v": raw_type}))
        text = " ".join((row.get("text") or "").split())
        if not text:
            errors.append((line, _("考察内容为空。")))
        code = (row.get("indicator") or "").strip().rstrip("．.")
        indicator = indicators.get(code)
        if indicator is None:
            errors.append((line, _("指标编号“%(c)s”不在测评体系“%(s)s”中。") % {"c": code, "s": standard}))
        points = parse_points(row.get("points"))
        if points is None:
            errors.append((line, _("扣分“%(v)s”不是有效的分值。") % {"v": row.get("points") or ""}))
        photo = _flag(row.get("photo_required"), line, _("不合格须拍照"), errors, True)
        negative = _flag(row.get("negative_list"), line, _("负面清单"), errors, False)
        category_name = (row.get("category") or "").strip()
        category = None
        if category_name:
            category = categories.get(category_name)
            if category is None:
                errors.append(
                    (line, _("问题类别“%(v)s”不存在（请用问题类别表中的名称或编码）。") % {"v": category_name})
                )
        key = (site_type, text)
        if site_type and text and key in seen:
            errors.append((line, _("与第 %(n)s 行重复（同一点位类型、同一考察内容）。") % {"n": seen[key]}))
        seen[key] = line
        if site_type is None or not text or indicator is None or points is None:
            continue
        per_type[site_type] = per_type.get(site_type, 0) + 1
        rows.append(
            PlannedItem(line, site_type, text, indicator, points, photo, negative, category, per_type[site_type])
        )
    if errors:
        raise ImportErrors(errors)
    if not rows:
        raise ImportErrors([(None, _("文件中没有考察内容。"))])
    plan = ChecklistPlan(standard=standard, rows=rows)
    for r in rows:
        old = existing.get((r.site_type, r.text))
        if old is None:
            continue
        same = (
            old.indicator_id == r.indicator.pk
            and old.points == r.points
            and old.photo_required == r.photo_required
            and old.negative_list == r.negative_list
            and old.category_id == r.category
            and old.order == r.order
            and old.is_active
        )
        r.action = "same" if same else "update"
    return plan


@transaction.atomic
def import_checklist(source, *, standard, filename=None):
    """Write the checked plan (create or update by standard, 点位类型 and 考察内容)."""
    plan = plan_checklist(source, standard=standard, filename=filename)
    for r in plan.rows:
        if r.action == "same":
            continue
        CheckItem.objects.update_or_create(
            standard=standard,
            site_type=r.site_type,
            text=r.text,
            defaults={
                "indicator": r.indicator,
                "points": r.points,
                "photo_required": r.photo_required,
                "negative_list": r.negative_list,
                "category_id": r.category,
                "order": r.order,
                "is_active": True,
            },
        )
    return plan
