"""A believable demo city: Zhengzhou's divisions, the campaign office, a dozen functional
departments, district governments and street offices for five central districts, ≈200 sites,
one person per role, leaders assigned to districts, and a 百日会战 campaign 100 days out.

Idempotent: running it again updates the same rows instead of adding new ones.
"""

import datetime as dt
import random
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chuangcheng.campaigns.imports import import_indicators
from chuangcheng.campaigns.models import Campaign, CampaignStatus, CityTitle
from chuangcheng.org.imports import import_regions
from chuangcheng.org.models import (
    LeaderAssignment,
    Membership,
    Region,
    RegionLevel,
    Role,
    Site,
    SiteType,
    Unit,
    UnitKind,
    UnitLevel,
    User,
)
from chuangcheng.tabular import ImportErrors

DATA_DIR = Path(settings.BASE_DIR) / "data"  # copies of ../shared/data, see data/README.md
DEMO_PASSWORD = "chuangcheng-demo-2026"
DEMO_DISTRICTS = ["410105", "410102", "410103", "410104", "410108"]  # 金水 中原 二七 管城 惠济
FUNCTIONAL_UNITS = [
    "郑州市城市管理局",
    "郑州市卫生健康委员会",
    "郑州市市场监督管理局",
    "郑州市公安局交通警察支队",
    "郑州市住房和城乡建设局",
    "郑州市生态环境局",
    "郑州市园林局",
    "郑州市教育局",
    "郑州市商务局",
    "郑州市文化广电和旅游局",
    "郑州市交通运输局",
    "郑州市水利局",
]
# Short names: the 城管 hint of the city-management categories matches 市城管局 (see
# inspections.selectors.suggest_responsible_unit).
SHORT_NAMES = {"郑州市城市管理局": "市城管局", "郑州市园林局": "市园林局"}
# Sites a department answers for; the rest belong to the street office (属地).
SITE_OWNER = {
    SiteType.SCHOOL: "郑州市教育局",
    SiteType.HOSPITAL: "郑州市卫生健康委员会",
    SiteType.CONSTRUCTION: "郑州市住房和城乡建设局",
    SiteType.PARK: "郑州市园林局",
    SiteType.STATION: "郑州市交通运输局",
}
SITE_NAMES = {
    SiteType.MAIN_ROAD: ["{t}大道（{n}段）", "{t}路"],
    SiteType.BACK_STREET: ["{t}{n}号巷", "{t}后街"],
    SiteType.MARKET: ["{t}农贸市场", "{t}便民菜市场"],
    SiteType.RESIDENTIAL: ["{t}{n}号院小区", "{t}家属院"],
    SiteType.SCHOOL: ["{t}小学", "{t}第{n}中学"],
    SiteType.HOSPITAL: ["{t}社区卫生服务中心", "{t}医院"],
    SiteType.SERVICE_WINDOW: ["{t}便民服务中心", "{t}政务服务大厅"],
    SiteType.CONSTRUCTION: ["{t}{n}号地块项目工地"],
    SiteType.PARK: ["{t}游园", "{t}广场"],
    SiteType.STATION: ["{t}公交首末站"],
    SiteType.TOILET: ["{t}公厕{n}号"],
    SiteType.STORE_STREET: ["{t}商业街"],
}


