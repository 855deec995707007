"""The dry run of a 任务分解表: every row parsed, every name matched, every error named.

:func:`plan_tasks` returns a :class:`TaskPlan` whose rows say what each cell became — which
unit(s) a name resolved to and how, the date a deadline phrase means, the leader, the region —
or raises :class:`~chuangcheng.tabular.ImportErrors` with every bad row. Nothing is written.
"""

import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.models import Indicator
from chuangcheng.officedates import Deadline, parse_date, parse_deadline
from chuangcheng.org.matching import LeaderMatcher, RegionMatcher, UnitMatcher, closest, names_of
from chuangcheng.org.models import Region
from chuangcheng.org.workcalendar import WorkingCalendar
from chuangcheng.tabular import ImportErrors, read_table
from chuangcheng.wording import join_clauses, join_list

from ..models import Recurrence, Task
from .cells import COLUMNS, REQUIRED, parse_period, split_names

RECURRENCE_LABELS = dict(Recurrence.choices)


def import_key(number, title):
    """The key of an imported row: its 序号 and 任务名称 (a re-import finds it again)."""
    return hashlib.sha1(f"{number}\x1f{title}".encode()).hexdigest()[:40]


@dataclass
class PlannedTask:
    """One row of the file as it will be imported, with how each cell was read."""

    line: int
    number: str
    title: str
    owners: list  # UnitMatch per name in 责任单位
    lead: object  # UnitMatch or None
    cooperating: list  # UnitMatch per name
    indicators: list
    leader_text: str
    leader: object  # User or None
    start_date: dt.date
    start_given: bool
    deadline: Deadline
    recurrence: str
    region: Region | None
    region_from_unit: bool
    contact_name: str
    contact_phone: str
    completion_standard: str
    key: str
    duplicate: bool = False
    warnings: list = field(default_factory=list)
    lines: list = field(default_factory=list)  # further rows of the file that wrote this task

    @property
    def owner_units(self):
        units = {}
        for match in self.owners:
            for unit in match.units:
                units.setdefault(unit.pk, unit)
        return list(units.values())

    @property
    def lead_unit(self):
        return self.lead.unit if self.lead is not None else None

    @property
    def cooperating_units(self):
        return [u for m in self.cooperating for u in m.units]

    @property
    def decomposed(self):
        return len(self.owner_units) > 1

    @property
    def leader_unlinked(self):
        return bool(self.leader_text) and self.leader is None

    @property
    def recurrence_label(self):
        return str(RECURRENCE_LABELS.get(self.recurrence, "")) if self.recurrence else ""

    @property
    def task_count(self):
        return 1 + (len(self.owner_units) if self.decomposed else 0)


@dataclass
class TaskPlan:
    rows: list = field(default_factory=list)
    created: int = 0
    skipped: int = 0

    @property
    def inferred(self):
        """The (text, unit) matches the import inferred; confirming remembers them as aliases."""
        pairs = {}
        for row in self.rows:
            for match in [*row.owners, *([row.lead] if row.lead else []), *row.cooperating]:
                if match.how == "inferred":
                    pairs[(match.text, match.unit.pk)] = (match.text, match.unit)
        return list(pairs.values())

    @property
    def warnings(self):
        return [(row.line, w) for row in self.rows for w in row.warnings]

    def report_lines(self):
        """The preview as text (``import_tasks --dry-run``): every cell's resolution, per row."""
        lines = []
        for p in self.rows:
            owners = join_clauses(_match_text(m) for m in p.owners)
            numbers = join_list(str(n) for n in [p.line, *p.lines])
            parts = [_("第 %(line)s 行 %(title)s") % {"line": numbers, "title": f"{p.number} {p.title}".strip()}]
            parts.append(_("责任单位：%(u)s") % {"u": owners})
            if p.lead is not None:
                parts.append(_("牵头：%(u)s") % {"u": _match_text(p.lead)})
            if p.cooperating:
                parts.append(_("配合：%(u)s") % {"u": join_clauses(_match_text(m) for m in p.cooperating)})
            deadline = f"{p.deadline.text} → {p.deadline.date:%Y-%m-%d}"
            if p.deadline.how != "date":
                deadline += f"（{p.deadline.how_label}）"
            if p.recurrence:
                deadline += _("，%(period)s重复") % {"period": p.recurrence_label}
            parts.append(_("完成时限：%(d)s") % {"d": deadline})
            if p.leader_text:
                leader = str(p.leader) if p.leader else _("%(name)s（未关联）") % {"name": p.leader_text}
                parts.append(_("责任领导：%(l)s") % {"l": leader})
            region = p.region.name + (_("（取自责任单位）") if p.region_from_unit else "")
            parts.append(_("区域：%(r)s") % {"r": region})
            if p.duplicate:
                parts.append(_("已存在，跳过"))
            elif p.decomposed:
                parts.append(_("新建并分解为 %(n)s 个") % {"n": len(p.owner_units)})
            lines.append(" | ".join(parts))
        return lines

    def summary(self):
        new_rows = [p for p in self.rows if not p.duplicate]
        text = _(
            "共 %(rows)s 行：新建任务 %(created)s 个（其中分解子任务 %(children)s 个），已存在跳过 %(skipped)s 行。"
        ) % {
            "rows": len(self.rows),
            "created": sum(p.task_count for p in new_rows),
            "children": sum(len(p.owner_units) for p in new_rows if p.decomposed),
            "skipped": len(self.rows) - len(new_rows),
        }
        unlinked = sum(p.leader_unlinked for p in self.rows)
        if unlinked:
            text += _("其中 %(n)s 行的责任领导未关联到系统中的包保领导（标为“未关联”）。") % {"n": unlinked}
        return text


