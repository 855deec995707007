"""Reads for the org pages that are more than a filter.

The home page gathers who I am and the campaigns I can see (other apps add panels: org.home);
each read here costs a fixed number of queries whatever the number of rows.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Lookup, Q
from django.utils.translation import gettext as _

from .models import LeaderAssignment, Membership, Region, RegionLevel
from .scoping import scope_for


class AnyOf(Lookup):
    """``lhs = ANY(ARRAY(<subquery>))`` (PostgreSQL): the subquery runs once, as an init plan, and
    the comparison is an index condition on ``lhs`` — also inside an OR, where ``IN
    (<subquery>)`` becomes a hashed subplan tested against every row, and next to a range on an
    index's earlier columns, where a join on the region's path reads the whole range first."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def in_subtree(field, path):
    """A Q for rows whose ``field`` (a foreign key to a region) lies in the subtree at ``path``:
    on PostgreSQL ``<field>_id = ANY(ARRAY(<the subtree's ids>))`` (:class:`AnyOf`), elsewhere
    the join on the region's path."""
    if connection.vendor == "postgresql":
        return Q(AnyOf(F(f"{field}_id"), Region.objects.filter(path__startswith=path).order_by().values("pk")))
    return Q(**{f"{field}__path__startswith": path})


def offer_regions(field, user, asked=None):
    """A list's 区域 select: the city, districts and streets the person can see, indented by
    depth — and the region ``asked`` for (a community, from its overview's links) when they can
    see it, so it is filtered by and shown chosen rather than called out of scope."""
    offered = Q(level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN])
    if str(asked or "").isdigit():
        offered |= Q(pk=int(asked))
    field.queryset = Region.objects.visible_to(user).filter(offered).order_by("path")
    field.label_from_instance = lambda r: "\u3000" * max(r.depth - 1, 0) + r.name


def region_full_names(regions):
    """``{region.id: full name}`` — the same text as :meth:`Region.full_name`, in one query
    for all ``regions`` together instead of one per region."""
    regions = [r for r in regions if r is not None]
    ancestor_ids = {i for r in regions for i in r.ancestor_ids()}
    by_id = Region.objects.in_bulk(ancestor_ids) if ancestor_ids else {}
    by_id.update({r.id: r for r in regions})
    return {r.id: "".join(by_id[i].name for i in [*r.ancestor_ids(), r.id] if i in by_id) for r in regions}


@dataclass(frozen=True)
class MembershipRow:
    membership: Membership
    scope_name: str  # the full name of the region the role covers (管辖范围)

    @property
    def unit(self):
        return self.membership.unit

    @property
    def role_display(self):
        return self.membership.get_role_display()


def membership_list(*, user):
    """The user's roles in active units, each with the full name of the region it covers:
    ``scope_region`` when set, else the unit's region. Two queries."""
    memberships = list(
        Membership.objects.filter(user=user, unit__is_active=True)
        .select_related("unit__region", "scope_region")
        .order_by("unit__level", "unit__name", "role")
    )
    scopes = {m.id: m.scope_region or m.unit.region for m in memberships}
    names = region_full_names(scopes.values())
    baobao = _leader_regions(user) if any(m.role == "leader" for m in memberships) else ""
    return [
        MembershipRow(
            membership=m,
            # A leader's 管辖范围 is what they were assigned (领导包保), not the office's city.
            scope_name=(baobao or names[scopes[m.id].id])
            if m.role == "leader" and not m.scope_region_id
            else names[scopes[m.id].id],
        )
        for m in memberships
    ]


def _leader_regions(user):
    """What a leader is assigned (领导包保) in active campaigns, in words: the regions and sites
    by name, assigned tasks as a count (one query)."""
    parts = []
    rows = LeaderAssignment.objects.filter(leader=user, campaign__status="active").select_related("region", "site")
    for a in rows.order_by("region__path", "site__name", "pk"):
        name = a.region.name if a.region_id else a.site.name
        if name not in parts:
            parts.append(name)
    tasks = len(scope_for(user).assigned_ids("task"))
    if tasks:
        parts.append(_("包保任务 %(n)s 项") % {"n": tasks})
    return "、".join(parts)
