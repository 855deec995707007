"""Writes to regions, units and people. Every write goes through here (or the admin, which
calls these for the tree-keeping parts)."""

from collections import Counter

from django.db import transaction
from django.db.models import F, ProtectedError, RestrictedError, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError

from .models import (
    LEVEL_DEPTH,
    AreaClass,
    AssignmentKind,
    LeaderAssignment,
    Membership,
    Region,
    Site,
    SiteType,
    Unit,
    UnitAlias,
    UnitKind,
    UnitLevel,
)
from .permissions import can_manage_in_region, can_manage_org


def _check_level(level, parent):
    if level not in LEVEL_DEPTH:
        raise ApplicationError(_("未知的层级“%(level)s”。") % {"level": level}, field="level")
    if parent is not None and LEVEL_DEPTH[parent.level] >= LEVEL_DEPTH[level]:
        raise ApplicationError(
            _("“%(parent)s”（%(plevel)s）不能作为%(level)s的上级。")
            % {"parent": parent.name, "plevel": parent.get_level_display(), "level": level},
            field="parent",
        )


@transaction.atomic
def region_create(*, name, level, parent=None, code=None, area_class=None):
    """Create a region and set its materialized path (needs the primary key, hence two writes)."""
    _check_level(level, parent)
    if code and Region.objects.filter(code=code).exists():
        raise ApplicationError(_("区划代码“%(code)s”已被使用。") % {"code": code}, field="code")
    region = Region(name=name, level=level, parent=parent, code=code or None)
    if area_class:
        region.area_class = area_class
    region.save()
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    region.save(update_fields=["path"])
    return region


# Called in region_move's transaction with ``old_path`` and ``new_path``: apps above keep data
# keyed by a region's ancestry (inspections' issue tallies count issues by 街道) and register here.
_MOVE_HOOKS = []


def on_region_move(hook):
    _MOVE_HOOKS.append(hook)


@transaction.atomic
def region_move(*, region, new_parent):
    """Re-parent a region and rewrite the paths of its whole subtree in one UPDATE."""
    if new_parent is not None and new_parent.path.startswith(region.path):
        raise ApplicationError(_("不能把区划移到它自己的下级之下（会形成循环）。"), field="parent")
    _check_level(region.level, new_parent)
    old_path = region.path
    new_path = f"{new_parent.path if new_parent else '/'}{region.pk}/"
    Region.objects.filter(pk=region.pk).update(parent=new_parent)
    if new_path != old_path:
        Region.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
        )
        for hook in _MOVE_HOOKS:
            hook(old_path=old_path, new_path=new_path)
    region.refresh_from_db()
    return region


def rebuild_paths(regions_by_id):
    """Compute paths for freshly bulk-created regions whose parents already have paths.

    ``regions_by_id``: every region touched, parents before children is not required."""
    memo = {}

    def path_of(region):
        if region.pk in memo:
            return memo[region.pk]
        if region.parent_id is None:
            path = f"/{region.pk}/"
        else:
            parent = regions_by_id.get(region.parent_id)
            parent_path = path_of(parent) if parent is not None else Region.objects.get(pk=region.parent_id).path
            path = f"{parent_path}{region.pk}/"
        memo[region.pk] = path
        return path

    for region in regions_by_id.values():
        region.path = path_of(region)
    return regions_by_id


# --- Writes from people (the API, pages) ----------------------------------------------------------
#
# Every function below takes ``actor``: the person making the change, checked with the
# predicates of :mod:`chuangcheng.org.permissions`, or ``None`` for the system itself (imports,
# management commands), which the operator already vouches for. Pass it explicitly.


def _check_manager(actor):
    if actor is not None and not can_manage_org(actor):
        raise ApplicationError(_("只有系统管理员可以维护区划、单位、点位和包保关系。"), code="forbidden")


def _check_region_in_scope(actor, region, field):
    if actor is not None and not can_manage_in_region(actor, region):
        raise ApplicationError(_("“%(region)s”不在您的管辖范围内。") % {"region": region.name}, field=field)


def _check_unit_visible(actor, unit, field):
    if actor is not None and not Unit.objects.visible_to(actor).filter(pk=unit.pk).exists():
        raise ApplicationError(_("单位“%(unit)s”不在您的管辖范围内。") % {"unit": unit.name}, field=field)


def _check_choice(value, choices, field, label):
    if value not in choices.values:
        raise ApplicationError(_("未知的%(label)s“%(value)s”。") % {"label": label, "value": value}, field=field)


