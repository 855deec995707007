"""Import a 任务分解表 (.xlsx or CSV) into a campaign's ledger.

Columns: 序号, 任务名称, 完成标准, 指标编号, 牵头单位, 责任单位, 配合单位, 责任领导, 开始日期,
完成时限, 区域. Units are matched by name (or short name), indicators by code within the
campaign's standards, regions by code, name or ``区县/街道`` path. Anything unmatched is
reported by row with the closest candidates, and nothing is written unless every row is good.

A row naming several 责任单位 becomes a parent task (owned by the 牵头单位) decomposed into one
child per responsible unit. Rows already in the ledger (same campaign, 序号 and 任务名称) are
skipped, so re-importing the same file adds nothing.
"""

import calendar
import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Indicator
from chuangcheng.org.models import Region, Unit, User
from chuangcheng.tabular import ImportErrors, read_table

from . import permissions
from .models import Task, TaskAction
from .services import _create, _event

COLUMNS = {
    "number": ["序号", "number"],
    "title": ["任务名称", "title"],
    "completion_standard": ["完成标准", "completion_standard"],
    "indicators": ["指标编号", "indicators"],
    "lead_unit": ["牵头单位", "lead_unit"],
    "owner_units": ["责任单位", "owner_units"],
    "cooperating_units": ["配合单位", "cooperating_units"],
    "leader": ["责任领导", "leader"],
    "start_date": ["开始日期", "start_date"],
    "deadline": ["完成时限", "deadline"],
    "region": ["区域", "region"],
}
REQUIRED = ["title", "owner_units", "deadline"]
SEPARATORS = re.compile(r"[、,，;；\n]+")
DATE_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"), "ymd"),
    (re.compile(r"^(\d{4})年(\d{1,2})月底?$"), "month_end"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "month_end"),
]


@dataclass
class PlannedTask:
    line: int
    number: str
    title: str
    owner_units: list
    lead_unit: Unit | None
    cooperating_units: list
    indicators: list
    leader: User | None
    leader_name: str
    start_date: dt.date
    deadline: dt.date
    region: Region | None
    completion_standard: str
    duplicate: bool = False


@dataclass
class TaskImportResult:
    planned: list = field(default_factory=list)
    created: int = 0
    skipped: int = 0

    def summary(self):
        new_rows = [p for p in self.planned if not p.duplicate]
        return _(
            "共 %(rows)s 行：新建任务 %(created)s 个（其中分解子任务 %(children)s 个），已存在跳过 %(skipped)s 行。"
        ) % {
            "rows": len(self.planned),
            "created": sum(1 + (len(p.owner_units) if len(p.owner_units) > 1 else 0) for p in new_rows),
            "children": sum(len(p.owner_units) for p in new_rows if len(p.owner_units) > 1),
            "skipped": len(self.planned) - len(new_rows),
        }


