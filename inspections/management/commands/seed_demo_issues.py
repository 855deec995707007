"""seed_demo_issues: two months of street problems for the demo campaign.

Run after ``seed_demo`` (which runs it when ``settings.DEMO_SEED_COMMANDS`` lists it). About
2,000 issues over the five demo districts' streets, communities and 测评点位, in every state —
待受理, 已交办, 整改中, 待核查, 已销号, 长期整改, 不予立案 (some merged) — spread over the last ~60
days; some overdue, some reworked (返工, with their reject events), some recurring (反弹, with
reopen events), some with a pending 申请延期 or 申请退回, a few dozen 随手拍 with tracking codes,
and seven inspections (暗访, 明查督查, 自查) that found part of them.

The history is written the way the services write it — create, accept, sign, submit, reject,
verify, reopen… by the demo supervisors and each unit's clerk (created here when a unit has
none, 密码同 seed_demo) — with deadlines computed by :mod:`inspections.deadlines` from the
category, severity and area class on the working calendar. Rows are written with
``bulk_create`` (not a service call per issue) so the command takes seconds. Photos: eight
small generated JPEGs, stored once and shared by the photo rows (each row has its own hashes,
so the duplicate-photo check does not fire on them — except five planted 疑似重复照片).

Deterministic (``--seed``) and idempotent: a campaign that already has issues is left alone.
"""

import datetime as dt
import hashlib
import io
import random
import time

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from chuangcheng.campaigns.management.commands.seed_demo import DEMO_DISTRICTS, DEMO_PASSWORD, FUNCTIONAL_UNITS
from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.org.models import Membership, Region, RegionLevel, Role, Site, Unit, UnitKind, UnitLevel, User
from chuangcheng.org.workcalendar import WorkingCalendar
from inspections import deadlines, tally
from inspections.models import (
    Inspection,
    InspectionKind,
    Issue,
    IssueAction,
    IssueCategory,
    IssueEvent,
    IssueSource,
    IssueState,
    PendingRequest,
    Photo,
    PhotoKind,
    Severity,
)
from inspections.selectors import suggest_responsible_unit
from inspections.services.citizen import TRACKING_ALPHABET, TRACKING_LENGTH

CAMPAIGN_NAME = "郑州市创建国家卫生城市“百日会战”"
FIRST_STREET = "410105001"  # jingbanren's street: enough issues for a real 我的待办
S = IssueState

