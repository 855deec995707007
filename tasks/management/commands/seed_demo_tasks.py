"""seed_demo_tasks: a believable ledger for the demo campaign, written through the services.

Run after ``seed_demo`` (which runs it when ``settings.DEMO_SEED_COMMANDS`` lists it). ≈150
tasks tied to the standard's indicators: city departments' tasks, department tasks decomposed
to district governments or street offices, street offices' own tasks, weekly and monthly
常态化 tasks with their occurrences; in every state, some overdue, some lagging, with progress
reports, submissions, returns, acceptances, deadline changes and leaders' instructions made by
the demo people through :mod:`tasks.services` — then spread back in time so the timelines read
like three weeks of work. Each unit that owns tasks gets a demo clerk (密码同 seed_demo).

The demo clerk ``jingbanren`` (经八路街道办事处) has eight open tasks: one overdue, one returned
with a reason, one awaiting acceptance, one lagging with a leader's instruction.

Idempotent: a campaign that already has tasks is left as it is.
"""

import datetime as dt
import random
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.management.commands.seed_demo import DEMO_PASSWORD, FUNCTIONAL_UNITS
from chuangcheng.campaigns.models import Campaign, Indicator
from chuangcheng.notifications.models import Notice
from chuangcheng.org.models import Membership, Role, Unit, UnitKind, UnitLevel, User
from tasks import services
from tasks.models import Task, TaskAttachment, TaskEvent, TaskState, TaskUpdate

CAMPAIGN_NAME = "郑州市创建国家卫生城市“百日会战”"
OFFICE_UNIT = "郑州市创建国家卫生城市工作指挥部办公室"