class Command(BaseCommand):
    help = "生成演示数据（郑州市区划、单位、人员、点位、创建活动）。可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(DATA_DIR), help="数据目录（默认为仓库内 data/）")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, data_dir, seed, **options):
        data = Path(data_dir)
        rng = random.Random(seed)
        try:
            regions = import_regions(data / "zhengzhou_divisions.csv")
            indicators = import_indicators(
                data / "sample_standard_weisheng.csv", standard_name="国家卫生城市标准", version="示例版"
            )
        except ImportErrors as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("区划：%(s)s") % {"s": regions.summary()})
        self.stdout.write(indicators.summary())
        with transaction.atomic():
            people = self._build(rng, indicators.standard)
        # Later apps (ledger, inspections) add their demo data through their own commands.
        for extra in getattr(settings, "DEMO_SEED_COMMANDS", []):
            name, *args = [extra] if isinstance(extra, str) else extra
            call_command(name, *args, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(_("演示数据已就绪。演示账号（密码均为 %(p)s）：") % {"p": DEMO_PASSWORD}))
        for username, description in people:
            self.stdout.write(f"  {username:<12} {description}")

    def _build(self, rng, standard):
        city = Region.objects.get(code="4101")
        office, _created = Unit.objects.update_or_create(
            region=city,
            name="郑州市创建国家卫生城市工作指挥部办公室",
            defaults={"short_name": "市创建办", "kind": UnitKind.FUNCTIONAL, "level": UnitLevel.CITY},
        )
        depts = {}
        for name in FUNCTIONAL_UNITS:
            depts[name], _created = Unit.objects.update_or_create(
                region=city,
                name=name,
                defaults={
                    "short_name": SHORT_NAMES.get(name, ""),
                    "kind": UnitKind.FUNCTIONAL,
                    "level": UnitLevel.CITY,
                },
            )
        districts = list(Region.objects.filter(code__in=DEMO_DISTRICTS).order_by("code"))
        governments, streets = {}, {}
        for district in districts:
            gov, _created = Unit.objects.update_or_create(
                region=district,
                name=f"{district.name}人民政府",
                defaults={"kind": UnitKind.TERRITORIAL, "level": UnitLevel.DISTRICT},
            )
            governments[district.code] = gov
            for town in Region.objects.filter(parent=district, level=RegionLevel.TOWN).order_by("code"):
                suffix = "办事处" if town.name.endswith("街道") else "人民政府"
                streets[town.code], _created = Unit.objects.update_or_create(
                    region=town,
                    name=f"{town.name}{suffix}",
                    defaults={"kind": UnitKind.TERRITORIAL, "level": UnitLevel.STREET, "parent": gov},
                )
        self._sites(rng, streets, depts)

        today = timezone.localdate()
        campaign, _created = Campaign.objects.update_or_create(
            name="郑州市创建国家卫生城市“百日会战”",
            defaults={
                "titles": [CityTitle.SANITARY.value, CityTitle.CIVILIZED.value],
                "region": city,
                "office_unit": office,
                "start_date": today - dt.timedelta(days=20),
                "target_date": today + dt.timedelta(days=100),
                "status": CampaignStatus.ACTIVE,
                "description": "对照国家卫生城市标准，百日内完成问题整改、补齐短板，迎接国家暗访评估。",
            },
        )
        campaign.standards.set([standard])

        jinshui = Region.objects.get(code="410105")
        first_street = streets[min(c for c in streets if c.startswith("410105"))]
        people = [
            ("admin", "系统管理员", office, Role.ADMIN, None, {"is_staff": True, "is_superuser": True}),
            ("duchayuan", "市创建办督查员（全市）", office, Role.SUPERVISOR, None, {}),
            ("jinshui_dc", "金水区督查员（金水区）", governments["410105"], Role.SUPERVISOR, jinshui, {}),
            ("lingdao", "市领导（包保金水区、中原区）", office, Role.LEADER, None, {}),
            ("lingdao2", "市领导（包保二七区、管城回族区、惠济区）", office, Role.LEADER, None, {}),
            ("fuzeren", f"单位负责人（{first_street.name}）", first_street, Role.UNIT_HEAD, None, {}),
            ("jingbanren", f"经办人（{first_street.name}）", first_street, Role.STAFF, None, {}),
            ("chengguan", "经办人（郑州市城市管理局）", depts["郑州市城市管理局"], Role.STAFF, None, {}),
        ]
        names = {
            "admin": "管理员",
            "duchayuan": "王督查",
            "jinshui_dc": "赵督查",
            "lingdao": "李市长",
            "lingdao2": "陈副市长",
            "fuzeren": "张主任",
            "jingbanren": "刘经办",
            "chengguan": "孙科长",
        }
        users = {}
        # The demo accounts keep the published password (README): they are not asked to change
        # it at first sign-in, unlike accounts an admin creates or imports (must_change_password).
        for username, _description, unit, role, scope_region, flags in people:
            user, _created = User.objects.update_or_create(
                username=username,
                defaults={
                    "display_name": names[username],
                    "email": f"{username}@demo.chuangcheng.local",
                    "must_change_password": False,
                    **flags,
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            Membership.objects.update_or_create(
                user=user, unit=unit, role=role, defaults={"scope_region": scope_region}
            )
            users[username] = user

        assignments = {"lingdao": ["410105", "410102"], "lingdao2": ["410103", "410104", "410108"]}
        for username, codes in assignments.items():
            for code in codes:
                LeaderAssignment.objects.get_or_create(
                    campaign=campaign,
                    leader=users[username],
                    region=Region.objects.get(code=code),
                    kind="baobao",
                )
        return [(u, d) for u, d, *_rest in people]

    def _sites(self, rng, streets, depts):
        """≈200 sites of a dozen types, spread over the demo streets."""
        types = list(SITE_NAMES)
        street_list = sorted(streets.items())
        for i in range(200):
            code, street = street_list[i % len(street_list)]
            site_type = types[i % len(types)]
            town = street.region
            stem = town.name.removesuffix("街道").removesuffix("办事处").removesuffix("镇").removesuffix("乡")
            if site_type == SiteType.MAIN_ROAD:  # 桐柏路街道 → 桐柏路 / 桐柏大道, not 桐柏路路
                stem = stem.removesuffix("路")
            name = rng.choice(SITE_NAMES[site_type]).format(t=stem, n=i // len(street_list) + 1)
            owner = depts.get(SITE_OWNER.get(site_type)) or street
            Site.objects.update_or_create(
                region=town,
                site_type=site_type,
                name=name,
                defaults={
                    "responsible_unit": owner,
                    "address": f"郑州市{town.name}{name}",
                    "latitude": round(34.70 + rng.uniform(0, 0.12), 6),
                    "longitude": round(113.55 + rng.uniform(0, 0.2), 6),
                },
            )