def _match_text(match):
    units = join_list(u.name for u in match.units)
    if match.how == "exact":
        return units
    return f"{match.text} → {units}（{match.how_label}）"


class _Context:
    """What the rows are matched against, loaded once per file."""

    def __init__(self, campaign, today=None):
        self.campaign = campaign
        self.units = UnitMatcher(campaign.region)
        self.leaders = LeaderMatcher()
        self.indicators = {
            i.code: i for i in Indicator.objects.filter(standard__in=campaign.standards.all()).only("id", "code")
        }
        self.regions = RegionMatcher(campaign.region)
        self.existing_keys = set(
            Task.objects.filter(campaign=campaign).exclude(import_key="").values_list("import_key", flat=True)
        )
        # Rows imported before import keys existed: same 序号 and 任务名称 at the top level.
        self.existing_pairs = set(
            Task.objects.filter(campaign=campaign, parent__isnull=True).values_list("number", "title")
        )
        now = timezone.now()
        if today is not None:  # a given day (tests, a re-run of an old file): 立行立改 from its morning
            now = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
        self.today = today or timezone.localdate()
        self.immediate = timezone.localtime(WorkingCalendar().end_of_working_day(now)).date()

    def region(self, text, problems):
        return self.regions.resolve(text, problems)

    def unit_names(self, text, column, problems, *, allow_groups=True):
        matches = []
        for name in split_names(text):
            match = self.units.resolve(name)
            if match.how == "group" and not allow_groups:
                problems.append(_("%(col)s只能填一个单位，不能填统称“%(name)s”") % {"col": column, "name": name})
            elif match.how == "group":
                office = self.campaign.office_unit_id
                match.units = [u for u in match.units if u.pk != office]
                if not match.units:
                    problems.append(_("%(col)s“%(name)s”在本活动范围内没有对应的单位") % {"col": column, "name": name})
            elif match.how == "ambiguous":
                problems.append(
                    _("%(col)s“%(name)s”对应多个单位（%(units)s），请写全称")
                    % {"col": column, "name": name, "units": names_of(match.suggestions)}
                )
            elif not match.ok:
                problems.append(
                    _("%(col)s“%(name)s”找不到，%(closest)s")
                    % {"col": column, "name": name, "closest": closest(match.suggestions)}
                )
            matches.append(match)
        return [m for m in matches if m.ok]