# The demo's 数字城管 code list (the ``source`` of data/case_categories.csv): its codes are the ones below.
DEMO_CODE_LIST = "beijing_chaoyang_app"
# (category code, indicator code, weight, descriptions)
CATEGORIES = [
    ("200102", "3.2", 14, ["绿化带内暴露垃圾未清理", "垃圾桶周边散落生活垃圾", "小区门口垃圾堆积未清运"]),
    ("200103", "3.3", 6, ["路边积存建筑垃圾渣土", "空地积存垃圾多日未清"]),
    ("200104", "3.1", 8, ["路面保洁不到位，有烟头纸屑", "人行道污渍油渍未清洗"]),
    ("200201", "3.2", 8, ["电线杆、墙面张贴小广告", "单元门口乱贴开锁、办证广告"]),
    ("200504", "3.1", 7, ["商户店外摆摊经营", "餐馆占用人行道摆放桌椅"]),
    ("200505", "3.1", 5, ["机动车占用人行道停放", "消防通道内停放车辆"]),
    ("200506", "3.1", 6, ["共享单车乱停乱放堵塞人行道", "电动车在盲道上停放"]),
    ("200507", "3.4", 7, ["楼道内堆放杂物", "小区内乱堆建材杂物"]),
    ("200302", "3.7", 3, ["工地裸土未覆盖，扬尘明显", "工地出入口未冲洗车辆"]),
    ("200307", "3.7", 2, ["施工工地围挡缺失", "围挡破损未修复"]),
    ("200141", "5.2", 3, ["餐饮店油烟直排", "油烟净化设施未开启"]),
    ("200510", "3.1", 2, ["夜间露天烧烤", "店外烧烤烟雾扰民"]),
    ("CC02", "8.3", 4, ["垃圾房周边蚊蝇较多", "下水道口发现鼠迹"]),
    ("CC01", "2.2", 3, ["公益广告画面破损褪色", "公益广告覆盖率不足"]),
    ("CC06", "3.4", 3, ["绿地裸土未绿化", "绿篱枯死未补植"]),
    ("100101", "3.1", 2, ["井盖破损", "井盖缺失，存在安全隐患"]),
    ("100118", "3.1", 2, ["路灯不亮", "路灯灯杆倾斜"]),
    ("200111", "3.1", 2, ["雨后道路积水", "路面低洼处长期积水"]),
]
STATE_WEIGHTS = [
    (S.CLOSED, 44),
    (S.RECTIFYING, 18),
    (S.SUBMITTED, 9),
    (S.ASSIGNED, 8),
    (S.REPORTED, 8),
    (S.DISMISSED, 8),
    (S.LONG_TERM, 5),
]
SOURCE_WEIGHTS = [
    (IssueSource.PATROL, 55),
    (IssueSource.HOTLINE, 14),
    (IssueSource.CITIZEN, 4),
    (IssueSource.MEDIA, 2),
    (IssueSource.LEADER, 4),
    (IssueSource.MOCK, 3),
]
SEVERITY_WEIGHTS = [(Severity.GENERAL, 76), (Severity.SERIOUS, 14), (Severity.SEVERE, 6), (Severity.NEGATIVE_LIST, 4)]
# (kind, source of its issues, district code, days ago, how many issues)
INSPECTIONS = [
    (InspectionKind.COVERT, IssueSource.COVERT, "410105", 52, 45),
    (InspectionKind.COVERT, IssueSource.COVERT, "410102", 38, 40),
    (InspectionKind.COVERT, IssueSource.COVERT, "410103", 17, 35),
    (InspectionKind.SUPERVISION, IssueSource.SUPERVISION, "410104", 45, 30),
    (InspectionKind.SUPERVISION, IssueSource.SUPERVISION, "410108", 24, 30),
    (InspectionKind.SELF_CHECK, IssueSource.PATROL, "410105", 30, 25),
    (InspectionKind.SELF_CHECK, IssueSource.PATROL, "410105", 6, 20),
]
ROADS = ["金水路", "经三路", "花园路", "农业路", "纬五路", "文化路", "建设路", "中原路", "大学路", "航海路", "黄河路"]
DISMISS_REASONS = ["经现场核实，问题不存在", "属于正常施工围挡，不予立案", "非本系统受理范围，已转相关部门", "重复反映"]
REJECT_REASONS = [
    "现场复核仍有垃圾残留，请彻底清理",
    "整改后照片与现场不符，请重新整改并拍照",
    "小广告仅部分清除，请全部清理",
]
MEASURES = ["已组织保洁人员清理完毕", "已约谈商户并规范经营", "已联系产权单位修复", "已清理并建立巡查台账"]
REQUEST_REASONS = ["需协调产权单位，申请延期 3 个工作日", "涉及管线迁改，需等待施工窗口"]
INSIST_REASON = "经现场核实，该点位属本单位管辖，请按时整改"
REASSIGN_REASONS = ["属地不符：该点位属相邻街道管辖", "权属不清：该设施产权单位为市政公司"]
LONG_TERM_PLANS = ["纳入老旧小区改造计划，分两期实施", "需重新铺设管网，已列入年度项目"]
SURNAMES = "孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
GIVEN = ["华", "丽", "强", "梅", "斌", "燕", "鹏", "婷", "飞", "琳", "浩", "倩"]


def demo_jpeg(seed, after=False):
    """A small real JPEG 'site photo': sky, a wall, a road; an 'after' one is tidier."""
    rng = random.Random(seed)
    image = Image.new("RGB", (240, 180), tuple(rng.randrange(120, 230) for _c in range(3)))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 70, 240, 130], fill=tuple(rng.randrange(90, 200) for _c in range(3)))
    draw.rectangle([0, 130, 240, 180], fill=(110, 110, 115))
    for _i in range(2 if after else 14):  # litter, or its few leftovers
        x, y = rng.randrange(10, 230), rng.randrange(132, 172)
        draw.ellipse([x, y, x + rng.randrange(4, 12), y + rng.randrange(3, 8)], fill=(rng.randrange(256), 60, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    thumb = image.copy()
    thumb.thumbnail((160, 160))
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=70)
    return out.getvalue(), small.getvalue(), image.size


class Command(BaseCommand):
    help = "生成演示问题（约2000个，各状态齐全，近60天）。在 seed_demo 之后运行；活动已有问题时跳过。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--count", type=int, default=2000)

    def handle(self, *args, seed, count, **options):
        campaign = Campaign.objects.filter(name=CAMPAIGN_NAME).select_related("region").first()
        if campaign is None:
            raise CommandError(_("找不到演示创建活动，请先运行 seed_demo。"))
        existing = Issue.objects.filter(campaign=campaign).count()
        if existing:
            self.stdout.write(_("演示问题已存在（%(n)s 个），未重复生成。") % {"n": existing})
            return
        if not IssueCategory.objects.exists():
            load_demo_categories()
        started = time.monotonic()
        with transaction.atomic():
            ledger = Casebook(campaign, random.Random(seed), count)
            ledger.build()
        self.stdout.write(
            self.style.SUCCESS(
                _("演示问题已生成：%(n)s 个问题，%(e)s 条记录，%(p)s 张照片（%(s).1f 秒）。")
                % {
                    "n": len(ledger.issues),
                    "e": ledger.event_count,
                    "p": ledger.photo_count,
                    "s": time.monotonic() - started,
                }
            )
        )
        codes = [i.tracking_code for i in ledger.issues if i.tracking_code][:3]
        if codes:
            self.stdout.write(_("随手拍查询码示例（/report/track/）：%(c)s") % {"c": "、".join(codes)})


