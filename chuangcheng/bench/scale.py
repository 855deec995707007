"""City-scale data for the benchmark: a realistic Zhengzhou with ≈500 units, ≈5,000 people,
tens of thousands of tasks and up to millions of issues, written with PostgreSQL ``COPY``.

Deterministic for a seed and an anchor date. Rows are generated in Python as CSV and streamed
to ``COPY … FROM STDIN``; ids are assigned here and sequences reset afterwards. The ORM is used
only for the few hundred reference rows (regions go through the normal importer).
"""

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from chuangcheng.campaigns.imports import import_indicators
from chuangcheng.campaigns.models import Campaign, CampaignStatus, Indicator
from chuangcheng.org.imports import import_regions
from chuangcheng.org.models import Region, RegionLevel, Unit, UnitKind, UnitLevel

DATA_DIR = settings.BASE_DIR / "data"
SCALE_PASSWORD = "scale-demo-2026"
TZ = timezone.get_default_timezone()

CITY_DEPARTMENTS = [
    "城市管理局", "卫生健康委员会", "市场监督管理局", "公安局交通警察支队", "住房和城乡建设局", "生态环境局",
    "园林局", "教育局", "商务局", "文化广电和旅游局", "交通运输局", "水利局", "民政局", "农业农村局",
    "自然资源和规划局", "应急管理局", "城乡建设局", "房产管理局", "人力资源和社会保障局", "财政局",
    "发展和改革委员会", "工业和信息化局", "科学技术局", "司法局", "退役军人事务局", "体育局", "统计局",
    "医疗保障局", "大数据管理局", "机关事务管理局", "城市管理执法支队", "环境卫生管理处", "市政工程管理处",
    "供水公司", "燃气集团", "公交集团", "地铁集团", "电力公司", "邮政管理局", "烟草专卖局",
]  # fmt: skip
DISTRICT_DEPARTMENTS = [
    "城市管理局", "卫生健康委员会", "市场监督管理局", "住房和城乡建设局", "教育局",
    "商务局", "交通运输局", "生态环境分局", "公安分局", "农业农村和水利局",
]  # fmt: skip


@dataclass
class World:
    """What the task and issue generators need to know about the city."""

    campaign_id: int = 0
    city_id: int = 0
    units: list = field(default_factory=list)  # (id, kind, region_id, region_path)
    street_units: list = field(default_factory=list)
    functional_units: list = field(default_factory=list)
    staff_by_unit: dict = field(default_factory=dict)  # unit id -> [user ids]
    supervisors: list = field(default_factory=list)
    leaders: list = field(default_factory=list)
    grids: list = field(default_factory=list)  # (id, path, parent village id)
    indicator_ids: list = field(default_factory=list)
    region_unit: dict = field(default_factory=dict)  # town region id -> street unit id


# The empty value of a required column the generator does not write (a field added to a model
# after the generator was written): its blank, so the generator keeps working.
EMPTY_BY_TYPE = {
    "character varying": "''",
    "text": "''",
    "boolean": "false",
    "integer": "0",
    "smallint": "0",
    "bigint": "0",
    "jsonb": "'{}'",
}


def _unwritten_required(cursor, table, columns):
    cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s"
        " AND is_nullable = 'NO' AND column_default IS NULL AND is_generated = 'NEVER'",
        [table],
    )
    return [(name, kind) for name, kind in cursor.fetchall() if name not in columns]


def copy_rows(table, columns, rows, chunk=200_000):
    """Stream ``rows`` (iterables of Python values) into ``table`` with COPY, in chunks. Required
    columns not in ``columns`` get their type's empty value for the copy."""
    count = 0
    with connection.cursor() as cursor:
        unwritten = _unwritten_required(cursor, table, columns)
        for name, kind in unwritten:
            if kind not in EMPTY_BY_TYPE:
                raise RuntimeError(f"{table}.{name} ({kind}) is required: add it to the generator")
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{name}" SET DEFAULT {EMPTY_BY_TYPE[kind]}')
        raw = cursor.cursor
        buffer, writer, pending = io.StringIO(), None, 0
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["\\N" if v is None else v for v in row])
            pending += 1
            if pending >= chunk:
                _flush(raw, table, columns, buffer)
                count += pending
                buffer, pending = io.StringIO(), 0
                writer = csv.writer(buffer)
        if pending:
            _flush(raw, table, columns, buffer)
            count += pending
        for name, _kind in unwritten:
            cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{name}" DROP DEFAULT')
    return count