def _check_name(name, field="name"):
    if not (name or "").strip():
        raise ApplicationError(_("名称不能为空。"), field=field)
    return name.strip()


def _check_fields(data, allowed):
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(f)s。") % {"f": "、".join(unknown)}, field=unknown[0])


def _delete_or_conflict(obj, *, hint=""):
    """Delete ``obj``, or explain which data still refers to it (PROTECT) as a 409."""
    try:
        obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        counts = Counter(str(o._meta.verbose_name) for o in blocking)
        kinds = sorted(counts)
        raise ApplicationError(
            _("“%(name)s”仍被其他数据引用（%(what)s），不能删除。%(hint)s")
            % {
                "name": obj,
                "what": "、".join(_("%(kind)s %(n)s 条") % {"kind": k, "n": counts[k]} for k in kinds),
                "hint": hint,
            },
            code="conflict",
            extra={"referenced_by": kinds},
        ) from exc


def _refuse_if_assigned(obj, *, hint=""):
    # Leader assignments cascade on delete; losing them silently would shrink leaders' scopes.
    if obj.leader_assignments.exists():
        raise ApplicationError(
            _("“%(name)s”仍有领导包保关系，不能删除。%(hint)s") % {"name": obj, "hint": hint},
            code="conflict",
            extra={"referenced_by": [str(LeaderAssignment._meta.verbose_name)]},
        )


_NOT_GIVEN = object()


@transaction.atomic
def region_update(*, actor, region, data):
    """Change a region's name, code, level, area class or parent. A new parent goes through
    :func:`region_move`, which rewrites the subtree's paths; ``path`` is never set here."""
    _check_fields(data, {"name", "code", "level", "area_class", "parent"})
    _check_manager(actor)
    _check_region_in_scope(actor, region, None)
    region = Region.objects.select_for_update().get(pk=region.pk)
    fields = []
    if "name" in data:
        region.name = _check_name(data["name"])
        fields.append("name")
    if "code" in data:
        code = data["code"] or None
        if code and Region.objects.filter(code=code).exclude(pk=region.pk).exists():
            raise ApplicationError(_("区划代码“%(code)s”已被使用。") % {"code": code}, field="code")
        region.code = code
        fields.append("code")
    if "area_class" in data:
        _check_choice(data["area_class"], AreaClass, "area_class", _("区域类别"))
        region.area_class = data["area_class"]
        fields.append("area_class")
    new_parent = data.get("parent", _NOT_GIVEN)
    parent = region.parent if new_parent is _NOT_GIVEN else new_parent
    if "level" in data:
        _check_level(data["level"], parent)
        child_levels = Region.objects.filter(parent=region).values_list("level", flat=True)
        if any(LEVEL_DEPTH[c] <= LEVEL_DEPTH[data["level"]] for c in child_levels):
            raise ApplicationError(_("该区划的下级区划层级不低于新层级，不能修改。"), field="level")
        region.level = data["level"]
        fields.append("level")
    if fields:
        region.save(update_fields=fields)
    if new_parent is not _NOT_GIVEN and new_parent != region.parent:
        if new_parent is not None:
            _check_region_in_scope(actor, new_parent, "parent")
        region = region_move(region=region, new_parent=new_parent)
    return region


@transaction.atomic
def region_delete(*, actor, region):
    """Delete a region nothing refers to; a region with children, units, sites, campaigns or
    leader assignments is refused (409) with what still refers to it."""
    _check_manager(actor)
    _check_region_in_scope(actor, region, None)
    hint = _("请先删除或移走其下级区划及相关数据。")
    _refuse_if_assigned(region, hint=hint)
    _delete_or_conflict(region, hint=hint)


def _check_unit_parent(actor, unit, parent):
    if parent is None:
        return
    _check_unit_visible(actor, parent, "parent")
    if unit is None:
        return
    ancestor = parent
    while ancestor is not None:  # a chain of a few levels: 市直 → 区直 → 街道 → 社区
        if ancestor.pk == unit.pk:
            raise ApplicationError(_("上级单位不能是本单位或其下级单位。"), field="parent")
        ancestor = ancestor.parent


def _check_unit_name_free(name, region, exclude=None):
    if Unit.objects.filter(region=region, name=name).exclude(pk=getattr(exclude, "pk", None)).exists():
        raise ApplicationError(
            _("“%(region)s”已有名为“%(name)s”的单位。") % {"region": region.name, "name": name}, field="name"
        )