def _row(row, ctx, *, allow_unlinked_leaders):
    """One row → (PlannedTask, problems)."""
    problems, campaign = [], ctx.campaign
    number, title = row.get("number"), row.get("title")
    if not title:
        problems.append(_("缺少任务名称"))
    elif len(title) > 200:
        problems.append(_("任务名称超过 200 字"))
    if len(number) > 30:
        problems.append(_("序号超过 30 个字符"))
    owners = ctx.unit_names(row.get("owner_units"), _("责任单位"), problems)
    if not row.get("owner_units"):
        problems.append(_("缺少责任单位"))
    leads = ctx.unit_names(row.get("lead_unit"), _("牵头单位"), problems, allow_groups=False)
    if len(leads) > 1:
        problems.append(_("牵头单位只能填一个（现有 %(n)s 个）") % {"n": len(leads)})
    cooperating = ctx.unit_names(row.get("cooperating_units"), _("配合单位"), problems)
    indicators = []
    for code in split_names(row.get("indicators")):
        if code in ctx.indicators:
            indicators.append(ctx.indicators[code])
        else:
            close = difflib.get_close_matches(code, list(ctx.indicators), n=3, cutoff=0.3)
            problems.append(
                _("指标编号“%(c)s”不在本活动的测评体系中，最接近的是：%(close)s")
                % {"c": code, "close": join_list(close) or _("（无相近编号）")}
            )
    start_raw = row.get("start_date")
    start = parse_date(start_raw) if start_raw else max(ctx.today, campaign.start_date)
    if start_raw and start is None:
        problems.append(_("开始日期“%(d)s”无法识别（请写成 2026-12-31）") % {"d": start_raw})
    reference = start or ctx.today
    deadline = parse_deadline(
        row.get("deadline"), reference=reference, campaign_end=campaign.target_date, immediate=ctx.immediate
    )
    recurrence = parse_period(row.get("period"))
    if recurrence is None:
        problems.append(_("周期“%(p)s”无法识别（应为 每周、每月 或 每季度）") % {"p": row.get("period")})
    if deadline.date is None:
        problems.append(
            _("完成时限“%(d)s”无法识别（可写 2026-12-31、2027年1月底前、12月31日前、年底前、立行立改、长期坚持）")
            % {"d": row.get("deadline")}
        )
    elif deadline.how == "ongoing" and not recurrence:
        problems.append(_("“%(d)s”的任务请在“周期”列写明 每周、每月 或 每季度") % {"d": deadline.text})
    elif start and deadline.date < start:
        if deadline.how == "immediate":
            start = deadline.date
        else:
            problems.append(_("完成时限 %(d)s 早于开始日期 %(s)s") % {"d": deadline.date, "s": start})
    region = ctx.region(row.get("region"), problems) if row.get("region") else None
    leader_text, leader = row.get("leader"), None
    warnings = []
    if leader_text:
        found = ctx.leaders.resolve(leader_text)
        leader = found.user
        if leader is None and allow_unlinked_leaders:
            warnings.append(
                _("责任领导“%(l)s”未关联到系统中的包保领导：仅作为文字保存，标为“未关联”，不会收到提醒")
                % {"l": leader_text}
            )
        elif leader is None:
            close = join_list(str(u) for u in found.candidates) or _("（无相近的包保领导）")
            problems.append(
                _("责任领导“%(l)s”不是系统中的包保领导（须写系统中的姓名），相近的有：%(close)s")
                % {"l": leader_text, "close": close}
            )
    if problems:
        return None, problems
    owner_units = {u.pk: u for m in owners for u in m.units}
    region_from_unit = region is None
    if region is None:
        first = next(iter(owner_units.values()), None)
        region = first.region if len(owner_units) == 1 else (leads[0].unit.region if leads else campaign.region)
    key = import_key(number, title)
    plan = PlannedTask(
        line=row.line,
        number=number,
        title=title,
        owners=owners,
        lead=leads[0] if leads else None,
        cooperating=cooperating,
        indicators=indicators,
        leader_text=leader_text,
        leader=leader,
        start_date=start,
        start_given=bool(start_raw),
        deadline=deadline,
        recurrence=recurrence or "",
        region=region,
        region_from_unit=region_from_unit,
        contact_name=row.get("contact_name")[:50],
        contact_phone=row.get("contact_phone")[:20],
        completion_standard=row.get("completion_standard"),
        key=key,
        duplicate=key in ctx.existing_keys or (number, title) in ctx.existing_pairs,
        warnings=warnings,
    )
    return plan, []


def plan_tasks(source, *, campaign, filename=None, allow_unlinked_leaders=False, today=None):
    """Parse and match every row; raise :class:`ImportErrors` with every bad row. ``today``:
    the day years are inferred from when a row has no 开始日期 (default: today)."""
    table = read_table(source, columns=COLUMNS, required=REQUIRED, filename=filename)
    ctx = _Context(campaign, today)
    plan, errors, seen = TaskPlan(), [], {}
    for row in table:
        planned, problems = _row(row, ctx, allow_unlinked_leaders=allow_unlinked_leaders)
        if planned is not None and planned.key in seen:
            problems = _merge(seen[planned.key], planned, campaign.region)
            planned = None
        if problems:
            errors.append((row.line, join_clauses(problems)))
            continue
        if planned is not None:
            seen[planned.key] = planned
            plan.rows.append(planned)
    if errors:
        exc = ImportErrors(errors)
        exc.plan = plan  # the rows that did resolve: a dry run still shows what each cell became
        raise exc
    return plan


SAME_TASK_FIELDS = ("completion_standard", "leader_text", "start_date", "recurrence", "contact_name", "contact_phone")


def _merge(first, again, campaign_region):
    """A task written over several rows — 序号 and 任务名称 merged down, one 责任单位 per row, as
    breakdown tables often are — becomes one task with all those units (decomposed). The rows
    must agree on everything else; otherwise they are an error naming the first row."""
    differs = [f for f in SAME_TASK_FIELDS if getattr(first, f) != getattr(again, f)]
    if first.deadline.date != again.deadline.date:
        differs.append("deadline")
    if first.lead_unit != again.lead_unit:
        differs.append("lead_unit")
    if differs:
        return [
            _(
                "序号和任务名称与第 %(line)s 行相同，但其他内容不同（同一任务分行填写时，只有责任单位、配合单位可以不同）"
            )
            % {"line": first.line}
        ]
    first.owners += again.owners
    first.cooperating += again.cooperating
    first.indicators += [i for i in again.indicators if i not in first.indicators]
    first.lines.append(again.line)
    if again.region is not None and not again.region_from_unit and first.region_from_unit:
        first.region, first.region_from_unit = again.region, False
    if first.region_from_unit and len(first.owner_units) > 1:  # the parent spans the units
        first.region = first.lead_unit.region if first.lead_unit is not None else campaign_region
    return []