def _flush(raw, table, columns, buffer):
    buffer.seek(0)
    raw.copy_expert(f"COPY \"{table}\" ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)


def next_id(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')
        return cursor.fetchone()[0]


def reset_sequence(table):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
        )


def aware(day, hour=9, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def build_world(*, rng, anchor, log):
    """Regions (+ grids), units, people, leader assignments, the campaign and its standard."""
    import_regions(DATA_DIR / "zhengzhou_divisions.csv")
    standard = import_indicators(
        DATA_DIR / "sample_standard_weisheng.csv", standard_name="国家卫生城市标准", version="示例版"
    ).standard
    city = Region.objects.get(code="4101")
    world = World(city_id=city.pk)
    _grids(world, city, log)
    _units(world, city, rng, log)
    _people(world, rng, log)
    office = Unit.objects.get(region=city, name="郑州市创建国家卫生城市工作指挥部办公室")
    campaign, _created = Campaign.objects.update_or_create(
        name="郑州市创建国家卫生城市（规模测试）",
        defaults={
            "titles": ["sanitary", "civilized"],
            "region": city,
            "office_unit": office,
            "start_date": anchor - dt.timedelta(days=365),
            "target_date": anchor + dt.timedelta(days=100),
            "status": CampaignStatus.ACTIVE,
        },
    )
    campaign.standards.set([standard])
    world.campaign_id = campaign.pk
    world.indicator_ids = list(
        Indicator.objects.filter(standard=standard, parent__isnull=False).values_list("id", flat=True)
    )
    _leader_assignments(world, campaign)
    return world


def _grids(world, city, log):
    """Three grids under every community, with 15-digit grid codes (county6·street3·community3·grid3)."""
    villages = list(
        Region.objects.filter(path__startswith=city.path, level=RegionLevel.VILLAGE).values_list("id", "code", "path")
    )
    existing = set(Region.objects.filter(level=RegionLevel.GRID).values_list("code", flat=True))
    start = next_id("org_region")
    rows, pk = [], start
    for village_id, code, path in villages:
        for g in range(1, 4):
            grid_code = f"{code}{g:03d}"
            if grid_code in existing:
                continue
            rows.append((pk, grid_code, f"第{g}网格", "grid", village_id, f"{path}{pk}/", "B"))
            pk += 1
    copy_rows("org_region", ["id", "code", "name", "level", "parent_id", "path", "area_class"], rows)
    reset_sequence("org_region")
    world.grids = list(
        Region.objects.filter(path__startswith=city.path, level=RegionLevel.GRID).values_list("id", "path", "parent_id")
    )
    log(f"regions: {Region.objects.count()} (grids {len(world.grids)})")


def _unit(name, kind, level, region, parent=None):
    unit, _created = Unit.objects.get_or_create(
        region=region, name=name, defaults={"kind": kind, "level": level, "parent": parent}
    )
    return unit


def _units(world, city, rng, log):
    office = _unit("郑州市创建国家卫生城市工作指挥部办公室", UnitKind.FUNCTIONAL, UnitLevel.CITY, city)
    functional = [office] + [_unit(f"郑州市{n}", UnitKind.FUNCTIONAL, UnitLevel.CITY, city) for n in CITY_DEPARTMENTS]
    streets = []
    for district in Region.objects.filter(parent=city, level=RegionLevel.COUNTY).order_by("code"):
        gov = _unit(f"{district.name}人民政府", UnitKind.TERRITORIAL, UnitLevel.DISTRICT, district)
        functional += [
            _unit(f"{district.name}{n}", UnitKind.FUNCTIONAL, UnitLevel.DISTRICT, district, gov)
            for n in DISTRICT_DEPARTMENTS
        ]
        for town in Region.objects.filter(parent=district, level=RegionLevel.TOWN).order_by("code"):
            suffix = "办事处" if town.name.endswith("街道") else "人民政府"
            street = _unit(f"{town.name}{suffix}", UnitKind.TERRITORIAL, UnitLevel.STREET, town, gov)
            streets.append(street)
            world.region_unit[town.pk] = street.pk
    # A few community committees, to make ≈500 units.
    villages = list(Region.objects.filter(path__startswith=city.path, level=RegionLevel.VILLAGE).order_by("code")[::40])
    for village in villages[:100]:
        _unit(f"{village.name}", UnitKind.TERRITORIAL, UnitLevel.COMMUNITY, village)
    units = list(Unit.objects.select_related("region").filter(region__path__startswith=city.path))
    world.units = [(u.pk, u.kind, u.region_id, u.region.path) for u in units]
    world.street_units = [(u.pk, u.region_id, u.region.path) for u in streets]
    world.functional_units = [u.pk for u in functional]
    log(f"units: {len(units)}")


def _people(world, rng, log):
    """≈10 people per unit (one head), supervisors at the office and district governments,
    twenty city leaders. One password hash for all (hashing 5,000 passwords would take minutes)."""
    from chuangcheng.org.models import User

    if User.objects.filter(username__startswith="s_").exists():
        _load_people(world)
        log(f"people: {User.objects.count()} (existing)")
        return
    password = make_password(SCALE_PASSWORD)
    now = timezone.now().isoformat()
    user_id, membership_id = next_id("org_user"), next_id("org_membership")
    users, memberships = [], []
    for unit_id, _kind, _region_id, _path in world.units:
        for i in range(10):
            role = "unit_head" if i == 0 else "staff"
            users.append(_user_row(user_id, f"s_{unit_id}_{i}", f"经办人{unit_id}-{i}", password, now))
            memberships.append((membership_id, user_id, unit_id, role, None, now))
            user_id, membership_id = user_id + 1, membership_id + 1
    governments = [u for u in world.units if u[1] == UnitKind.TERRITORIAL and u[3].count("/") == 3]
    office_id = world.functional_units[0]
    for i in range(20):
        users.append(_user_row(user_id, f"s_sup_city_{i}", f"市督查员{i}", password, now))
        memberships.append((membership_id, user_id, office_id, "supervisor", None, now))
        user_id, membership_id = user_id + 1, membership_id + 1
    for unit_id, _kind, _region, _path in governments:
        for i in range(2):
            users.append(_user_row(user_id, f"s_sup_{unit_id}_{i}", f"区督查员{unit_id}-{i}", password, now))
            memberships.append((membership_id, user_id, unit_id, "supervisor", None, now))
            user_id, membership_id = user_id + 1, membership_id + 1
    for i in range(20):
        users.append(_user_row(user_id, f"s_leader_{i}", f"市领导{i}", password, now))
        memberships.append((membership_id, user_id, office_id, "leader", None, now))
        user_id, membership_id = user_id + 1, membership_id + 1
    copy_rows(
        "org_user",
        ["id", "username", "display_name", "password", "is_superuser", "is_staff", "is_active", "first_name",
         "last_name", "email", "phone", "date_joined"],
        users,
    )  # fmt: skip
    copy_rows("org_membership", ["id", "user_id", "unit_id", "role", "scope_region_id", "created_at"], memberships)
    reset_sequence("org_user")
    reset_sequence("org_membership")
    _load_people(world)
    log(f"people: {len(users)}")


def _user_row(pk, username, name, password, now):
    return (pk, username, name, password, False, False, True, "", "", f"{username}@scale.local", "", now)


def _load_people(world):
    from chuangcheng.org.models import Membership

    for user_id, unit_id, role in Membership.objects.filter(user__username__startswith="s_").values_list(
        "user_id", "unit_id", "role"
    ):
        if role in ("staff", "unit_head"):
            world.staff_by_unit.setdefault(unit_id, []).append(user_id)
        elif role == "supervisor":
            world.supervisors.append(user_id)
        elif role == "leader":
            world.leaders.append(user_id)


def _leader_assignments(world, campaign):
    from chuangcheng.org.models import LeaderAssignment

    districts = list(Region.objects.filter(parent_id=world.city_id, level=RegionLevel.COUNTY).order_by("code"))
    for i, district in enumerate(districts):
        LeaderAssignment.objects.get_or_create(
            campaign=campaign, leader_id=world.leaders[i % len(world.leaders)], region=district, kind="baobao"
        )


# --- tasks ----------------------------------------------------------------------------------


def build_tasks(world, *, count, rng, anchor, log):
    """``count`` ledger tasks over the last year with updates and events, ~10% decomposed."""
    from tasks.models import Task

    have = Task.objects.filter(campaign_id=world.campaign_id).count()
    if have >= count:
        log(f"tasks: {have} (existing)")
        return
    count -= have
    task_id, event_id, update_id = next_id("tasks_task"), next_id("tasks_taskevent"), next_id("tasks_taskupdate")
    tasks, events, updates, indicators = [], [], [], []
    indicator_link_id = next_id("tasks_task_indicators")
    parent_ids = []
    for n in range(count):
        street_id, region_id, _path = rng.choice(world.street_units)
        owner = street_id if rng.random() < 0.7 else rng.choice(world.functional_units)
        lead = rng.choice(world.functional_units)
        start = anchor - dt.timedelta(days=rng.randint(0, 360))
        deadline = start + dt.timedelta(days=rng.choice([7, 14, 30, 45, 60, 90, 120]))
        r = rng.random()
        state = "done" if r < 0.55 else "in_progress" if r < 0.80 else "submitted" if r < 0.88 else "pending"
        if deadline >= anchor and state == "done" and rng.random() < 0.5:
            state = "in_progress"
        progress = {"done": 100, "submitted": 100, "pending": 0}.get(
            state, rng.choice([10, 20, 30, 40, 50, 60, 70, 80, 90])
        )
        parent = None
        if parent_ids and rng.random() < 0.1:
            parent = rng.choice(parent_ids)
        created = aware(start)
        actor = rng.choice(world.supervisors)
        staff = world.staff_by_unit.get(owner) or [actor]
        done_at = (
            aware(min(deadline + dt.timedelta(days=rng.choice([-5, -2, 0, 1, 3])), anchor), 16)
            if state == "done"
            else None
        )
        submitted_at = aware(min(deadline, anchor), 11) if state in ("submitted", "done") else None
        tasks.append((
            task_id, str(n + 1), f"第{n + 1}项创建任务", "按标准完成", "", "", "", start, deadline, "normal", "", None,
            True, state, progress, submitted_at, done_at, submitted_at if state != "pending" else None, created, created,
            world.campaign_id, actor, lead, owner, parent, region_id if owner == street_id else None, None, "",
        ))  # fmt: skip
        if rng.random() < 0.3:
            parent_ids.append(task_id)
        indicators.append((indicator_link_id, task_id, rng.choice(world.indicator_ids)))
        indicator_link_id += 1
        events.append((event_id, "create", "", "pending", "", "{}", created, actor, task_id))
        event_id += 1
        if state != "pending":
            author = rng.choice(staff)
            at = aware(start + dt.timedelta(days=max(1, (deadline - start).days // 3)), 10)
            updates.append((update_id, progress if state == "in_progress" else 50, "按计划推进", at, author, task_id))
            update_id += 1
            events.append(
                (
                    event_id,
                    "report",
                    "pending",
                    "in_progress",
                    "按计划推进",
                    json.dumps({"progress": [0, 50]}),
                    at,
                    author,
                    task_id,
                )
            )
            event_id += 1
        if state in ("submitted", "done"):
            events.append(
                (
                    event_id,
                    "submit",
                    "in_progress",
                    "submitted",
                    "已完成",
                    "{}",
                    submitted_at,
                    rng.choice(staff),
                    task_id,
                )
            )
            event_id += 1
        if state == "done":
            events.append((event_id, "accept", "submitted", "done", "", "{}", done_at, actor, task_id))
            event_id += 1
        task_id += 1
    copy_rows(
        "tasks_task",
        ["id", "number", "title", "completion_standard", "responsible_leader_name", "contact_name", "contact_phone",
         "start_date", "deadline", "priority", "recurrence", "occurrence_date", "evidence_required", "state",
         "progress", "submitted_at", "done_at", "last_reported_at", "created_at", "updated_at", "campaign_id",
         "created_by_id", "lead_unit_id", "owner_unit_id", "parent_id", "region_id", "responsible_leader_id",
         "import_key"],
        tasks,
    )  # fmt: skip
    copy_rows("tasks_task_indicators", ["id", "task_id", "indicator_id"], indicators)
    copy_rows("tasks_taskupdate", ["id", "progress", "note", "created_at", "author_id", "task_id"], updates)
    copy_rows(
        "tasks_taskevent",
        ["id", "action", "from_state", "to_state", "comment", "changes", "created_at", "actor_id", "task_id"],
        events,
    )
    with connection.cursor() as cursor:  # a task with sub-tasks is 推进中, as the services make it
        cursor.execute(
            "UPDATE tasks_task SET state = 'in_progress' WHERE state = 'pending'"
            " AND id IN (SELECT parent_id FROM tasks_task WHERE parent_id IS NOT NULL)"
        )
    for table in ("tasks_task", "tasks_task_indicators", "tasks_taskupdate", "tasks_taskevent"):
        reset_sequence(table)
    log(f"tasks: +{len(tasks)} ({len(events)} events, {len(updates)} updates)")


def analyze():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def make_rng(seed):
    return random.Random(seed)