# (indicator, owner department, title, completion standard)
CITY_TASKS = [
    (
        "1.2",
        "郑州市卫生健康委员会",
        "召开爱卫会全体会议并印发百日会战方案",
        "印发实施方案，召开全体会议，会议纪要和签到表存档",
    ),
    ("2.1", "郑州市卫生健康委员会", "开展居民健康素养监测", "完成五个区健康素养抽样监测并形成报告"),
    ("2.2", "郑州市文化广电和旅游局", "公共场所健康教育宣传栏更新", "车站、广场、公园宣传栏每季度更换内容，图文清晰"),
    ("2.3", "郑州市卫生健康委员会", "无烟党政机关、无烟医疗卫生机构创建", "室内全面禁烟，禁烟标识张贴率100%"),
    ("3.1", "郑州市公安局交通警察支队", "主次干道机动车乱停乱放整治", "主次干道无机动车违停，非机动车停放有序"),
    ("3.5", "郑州市城市管理局", "生活垃圾转运站提质改造", "转运站密闭运行、周边无积存垃圾、无异味，完成20座改造"),
    (
        "3.7",
        "郑州市住房和城乡建设局",
        "建筑工地扬尘“六个百分之百”专项整治",
        "围挡、冲洗、覆盖、硬化、湿法作业、渣土车密闭全部到位",
    ),
    ("4.1", "郑州市生态环境局", "空气质量优良天数攻坚", "每日通报PM2.5、PM10排名，重点区域洒水降尘"),
    ("4.2", "郑州市水利局", "建成区黑臭水体排查整治", "完成建成区河渠排查，黑臭水体“一河一策”"),
    ("5.2", "郑州市市场监督管理局", "小餐饮店卫生专项整治", "证照齐全、后厨整洁、防蝇防鼠设施完好，抽查合格率95%以上"),
    ("5.3", "郑州市市场监督管理局", "公共场所卫生许可和健康证清查", "住宿、美容美发、沐浴场所证照和健康证100%持证"),
    ("5.4", "郑州市教育局", "学校食堂和饮水卫生专项检查", "中小学食堂“明厨亮灶”全覆盖，饮水设施定期消毒"),
    ("6.1", "郑州市市场监督管理局", "食品安全责任制落实情况督查", "责任书签订率100%，监管网格覆盖到社区"),
    ("7.1", "郑州市卫生健康委员会", "法定传染病报告质量核查", "医疗机构传染病报告及时率、完整率100%"),
    ("8.1", "郑州市卫生健康委员会", "病媒生物防制队伍和经费落实", "每个区至少一支专业消杀队伍，经费纳入预算"),
]
# (indicator, owner department, title, completion standard, split to: "districts" or a district code)
DECOMPOSED = [
    ("3.2", "郑州市城市管理局", "背街小巷环境卫生集中整治", "路面硬化、无积存垃圾、无乱搭乱建、无乱贴乱画", "410105"),
    ("3.6", "郑州市城市管理局", "公共厕所提档升级", "公厕干净无异味，标识规范，管理制度上墙", "districts"),
    ("5.1", "郑州市商务局", "农贸市场标准化改造", "划行归市、地面清洁、活禽宰杀区隔离、配备公厕", "districts"),
    ("8.2", "郑州市卫生健康委员会", "春季灭鼠统一行动", "鼠密度达到国家标准C级，重点场所毒饵站布放到位", "410102"),
    ("3.4", "郑州市住房和城乡建设局", "老旧小区环境综合整治", "楼道无杂物、绿地无裸土、车辆停放有序", "410103"),
    ("3.3", "郑州市城市管理局", "城中村和城乡接合部环境整治", "垃圾日产日清，无大面积积存垃圾", "districts"),
]
# A street office's own tasks: (indicator, title, completion standard)
STREET_TASKS = [
    ("3.2", "辖区背街小巷“十乱”清理", "无乱堆乱放、乱搭乱建、乱贴乱画、乱拉乱挂，路面无积存垃圾"),
    ("3.4", "辖区老旧小区楼道杂物清理", "楼道、消防通道无杂物堆放，建立长效保洁制度"),
    ("5.1", "辖区农贸市场周边占道经营整治", "市场周边50米内无占道经营，摊点归市入室"),
    ("2.3", "辖区公共场所禁烟标识张贴", "辖区公共场所禁烟标识张贴率100%"),
    ("8.4", "辖区餐饮单位防鼠防蝇设施排查", "餐饮单位挡鼠板、纱窗、灭蝇灯配备率100%"),
    ("3.6", "辖区公厕保洁管理", "公厕专人保洁，无积水、无异味、设施完好"),
    ("2.2", "辖区健康教育宣传栏更新", "每个社区至少一处宣传栏，内容每月更新"),
    ("8.3", "辖区蚊蝇孳生地清理", "清理积水容器和卫生死角，蚊蝇孳生地清除率100%"),
]
# jingbanren's street: one task per scenario (the indicator and title come from STREET_TASKS).
FIRST_STREET_SCENARIOS = ["overdue", "returned", "submitted", "working", "pending", "lagging", "pending", "done"]
# (indicator, owner: a department or "street:<town code>", rule, title, completion standard)
RECURRING = [
    ("3.2", "street:410105002", "weekly", "背街小巷卫生周巡查", "每周巡查一次，问题拍照上传并当周整改"),
    ("3.1", "郑州市城市管理局", "weekly", "主次干道清扫保洁质量周抽查", "每周抽查不少于10条道路，通报结果"),
    ("8.3", "郑州市卫生健康委员会", "monthly", "病媒生物密度月监测", "每月监测鼠蚊蝇蟑密度并上报监测报告"),
    ("5.1", "street:410102001", "monthly", "农贸市场月度卫生评比", "每月组织一次市场卫生评比并公示结果"),
]
REPORT_NOTES = [
    "已完成摸底排查，建立问题台账{n}处，正在逐项整改",
    "已组织人员清理{n}处，剩余部分本周内完成",
    "联合城管、市场监管开展集中整治，整改{n}处",
    "已完成{p}%，正对照完成标准查漏补缺",
    "召开专题推进会，明确责任人和完成时限，已整改{n}处",
]
SUBMIT_NOTES = [
    "已按完成标准全部整改到位，附整改前后照片",
    "全部完成，建立长效管理机制，佐证材料见附件",
    "经自查已达到标准要求，请验收",
]
RETURN_REASONS = [
    "照片只有整改后的，缺少整改前对比照片，请补充后重新提交",
    "抽查发现仍有2处积存垃圾未清理，请整改到位后重新提交",
    "佐证材料不全，缺少工作台账和巡查记录",
]
INSTRUCTIONS = [
    "此项是国家暗访重点，务必本周内见到实效",
    "请主要负责同志亲自督办，每周报送进展",
    "进度明显滞后，请分析原因、倒排工期，确保按期完成",
]
# Which step sent a notice: the title's prefix (as tasks.services words it) → the event's kind.
NOTICE_PREFIXES = [
    ("新任务", "create"),
    ("待验收", "submit"),
    ("验收通过", "accept"),
    ("任务被退回", "return"),
    ("完成时限调整为", "change_deadline"),
    ("领导批示", "instruct"),
]
NOTICE_ACTIONS = {
    "create": "create",
    "decompose": "create",
    "submit": "submit",
    "accept": "accept",
    "return": "return",
    "change_deadline": "change_deadline",
    "instruct": "instruct",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞", "平", "刚"]
SCENARIO_WEIGHTS = {"pending": 20, "working": 30, "lagging": 10, "submitted": 12, "returned": 6, "done": 22}


def demo_png(seed):
    """A small real PNG (a 'site photo': sky, a wall, a road) whose colours vary with ``seed``."""
    width, height = 160, 120
    rng = random.Random(seed)
    sky, wall, road = [tuple(rng.randrange(60, 230) for _c in range(3)) for _part in range(3)]
    rows = []
    for y in range(height):
        color = sky if y < 45 else wall if y < 85 else road
        stripe = bytes(color) if y % 20 else b"\xff\xff\xff"
        rows.append(b"\x00" + stripe * width)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"".join(rows), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


class Command(BaseCommand):
    help = "生成演示任务台账（约150个任务，经由业务服务写入）。在 seed_demo 之后运行；活动已有任务时跳过。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed, **options):
        campaign = Campaign.objects.filter(name=CAMPAIGN_NAME).first()
        if campaign is None:
            raise CommandError(_("找不到演示创建活动，请先运行 seed_demo。"))
        existing = Task.objects.filter(campaign=campaign).count()
        if existing:
            self.stdout.write(_("演示台账已存在（%(n)s 个任务），未重复生成。") % {"n": existing})
            return
        with transaction.atomic():
            count = Ledger(campaign, random.Random(seed)).build()
        self.stdout.write(self.style.SUCCESS(_("演示台账已生成：%(n)s 个任务。") % {"n": count}))


class Ledger:
    def __init__(self, campaign, rng):
        self.campaign, self.rng = campaign, rng
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.users = {u.username: u for u in User.objects.filter(username__in=self._demo_usernames())}
        self.office = Unit.objects.get(name=OFFICE_UNIT)
        self.depts = {u.name: u for u in Unit.objects.filter(name__in=FUNCTIONAL_UNITS, level=UnitLevel.CITY)}
        territorial = Unit.objects.filter(kind=UnitKind.TERRITORIAL).select_related("region")
        self.districts = {u.region.code: u for u in territorial if u.level == UnitLevel.DISTRICT}
        self.streets = {u.region.code: u for u in territorial if u.level == UnitLevel.STREET}
        self.indicators = {i.code: i for i in Indicator.objects.filter(standard__in=campaign.standards.all())}
        self.clerks = {m.unit_id: m.user for m in Membership.objects.filter(role=Role.STAFF).select_related("user")}
        self.photo_count = 0
        self.played = []  # every task that got history, to spread back in time at the end

    @staticmethod
    def _demo_usernames():
        return ["duchayuan", "jinshui_dc", "lingdao", "lingdao2", "jingbanren", "chengguan"]

    # --- people ----------------------------------------------------------------------------------

    def clerk(self, unit):
        """The unit's demo 经办人 (created once; jingbanren and chengguan already exist)."""
        if unit.pk not in self.clerks:
            n = len(self.clerks)
            code = unit.region.code if unit.kind == UnitKind.TERRITORIAL else f"{FUNCTIONAL_UNITS.index(unit.name):02d}"
            prefix = {UnitLevel.STREET: "jd", UnitLevel.DISTRICT: "qz"}.get(unit.level, "bm")
            user, created = User.objects.get_or_create(
                username=f"{prefix}{code}",
                defaults={
                    "display_name": SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)],
                    "email": f"{prefix}{code}@demo.chuangcheng.local",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(user=user, unit=unit, role=Role.STAFF)
            self.clerks[unit.pk] = user
        return self.clerks[unit.pk]

    def reviewer(self, task):
        """Who accepts or returns: the 金水区 supervisor for 金水区's street tasks, else the city's."""
        jinshui = self.districts["410105"]
        if task.owner_unit.level == UnitLevel.STREET and task.owner_unit.parent_id == jinshui.pk:
            return self.users["jinshui_dc"]
        return self.users["duchayuan"]

    # --- building ----------------------------------------------------------------------------------

    def build(self):
        self.city_tasks()
        self.decomposed_tasks()
        self.first_street()
        self.street_tasks()
        self.recurring_tasks()
        self.management_moves()
        self.spread_in_time()
        return Task.objects.filter(campaign=self.campaign).count()

    def create(self, *, indicator, owner, title, standard, actor=None, start=None, deadline=None, **fields):
        start = start or self.campaign.start_date + dt.timedelta(days=self.rng.choice([0, 0, 3, 7, 10]))
        deadline = deadline or self.today + dt.timedelta(days=self.rng.randint(-6, 70))
        clerk = self.clerk(owner)
        return services.task_create(
            actor=actor or self.users["duchayuan"],
            campaign=self.campaign,
            title=title,
            owner_unit=owner,
            completion_standard=standard,
            indicators=[self.indicators[indicator]] if indicator in self.indicators else [],
            start_date=min(start, self.today),
            deadline=max(deadline, min(start, self.today)),
            contact_name=str(clerk),
            contact_phone=f"1370371{owner.pk:04d}",
            priority=self.rng.choice(["normal", "normal", "normal", "high", "urgent"]),
            **fields,
        )

    def scenario(self):
        names, weights = zip(*SCENARIO_WEIGHTS.items(), strict=True)
        return self.rng.choices(names, weights)[0]

    def city_tasks(self):
        for i, (code, dept, title, standard) in enumerate(CITY_TASKS, start=1):
            task = self.create(
                indicator=code,
                owner=self.depts[dept],
                title=title,
                standard=standard,
                number=str(i),
                lead_unit=self.office,
                region=self.campaign.region,
                responsible_leader=self.users["lingdao" if i % 2 else "lingdao2"],
            )
            self.play(task, self.scenario())

    def decomposed_tasks(self):
        for i, (code, dept, title, standard, split) in enumerate(DECOMPOSED, start=len(CITY_TASKS) + 1):
            parent = self.create(
                indicator=code,
                owner=self.depts[dept],
                title=title,
                standard=standard,
                number=str(i),
                lead_unit=self.depts[dept],
                region=self.campaign.region,
                start=self.campaign.start_date,
                deadline=self.today + dt.timedelta(days=self.rng.randint(20, 60)),
            )
            if split == "districts":
                units = [self.districts[c] for c in sorted(self.districts)]
            else:
                units = [self.streets[c] for c in sorted(self.streets) if c.startswith(split)][:6]
            children = services.task_decompose(
                actor=self.users["duchayuan"], task_id=parent.pk, parts=[{"owner_unit": u} for u in units]
            )
            self.played.append(parent)
            for child in children:
                self.clerk(child.owner_unit)
                first_street = child.owner_unit.region.code == "410105001"
                self.play(child, "working" if first_street else self.scenario())

    def first_street(self):
        """jingbanren's street: every scenario once, so the demo clerk's 我的待办 shows them all."""
        street = self.streets["410105001"]
        for (code, title, standard), scenario in zip(STREET_TASKS, FIRST_STREET_SCENARIOS, strict=True):
            start, deadline = self.dates_for(scenario)
            task = self.create(
                indicator=code,
                owner=street,
                title=title,
                standard=standard,
                actor=self.users["jinshui_dc"],
                lead_unit=self.districts["410105"],
                region=street.region,
                start=start,
                deadline=deadline,
            )
            self.play(task, scenario)
            if scenario == "lagging":
                services.task_instruct(actor=self.users["lingdao"], task_id=task.pk, text=INSTRUCTIONS[2])

    def dates_for(self, scenario):
        first = self.campaign.start_date
        return {
            "overdue": (first, self.today - dt.timedelta(days=3)),
            "lagging": (first + dt.timedelta(days=2), self.today + dt.timedelta(days=4)),
            "returned": (first, self.today + dt.timedelta(days=6)),
            "submitted": (first + dt.timedelta(days=5), self.today + dt.timedelta(days=10)),
            "working": (first + dt.timedelta(days=7), self.today + dt.timedelta(days=12)),
        }.get(scenario, (self.today - dt.timedelta(days=2), self.today + dt.timedelta(days=25)))

    def street_tasks(self):
        plan = [("410105", 1, 8, 4), ("410102", 0, 5, 3), ("410103", 0, 5, 3), ("410104", 0, 5, 3), ("410108", 0, 5, 3)]
        for district, skip, count, per_street in plan:
            codes = [c for c in sorted(self.streets) if c.startswith(district)][skip : skip + count]
            for s, code in enumerate(codes):
                street = self.streets[code]
                for k in range(per_street):
                    indicator, title, standard = STREET_TASKS[(s * per_street + k) % len(STREET_TASKS)]
                    scenario = self.scenario()
                    deadline = None
                    if scenario in ("working", "lagging", "pending") and self.rng.random() < 0.3:
                        deadline = self.today - dt.timedelta(days=self.rng.randint(1, 8))  # overdue
                    task = self.create(
                        indicator=indicator,
                        owner=street,
                        title=title,
                        standard=standard,
                        lead_unit=self.districts[district],
                        region=street.region,
                        deadline=deadline,
                        actor=self.users["jinshui_dc" if district == "410105" else "duchayuan"],
                    )
                    self.play(task, scenario)

    def recurring_tasks(self):
        for code, owner_name, rule, title, standard in RECURRING:
            owner = self.streets[owner_name[7:]] if owner_name.startswith("street:") else self.depts[owner_name]
            template = self.create(
                indicator=code,
                owner=owner,
                title=title,
                standard=standard,
                recurrence=rule,
                start=self.campaign.start_date,
                deadline=self.campaign.target_date,
                lead_unit=self.office if owner.level == UnitLevel.CITY else self.districts[owner.region.code[:6]],
                region=owner.region if owner.kind == UnitKind.TERRITORIAL else self.campaign.region,
            )
            self.played.append(template)
        # Every period since the campaign began, as the nightly job would have done it.
        day = self.campaign.start_date
        while day <= self.today:
            for occurrence in services.task_generate_occurrences(today=day):
                self.play(occurrence, "done" if occurrence.deadline < self.today else "working")
            day += dt.timedelta(days=1)

    def management_moves(self):
        """A few deadline changes by the 创建办 and instructions by the leaders."""
        supervisor = self.users["duchayuan"]
        open_tasks = list(
            Task.objects.filter(campaign=self.campaign, parent__isnull=True, recurrence="")
            .exclude(state=TaskState.DONE)
            .exclude(owner_unit__region__code="410105001")
            .order_by("id")
        )
        for task in self.rng.sample(open_tasks, 3):
            services.task_change_deadline(
                actor=supervisor,
                task_id=task.pk,
                deadline=task.deadline + dt.timedelta(days=7),
                reason="涉及施工协调，经指挥部研究同意延期一周",
            )
        for task in self.rng.sample([t for t in open_tasks if t.responsible_leader_id], 3):
            services.task_instruct(
                actor=task.responsible_leader, task_id=task.pk, text=self.rng.choice(INSTRUCTIONS[:2])
            )

    # --- history -----------------------------------------------------------------------------------

    def photo(self):
        self.photo_count += 1
        data = demo_png(self.photo_count)
        return SimpleUploadedFile(f"现场照片{self.photo_count}.png", data, content_type="image/png")

    def play(self, task, scenario):
        """Give ``task`` the history of ``scenario`` through the services, as its people would."""
        clerk = self.clerk(task.owner_unit)
        self.played.append(task)
        if scenario == "pending":
            return
        expected = task.expected_progress(self.today)
        if scenario == "overdue":
            target = 40
        elif scenario == "lagging":
            target = max(5, min(30, expected - 40))
        elif task.is_overdue(self.today) and scenario == "working":
            target = self.rng.randrange(30, 85, 5)  # past the deadline and well short of done
        else:
            target = min(95, max(20, expected + self.rng.randint(-15, 15)))
        steps = sorted({max(5, round(target * f / 5) * 5) for f in (0.4, 0.7, 1.0)})
        for percent in steps[-self.rng.randint(1, len(steps)) :]:
            note = self.rng.choice(REPORT_NOTES).format(n=self.rng.randint(3, 40), p=percent)
            files = [self.photo()] if self.rng.random() < 0.5 else []
            services.task_report(actor=clerk, task_id=task.pk, progress=percent, note=note, files=files)
        if scenario not in ("submitted", "returned", "done"):
            return
        services.task_submit(actor=clerk, task_id=task.pk, note=self.rng.choice(SUBMIT_NOTES), files=[self.photo()])
        reviewer = self.reviewer(task)
        if scenario == "returned":
            services.task_return(actor=reviewer, task_id=task.pk, reason=self.rng.choice(RETURN_REASONS))
        elif scenario == "done":
            services.task_accept(actor=reviewer, task_id=task.pk, comment="经现场核查，整改到位")

    def spread_in_time(self):
        """Move each played task's history from "just now" back over its own weeks: events and
        their progress reports between the start date and now, in their order, in office hours."""
        tz = timezone.get_current_timezone()
        events, updates, attachments, tasks = [], [], [], []
        for task in {t.pk: t for t in self.played}.values():
            history = list(TaskEvent.objects.filter(task=task).order_by("id"))
            start = dt.datetime.combine(max(task.start_date, self.campaign.start_date), dt.time(9, 0), tz)
            span = max(self.now - dt.timedelta(hours=2) - start, dt.timedelta(hours=1))
            times = []
            for k, _event in enumerate(history):
                at = start + span * (k / max(len(history), 1))
                at = at.astimezone(tz).replace(hour=9 + (k * 3 + task.pk) % 9, minute=(task.pk * 7 + k * 13) % 60)
                times.append(max(at, times[-1] + dt.timedelta(minutes=5)) if times else at)
            times = [min(t, self.now - dt.timedelta(minutes=len(times) - i)) for i, t in enumerate(times)]
            for event, at in zip(history, times, strict=True):
                event.created_at = at
            events += history
            reports = [e for e in history if e.action in ("report", "submit")]
            task_updates = list(TaskUpdate.objects.filter(task=task).order_by("id"))
            for update, event in zip(task_updates, reports, strict=False):
                update.created_at = event.created_at
                for attachment in TaskAttachment.objects.filter(update=update):
                    attachment.uploaded_at = event.created_at
                    attachments.append(attachment)
            updates += task_updates
            task.refresh_from_db()
            stamps = {e.action: e.created_at for e in history}
            task.created_at = history[0].created_at if history else task.created_at
            task.last_reported_at = task.last_reported_at and (reports[-1].created_at if reports else None)
            task.submitted_at = task.submitted_at and stamps.get("submit")
            task.done_at = task.done_at and stamps.get("accept")
            tasks.append(task)
        notices = self.notices_in_time(events)
        TaskEvent.objects.bulk_update(events, ["created_at"], batch_size=500)
        Notice.objects.bulk_update(notices, ["created_at", "read_at"], batch_size=500)
        TaskUpdate.objects.bulk_update(updates, ["created_at"], batch_size=500)
        TaskAttachment.objects.bulk_update(attachments, ["uploaded_at"], batch_size=500)
        Task.objects.bulk_update(tasks, ["created_at", "last_reported_at", "submitted_at", "done_at"], batch_size=500)

    def notices_in_time(self, events):
        """Date each notice like the step that sent it (matched by kind, in order); the ones
        older than two days have been read."""
        steps = {}
        for event in sorted(events, key=lambda e: e.pk):
            steps.setdefault((event.task_id, NOTICE_ACTIONS.get(event.action)), []).append(event.created_at)
        notices = list(Notice.objects.filter(kind="task").order_by("id"))
        for notice in notices:
            task_id = int(notice.url.strip("/").split("/")[-1])
            kind = next((k for prefix, k in NOTICE_PREFIXES if notice.title.startswith(prefix)), None)
            times = steps.get((task_id, kind))
            if not times:
                continue
            notice.created_at = times[0] if len(times) == 1 else times.pop(0)
            if notice.created_at < self.now - dt.timedelta(days=2):
                notice.read_at = notice.created_at + dt.timedelta(hours=1)
        return notices