def parse_date(text):
    """Dates as people type them in ledgers: 2026-12-31, 2026/12/31, 2026年12月31日, 2026年12月底."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    if "T" in text or " " in text:
        text = text.split("T")[0]
    for pattern, kind in DATE_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        year, month = int(m.group(1)), int(m.group(2))
        try:
            if kind == "ymd":
                return dt.date(year, month, int(m.group(3)))
            return dt.date(year, month, calendar.monthrange(year, month)[1])
        except ValueError:
            return None
    return None


class _Matcher:
    """Name → object lookups with closest-candidate suggestions."""

    def __init__(self, campaign):
        units = list(Unit.objects.filter(is_active=True).only("id", "name", "short_name", "region_id", "kind"))
        self.units = {}
        for u in units:
            self.units.setdefault(u.name, []).append(u)
            if u.short_name:
                self.units.setdefault(u.short_name, []).append(u)
        self.indicators = {
            i.code: i for i in Indicator.objects.filter(standard__in=campaign.standards.all()).only("id", "code")
        }
        regions = list(
            Region.objects.filter(path__startswith=campaign.region.path).only("id", "code", "name", "path", "parent_id")
        )
        self.regions_by_code = {r.code: r for r in regions if r.code}
        self.regions_by_name = {}
        for r in regions:
            self.regions_by_name.setdefault(r.name, []).append(r)
        self.regions_by_id = {r.id: r for r in regions}
        self.leaders = {}
        for user in User.objects.filter(memberships__role="leader").distinct():
            self.leaders.setdefault(str(user), []).append(user)

    @staticmethod
    def _closest(name, names):
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.3)
        if not close:
            close = [n for n in names if name[:2] and name[:2] in n][:3]
        return "、".join(close) if close else _("（无相近名称）")

    def unit(self, name, column, problems):
        found = self.units.get(name)
        if not found:
            problems.append(
                _("%(col)s“%(name)s”找不到，最接近的是：%(close)s")
                % {"col": column, "name": name, "close": self._closest(name, list(self.units))}
            )
            return None
        if len({u.pk for u in found}) > 1:
            problems.append(_("%(col)s“%(name)s”有重名单位，请写全称") % {"col": column, "name": name})
            return None
        return found[0]

    def _ancestor_names(self, region):
        ids = [int(i) for i in region.path.strip("/").split("/")]
        return {self.regions_by_id[i].name for i in ids if i in self.regions_by_id}

    def region(self, text, problems):
        if text in self.regions_by_code:
            return self.regions_by_code[text]
        parts = [p for p in re.split(r"[/／>]", text) if p]
        candidates = self.regions_by_name.get(parts[-1], [])
        if len(parts) > 1:
            candidates = [r for r in candidates if set(parts[:-1]) <= self._ancestor_names(r)]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            problems.append(
                _("区域“%(r)s”不在本次创建范围内，最接近的是：%(close)s")
                % {"r": text, "close": self._closest(parts[-1] if parts else text, list(self.regions_by_name))}
            )
        else:
            problems.append(_("区域“%(r)s”有重名，请写成“区县/街道”的形式或填写区划代码") % {"r": text})
        return None


def plan_tasks(source, *, campaign, filename=None):
    """Parse and match every row; raise :class:`ImportErrors` if any row is bad."""
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    match = _Matcher(campaign)
    existing = set(Task.objects.filter(campaign=campaign).values_list("number", "title"))
    errors, planned = [], []
    today = timezone.localdate()
    for row in table:
        problems = []
        title = row.get("title")
        if not title:
            problems.append(_("缺少任务名称"))
        elif len(title) > 200:
            problems.append(_("任务名称超过 200 字"))
        owner_names = [n.strip() for n in SEPARATORS.split(row.get("owner_units")) if n.strip()]
        if not owner_names:
            problems.append(_("缺少责任单位"))
        owners = [match.unit(n, _("责任单位"), problems) for n in owner_names]
        lead = match.unit(row.get("lead_unit"), _("牵头单位"), problems) if row.get("lead_unit") else None
        coop_names = [n.strip() for n in SEPARATORS.split(row.get("cooperating_units")) if n.strip()]
        coops = [match.unit(n, _("配合单位"), problems) for n in coop_names]
        indicators = []
        for code in [c.strip() for c in SEPARATORS.split(row.get("indicators")) if c.strip()]:
            if code in match.indicators:
                indicators.append(match.indicators[code])
            else:
                problems.append(
                    _("指标编号“%(c)s”不在本活动的测评体系中，最接近的是：%(close)s")
                    % {"c": code, "close": match._closest(code, list(match.indicators))}
                )
        start_raw, deadline_raw = row.get("start_date"), row.get("deadline")
        start = parse_date(start_raw) if start_raw else max(today, campaign.start_date)
        deadline = parse_date(deadline_raw)
        if start_raw and start is None:
            problems.append(_("开始日期“%(d)s”无法识别（请写成 2026-12-31）") % {"d": start_raw})
        if deadline is None:
            problems.append(_("完成时限“%(d)s”无法识别（请写成 2026-12-31 或 2026年12月底）") % {"d": deadline_raw})
        elif start and deadline < start:
            problems.append(_("完成时限 %(d)s 早于开始日期 %(s)s") % {"d": deadline, "s": start})
        region = match.region(row.get("region"), problems) if row.get("region") else None
        leader_name = row.get("leader")
        leaders = match.leaders.get(leader_name, []) if leader_name else []
        if problems:
            errors.append((row.line, "；".join(problems)))
            continue
        planned.append(
            PlannedTask(
                line=row.line,
                number=row.get("number"),
                title=title,
                owner_units=owners,
                lead_unit=lead,
                cooperating_units=coops,
                indicators=indicators,
                leader=leaders[0] if len(leaders) == 1 else None,
                leader_name=leader_name,
                start_date=start,
                deadline=deadline,
                region=region,
                completion_standard=row.get("completion_standard"),
                duplicate=(row.get("number"), title) in existing,
            )
        )
    if errors:
        raise ImportErrors(errors)
    return planned


def import_tasks(source, *, campaign, actor, filename=None, dry_run=False):
    """Check every row, then (unless ``dry_run``) create the tasks in one transaction."""
    if actor is not None and not permissions.can_create(actor, campaign):
        raise ImportErrors([(None, _("只有督查员和系统管理员可以导入任务分解表。"))])
    result = TaskImportResult(planned=plan_tasks(source, campaign=campaign, filename=filename))
    if dry_run:
        return result
    with transaction.atomic():
        for p in result.planned:
            if p.duplicate:
                result.skipped += 1
                continue
            common = {
                "actor": actor,
                "campaign": campaign,
                "completion_standard": p.completion_standard,
                "indicators": p.indicators,
                "responsible_leader": p.leader,
                "responsible_leader_name": p.leader_name,
                "start_date": p.start_date,
                "deadline": p.deadline,
                "event_action": TaskAction.IMPORT,
            }
            if len(p.owner_units) == 1:
                _create(
                    number=p.number,
                    title=p.title,
                    owner_unit=p.owner_units[0],
                    lead_unit=p.lead_unit,
                    cooperating_units=p.cooperating_units,
                    region=p.region,
                    **common,
                )
                result.created += 1
                continue
            parent = _create(
                number=p.number,
                title=p.title,
                owner_unit=p.lead_unit or p.owner_units[0],
                lead_unit=p.lead_unit,
                cooperating_units=p.cooperating_units,
                region=p.region,
                **common,
            )
            for unit in p.owner_units:
                _create(
                    title=f"{p.title}（{unit.name}）",
                    owner_unit=unit,
                    lead_unit=p.lead_unit or parent.owner_unit,
                    region=unit.region if unit.kind == "territorial" else p.region,
                    parent=parent,
                    **common,
                )
            _event(parent, actor, TaskAction.DECOMPOSE, changes={"children": len(p.owner_units)})
            result.created += 1 + len(p.owner_units)
    return result