@transaction.atomic
def unit_create(*, actor, name, kind, level, region, parent=None, short_name="", is_active=True):
    """Create a unit in ``region`` (its jurisdiction), optionally under a parent unit."""
    _check_manager(actor)
    name = _check_name(name)
    _check_choice(kind, UnitKind, "kind", _("单位类型"))
    _check_choice(level, UnitLevel, "level", _("单位层级"))
    _check_region_in_scope(actor, region, "region")
    _check_unit_parent(actor, None, parent)
    _check_unit_name_free(name, region)
    unit = Unit(
        name=name,
        short_name=short_name or "",
        kind=kind,
        level=level,
        region=region,
        parent=parent,
        is_active=is_active,
    )
    unit.save()
    return unit


@transaction.atomic
def unit_update(*, actor, unit, data):
    """Change a unit's names, kind, level, region, parent or whether it is active. Disabling a
    unit (``is_active``) removes the scope its members had through it."""
    _check_fields(data, {"name", "short_name", "kind", "level", "region", "parent", "is_active"})
    _check_manager(actor)
    unit = Unit.objects.select_for_update().select_related("region").get(pk=unit.pk)
    _check_region_in_scope(actor, unit.region, "region")
    if "name" in data:
        data["name"] = _check_name(data["name"])
    if "kind" in data:
        _check_choice(data["kind"], UnitKind, "kind", _("单位类型"))
    if "level" in data:
        _check_choice(data["level"], UnitLevel, "level", _("单位层级"))
    if "region" in data:
        _check_region_in_scope(actor, data["region"], "region")
    if "parent" in data:
        _check_unit_parent(actor, unit, data["parent"])
    if "name" in data or "region" in data:
        _check_unit_name_free(data.get("name", unit.name), data.get("region", unit.region), exclude=unit)
    for field, value in data.items():
        setattr(unit, field, value if field != "short_name" else value or "")
    if data:
        unit.save(update_fields=list(data))
    return unit


@transaction.atomic
def unit_delete(*, actor, unit):
    """Delete a unit nothing refers to; otherwise 409 (disable it with ``is_active`` instead)."""
    _check_manager(actor)
    _check_region_in_scope(actor, unit.region, "region")
    hint = _("可以改为停用该单位。")
    _refuse_if_assigned(unit, hint=hint)
    _delete_or_conflict(unit, hint=hint)


