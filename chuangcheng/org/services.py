"""Writes to regions, units and people. Every write goes through here (or the admin, which
calls these for the tree-keeping parts)."""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError

from .models import LEVEL_DEPTH, Region


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
    region = Region(name=name, level=level, parent=parent, code=code or None)
    if area_class:
        region.area_class = area_class
    region.save()
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    region.save(update_fields=["path"])
    return region


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
