"""The 单位名录 and the 测评点位清单: imported from the spreadsheets offices keep, exported the same
way (an export can be edited and imported back).

单位名录: 单位名称, 简称, 别名 (several, 、-separated), 类型 (职能部门/条, 属地/块, 其他), 层级 (市直,
区直, 街道, 社区), 辖区 (a region name, path or code), 上级单位. A unit is found again by name within
its 辖区; its 简称 and 别名 feed the name matching of every other import.

测评点位清单: 点位名称, 点位类型 (its label or a word such as 菜市场, 公交站台), 所属区域, 地址, 经度,
纬度, 责任单位, 启用. A site is found again by name, type and region.

Both: all or nothing, rows named by their line, writes through :mod:`chuangcheng.org.services`.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.tabular import ImportErrors, read_table
from chuangcheng.wording import join_clauses, join_list

from .matching import RegionMatcher, UnitMatcher, closest
from .models import AliasSource, Region, Site, SiteType, Unit, UnitKind, UnitLevel
from .services import site_create, site_update, unit_alias_remember, unit_create, unit_update
from .sitetypes import site_type_from_name

SITE_COLUMNS = {
    "name": ["点位名称", "名称", "name"],
    "site_type": ["点位类型", "类型", "site_type"],
    "region": ["所属区域", "所在区划", "区域", "region"],
    "address": ["地址", "address"],
    "longitude": ["经度", "longitude"],
    "latitude": ["纬度", "latitude"],
    "unit": ["责任单位", "responsible_unit"],
    "active": ["启用", "状态", "active"],
}
SITE_REQUIRED = ["name", "site_type", "region", "unit"]
UNIT_COLUMNS = {
    "name": ["单位名称", "名称", "name"],
    "short_name": ["简称", "short_name"],
    "aliases": ["别名", "其他名称", "aliases"],
    "kind": ["类型", "单位类型", "kind"],
    "level": ["层级", "单位层级", "level"],
    "region": ["辖区", "所属区划", "区域", "region"],
    "parent": ["上级单位", "parent"],
    "active": ["启用", "状态", "active"],
}
UNIT_REQUIRED = ["name", "kind", "level", "region"]
KINDS = {
    "职能部门": UnitKind.FUNCTIONAL,
    "条": UnitKind.FUNCTIONAL,
    "属地": UnitKind.TERRITORIAL,
    "块": UnitKind.TERRITORIAL,
    "其他": UnitKind.OTHER,
    "其他单位": UnitKind.OTHER,
    **{str(label): value for value, label in UnitKind.choices},
    **{value: value for value in UnitKind.values},
}
LEVELS = {
    **{str(label): value for value, label in UnitLevel.choices},
    **{value: value for value in UnitLevel.values},
    "市级": UnitLevel.CITY,
    "区级": UnitLevel.DISTRICT,
    "县级": UnitLevel.DISTRICT,
    "乡镇": UnitLevel.STREET,
}
NO = {"否", "停用", "0", "no", "false"}
CHINA = (Decimal(3), Decimal(54), Decimal(73), Decimal(136))  # lat, lat, lng, lng


@dataclass
class DirectoryPlan:
    rows: list = field(default_factory=list)

    @property
    def created(self):
        return sum(r.action == "create" for r in self.rows)

    @property
    def updated(self):
        return sum(r.action == "update" for r in self.rows)

    def summary(self):
        return _("共 %(n)s 行：新增 %(c)s，更新 %(u)s，未变 %(s)s。") % {
            "n": len(self.rows),
            "c": self.created,
            "u": self.updated,
            "s": len(self.rows) - self.created - self.updated,
        }


@dataclass
class PlannedSite:
    line: int
    name: str
    site_type: str
    region: object
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    unit: object
    unit_text: str
    unit_how: str
    is_active: bool
    current: Site | None = None
    action: str = ""

    @property
    def site_type_label(self):
        return str(SiteType(self.site_type).label)

    def values(self):
        return {
            "site_type": self.site_type,
            "name": self.name,
            "region": self.region,
            "address": self.address,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "responsible_unit": self.unit,
            "is_active": self.is_active,
        }


def _decimal(text, label, problems):
    if not text:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        problems.append(_("%(f)s“%(v)s”不是数字") % {"f": label, "v": text})
        return None


def plan_sites(source, *, filename=None):
    table = read_table(source, columns=SITE_COLUMNS, required=SITE_REQUIRED, filename=filename)
    regions, units = RegionMatcher(), UnitMatcher()
    existing = {(s.region_id, s.site_type, s.name): s for s in Site.objects.all()}
    plan, errors, seen = DirectoryPlan(), [], {}
    for row in table:
        problems = []
        name = row.get("name")
        if not name:
            problems.append(_("缺少点位名称"))
        site_type = site_type_from_name(row.get("site_type"))
        if site_type is None:
            problems.append(
                _("点位类型“%(t)s”无法识别（可写：%(known)s）")
                % {"t": row.get("site_type"), "known": join_list(str(label) for _v, label in SiteType.choices)}
            )
        region = regions.resolve(row.get("region"), problems, column=_("所属区域")) if row.get("region") else None
        match = units.resolve(row.get("unit"))
        if not (match.ok and match.unit is not None):
            problems.append(
                _("责任单位“%(u)s”找不到，%(closest)s")
                % {"u": row.get("unit"), "closest": closest(match.suggestions or match.units)}
            )
        lat = _decimal(row.get("latitude"), _("纬度"), problems)
        lng = _decimal(row.get("longitude"), _("经度"), problems)
        if (lat is None) != (lng is None):
            problems.append(_("经度和纬度须同时填写或同时留空"))
        elif lat is not None and not (CHINA[0] <= lat <= CHINA[1] and CHINA[2] <= lng <= CHINA[3]):
            problems.append(
                _("坐标（经度 %(lng)s，纬度 %(lat)s）不在中国境内，是否写反了？") % {"lng": lng, "lat": lat}
            )
        if not problems:
            key = (region.pk, site_type, name)
            if key in seen:
                problems.append(_("与第 %(line)s 行是同一个点位") % {"line": seen[key]})
            seen[key] = row.line
        if problems:
            errors.append((row.line, join_clauses(problems)))
            continue
        planned = PlannedSite(
            line=row.line,
            name=name,
            site_type=site_type,
            region=region,
            address=row.get("address")[:200],
            latitude=lat.quantize(Decimal("0.000001")) if lat is not None else None,
            longitude=lng.quantize(Decimal("0.000001")) if lng is not None else None,
            unit=match.unit,
            unit_text=row.get("unit"),
            unit_how=match.how,
            is_active=row.get("active").lower() not in NO,
            current=existing.get((region.pk, site_type, name)),
        )
        if planned.current is None:
            planned.action = "create"
        else:
            same = all(getattr(planned.current, f) == v for f, v in planned.values().items())
            planned.action = "same" if same else "update"
        plan.rows.append(planned)
    if errors:
        raise ImportErrors(errors)
    return plan


def import_sites(source, *, actor, filename=None, dry_run=False, progress=None):
    """Check every row of a 测评点位清单, then (unless ``dry_run``) create or update the sites."""
    plan = plan_sites(source, filename=filename)
    if dry_run:
        return plan
    try:
        with transaction.atomic():
            for done, r in enumerate(plan.rows, start=1):
                if r.action == "create":
                    values = r.values()
                    site_create(actor=actor, **values)
                elif r.action == "update":
                    changed = {f: v for f, v in r.values().items() if getattr(r.current, f) != v}
                    site_update(actor=actor, site=r.current, data=changed)
                if progress is not None:
                    progress(done, len(plan.rows))
            for r in plan.rows:
                if r.unit_how == "inferred":
                    unit_alias_remember(unit=r.unit, name=r.unit_text, source=AliasSource.CONFIRMED)
    except ApplicationError as error:
        raise ImportErrors([(None, error.message)]) from None
    return plan


def region_paths(regions):
    """``{region.id: "郑州市/金水区/花园路街道"}`` in one query: the form the imports read back."""
    regions = [r for r in regions if r is not None]
    ids = {i for r in regions for i in r.ancestor_ids()}
    by_id = Region.objects.in_bulk(ids) if ids else {}
    by_id.update({r.id: r for r in regions})
    return {r.id: "/".join(by_id[i].name for i in [*r.ancestor_ids(), r.id] if i in by_id) for r in regions}


def sites_rows(sites):
    """Rows of the 测评点位清单 export: the columns :func:`import_sites` reads."""
    sites = list(sites)
    names = region_paths([s.region for s in sites])
    for s in sites:
        yield [
            s.name,
            s.get_site_type_display(),
            names.get(s.region_id, s.region.name),
            s.address,
            float(s.longitude) if s.longitude is not None else "",
            float(s.latitude) if s.latitude is not None else "",
            s.responsible_unit.name,
            _("是") if s.is_active else _("否"),
        ]


SITE_EXPORT = [
    (SITE_COLUMNS["name"][0], 28),
    (SITE_COLUMNS["site_type"][0], 12),
    (SITE_COLUMNS["region"][0], 30),
    (SITE_COLUMNS["address"][0], 30),
    (SITE_COLUMNS["longitude"][0], 12),
    (SITE_COLUMNS["latitude"][0], 12),
    (SITE_COLUMNS["unit"][0], 26),
    (SITE_COLUMNS["active"][0], 6),
]


# --- 单位名录 -------------------------------------------------------------------------------------


@dataclass
class PlannedUnit:
    line: int
    name: str
    short_name: str
    aliases: list
    kind: str
    level: str
    region: object
    parent_text: str
    is_active: bool
    parent: object = None
    current: Unit | None = None
    action: str = ""

    @property
    def kind_label(self):
        return str(UnitKind(self.kind).label)

    @property
    def level_label(self):
        return str(UnitLevel(self.level).label)


def plan_units(source, *, filename=None):
    table = read_table(source, columns=UNIT_COLUMNS, required=UNIT_REQUIRED, filename=filename)
    regions, units = RegionMatcher(), UnitMatcher()
    existing = {(u.region_id, u.name): u for u in Unit.objects.prefetch_related("aliases")}
    plan, errors, in_file = DirectoryPlan(), [], {}
    for row in table:
        problems = []
        name = row.get("name")
        if not name:
            problems.append(_("缺少单位名称"))
        kind, level = KINDS.get(row.get("kind")), LEVELS.get(row.get("level"))
        if kind is None:
            problems.append(_("类型“%(k)s”应为 职能部门、属地 或 其他") % {"k": row.get("kind")})
        if level is None:
            problems.append(_("层级“%(l)s”应为 市直、区直、街道 或 社区") % {"l": row.get("level")})
        region = regions.resolve(row.get("region"), problems, column=_("辖区")) if row.get("region") else None
        if name in in_file:
            problems.append(_("与第 %(line)s 行重名") % {"line": in_file[name]})
        if problems:
            errors.append((row.line, join_clauses(problems)))
            continue
        in_file[name] = row.line
        aliases = [a for a in split_aliases(row.get("aliases")) if a not in (name, row.get("short_name"))]
        plan.rows.append(
            PlannedUnit(
                line=row.line,
                name=name[:100],
                short_name=row.get("short_name")[:50],
                aliases=aliases,
                kind=kind,
                level=level,
                region=region,
                parent_text=row.get("parent"),
                is_active=row.get("active").lower() not in NO,
                current=existing.get((region.pk, name)),
            )
        )
    planned_names = {r.name for r in plan.rows}
    for r in plan.rows:  # parents: in the file or in the system
        if not r.parent_text or r.parent_text in planned_names:
            continue
        match = units.resolve(r.parent_text)
        if match.ok and match.unit is not None:
            r.parent = match.unit
        else:
            errors.append(
                (
                    r.line,
                    _("上级单位“%(u)s”找不到，%(closest)s")
                    % {"u": r.parent_text, "closest": closest(match.suggestions or match.units)},
                )
            )
    if errors:
        raise ImportErrors(sorted(errors, key=lambda e: e[0]))
    for r in plan.rows:
        current = r.current
        if current is None:
            r.action = "create"
            continue
        have = {a.name for a in current.aliases.all()}
        same = (
            (current.short_name, current.kind, current.level, current.is_active)
            == (r.short_name, r.kind, r.level, r.is_active)
            and set(r.aliases) <= have
            and (not r.parent_text or (current.parent is not None and current.parent.name == r.parent_text))
        )
        r.action = "same" if same else "update"
    return plan


def split_aliases(text):
    return [
        a.strip()
        for a in (text or "").replace("，", "、").replace(",", "、").replace("；", "、").split("、")
        if a.strip()
    ]


def import_units(source, *, actor, filename=None, dry_run=False, progress=None):
    """Check every row of a 单位名录, then (unless ``dry_run``) create or update the units and
    remember their 简称 and 别名 (which every other import matches names against)."""
    plan = plan_units(source, filename=filename)
    if dry_run:
        return plan
    try:
        with transaction.atomic():
            saved = {}
            for done, r in enumerate(plan.rows, start=1):
                values = {"short_name": r.short_name, "kind": r.kind, "level": r.level, "is_active": r.is_active}
                if r.current is None:
                    unit = unit_create(actor=actor, name=r.name, region=r.region, **values)
                else:
                    changed = {f: v for f, v in values.items() if getattr(r.current, f) != v}
                    unit = unit_update(actor=actor, unit=r.current, data=changed) if changed else r.current
                saved[r.name] = unit
                for alias in r.aliases:
                    unit_alias_remember(unit=unit, name=alias, source=AliasSource.DIRECTORY)
                if progress is not None:
                    progress(done, len(plan.rows))
            for r in plan.rows:
                parent = saved.get(r.parent_text) or r.parent
                if parent is not None and saved[r.name].parent_id != parent.pk:
                    unit_update(actor=actor, unit=saved[r.name], data={"parent": parent})
    except ApplicationError as error:
        raise ImportErrors([(None, error.message)]) from None
    return plan


def units_rows(units):
    units = list(units)
    paths = region_paths([u.region for u in units])
    for u in units:
        yield [
            u.name,
            u.short_name,
            "、".join(a.name for a in u.aliases.all()),
            u.get_kind_display(),
            u.get_level_display(),
            paths.get(u.region_id, u.region.name),
            u.parent.name if u.parent_id else "",
            _("是") if u.is_active else _("否"),
        ]


UNIT_EXPORT = [
    (UNIT_COLUMNS["name"][0], 30),
    (UNIT_COLUMNS["short_name"][0], 14),
    (UNIT_COLUMNS["aliases"][0], 24),
    (UNIT_COLUMNS["kind"][0], 12),
    (UNIT_COLUMNS["level"][0], 8),
    (UNIT_COLUMNS["region"][0], 30),
    (UNIT_COLUMNS["parent"][0], 26),
    (UNIT_COLUMNS["active"][0], 6),
]