def _check_coordinates(latitude, longitude):
    if (latitude is None) != (longitude is None):
        raise ApplicationError(
            _("经度和纬度须同时填写或同时留空。"), field="latitude" if latitude is None else "longitude"
        )
    if latitude is not None and not -90 <= latitude <= 90:
        raise ApplicationError(_("纬度应在 -90 到 90 之间。"), field="latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise ApplicationError(_("经度应在 -180 到 180 之间。"), field="longitude")


def _check_site_name_free(name, region, site_type, exclude=None):
    clash = Site.objects.filter(region=region, site_type=site_type, name=name).exclude(pk=getattr(exclude, "pk", None))
    if clash.exists():
        raise ApplicationError(
            _("“%(region)s”已有同类点位“%(name)s”。") % {"region": region.name, "name": name}, field="name"
        )


@transaction.atomic
def site_create(
    *,
    actor,
    site_type,
    name,
    region,
    responsible_unit,
    address="",
    latitude=None,
    longitude=None,
    is_active=True,
):
    """Create a 测评点位 in ``region`` with the unit that answers for it."""
    _check_manager(actor)
    name = _check_name(name)
    _check_choice(site_type, SiteType, "site_type", _("点位类型"))
    _check_region_in_scope(actor, region, "region")
    _check_unit_visible(actor, responsible_unit, "responsible_unit")
    if not responsible_unit.is_active:
        raise ApplicationError(
            _("责任单位“%(unit)s”已停用。") % {"unit": responsible_unit.name}, field="responsible_unit"
        )
    _check_coordinates(latitude, longitude)
    _check_site_name_free(name, region, site_type)
    site = Site(
        site_type=site_type,
        name=name,
        region=region,
        responsible_unit=responsible_unit,
        address=address or "",
        latitude=latitude,
        longitude=longitude,
        is_active=is_active,
    )
    site.save()
    return site


@transaction.atomic
def site_update(*, actor, site, data):
    """Change a site's type, name, place, coordinates, responsible unit or whether it is active."""
    allowed = {"site_type", "name", "region", "address", "latitude", "longitude", "responsible_unit", "is_active"}
    _check_fields(data, allowed)
    _check_manager(actor)
    site = Site.objects.select_for_update().select_related("region", "responsible_unit").get(pk=site.pk)
    _check_region_in_scope(actor, site.region, "region")
    if "name" in data:
        data["name"] = _check_name(data["name"])
    if "site_type" in data:
        _check_choice(data["site_type"], SiteType, "site_type", _("点位类型"))
    if "region" in data:
        _check_region_in_scope(actor, data["region"], "region")
    if "responsible_unit" in data:
        unit = data["responsible_unit"]
        _check_unit_visible(actor, unit, "responsible_unit")
        if not unit.is_active:
            raise ApplicationError(_("责任单位“%(unit)s”已停用。") % {"unit": unit.name}, field="responsible_unit")
    if "latitude" in data or "longitude" in data:
        _check_coordinates(data.get("latitude", site.latitude), data.get("longitude", site.longitude))
    if {"name", "region", "site_type"} & set(data):
        _check_site_name_free(
            data.get("name", site.name), data.get("region", site.region), data.get("site_type", site.site_type), site
        )
    for field, value in data.items():
        setattr(site, field, value if field != "address" else value or "")
    if data:
        site.save(update_fields=list(data))
    return site


@transaction.atomic
def site_delete(*, actor, site):
    """Delete a site nothing refers to; otherwise 409 (disable it with ``is_active`` instead)."""
    _check_manager(actor)
    _check_region_in_scope(actor, site.region, "region")
    hint = _("可以改为停用该点位。")
    _refuse_if_assigned(site, hint=hint)
    _delete_or_conflict(site, hint=hint)


@transaction.atomic
def leader_assignment_create(*, actor, campaign, kind, leader=None, unit=None, region=None, site=None, note=""):
    """领导包保: a leader (or a unit, 条包块管) answers for a region or a site of ``campaign``
    (assignments to a task are made by the tasks app).

    The leader must hold the 包保领导 role, since only then does the assignment widen what they
    see; the region or site must lie within the campaign's territory."""
    _check_manager(actor)
    _check_choice(kind, AssignmentKind, "kind", _("责任类型"))
    if campaign.status == "closed":
        raise ApplicationError(_("“%(c)s”已结束，不能再调整包保关系。") % {"c": campaign.name}, code="conflict")
    if (leader is None) == (unit is None):
        raise ApplicationError(_("请填写领导或包保单位（二选一）。"), field="leader")
    if (region is None) == (site is None):
        raise ApplicationError(_("请填写包保区域或包保点位（二选一）。"), field="region")
    if leader is not None and not Membership.objects.filter(user=leader, role="leader", unit__is_active=True).exists():
        raise ApplicationError(_("“%(u)s”没有“包保领导”角色。") % {"u": leader}, field="leader")
    if unit is not None:
        _check_unit_visible(actor, unit, "unit")
    place, field = (region, "region") if region is not None else (site.region, "site")
    _check_region_in_scope(actor, place, field)
    if not place.path.startswith(campaign.region.path):
        raise ApplicationError(
            _("“%(p)s”不在创建活动“%(c)s”的区域内。") % {"p": region or site, "c": campaign.name}, field=field
        )
    duplicate = LeaderAssignment.objects.filter(
        campaign=campaign, leader=leader, unit=unit, region=region, site=site, kind=kind
    )
    if duplicate.exists():
        raise ApplicationError(_("该包保关系已存在。"), field=field)
    assignment = LeaderAssignment(
        campaign=campaign, leader=leader, unit=unit, region=region, site=site, kind=kind, note=note or ""
    )
    assignment.save()
    return assignment


@transaction.atomic
def leader_assignment_delete(*, actor, assignment):
    """End a leader assignment; the leader no longer sees the region through it."""
    _check_manager(actor)
    # A task's place is the tasks app's business (org does not look into tasks); regions and
    # sites are checked against the actor's scope here.
    if assignment.region_id:
        _check_region_in_scope(actor, assignment.region, "region")
    elif assignment.site_id:
        _check_region_in_scope(actor, assignment.site.region, "site")
    assignment.delete()


def unit_alias_remember(*, unit, name, source):
    """Remember ``name`` as an alias of ``unit`` (an import's confirmed match, a 单位名录 row).
    Nothing happens when it is the unit's own name or short name or already an alias.
    Returns the new alias or ``None``."""
    name = (name or "").strip()[:100]
    if not name or name in (unit.name, unit.short_name):
        return None
    alias, created = UnitAlias.objects.get_or_create(unit=unit, name=name, defaults={"source": source})
    return alias if created else None