def load_demo_categories():
    """The demo city's categories: one 数字城管 code list of the shipped file (:data:`DEMO_CODE_LIST`)
    and the campaign categories — so each class is named once, under one spelling of its major
    class (the file's second list names most classes again, under 公用设施 for 公共设施). A name
    the list itself gives two codes (燃气调压站（箱）, 沟槽厕所盖板) keeps its first. Only for an
    empty category table: nothing refers to the rows yet."""
    call_command("import_categories", "--source", DEMO_CODE_LIST, stdout=io.StringIO())
    seen, repeated = set(), []
    for pk, name in IssueCategory.objects.order_by("code").values_list("pk", "name"):
        if name in seen:
            repeated.append(pk)
        seen.add(name)
    IssueCategory.objects.filter(pk__in=repeated).delete()


class Plan:
    """One issue in the making: the row, its events (action, from, to, time, actor, comment,
    changes) and the kinds of photo each event carries."""

    def __init__(self, issue):
        self.issue = issue
        self.events = []
        self.merge_into = False

    def add(self, action, old, new, at, actor, comment="", changes=None):
        self.events.append((action, old, new, at, actor, comment, changes or {}))


class Casebook:
    def __init__(self, campaign, rng, count):
        self.campaign, self.rng, self.count = campaign, rng, count
        self.now = timezone.now()
        self.calendar = WorkingCalendar()
        self.issues, self.event_count, self.photo_count = [], 0, 0
        users = {u.username: u for u in User.objects.filter(username__in=["duchayuan", "jinshui_dc", "lingdao"])}
        self.city_supervisor, self.district_supervisor = users["duchayuan"], users["jinshui_dc"]
        self.leader = users["lingdao"]
        self.jinshui = Region.objects.get(code="410105")
        districts = list(Region.objects.filter(code__in=DEMO_DISTRICTS))
        self.districts = {d.code: d for d in districts}
        towns = Region.objects.filter(level=RegionLevel.TOWN, parent__in=districts).order_by("path")
        self.towns = {t.pk: t for t in towns}
        self.communities = list(
            Region.objects.filter(level=RegionLevel.VILLAGE, parent__in=list(self.towns)).order_by("path")
        )
        self.first_street = [c for c in self.communities if c.code and c.code.startswith(FIRST_STREET)]
        self.sites = list(
            Site.objects.filter(region__in=list(self.towns), is_active=True).select_related("region").order_by("pk")
        )
        by_code = {c.code: c for c in IssueCategory.objects.filter(code__in=[c[0] for c in CATEGORIES])}
        self.categories = [(by_code[code], ind, w, texts) for code, ind, w, texts in CATEGORIES if code in by_code]
        if not self.categories:
            self.categories = [(c, None, 1, [c.name]) for c in IssueCategory.objects.filter(is_active=True)[:20]]
        self.indicators = {i.code: i for i in Indicator.objects.filter(standard__in=campaign.standards.all())}
        self.clerks = {m.unit_id: m.user for m in Membership.objects.filter(role=Role.STAFF).select_related("user")}
        self.password = make_password(DEMO_PASSWORD)
        self.unit_memo = {}
        self.regions_with_units = set(Unit.objects.filter(is_active=True).values_list("region_id", flat=True))
        self.codes = set()

    # --- people ---------------------------------------------------------------------------------

    def clerk(self, unit):
        """The unit's demo 经办人 (the same names seed_demo_tasks gives)."""
        if unit.pk not in self.clerks:
            n = len(self.clerks)
            if unit.kind == UnitKind.TERRITORIAL:
                code = unit.region.code
            elif unit.name in FUNCTIONAL_UNITS:
                code = f"{FUNCTIONAL_UNITS.index(unit.name):02d}"
            else:
                code = f"u{unit.pk}"
            prefix = {UnitLevel.STREET: "jd", UnitLevel.DISTRICT: "qz"}.get(unit.level, "bm")
            user, _created = User.objects.get_or_create(
                username=f"{prefix}{code}",
                defaults={
                    "display_name": SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 5) % len(GIVEN)],
                    "email": f"{prefix}{code}@demo.chuangcheng.local",
                    "password": self.password,
                },
            )
            Membership.objects.get_or_create(user=user, unit=unit, role=Role.STAFF)
            self.clerks[unit.pk] = user
        return self.clerks[unit.pk]

    def supervisor(self, issue):
        """Who accepts and verifies: 金水区's own supervisor for most of 金水区, else the city's
        — never someone of the responsible unit."""
        local = issue.region.path.startswith(self.jinshui.path) and self.rng.random() < 0.7
        if local and issue.responsible_unit and issue.responsible_unit.region_id != self.jinshui.pk:
            return self.district_supervisor
        return self.city_supervisor

    # --- choosing ---------------------------------------------------------------------------------

    def pick(self, weighted):
        items, weights = zip(*weighted, strict=True)
        return self.rng.choices(items, weights)[0]

    def unit_for(self, region, category, site):
        """:func:`suggest_responsible_unit`, asked once per street: a community without units
        of its own gets its street's answer."""
        if region.pk not in self.regions_with_units and region.parent_id in self.towns:
            region = self.towns[region.parent_id]
        key = (region.pk, category.pk, site.pk if site else None)
        if key not in self.unit_memo:
            self.unit_memo[key] = suggest_responsible_unit(region, category, site=site)
        return self.unit_memo[key]

    def tracking_code(self):
        while True:
            code = "".join(self.rng.choice(TRACKING_ALPHABET) for _i in range(TRACKING_LENGTH))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def at(self, start, lo_hours, hi_hours):
        """``lo``–``hi`` hours after ``start``, moved into office hours (08:30–18:00; a step
        after hours waits for the next morning), but never in the future."""
        moment = timezone.localtime(start + dt.timedelta(hours=self.rng.uniform(lo_hours, hi_hours)))
        if moment.hour >= 18:
            moment = (moment + dt.timedelta(days=1)).replace(hour=8, minute=30) + dt.timedelta(
                minutes=self.rng.randint(0, 90)
            )
        elif moment.hour < 8 or (moment.hour == 8 and moment.minute < 30):
            moment = moment.replace(hour=8, minute=30) + dt.timedelta(minutes=self.rng.randint(0, 90))
        return min(moment, self.now - dt.timedelta(minutes=1))

    def ago(self, lo_days, hi_days):
        """A moment ``lo``–``hi`` days ago, in working hours when it is not today."""
        moment = self.now - dt.timedelta(days=self.rng.uniform(lo_days, hi_days))
        local = timezone.localtime(moment)
        if local.date() < timezone.localdate(self.now):
            local = local.replace(hour=self.rng.randint(8, 17), minute=self.rng.randint(0, 59))
        return min(local, self.now - dt.timedelta(minutes=5))

    # --- building ------------------------------------------------------------------------------------

    def build(self):
        plans = []
        for kind, source, district, days, n in INSPECTIONS:
            inspection = self.inspection(kind, district, days)
            for _i in range(n):
                plans.append(self.plan(source=source, inspection=inspection, district=district))
        while len(plans) < self.count:
            plans.append(self.plan())
        self.write(plans)

    def inspection(self, kind, district_code, days):
        district = self.districts[district_code]
        date = timezone.localdate(self.now) - dt.timedelta(days=days)
        inspector = self.district_supervisor if kind == InspectionKind.SELF_CHECK else self.city_supervisor
        inspection = Inspection.objects.create(
            campaign=self.campaign,
            kind=kind,
            date=date,
            region=district,
            summary=_("%(d)s%(k)s：共发现问题若干，已现场交办。") % {"d": district.name, "k": kind.label},
            created_by=inspector,
            created_at=timezone.make_aware(dt.datetime.combine(date, dt.time(18, 0))),
        )
        inspection.inspectors.set([inspector, self.district_supervisor] if district_code == "410105" else [inspector])
        return inspection

    def place(self, district=None):
        """(region, site, latitude, longitude, address)."""
        rng = self.rng
        prefix = self.districts[district].path if district else ""
        sites = [s for s in self.sites if s.region.path.startswith(prefix)] if district else self.sites
        if sites and rng.random() < 0.25:
            site = rng.choice(sites)
            lat = float(site.latitude or 34.75) + rng.uniform(-0.0008, 0.0008)
            lng = float(site.longitude or 113.65) + rng.uniform(-0.0008, 0.0008)
            return self.towns[site.region_id], site, lat, lng, site.address or site.name
        if not district and self.first_street and rng.random() < 0.04:
            pool = self.first_street
        else:
            pool = [c for c in self.communities if c.path.startswith(prefix)] if district else self.communities
        community = rng.choice(pool)
        town = self.towns[community.parent_id]
        address = f"郑州市{town.name}{community.name}，{rng.choice(ROADS)}{rng.randint(1, 300)}号附近"
        return community, None, 34.70 + rng.uniform(0, 0.12), 113.55 + rng.uniform(0, 0.2), address

    def plan(self, *, source=None, inspection=None, district=None):
        rng = self.rng
        category, indicator, _w, texts = self.pick([(c, c[2]) for c in self.categories])
        region, site, lat, lng, address = self.place(district)
        source = source or self.pick(SOURCE_WEIGHTS)
        severity = self.pick(SEVERITY_WEIGHTS)
        issue = Issue(
            campaign=self.campaign,
            inspection=inspection,
            source=source,
            indicator=self.indicators.get(indicator),
            site=site,
            category=category,
            description=rng.choice(texts),
            address=address[:200],
            latitude=round(lat, 6),
            longitude=round(lng, 6),
            region=region,
            severity=severity,
            urgent=severity != Severity.NEGATIVE_LIST and rng.random() < 0.04,
        )
        if source == IssueSource.CITIZEN:
            issue.tracking_code = self.tracking_code()
            issue.reporter_phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
            issue.created_by = None
        elif source == IssueSource.LEADER:
            issue.created_by = self.leader
        else:
            issue.created_by = None  # set with the supervisor once the unit is known
        plan = Plan(issue)
        state = self.pick(STATE_WEIGHTS)
        start = None
        if inspection is not None:
            start = timezone.make_aware(
                dt.datetime.combine(inspection.date, dt.time(rng.randint(9, 16), rng.randint(0, 59)))
            )
            if state in (S.REPORTED, S.ASSIGNED) and inspection.date < timezone.localdate(self.now) - dt.timedelta(3):
                state = S.CLOSED
        unit = self.unit_for(region, category, site)
        issue.responsible_unit = unit
        supervisor = self.supervisor(issue)
        if source not in (IssueSource.CITIZEN, IssueSource.LEADER):
            issue.created_by = supervisor
        self.play(plan, state, start, supervisor)
        return plan

    def play(self, plan, state, start, supervisor):
        """Write the history of ``plan`` up to ``state`` and set the issue's facts to match."""
        rng, issue, now = self.rng, plan.issue, self.now
        starts = {
            S.REPORTED: (0, 4),
            S.DISMISSED: (2, 58),
            S.ASSIGNED: (0, 3),
            S.RECTIFYING: (0, 1) if rng.random() < 0.65 else (3, 25),
            S.SUBMITTED: (1, 9),
            S.CLOSED: (3, 58),
            S.LONG_TERM: (15, 50),
        }
        created = start or self.ago(*starts[state])
        issue.created_at = created
        creator = issue.created_by
        plan.add(IssueAction.CREATE, "", S.REPORTED, created, creator)
        if state == S.REPORTED:
            issue.responsible_unit = None
            return self.finish(plan, S.REPORTED)
        if state == S.DISMISSED:
            reason = rng.choice(DISMISS_REASONS)
            plan.merge_into = reason == "重复反映"
            issue.dismiss_reason = reason
            plan.add(IssueAction.DISMISS, S.REPORTED, S.DISMISSED, self.at(created, 1, 30), supervisor, reason)
            issue.responsible_unit = None
            return self.finish(plan, S.DISMISSED)
        unit = issue.responsible_unit
        clerk = self.clerk(unit)
        accepted = self.at(created, 0.2, 20)
        issue.assigned_at, issue.assigned_by = accepted, supervisor
        issue.sign_deadline = deadlines.sign_deadline(issue, accepted, calendar=self.calendar)
        limit = deadlines.rectification_limit(issue, calendar=self.calendar)
        plan.add(
            IssueAction.ACCEPT,
            S.REPORTED,
            S.ASSIGNED,
            accepted,
            supervisor,
            changes={
                "responsible_unit": [None, unit.name],
                "responsible_unit_id": [None, unit.pk],
                "sign_deadline": _iso(issue.sign_deadline),
                "rectification_deadline": None,
                "expected_limit": str(limit),
            },
        )
        if state == S.ASSIGNED:
            if rng.random() < 0.25:
                reason = rng.choice(REASSIGN_REASONS)
                issue.pending_request, issue.request_reason = PendingRequest.REASSIGNMENT, reason
                asked = min(self.at(accepted, 0.2, 3), now - dt.timedelta(minutes=3))
                plan.add(
                    IssueAction.REQUEST_REASSIGNMENT,
                    S.ASSIGNED,
                    S.ASSIGNED,
                    asked,
                    clerk,
                    reason,
                    {"reason": "territory" if reason.startswith("属地") else "ownership"},
                )
            return self.finish(plan, S.ASSIGNED)
        if rng.random() < 0.05:  # asked to hand it back; the supervisor refused (推诿)
            self.refused_reassignment(plan, accepted, clerk, supervisor)
        signed = self.at(plan.events[-1][3], 0.1, 4 if rng.random() < 0.85 else 28)
        self.sign(plan, signed, clerk, limit)
        if state in (S.RECTIFYING, S.SUBMITTED, S.CLOSED) and rng.random() < 0.08:
            self.extend(plan, signed, clerk, supervisor)  # 申请延期, granted (延期率)
        reworks = 0 if rng.random() < 0.85 else rng.choice([1, 1, 2])
        if state == S.LONG_TERM:
            moved = self.at(signed, 24, 200)
            target = timezone.localdate(now) + dt.timedelta(days=rng.randint(20, 150))
            plan_text = rng.choice(LONG_TERM_PLANS)
            issue.long_term_plan, issue.long_term_target_date = plan_text, target
            plan.add(
                IssueAction.MOVE_LONG_TERM,
                S.RECTIFYING,
                S.LONG_TERM,
                moved,
                supervisor,
                plan_text,
                {"long_term_target_date": target.isoformat()},
            )
            if rng.random() < 0.5:
                note = _("已完成第一期施工")
                plan.add(IssueAction.LONG_TERM_PROGRESS, S.LONG_TERM, S.LONG_TERM, self.at(moved, 24, 240), clerk, note)
            return self.finish(plan, S.LONG_TERM)
        deadline = issue.rectification_deadline
        if state == S.RECTIFYING:
            recurring = rng.random() < 0.12
            if recurring:  # closed once, came back (反弹): a fresh deadline from the reopening
                submitted = self.at(signed, 1, 40)
                self.submit(plan, submitted, clerk)
                closed = self.at(submitted, 1, 20)
                self.verify(plan, closed, supervisor)
                reopened = self.at(closed, 48, 400)
                self.reopen(plan, reopened, supervisor)
                signed = reopened
            self.rework(plan, signed, reworks, clerk, supervisor)
            if not recurring and rng.random() < 0.15:
                current = issue.rectification_deadline
                wanted = deadlines.Limit(days=3).deadline(current, calendar=self.calendar)
                reason = rng.choice(REQUEST_REASONS)
                asked = self.at(plan.events[-1][3], 0.5, 20)
                issue.pending_request, issue.request_reason, issue.requested_deadline = (
                    PendingRequest.EXTENSION,
                    reason,
                    wanted,
                )
                plan.add(
                    IssueAction.REQUEST_EXTENSION,
                    S.RECTIFYING,
                    S.RECTIFYING,
                    asked,
                    clerk,
                    reason,
                    {"requested_deadline": _iso(wanted), "rectification_deadline": _iso(current)},
                )
            return self.finish(plan, S.RECTIFYING)
        # submitted or closed: on time for most, late for some (按期率 ≈ 80 %)
        on_time = rng.random() < 0.8
        last_rework = self.rework(plan, signed, reworks, clerk, supervisor, before=deadline if on_time else None)
        if on_time and deadline > last_rework:
            submitted = last_rework + (deadline - last_rework) * rng.uniform(0.2, 0.9)
        else:
            submitted = self.at(max(deadline, last_rework), 1, 60)
        self.submit(plan, submitted, clerk)
        if state == S.SUBMITTED:
            return self.finish(plan, S.SUBMITTED)
        closed = self.at(submitted, 0.5, 30)
        self.verify(plan, closed, supervisor)
        if rng.random() < 0.05:  # came back once and was fixed again
            reopened = self.at(closed, 48, 300)
            self.reopen(plan, reopened, supervisor)
            submitted = self.at(reopened, 1, 20)
            self.submit(plan, submitted, clerk)
            self.verify(plan, self.at(submitted, 1, 20), supervisor)
        return self.finish(plan, S.CLOSED)

    # --- steps ------------------------------------------------------------------------------------------

    def sign(self, plan, at, clerk, limit):
        issue = plan.issue
        issue.signed_at = at
        issue.rectification_deadline = limit.deadline(at, calendar=self.calendar)
        plan.add(
            IssueAction.SIGN,
            S.ASSIGNED,
            S.RECTIFYING,
            at,
            clerk,
            changes={"limit": str(limit), "rectification_deadline": [None, _iso(issue.rectification_deadline)]},
        )

    def refused_reassignment(self, plan, accepted, clerk, supervisor):
        reason = self.rng.choice(REASSIGN_REASONS)
        asked = self.at(accepted, 0.2, 3)
        plan.add(
            IssueAction.REQUEST_REASSIGNMENT,
            S.ASSIGNED,
            S.ASSIGNED,
            asked,
            clerk,
            reason,
            {"reason": "territory" if reason.startswith("属地") else "ownership"},
        )
        plan.add(
            IssueAction.INSIST,
            S.ASSIGNED,
            S.ASSIGNED,
            self.at(asked, 0.5, 6),
            supervisor,
            INSIST_REASON,
            {"request": reason},
        )

    def extend(self, plan, signed, clerk, supervisor):
        """申请延期 and 同意延期: three working days more, counted in ``extension_count``."""
        issue = plan.issue
        current = issue.rectification_deadline
        wanted = deadlines.Limit(days=3).deadline(current, calendar=self.calendar)
        reason = self.rng.choice(REQUEST_REASONS)
        asked = self.at(signed, 1, 20)
        plan.add(
            IssueAction.REQUEST_EXTENSION,
            S.RECTIFYING,
            S.RECTIFYING,
            asked,
            clerk,
            reason,
            {"requested_deadline": _iso(wanted), "rectification_deadline": _iso(current)},
        )
        plan.add(
            IssueAction.APPROVE_EXTENSION,
            S.RECTIFYING,
            S.RECTIFYING,
            self.at(asked, 0.5, 8),
            supervisor,
            "",
            {
                "rectification_deadline": [_iso(current), _iso(wanted)],
                "extension_count": [issue.extension_count, issue.extension_count + 1],
            },
        )
        issue.rectification_deadline = wanted
        issue.extension_count += 1

    def rework(self, plan, since, times, clerk, supervisor, before=None):
        """``times`` submissions rejected (返工) after ``since`` (and before ``before`` when
        given). Returns the time of the last step."""
        issue, last = plan.issue, since
        span = ((before or self.at(since, 24, 120)) - since) / (2 * times + 2) if times else None
        for _i in range(times):
            self.submit(plan, last + span, clerk)
            last += 2 * span
            reason = self.rng.choice(REJECT_REASONS)
            plan.add(
                IssueAction.REJECT,
                S.SUBMITTED,
                S.RECTIFYING,
                last,
                supervisor,
                reason,
                {"rework_count": [issue.rework_count, issue.rework_count + 1]},
            )
            issue.rework_count += 1
        return last

    def submit(self, plan, at, clerk):
        issue = plan.issue
        old = S.LONG_TERM if plan.events[-1][2] == S.LONG_TERM else S.RECTIFYING
        issue.submitted_at, issue.measures = at, self.rng.choice(MEASURES)
        plan.add(IssueAction.SUBMIT, old, S.SUBMITTED, at, clerk, issue.measures, {"photos": 1})

    def verify(self, plan, at, supervisor):
        issue = plan.issue
        issue.closed_at, issue.closed_by = at, supervisor
        on_time = issue.rectification_deadline is None or at <= issue.rectification_deadline
        plan.add(IssueAction.VERIFY, S.SUBMITTED, S.CLOSED, at, supervisor, changes={"on_time": on_time})

    def reopen(self, plan, at, supervisor):
        issue = plan.issue
        old_deadline = issue.rectification_deadline
        issue.rectification_deadline = deadlines.rectification_deadline(issue, at, calendar=self.calendar)
        plan.add(
            IssueAction.REOPEN,
            S.CLOSED,
            S.RECTIFYING,
            at,
            supervisor,
            _("同一位置问题再次出现"),
            {
                "recurrence_count": [issue.recurrence_count, issue.recurrence_count + 1],
                "rectification_deadline": [_iso(old_deadline), _iso(issue.rectification_deadline)],
            },
        )
        issue.recurrence_count += 1
        issue.closed_at = issue.closed_by = None

    def finish(self, plan, state):
        """Keep every step in the past, in order; set the state."""
        events, last = [], None
        for action, old, new, at, actor, comment, changes in plan.events:
            at = min(at, self.now - dt.timedelta(minutes=1))
            if last is not None and at < last:
                at = last
            events.append((action, old, new, at, actor, comment, changes))
            last = at
        plan.events = events
        issue = plan.issue
        issue.state = state
        stamps = {}
        for action, _o, _n, at, *_rest in events:
            stamps[action] = at  # the last of each kind
        issue.created_at = events[0][3]
        issue.assigned_at = stamps.get(IssueAction.ACCEPT)
        issue.signed_at = stamps.get(IssueAction.SIGN)
        issue.submitted_at = stamps.get(IssueAction.SUBMIT)
        closed = state == S.CLOSED
        issue.closed_at = stamps[IssueAction.VERIFY] if closed else None
        issue.closed_by = issue.closed_by if closed else None
        issue.updated_at = last
        return plan

    # --- writing ------------------------------------------------------------------------------------------

    def write(self, plans):
        issues = [p.issue for p in plans]
        Issue.objects.bulk_create(issues, batch_size=500)
        self.merges(plans)
        events, photo_plan = [], []
        for plan in plans:
            for action, old, new, at, actor, comment, changes in plan.events:
                event = IssueEvent(
                    issue=plan.issue,
                    actor=actor,
                    action=action,
                    from_state=old,
                    to_state=new,
                    comment=comment,
                    changes=changes,
                    created_at=at,
                )
                events.append(event)
                if action == IssueAction.CREATE:
                    photo_plan.append((event, PhotoKind.BEFORE, actor))
                elif action == IssueAction.SUBMIT:
                    photo_plan.append((event, PhotoKind.AFTER, actor))
        IssueEvent.objects.bulk_create(events, batch_size=1000)
        photos = self.photos(photo_plan)
        # auto_now stamped "now" on insert: the last step's time reads truer.
        Issue.objects.bulk_update(issues, ["updated_at"], batch_size=500)
        tally.rebuild()  # bulk_create passes by the services: count the new issues in the tallies
        self.issues, self.event_count, self.photo_count = issues, len(events), len(photos)

    def merges(self, plans):
        """重复反映 → merged into an open issue of the same category recorded earlier."""
        open_by_category = {}
        for plan in sorted(plans, key=lambda p: p.issue.created_at):
            issue = plan.issue
            if plan.merge_into:
                target = next(
                    (t for t in open_by_category.get(issue.category_id, []) if t.created_at < issue.created_at), None
                )
                if target is None:
                    continue
                issue.merged_into = target
                issue.dismiss_reason = _("与问题 #%(t)s 重复，已合并。") % {"t": target.pk}
                action, old, new, at, actor, _c, _ch = plan.events[-1]
                plan.events[-1] = (IssueAction.MERGE, old, new, at, actor, "", {"merged_into": target.pk})
                targets = next(p for p in plans if p.issue is target)
                targets.events.append((IssueAction.MERGED_IN, "", "", at, actor, "", {"merged": issue.pk}))
                targets.events.sort(key=lambda e: e[3])
            elif issue.state in (S.ASSIGNED, S.RECTIFYING, S.SUBMITTED, S.LONG_TERM):
                open_by_category.setdefault(issue.category_id, []).append(issue)
        merged = [p.issue for p in plans if p.issue.merged_into_id]
        Issue.objects.bulk_update(merged, ["merged_into", "dismiss_reason"], batch_size=500)

    def photos(self, photo_plan):
        """Photo rows over eight stored JPEGs; each row its own hashes, five planted duplicates."""
        files = {}
        for kind in (PhotoKind.BEFORE, PhotoKind.AFTER):
            for n in range(4):
                content, thumb, (width, height) = demo_jpeg(n + (10 if kind == PhotoKind.AFTER else 0), kind == "after")
                name = f"issues/demo/{kind}-{n + 1}.jpg"
                thumb_name = f"issues/demo/thumbs/{kind}-{n + 1}.jpg"
                if not default_storage.exists(name):
                    default_storage.save(name, ContentFile(content))
                if not default_storage.exists(thumb_name):
                    default_storage.save(thumb_name, ContentFile(thumb))
                files.setdefault(kind, []).append((name, thumb_name, len(content), width, height))
        rows, after_by_unit, planted, seen_after = [], {}, 0, set()
        for event, kind, actor in photo_plan:
            name, thumb_name, size, width, height = self.rng.choice(files[kind])
            digest = hashlib.sha256(f"demo-photo-{len(rows)}-{self.rng.random()}".encode()).hexdigest()
            photo = Photo(
                issue=event.issue,
                event=event,
                kind=kind,
                file=name,
                thumbnail=thumb_name,
                original_name=f"IMG_{20260000 + len(rows)}.jpg",
                size=size,
                sha256=digest,
                original_sha256=hashlib.sha256(digest.encode()).hexdigest(),
                dhash=f"{self.rng.getrandbits(64):016x}",
                width=width,
                height=height,
                uploaded_by=actor,
                created_at=event.created_at,
            )
            rows.append(photo)
            if kind == PhotoKind.AFTER:
                unit_id = event.issue.responsible_unit_id
                earlier = after_by_unit.get(unit_id)
                # 疑似重复照片: a unit reusing an earlier issue's after-photo — five awaiting 核查,
                # and the first submission of a few reworked issues (the verifier saw the flag
                # and returned it: 弄虚作假, confirmed).
                awaiting = event.issue.state == S.SUBMITTED and event.issue_id not in seen_after and planted < 5
                first_of_reworked = event.issue.rework_count and event.issue_id not in seen_after and planted < 9
                if earlier is not None and (awaiting or first_of_reworked) and earlier.issue_id != event.issue_id:
                    photo.sha256, photo.original_sha256, photo.dhash = (
                        earlier.sha256,
                        earlier.original_sha256,
                        earlier.dhash,
                    )
                    photo.file, photo.thumbnail = earlier.file.name, earlier.thumbnail.name
                    photo.duplicate_of, photo.duplicate_distance = earlier, 0
                    planted += 1
                after_by_unit.setdefault(unit_id, photo)
                seen_after.add(event.issue_id)
        # duplicate_of needs the earlier row's id: write those first.
        Photo.objects.bulk_create([p for p in rows if p.duplicate_of is None], batch_size=1000)
        planted_rows = [p for p in rows if p.duplicate_of is not None]
        for p in planted_rows:
            p.duplicate_of = p.duplicate_of  # re-read the now-saved target's id
        Photo.objects.bulk_create(planted_rows)
        return rows


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None
